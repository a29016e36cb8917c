"""Card links and attachments (thin: parse, call one action, redirect back to the card)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import links
from .models import CardLink
from .permissions import access_card


def _errors(request, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


@require_POST
def link_add(request, pk):
    card, _access = access_card(request.user, pk, need="edit")
    try:
        links.card_link_add(
            card=card,
            kind=str(request.POST.get("kind", ""))[:40],
            text=str(request.POST.get("target", "")),
            actor=request.user,
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Lien ajouté à la carte."))
    return redirect("projects:card", card.pk)


@require_POST
def attach(request, pk):
    card, _access = access_card(request.user, pk, need="edit")
    files = request.FILES.getlist("file")
    if len(files) != 1:
        messages.error(request, _("Choisissez un fichier à joindre à la carte."))
        return redirect("projects:card", card.pk)
    try:
        link = links.card_attach(card=card, uploaded_file=files[0], actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        shown = {x["link"].pk: x["label"] for x in links.card_links(card, request.user)}
        messages.success(
            request,
            _("« %(name)s » est joint à la carte et rangé dans l'espace documentaire du projet.")
            % {"name": shown.get(link.pk, files[0].name)},
        )
    return redirect("projects:card", card.pk)


@require_POST
def link_remove(request, pk, link_pk):
    card, _access = access_card(request.user, pk, need="edit")
    link = CardLink.objects.filter(card=card, pk=link_pk).first()
    # Only a link the remover can see may go: an invisible one answers like a missing one.
    if link is None or link.pk not in {x["link"].pk for x in links.card_links(card, request.user)}:
        raise Http404
    try:
        links.card_link_remove(link=link, actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Lien retiré de la carte."))
    return redirect("projects:card", card.pk)
