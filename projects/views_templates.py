"""The template edit page (`/projets/modeles/<id>/modifier/`): its author, staff and IT rename it and change
its columns, labels, checklist items and milestone offsets. Anyone else gets 404, as for a missing one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import templating
from .forms_plan import TemplateEditForm
from .models import Template
from .permissions import _int
from .views_plan import _bind_errors


@require_http_methods(["GET", "POST"])
def template_edit(request, pk):
    template = Template.objects.filter(pk=_int(pk)).first()
    if template is None or not templating.may_edit_template(request.user, template):
        raise Http404
    spec = templating.clean_data(template.data)
    form = TemplateEditForm(
        request.POST or None,
        spec=spec,
        initial={"name": template.name, "description": template.description},
        auto_id="tpl_%s",
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                templating.template_update(
                    template=template,
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    data=form.cleaned_data["data"],
                )
            except ValidationError as exc:
                _bind_errors(form, exc)
            else:
                messages.success(
                    request, _("Modèle enregistré ; les projets déjà créés avec lui ne changent pas.")
                )
                return redirect("projects:template", template.pk)
        status = 400
    return render(request, "projects/template_edit.html", {"template": template, "form": form}, status=status)
