"""Registries that apps fill at start-up (AppConfig.ready), so that `intranet` never imports them.

- navigation entries of the main menu;
- dashboard panels of the home page;
- sections of an agent's directory profile (their spaces, salons, guides…);
- sections of a department's page (its salon, its document space…);
- demo seeders run by `manage.py seed_demo` after the people core;
- search sources (documents, rooms…) that the one search page queries beside pages and people;
- team provisioners: what other apps attach to a team (a project's roster, a department) and keep in step
  with it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: Any  # a lazy translation
    url: Any  # a path or a reverse_lazy()
    order: int = 100


@dataclass(frozen=True)
class DashboardPanel:
    """A panel of the home page. `context(request)` returns the template context, or None to hide it.

    Panels must not query per row: the home page pins its total query count (bench B9).

    `topics`: the dashboard cache topics (`intranet.dashboard`) whose data the panel shows; the panel's
    rendered fragment is then cached per agent until one of them, or the agent's permission version, is
    bumped (the app bumps its topics when the data changes). None: rendered on every view, never cached.
    `valid_until(context)`: when the panel's content stops being true by itself (a booking that ends), or
    None.
    """

    key: str
    template: str
    context: Callable[[Any], dict | None]
    order: int = 100
    topics: tuple[str, ...] | None = None
    valid_until: Callable[[dict], Any] | None = None


@dataclass(frozen=True)
class ProfileSection:
    """A section of an agent's profile page. `context(request, person)` returns the template context, or None
    to hide it (nothing to show, or nothing the viewer may see).

    Sections must not query per row: the profile page pins its query count.
    """

    key: str
    template: str
    context: Callable[[Any, Any], dict | None]
    order: int = 100


@dataclass(frozen=True)
class DepartmentSection:
    """A section of a department's page. `context(request, department)` returns the template context, or None
    to hide it. Same rules as profile sections: nothing the viewer may not open, no query per row."""

    key: str
    template: str
    context: Callable[[Any, Any], dict | None]
    order: int = 100


@dataclass(frozen=True)
class PresenceSection:
    """A section of « Qui est là ? » (presence per site, from `rooms`). `context(request, day, entries)` gets
    the day's `intranet.people.presence.PresenceEntry` list (already computed, statuses and visible absence
    dates only, never reasons) and returns the template context, or None to hide it. No query per row."""

    key: str
    template: str
    context: Callable[[Any, Any, list], dict | None]
    order: int = 100


@dataclass(frozen=True)
class SearchHit:
    """One result of a search source. `snippet` is plain text: the search page escapes and highlights it."""

    title: str
    url: str
    snippet: str = ""
    meta: str = ""  # a short context line: a folder path, a site, a department…


@dataclass(frozen=True)
class SearchSource:
    """`search(user, query, limit) -> (hits, total)`: at most `limit` hits that `user` may open, and the total
    count of such hits (never counting what the user may not open). A constant number of queries."""

    key: str
    label: Any  # a lazy translation, e.g. "Documents"
    search: Callable[[Any, str, int], tuple[list[SearchHit], int]]
    order: int = 100


@dataclass(frozen=True)
class Team:
    """A roster as the apps that serve it see it (the owner of the team, e.g. `projects`, builds it).

    `key`: a stable identifier (« projects.workspace:12 »). `visibility`: open, private or secret (the GED's
    space policies). `groups`: one core group per role, keyed by the neutral team roles « reader »,
    « contributor », « manager » (lecteur, contributeur, responsable); every member is in exactly one of them.
    `members`: user id -> role, active agents only. `refs`: what each provisioner's `create` returned, keyed
    by the provisioner's key (empty at creation). `closed`: the team is closed (read-only everywhere).
    `departed`: user ids who have just left the roster (on a `sync_roster` that removed someone), so an app
    whose object others may also join by themselves (an open salon) removes the leavers and no one else.

    `kind`: « project » (a project's roster, owned by `projects`) or « department » (a department of the
    core, `intranet.people.teams`: its active agents and its group's members as contributors, the head as
    manager, private, never closed; `refs` stay empty, the app finds its object by `source_id`, the
    department's id). Only the provisioners registered for a kind are called for its teams.
    """

    key: str
    name: str
    description: str
    visibility: str
    lead: Any
    groups: dict[str, Any]
    members: dict[int, str]
    refs: dict[str, dict] = field(default_factory=dict)
    closed: bool = False
    departed: frozenset = frozenset()
    kind: str = "project"
    source_id: int | None = None


@dataclass(frozen=True)
class TeamProvisioner:
    """The named hooks an app implements to serve teams; all run inside the team owner's transaction, so an
    exception in any of them leaves nothing half-created.

    `create(team, actor) -> dict`: make the app's object (a space, a salon) and return a small JSON reference
    the owner stores and hands back in `team.refs[key]`. `sync_roster(team, actor)`: members or roles
    changed. `changed(team, actor)`: the team's own fields changed (name, description, visibility): the app
    brings its object in line (the space's policy, the salon's openness). `close(team, actor)` /
    `reopen(team, actor)`: read-only and back. `resolve(ref, user)`: a (label, url) link to the object for a
    page, or None when the user may not open it. `kinds`: the team kinds served (see Team.kind).
    `sync_rosters(teams, actor)`, optional: `sync_roster` for many teams at once, set-based (after a
    directory sync every department's roster may have changed); without it each team is synced in turn.
    """

    key: str
    create: Callable[[Team, Any], dict]
    sync_roster: Callable[[Team, Any], None]
    close: Callable[[Team, Any], None]
    reopen: Callable[[Team, Any], None]
    resolve: Callable[[dict, Any], tuple[Any, str] | None] | None = None
    order: int = 100
    changed: Callable[[Team, Any], None] | None = None
    kinds: tuple[str, ...] = ("project",)
    sync_rosters: Callable[[list[Team], Any], None] | None = None

    def sync_many(self, teams: list[Team], actor) -> None:
        if self.sync_rosters is not None:
            self.sync_rosters(teams, actor)
            return
        for team in teams:
            self.sync_roster(team, actor)


@dataclass
class _Registry:
    nav: dict[str, NavEntry] = field(default_factory=dict)
    panels: dict[str, DashboardPanel] = field(default_factory=dict)
    profile_sections: dict[str, ProfileSection] = field(default_factory=dict)
    department_sections: dict[str, DepartmentSection] = field(default_factory=dict)
    seeders: dict[str, tuple[int, Callable]] = field(default_factory=dict)
    search_sources: dict[str, SearchSource] = field(default_factory=dict)
    presence_sections: dict[str, PresenceSection] = field(default_factory=dict)
    team_provisioners: dict[str, TeamProvisioner] = field(default_factory=dict)


_registry = _Registry()


def register_nav(*, key: str, label, url, order: int = 100) -> None:
    _registry.nav[key] = NavEntry(key=key, label=label, url=url, order=order)


def nav_entries() -> list[NavEntry]:
    return sorted(_registry.nav.values(), key=lambda e: (e.order, e.key))


def register_dashboard_panel(
    *,
    key: str,
    template: str,
    context: Callable,
    order: int = 100,
    topics: tuple[str, ...] | None = None,
    valid_until: Callable | None = None,
) -> None:
    _registry.panels[key] = DashboardPanel(
        key=key, template=template, context=context, order=order, topics=topics, valid_until=valid_until
    )


def dashboard_panels() -> list[DashboardPanel]:
    return sorted(_registry.panels.values(), key=lambda p: (p.order, p.key))


def register_profile_section(*, key: str, template: str, context: Callable, order: int = 100) -> None:
    _registry.profile_sections[key] = ProfileSection(key=key, template=template, context=context, order=order)


def profile_sections() -> list[ProfileSection]:
    return sorted(_registry.profile_sections.values(), key=lambda s: (s.order, s.key))


def register_department_section(*, key: str, template: str, context: Callable, order: int = 100) -> None:
    _registry.department_sections[key] = DepartmentSection(
        key=key, template=template, context=context, order=order
    )


def department_sections() -> list[DepartmentSection]:
    return sorted(_registry.department_sections.values(), key=lambda s: (s.order, s.key))


def register_presence_section(*, key: str, template: str, context: Callable, order: int = 100) -> None:
    _registry.presence_sections[key] = PresenceSection(
        key=key, template=template, context=context, order=order
    )


def presence_sections() -> list[PresenceSection]:
    return sorted(_registry.presence_sections.values(), key=lambda s: (s.order, s.key))


def register_demo_seeder(*, key: str, seeder: Callable, order: int = 100) -> None:
    """`seeder(*, stdout, agents)` adds an app's demo data; it must be idempotent."""
    _registry.seeders[key] = (order, seeder)


def demo_seeders() -> list[tuple[str, Callable]]:
    return [(key, fn) for key, (_, fn) in sorted(_registry.seeders.items(), key=lambda kv: (kv[1][0], kv[0]))]


def register_search_source(*, key: str, label, search: Callable, order: int = 100) -> None:
    _registry.search_sources[key] = SearchSource(key=key, label=label, search=search, order=order)


def search_sources() -> list[SearchSource]:
    return sorted(_registry.search_sources.values(), key=lambda s: (s.order, s.key))


def register_team_provisioner(
    *,
    key: str,
    create: Callable,
    sync_roster: Callable,
    close: Callable,
    reopen: Callable,
    resolve=None,
    order=100,
    changed=None,
    kinds=("project",),
    sync_rosters=None,
) -> None:
    _registry.team_provisioners[key] = TeamProvisioner(
        key=key,
        create=create,
        sync_roster=sync_roster,
        close=close,
        reopen=reopen,
        resolve=resolve,
        order=order,
        changed=changed,
        kinds=tuple(kinds),
        sync_rosters=sync_rosters,
    )


def unregister_team_provisioner(key: str) -> None:
    _registry.team_provisioners.pop(key, None)


def team_provisioners(kind: str = "project") -> list[TeamProvisioner]:
    """The provisioners serving teams of this kind, in their order."""
    return sorted(
        (p for p in _registry.team_provisioners.values() if kind in p.kinds), key=lambda p: (p.order, p.key)
    )


# --- The agenda's link to a room booking (implemented by `rooms`, read by `events`) ---------------------


@dataclass(frozen=True)
class BookedPlace:
    """Where an event linked to a room booking takes place, as the rooms app describes it."""

    label: str  # « Salle du conseil, Siège communautaire »
    url: str  # the booking's page (shown only to those the rooms app lets open it)
    start: Any
    end: Any
    live: bool  # False once the booking is cancelled or refused


@dataclass(frozen=True)
class RoomBookingLink:
    """`validate(booking_id, user) -> str | None`: a French error message when `user` may not link this
    booking to an event (missing, not theirs, cancelled), else None. `describe(ids) -> {id: BookedPlace}`
    for the bookings that exist, in one query."""

    validate: Callable[[int, Any], str | None]
    describe: Callable[[Any], dict]


_room_booking_link: list[RoomBookingLink] = []


def register_room_booking_link(*, validate: Callable, describe: Callable) -> None:
    _room_booking_link[:] = [RoomBookingLink(validate=validate, describe=describe)]


def room_booking_link() -> RoomBookingLink | None:
    """The hook, or None when no app implements it (the event's place is then its free text only)."""
    return _room_booking_link[0] if _room_booking_link else None


# --- Links from a team's pages to other apps' objects (« resolve a link », « store an attachment ») -----


@dataclass(frozen=True)
class LinkKind:
    """A kind of object another app lets a team's pages (a project's cards) link to: a GED document, a salon
    message. The link is an (app key, object id) pair the team's owner stores; everything else is asked here,
    when the link is added and each time it is shown.

    `parse(text) -> int | None`: the object's id from what an agent pasted (its address or its number).
    `validate(refs, object_id, user) -> str | None`: a French refusal when `user` may not link this object
    from this team (missing, not readable by them, not in the team's own space or salon: `refs` are the
    team's provisioner references, e.g. {"ged": {"space_id": 3}, "chat": {"salon_id": 5}}), else None.
    `resolve(object_ids, user) -> {id: (label, url)}`: the objects `user` may open now, in a constant number
    of queries; the others are absent, so a page shows nothing of them, not even that they exist.
    """

    key: str
    label: Any  # a lazy translation: « Document », « Message du salon »
    parse: Callable[[str], int | None]
    validate: Callable[[dict, int, Any], str | None]
    resolve: Callable[[list[int], Any], dict]
    order: int = 100


@dataclass(frozen=True)
class AttachmentStore:
    """`store(refs, folder_name, uploaded_file, user) -> int`: keep an uploaded file in the team's object of
    the implementing app (the GED stores it as a document of the team's space, in a folder named
    `folder_name`), through that app's own checks (size, content, antivirus, the user's rights), and return
    the new object's id, a link of kind `link_kind`. Raises ValidationError with a French message and leaves
    nothing on refusal; runs inside the caller's transaction."""

    link_kind: str
    store: Callable[[dict, str, Any, Any], int]


_link_kinds: dict[str, LinkKind] = {}
_attachment_store: list[AttachmentStore] = []


def register_link_kind(*, key: str, label, parse: Callable, validate: Callable, resolve: Callable, order=100):
    _link_kinds[key] = LinkKind(
        key=key, label=label, parse=parse, validate=validate, resolve=resolve, order=order
    )


def link_kinds() -> list[LinkKind]:
    return sorted(_link_kinds.values(), key=lambda k: (k.order, k.key))


def link_kind(key: str) -> LinkKind | None:
    """The kind, or None when no installed app implements it (its links are then shown to nobody)."""
    return _link_kinds.get(key)


def register_attachment_store(*, link_kind: str, store: Callable) -> None:
    _attachment_store[:] = [AttachmentStore(link_kind=link_kind, store=store)]


def attachment_store() -> AttachmentStore | None:
    """The hook, or None when no app implements it (attachments are then off)."""
    return _attachment_store[0] if _attachment_store else None
