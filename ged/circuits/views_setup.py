"""The circuit administrators' pages (/parapheur/administration/): desks (name, members, active) and templates
(label, ordered steps). Anyone who is not a circuit administrator gets 404, like a missing page. Plain forms
that work without JavaScript; every refusal a French message and the form as it was sent (400)."""

import re

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from intranet.params import BadParameter, parse_id

from ..views.common import error_text
from . import setup_actions
from .choices import StepKind, StepMode
from .models import CircuitTemplate, Desk

MAX_ROWS = 20
BLANK_ROWS = 2


def _admin(request):
    if not setup_actions.may_administer(request.user):
        raise Http404


def _get(model, pk):
    try:
        return model.objects.get(pk=parse_id(pk))
    except (model.DoesNotExist, BadParameter):
        raise Http404 from None


@require_GET
def setup(request):
    _admin(request)
    desks = Desk.objects.annotate(n=Count("members")).order_by("-active", "name")
    templates = CircuitTemplate.objects.annotate(n=Count("steps")).order_by("-active", "name")
    return render(request, "circuits/setup.html", {"desks": desks, "templates": templates, "tab": "setup"})


def _members(raw: str) -> list:
    """Usernames separated by spaces, commas or lines; an unknown one is refused by name."""
    names = list(dict.fromkeys(n for n in re.split(r"[\s,;]+", raw.replace("\x00", "")) if n))[:200]
    found = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    unknown = [n for n in names if n not in found]
    if unknown:
        raise ValidationError(
            _("Aucun agent n'a l'identifiant %(names)s : vérifiez l'orthographe (prenom.nom).")
            % {"names": ", ".join(f"« {n[:60]} »" for n in unknown[:5])}
        )
    return [found[n] for n in names]


@require_http_methods(["GET", "POST"])
def desk_edit(request, pk=None):
    _admin(request)
    desk = _get(Desk, pk) if pk is not None else None
    error = ""
    if request.method == "POST":
        post = request.POST
        try:
            members = _members(post.get("members", ""))
            if desk is None:
                desk = setup_actions.desk_create(
                    name=post.get("name", ""),
                    description=post.get("description", ""),
                    members=members,
                    actor=request.user,
                )
            else:
                setup_actions.desk_update(
                    desk=desk,
                    name=post.get("name", ""),
                    description=post.get("description", ""),
                    members=members,
                    active=bool(post.get("active")),
                    actor=request.user,
                )
        except ValidationError as exc:
            error = error_text(exc)
        else:
            messages.success(request, _("Le bureau « %(name)s » est enregistré.") % {"name": desk.name})
            return redirect("circuits:setup")
        form = {
            "name": post.get("name", ""),
            "description": post.get("description", ""),
            "members": post.get("members", ""),
            "active": bool(post.get("active")),
        }
    elif desk is not None:
        form = {
            "name": desk.name,
            "description": desk.description,
            "members": "\n".join(desk.members.order_by("username").values_list("username", flat=True)),
            "active": desk.active,
        }
    else:
        form = {"name": "", "description": "", "members": "", "active": True}
    return render(
        request,
        "circuits/desk_form.html",
        {"desk": desk, "form": form, "error": error, "tab": "setup"},
        status=400 if error else 200,
    )


def _int(value: str, message: str):
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 4:
        raise ValidationError(message)
    return int(value)


def _posted_rows(post) -> list[dict]:
    try:
        count = min(MAX_ROWS, max(0, int(post.get("rows", "0"))))
    except ValueError:
        count = 0
    return [
        {
            "desk": post.get(f"desk-{i}", ""),
            "kind": post.get(f"kind-{i}", ""),
            "mode": post.get(f"mode-{i}", ""),
            "quorum": post.get(f"quorum-{i}", ""),
            "days": post.get(f"days-{i}", ""),
        }
        for i in range(count)
    ]


def _steps(rows: list[dict], desks: dict[int, Desk]) -> list[dict]:
    """The filled rows, in order, as the action's step dicts; a row without a desk is left out."""
    steps = []
    for row in rows:
        if not row["desk"]:
            continue
        n = len(steps) + 1
        try:
            desk = desks.get(parse_id(row["desk"]))
        except BadParameter:
            desk = None
        if desk is None:
            raise ValidationError(
                _("Choisissez un bureau actif dans la liste pour l'étape %(n)s.") % {"n": n}
            )
        if row["kind"] not in StepKind.values or row["mode"] not in StepMode.values:
            raise ValidationError(_("Choisissez la nature et la validation de l'étape %(n)s.") % {"n": n})
        steps.append(
            {
                "desk": desk,
                "kind": row["kind"],
                "mode": row["mode"],
                "quorum": _int(
                    row["quorum"], _("Le quorum de l'étape %(n)s est un nombre entier.") % {"n": n}
                ),
                "deadline_days": _int(
                    row["days"], _("Le délai de l'étape %(n)s est un nombre de jours entier.") % {"n": n}
                ),
            }
        )
    return steps


@require_http_methods(["GET", "POST"])
def template_edit(request, pk=None):
    _admin(request)
    template = _get(CircuitTemplate, pk) if pk is not None else None
    # Active desks, and those the template already uses (a step keeps its desk after it is deactivated).
    used = Q(pk__in=template.steps.values("desk")) if template is not None else Q(pk__in=[])
    desks = {d.pk: d for d in Desk.objects.filter(Q(active=True) | used).order_by("name")}
    error = ""
    if request.method == "POST":
        post = request.POST
        rows = _posted_rows(post)
        form = {
            "name": post.get("name", ""),
            "document_type": post.get("document_type", ""),
            "active": bool(post.get("active")),
        }
        if "more" in post:  # « Ajouter des étapes » without JavaScript: the same form with blank rows added
            rows = rows[: MAX_ROWS - BLANK_ROWS]
        else:
            try:
                steps = _steps(rows, desks)
                if template is None:
                    template = setup_actions.template_create(
                        name=form["name"],
                        document_type=form["document_type"],
                        steps=steps,
                        actor=request.user,
                    )
                else:
                    setup_actions.template_update(
                        template=template,
                        name=form["name"],
                        document_type=form["document_type"],
                        active=form["active"],
                        steps=steps,
                        actor=request.user,
                    )
            except ValidationError as exc:
                error = error_text(exc)
            else:
                messages.success(
                    request, _("Le modèle « %(name)s » est enregistré.") % {"name": template.name}
                )
                return redirect("circuits:setup")
    elif template is not None:
        form = {"name": template.name, "document_type": template.document_type, "active": template.active}
        rows = [
            {
                "desk": str(s.desk_id),
                "kind": s.kind,
                "mode": s.mode,
                "quorum": str(s.quorum or ""),
                "days": str(s.deadline_days or ""),
            }
            for s in template.steps.order_by("position")
        ]
    else:
        form, rows = {"name": "", "document_type": "", "active": True}, []
    rows = [r for r in rows if r["desk"]] + [
        {"desk": "", "kind": StepKind.VISA, "mode": StepMode.ONE, "quorum": "", "days": ""}
    ] * BLANK_ROWS
    return render(
        request,
        "circuits/template_form.html",
        {
            "template": template,
            "form": form,
            "rows": rows,
            "desks": list(desks.values()),
            "kinds": StepKind.choices,
            "modes": StepMode.choices,
            "error": error,
            "tab": "setup",
        },
        status=400 if error else 200,
    )
