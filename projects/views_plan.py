"""Milestones, the timeline, templates and the edit pages of workspaces and boards (404 for forbidden and
missing alike, through the same `access_*` checks as every project page)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intranet.params import is_valid_id

from . import actions, editing, milestones, templating
from .choices import MemberRole
from .forms import NameForm
from .forms_plan import (
    AttachForm,
    ColumnRenameForm,
    FromTemplateForm,
    MilestoneForm,
    TemplateSaveForm,
    WorkspaceEditForm,
)
from .models import Card, Column, Member, Milestone, Template
from .permissions import _check, _int, access_board, access_card, access_workspace


def _errors(request, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for text in errors:
            messages.error(request, text)


def _bind_errors(form, exc: ValidationError) -> None:
    """Put an action's refusal next to its field when the form has it, else on the whole form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error.messages[0])
    else:
        for text in exc.messages:
            form.add_error(None, text)


def access_milestone(user, pk, *, need: str = "read"):
    milestone = Milestone.objects.select_related("workspace").filter(pk=_int(pk)).first()
    if milestone is None:
        raise Http404
    return milestone, _check(user, milestone.workspace, need)


# --- Milestones ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def milestone_list(request, pk):
    access = access_workspace(request.user, pk, need="read")
    ws = access.workspace
    form = MilestoneForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not access.abilities["manage_roster"]:
            raise Http404
        if form.is_valid():
            try:
                milestone = milestones.milestone_create(workspace=ws, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _bind_errors(form, exc)
            else:
                messages.success(request, _("Jalon « %(name)s » ajouté.") % {"name": milestone.name})
                return redirect("projects:milestones", ws.pk)
        status = 400
    return render(
        request,
        "projects/milestones.html",
        {
            "workspace": ws,
            "abilities": access.abilities,
            "milestones": milestones.milestones_of(ws),
            "form": form,
        },
        status=status,
    )


def _attachable(milestone):
    return list(
        Card.objects.live()
        .filter(board__workspace_id=milestone.workspace_id)
        .exclude(milestone=milestone)
        .select_related("board", "milestone")
        .order_by("board__position", "board_id", "title", "pk")
    )


@require_http_methods(["GET", "POST"])
def milestone_detail(request, pk):
    milestone, access = access_milestone(request.user, pk, need="read")
    initial = {"name": milestone.name, "date": milestone.date, "description": milestone.description}
    form = MilestoneForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if not access.abilities["manage_roster"]:
            raise Http404
        if form.is_valid():
            try:
                milestones.milestone_update(milestone=milestone, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _bind_errors(form, exc)
            else:
                messages.success(request, _("Jalon enregistré."))
                return redirect("projects:milestone", milestone.pk)
        status = 400
    done_columns = milestones.last_column_ids(milestone.workspace_id)
    cards = list(
        Card.objects.live()
        .filter(milestone=milestone)
        .select_related("board", "column")
        .order_by("due_date", "pk")
    )
    for card in cards:
        card.is_done = card.column_id in done_columns
    return render(
        request,
        "projects/milestone.html",
        {
            "workspace": access.workspace,
            "milestone": milestone,
            "abilities": access.abilities,
            "form": form,
            "cards": cards,
            "open_count": sum(1 for c in cards if not c.is_done),
            "late": not milestone.closed and milestone.date < timezone.localdate(),
            "attach_form": AttachForm(cards=_attachable(milestone), auto_id="attach_%s")
            if access.abilities["edit"] and not milestone.closed
            else None,
        },
        status=status,
    )


@require_POST
def milestone_attach(request, pk):
    milestone, access = access_milestone(request.user, pk, need="edit")
    form = AttachForm(request.POST, cards=_attachable(milestone))
    if form.is_valid():
        card = Card.objects.select_related("board__workspace").get(pk=form.cleaned_data["card"])
        try:
            milestones.card_milestone_set(card=card, milestone=milestone, actor=request.user)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Carte « %(title)s » rattachée au jalon.") % {"title": card.title})
    else:
        _form_errors(request, form)
    return redirect("projects:milestone", milestone.pk)


@require_POST
def milestone_detach(request, pk, card_pk):
    milestone, access = access_milestone(request.user, pk, need="edit")
    card = (
        Card.objects.select_related("board__workspace").filter(pk=_int(card_pk), milestone=milestone).first()
    )
    if card is None:
        raise Http404
    try:
        milestones.card_milestone_set(card=card, milestone=None, actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Carte « %(title)s » détachée du jalon.") % {"title": card.title})
    return redirect("projects:milestone", milestone.pk)


@require_POST
def card_milestone(request, pk):
    """The card page's « Jalon » form: attach the card to an open milestone of its project, or detach it."""
    card, access = access_card(request.user, pk, need="edit")
    card.board.workspace = access.workspace
    raw = request.POST.get("milestone", "")
    milestone = None
    if raw:
        milestone = (
            Milestone.objects.filter(workspace_id=access.workspace.pk, pk=raw).first()
            if is_valid_id(raw)
            else None
        )
        if milestone is None:
            messages.error(request, _("Choisissez un jalon de ce projet dans la liste."))
            return redirect("projects:card", card.pk)
    if (milestone.pk if milestone else None) == card.milestone_id:
        return redirect("projects:card", card.pk)
    try:
        milestones.card_milestone_set(card=card, milestone=milestone, actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        if milestone is None:
            messages.success(request, _("Carte détachée de son jalon."))
        else:
            messages.success(request, _("Carte rattachée au jalon « %(name)s ».") % {"name": milestone.name})
    return redirect("projects:card", card.pk)


@require_POST
def milestone_close(request, pk):
    """Without open cards the milestone closes at once. With open cards the page lists them and asks the
    responsable to confirm (HTTP 409 until they do)."""
    milestone, access = access_milestone(request.user, pk, need="manage_roster")
    confirm = request.POST.get("confirm") == "1"
    try:
        milestones.milestone_close(milestone=milestone, actor=request.user, confirm=confirm)
    except milestones.MilestoneHasOpenCards as exc:
        return render(
            request,
            "projects/milestone_close.html",
            {"workspace": access.workspace, "milestone": milestone, "cards": exc.cards},
            status=409,
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Jalon clos."))
    return redirect("projects:milestone", milestone.pk)


@require_POST
def milestone_reopen(request, pk):
    milestone, access = access_milestone(request.user, pk, need="manage_roster")
    try:
        milestones.milestone_reopen(milestone=milestone, actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Jalon rouvert."))
    return redirect("projects:milestone", milestone.pk)


@require_POST
def milestone_delete(request, pk):
    milestone, access = access_milestone(request.user, pk, need="manage_roster")
    try:
        milestones.milestone_delete(milestone=milestone, actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("projects:milestone", milestone.pk)
    messages.success(request, _("Jalon supprimé ; ses cartes restent sur leurs tableaux."))
    return redirect("projects:milestones", access.workspace.pk)


@require_GET
def timeline(request, pk):
    access = access_workspace(request.user, pk, need="read")
    today = timezone.localdate()
    months = milestones.timeline(access.workspace, today=today)
    return render(
        request,
        "projects/timeline.html",
        {
            "workspace": access.workspace,
            "months": months,
            "today": today,
            "late_count": sum(1 for _m, entries in months for e in entries if e.late),
        },
    )


# --- Edit pages ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def workspace_edit(request, pk):
    access = access_workspace(request.user, pk, need="manage")
    ws = access.workspace
    initial = {
        "name": ws.name,
        "description": ws.description,
        "lead": ws.lead.username,
        "sponsor": ws.sponsor.username if ws.sponsor else "",
        "start_date": ws.start_date,
        "end_date": ws.end_date,
        "status": ws.status,
        "visibility": ws.visibility,
        "join_policy": ws.join_policy,
    }
    form = WorkspaceEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if ws.closed:
            messages.error(request, _("Ce projet est clos : rouvrez-le d'abord pour le modifier."))
            return redirect("projects:workspace", ws.pk)
        if form.is_valid():
            try:
                editing.workspace_edit(workspace=ws, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _bind_errors(form, exc)
            else:
                messages.success(request, _("Projet enregistré."))
                return redirect("projects:workspace", ws.pk)
        status = 400
    return render(
        request,
        "projects/workspace_edit.html",
        {"workspace": ws, "abilities": access.abilities, "form": form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def board_edit(request, pk):
    """One page, several small forms: rename the board; rename, move or delete a column; add a column."""
    board, access = access_board(request.user, pk, need="manage")
    status = 200
    if request.method == "POST":
        if not access.abilities["manage_roster"]:  # responsable of a project that is not closed
            messages.error(request, _("Ce projet est clos : rouvrez-le d'abord pour le modifier."))
            return redirect("projects:board_edit", board.pk)
        op = request.POST.get("op", "")
        column = None
        if op in ("rename_column", "left", "right", "delete_column"):
            raw = request.POST.get("column", "")
            column = Column.objects.filter(board=board, pk=raw).first() if is_valid_id(raw) else None
            if column is None:
                raise Http404
            column.board = board
        try:
            if op == "rename_board":
                form = NameForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(form.errors["name"])
                editing.board_rename(board=board, name=form.cleaned_data["name"], actor=request.user)
                messages.success(request, _("Tableau renommé."))
            elif op == "rename_column":
                form = ColumnRenameForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(form.errors["name"])
                editing.column_rename(column=column, name=form.cleaned_data["name"], actor=request.user)
                messages.success(request, _("Colonne renommée."))
            elif op in ("left", "right"):
                editing.column_move(column=column, offset=-1 if op == "left" else 1, actor=request.user)
                messages.success(request, _("Colonne déplacée."))
            elif op == "delete_column":
                editing.column_delete(column=column, actor=request.user)
                messages.success(request, _("Colonne supprimée."))
            elif op == "add_column":
                form = ColumnRenameForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(form.errors["name"])
                actions.column_create(board=board, name=form.cleaned_data["name"], actor=request.user)
                messages.success(request, _("Colonne ajoutée."))
            else:
                raise ValidationError(_("Action inconnue."))
        except ValidationError as exc:
            _errors(request, exc)
            status = 400
        else:
            return redirect("projects:board_edit", board.pk)
    columns = list(board.columns.order_by("position", "pk"))
    counts = {}
    for column_id in Card.objects.filter(board=board).values_list("column_id", flat=True):
        counts[column_id] = counts.get(column_id, 0) + 1
    for column in columns:
        column.card_count = counts.get(column.pk, 0)
    return render(
        request,
        "projects/board_edit.html",
        {
            "board": board,
            "workspace": access.workspace,
            "abilities": access.abilities,
            "columns": columns,
            "board_form": NameForm(initial={"name": board.name}, auto_id="board_%s"),
            "add_form": ColumnRenameForm(auto_id="add_%s"),
        },
        status=status,
    )


# --- Templates -------------------------------------------------------------------------------------------


@require_GET
def template_list(request):
    return render(
        request,
        "projects/template_list.html",
        {"templates": list(Template.objects.select_related("created_by").order_by("name", "pk"))},
    )


def _template_or_404(pk) -> Template:
    template = Template.objects.filter(pk=_int(pk)).first()
    if template is None:
        raise Http404
    return template


def _my_boards_workspaces(user):
    """Workspaces where the agent may add a board (contributeur and up, not closed)."""
    return [
        m.workspace
        for m in Member.objects.filter(user=user, role__in=[MemberRole.CONTRIBUTOR, MemberRole.MANAGER])
        .exclude(workspace__status="clos")
        .select_related("workspace")
        .order_by("workspace__name", "workspace_id")
    ]


@require_http_methods(["GET", "POST"])
def template_detail(request, pk):
    template = _template_or_404(pk)
    data = templating.clean_data(template.data)
    form = FromTemplateForm(request.POST or None, initial={"template": template.pk}, auto_id="new_%s")
    status = 200
    if request.method == "POST":
        if template.kind != Template.Kind.WORKSPACE:
            raise Http404
        if form.is_valid():
            fields = dict(form.cleaned_data)
            fields.pop("template")
            try:
                workspace = templating.workspace_create_from_template(
                    template=template, creator=request.user, **fields
                )
            except ValidationError as exc:
                _bind_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Projet créé à partir du modèle « %(name)s », avec son espace documentaire, "
                        "son salon, ses tableaux et ses jalons."
                    )
                    % {"name": template.name},
                )
                return redirect("projects:workspace", workspace.pk)
        status = 400
    return render(
        request,
        "projects/template_detail.html",
        {
            "template": template,
            "data": data,
            "form": form,
            "workspaces": _my_boards_workspaces(request.user) if template.kind == Template.Kind.BOARD else [],
            "can_delete": request.user.is_superuser or template.created_by_id == request.user.pk,
            "can_edit": templating.may_edit_template(request.user, template),
        },
        status=status,
    )


@require_POST
def template_delete(request, pk):
    template = _template_or_404(pk)
    if not (request.user.is_superuser or template.created_by_id == request.user.pk):
        raise Http404
    templating.template_delete(template=template, actor=request.user)
    messages.success(request, _("Modèle supprimé ; les projets créés avec lui ne changent pas."))
    return redirect("projects:templates")


@require_POST
def template_board_use(request, pk):
    """Add the board template's board to one of the agent's workspaces."""
    template = _template_or_404(pk)
    if template.kind != Template.Kind.BOARD:
        raise Http404
    access = access_workspace(request.user, request.POST.get("workspace", ""), need="edit")
    try:
        board = templating.board_create_from_template(
            workspace=access.workspace, template=template, actor=request.user
        )
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("projects:template", template.pk)
    messages.success(request, _("Tableau ajouté au projet à partir du modèle."))
    return redirect("projects:board", board.pk)


@require_http_methods(["GET", "POST"])
def workspace_save_template(request, pk):
    access = access_workspace(request.user, pk, need="manage")
    return _save_template(request, access.workspace, None)


@require_http_methods(["GET", "POST"])
def board_save_template(request, pk):
    board, access = access_board(request.user, pk, need="manage")
    return _save_template(request, access.workspace, board)


def _save_template(request, workspace, board):
    form = TemplateSaveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if board is None:
                    template = templating.template_from_workspace(
                        workspace=workspace, actor=request.user, **form.cleaned_data
                    )
                else:
                    template = templating.template_from_board(
                        board=board, actor=request.user, **form.cleaned_data
                    )
            except ValidationError as exc:
                _bind_errors(form, exc)
            else:
                messages.success(request, _("Modèle « %(name)s » enregistré.") % {"name": template.name})
                return redirect("projects:template", template.pk)
        status = 400
    back = (
        reverse("projects:board", args=[board.pk])
        if board
        else reverse("projects:workspace", args=[workspace.pk])
    )
    return render(
        request,
        "projects/template_save.html",
        {"workspace": workspace, "board": board, "form": form, "back": back},
        status=status,
    )
