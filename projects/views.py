"""Project pages: thin views over actions, queries and permissions (404 for forbidden and missing alike)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intranet import registry
from intranet.params import is_valid_id

from . import actions, queries
from .forms import (
    CardCreateForm,
    CardEditForm,
    ChecklistForm,
    CommentForm,
    MemberForm,
    MoveForm,
    NameForm,
    WorkspaceForm,
)
from .models import ChecklistItem, Column, Label, Member
from .permissions import access_board, access_card, access_workspace
from .rendering import render_markdown


def _errors(request, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for text in errors:
            messages.error(request, text)


# --- Workspaces ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def index(request):
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            workspace = actions.workspace_create(
                name=data["name"],
                description=data["description"],
                sponsor=data["sponsor"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                status=data["status"],
                visibility=data["visibility"],
                join_policy=data["join_policy"],
                creator=request.user,
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(
                request, _("Projet créé, avec son espace documentaire, son salon et son tableau.")
            )
            return redirect("projects:workspace", workspace.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "projects/index.html",
        {"workspaces": queries.workspace_listing(request.user), "form": form},
        status=status,
    )


def _links(workspace, user) -> list[tuple[str, str]]:
    links = []
    for provisioner in registry.team_provisioners():
        ref = (workspace.refs or {}).get(provisioner.key)
        if ref and provisioner.resolve is not None:
            link = provisioner.resolve(ref, user)
            if link:
                links.append(link)
    return links


@require_GET
def workspace(request, pk):
    access = access_workspace(request.user, pk)
    ws = access.workspace
    return render(
        request,
        "projects/workspace.html",
        {
            "workspace": ws,
            "abilities": access.abilities,
            "role": access.role,
            "boards": list(ws.boards.all()) if access.abilities["read"] else [],
            "members": queries.roster(ws) if access.abilities["read"] else [],
            "links": _links(ws, request.user) if access.role else [],
            "board_form": NameForm(auto_id="board_%s"),
        },
    )


@require_http_methods(["GET", "POST"])
def roster(request, pk):
    access = access_workspace(request.user, pk, need="manage_roster")
    ws = access.workspace
    form = MemberForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if request.POST.get("remove"):
            member = (
                Member.objects.filter(workspace=ws, pk=request.POST["remove"]).select_related("user").first()
                if is_valid_id(request.POST["remove"])
                else None
            )
            if member is None:
                raise Http404
            try:
                actions.member_remove(workspace=ws, user=member.user, actor=request.user)
            except ValidationError as exc:
                _errors(request, exc)
                status = 400
            else:
                messages.success(request, _("Membre retiré de l'équipe, de l'espace et du salon."))
                return redirect("projects:roster", ws.pk)
        elif form.is_valid():
            try:
                actions.member_set(
                    workspace=ws,
                    user=form.cleaned_data["user"],
                    role=form.cleaned_data["role"],
                    actor=request.user,
                )
            except ValidationError as exc:
                _errors(request, exc)
                status = 400
            else:
                messages.success(request, _("Équipe mise à jour."))
                return redirect("projects:roster", ws.pk)
        else:
            status = 400
    return render(
        request,
        "projects/roster.html",
        {"workspace": ws, "abilities": access.abilities, "members": queries.roster(ws), "form": form},
        status=status,
    )


@require_POST
def join(request, pk):
    access = access_workspace(request.user, pk)
    if not (access.abilities["join"] or access.abilities["ask"]):
        raise Http404
    try:
        member = actions.workspace_join(workspace=access.workspace, user=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        if member is None:
            messages.success(request, _("Demande envoyée aux responsables du projet."))
        else:
            messages.success(request, _("Vous faites maintenant partie de l'équipe."))
    return redirect("projects:workspace", access.workspace.pk)


@require_POST
def close(request, pk):
    access = access_workspace(request.user, pk, need="close")
    actions.workspace_close(workspace=access.workspace, actor=request.user)
    messages.success(request, _("Projet clos : espace en lecture seule, salon archivé, tableaux figés."))
    return redirect("projects:workspace", access.workspace.pk)


@require_POST
def reopen(request, pk):
    access = access_workspace(request.user, pk, need="reopen")
    actions.workspace_reopen(workspace=access.workspace, actor=request.user)
    messages.success(request, _("Projet rouvert."))
    return redirect("projects:workspace", access.workspace.pk)


@require_POST
def board_create(request, pk):
    access = access_workspace(request.user, pk, need="edit")
    form = NameForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("projects:workspace", access.workspace.pk)
    try:
        board = actions.board_create(
            workspace=access.workspace, name=form.cleaned_data["name"], actor=request.user
        )
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("projects:workspace", access.workspace.pk)
    return redirect("projects:board", board.pk)


# --- Boards ----------------------------------------------------------------------------------------------


@require_GET
def board(request, pk):
    board, access = access_board(request.user, pk)
    return render(
        request,
        "projects/board.html",
        {
            "board": board,
            "workspace": access.workspace,
            "abilities": access.abilities,
            "columns": queries.board_columns(board),
            "labels": list(board.labels.all()),
        },
    )


@require_POST
def column_create(request, pk):
    board, access = access_board(request.user, pk, need="edit")
    form = NameForm(request.POST)
    if form.is_valid():
        try:
            actions.column_create(board=board, name=form.cleaned_data["name"], actor=request.user)
        except ValidationError as exc:
            _errors(request, exc)
    else:
        _form_errors(request, form)
    return redirect("projects:board", board.pk)


@require_POST
def label_create(request, pk):
    board, access = access_board(request.user, pk, need="edit")
    form = NameForm(request.POST)
    if form.is_valid():
        try:
            actions.label_create(board=board, name=form.cleaned_data["name"], actor=request.user)
        except ValidationError as exc:
            _errors(request, exc)
    else:
        _form_errors(request, form)
    return redirect("projects:board", board.pk)


@require_POST
def card_create(request, pk):
    board, access = access_board(request.user, pk, need="edit")
    form = CardCreateForm(request.POST)
    if form.is_valid():
        column = Column.objects.filter(pk=form.cleaned_data["column"], board=board).first()
        if column is None:
            messages.error(request, _("Cette colonne appartient à un autre tableau."))
            return redirect("projects:board", board.pk)
        try:
            card = actions.card_create(
                board=board, column=column, title=form.cleaned_data["title"], actor=request.user
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            return redirect(f"{reverse('projects:board', args=[board.pk])}#card-{card.pk}")
    else:
        _form_errors(request, form)
    return redirect("projects:board", board.pk)


# --- Cards -----------------------------------------------------------------------------------------------


def _edit_form(card, data=None):
    members = [
        m.user
        for m in Member.objects.filter(workspace_id=card.board.workspace_id, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "pk")
    ]
    labels = list(Label.objects.filter(board_id=card.board_id))
    initial = {
        "title": card.title,
        "description": card.description,
        "start_date": card.start_date,
        "due_date": card.due_date,
        "assignees": [str(pk) for pk in card.assignees.values_list("pk", flat=True)],
        "labels": [str(pk) for pk in card.labels.values_list("pk", flat=True)],
        "version": card.version,
    }
    return CardEditForm(data, initial=initial, members=members, labels=labels), members, labels


def _move_form(card, data=None):
    """The move form with the board's columns and their live card counts, in one query."""
    columns = list(
        Column.objects.filter(board_id=card.board_id).annotate(
            live=Count("cards", filter=Q(cards__archived_at__isnull=True))
        )
    )
    biggest = max([c.live for c in columns] + [1])
    return MoveForm(
        data,
        columns=columns,
        positions=biggest + 1,
        initial={"column": card.column_id, "position": card.position},
    )


@require_http_methods(["GET", "POST"])
def card(request, pk):
    card, access = access_card(request.user, pk, need="read")
    if request.method == "POST" and not access.abilities["edit"]:
        raise Http404
    form, members, labels = _edit_form(card, request.POST or None)
    status, conflict = 200, None
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            by_pk = {str(u.pk): u for u in members}
            label_by_pk = {str(lb.pk): lb for lb in labels}
            try:
                card = actions.card_edit(
                    card=card,
                    version=data["version"],
                    actor=request.user,
                    title=data["title"],
                    description=data["description"],
                    start_date=data["start_date"],
                    due_date=data["due_date"],
                    assignees=[by_pk[k] for k in data["assignees"]],
                    labels=[label_by_pk[k] for k in data["labels"]],
                )
            except actions.CardConflict as exc:
                # The editor's text stays in the form; saving again (version now current) is a deliberate
                # choice made after reading the other agent's text.
                conflict = exc.current
                status = 409
                resubmit = request.POST.copy()
                resubmit["version"] = str(conflict.version)
                form, members, labels = _edit_form(card, resubmit)
                form.is_valid()
            except ValidationError as exc:
                _errors(request, exc)
                status = 400
            else:
                messages.success(request, _("Carte enregistrée."))
                return redirect("projects:card", card.pk)
        else:
            status = 400
    checklist = list(card.checklist.all())
    return render(
        request,
        "projects/card.html",
        {
            "card": card,
            "workspace": access.workspace,
            "abilities": access.abilities,
            "form": form,
            "conflict": conflict,
            "conflict_html": render_markdown(conflict.description) if conflict else "",
            "description_html": render_markdown(card.description),
            "move_form": _move_form(card) if access.abilities["edit"] else None,
            "checklist": checklist,
            "checklist_done": sum(1 for item in checklist if item.done),
            "comments": [(c, render_markdown(c.text)) for c in card.comments.select_related("author")],
            "assignees": list(card.assignees.all()),
            "card_labels": list(card.labels.all()),
            "checklist_form": ChecklistForm(),
            "comment_form": CommentForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def card_move(request, pk):
    card, access = access_card(request.user, pk, need="edit")
    form = _move_form(card, request.POST or None)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    if request.method == "POST":
        if form.is_valid():
            column = form.chosen_column()
            try:
                actions.card_move(
                    card=card, column=column, position=form.cleaned_data["position"], actor=request.user
                )
            except ValidationError as exc:
                if wants_json:
                    return JsonResponse({"error": " ".join(exc.messages)}, status=400)
                _errors(request, exc)
            else:
                if wants_json:
                    return JsonResponse({"ok": True, "column": column.pk, "position": card.position})
                messages.success(request, _("Carte déplacée."))
                return redirect(f"{reverse('projects:board', args=[card.board_id])}#card-{card.pk}")
        if wants_json:
            return JsonResponse({"error": " ".join(t for e in form.errors.values() for t in e)}, status=400)
        return render(
            request,
            "projects/move.html",
            {"card": card, "form": form, "workspace": access.workspace},
            status=400,
        )
    return render(request, "projects/move.html", {"card": card, "form": form, "workspace": access.workspace})


@require_POST
def card_archive(request, pk):
    card, access = access_card(request.user, pk, need="edit")
    archived = request.POST.get("archived", "1") != "0"
    actions.card_archive(card=card, actor=request.user, archived=archived)
    messages.success(request, _("Carte archivée.") if archived else _("Carte rétablie."))
    return redirect("projects:card", card.pk)


@require_POST
def checklist_add(request, pk):
    card, access = access_card(request.user, pk, need="edit")
    form = ChecklistForm(request.POST)
    if form.is_valid():
        try:
            actions.checklist_add(card=card, text=form.cleaned_data["text"], actor=request.user)
        except ValidationError as exc:
            _errors(request, exc)
    else:
        _form_errors(request, form)
    return redirect("projects:card", card.pk)


@require_POST
def checklist_toggle(request, pk, item_pk):
    card, access = access_card(request.user, pk, need="edit")
    item = ChecklistItem.objects.filter(card=card, pk=item_pk).first()
    if item is None:
        raise Http404
    actions.checklist_toggle(item=item, done=request.POST.get("done") == "1", actor=request.user)
    return redirect("projects:card", card.pk)


@require_POST
def comment_add(request, pk):
    card, access = access_card(request.user, pk, need="comment")
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            actions.comment_add(card=card, author=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            _errors(request, exc)
    else:
        _form_errors(request, form)
    return redirect("projects:card", card.pk)


# --- Mes tâches ------------------------------------------------------------------------------------------


@require_GET
def my_tasks(request):
    due = request.GET.get("echeance", "")
    if due not in queries.DUE_FILTERS:
        due = ""
    raw_ws = request.GET.get("projet", "")
    workspace_id = int(raw_ws) if is_valid_id(raw_ws) else None
    label = (request.GET.get("etiquette", "") or "").strip()[:40]
    return render(
        request,
        "projects/my_tasks.html",
        {
            "cards": queries.my_tasks(request.user, due=due, workspace_id=workspace_id, label=label),
            "workspaces": queries.my_workspaces(request.user),
            "due": due,
            "workspace_id": workspace_id,
            "label": label,
        },
    )
