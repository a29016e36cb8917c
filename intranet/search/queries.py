"""One permission-aware search over Wagtail pages, people and the sources other apps register.

Nothing an agent may not open is returned or counted: pages are filtered in SQL before the full-text search
(live, addressed to the agent when the page model uses `AudienceMixin`, outside view restrictions the agent
does not pass), people are active agents, and each registered source promises the same for its own hits.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count, Q, Window
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, PageViewRestriction, get_page_models
from wagtail.search.models import IndexEntry

from intranet import registry
from intranet.audience import AudienceMixin, audience_q, audience_sql
from intranet.people.queries import DirectoryFilters, directory_queryset

from .highlight import WORD, excerpt, highlight, index_text, stems

logger = logging.getLogger(__name__)
PAGES, PEOPLE = "pages", "people"
ALL_LIMIT = 5  # hits per group when every type is shown
TYPE_LIMIT = 20  # hits per page of results when one type is chosen
SOURCE_LIMIT = 50  # a source gives no offset: one type shows at most this many of its hits
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BODY_FIELD = "body_text" if hasattr(IndexEntry, "body_text") else "body"


def clean_query(raw) -> str:
    """The search input as the database gets it: at most SEARCH_MAX_QUERY_LENGTH characters, without control
    characters (PostgreSQL refuses NUL) nor runs of spaces. Never raises."""
    text = unicodedata.normalize("NFC", str(raw or "")[: settings.SEARCH_MAX_QUERY_LENGTH * 2])
    text = _CONTROL.sub(" ", text)
    return " ".join(text.split())[: settings.SEARCH_MAX_QUERY_LENGTH].strip()


@dataclass
class Hit:
    type: str
    title: str
    url: str
    snippet: str  # plain text
    highlighted: SafeString  # the snippet, escaped, with <mark>
    meta: str = ""
    kind: str = ""  # « Actualité », « Guide »…, for pages


@dataclass
class Group:
    key: str
    label: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    parent: str = ""  # "pages" for a page type: its hits are already counted in « Pages »


@dataclass
class Results:
    query: str
    type: str
    groups: list[Group]  # every type, with its count; hits only where they were asked for
    page: int = 1
    has_next: bool = False

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups if not g.parent)

    @property
    def shown(self) -> list[Group]:
        return [g for g in self.groups if g.hits]


# --- Pages ------------------------------------------------------------------------------------------------


def _audience_models():
    return [m for m in get_page_models() if issubclass(m, AudienceMixin) and not m._meta.abstract]


def _page_type_key(content_type) -> str:
    return f"{content_type.app_label}-{content_type.model}"


def _audience_content_types(model) -> list[int]:
    return [
        ct.pk
        for ct in ContentType.objects.get_for_models(
            model, *[m for m in get_page_models() if issubclass(m, model) and m is not model]
        ).values()
    ]


def _hidden_paths(user) -> list[str]:
    """Paths of pages under a view restriction `user` does not pass (a password, or groups they are not in);
    one query, and one more for the agent's groups only when a group restriction exists."""
    hidden, user_groups = [], None
    for restriction in PageViewRestriction.objects.select_related("page").prefetch_related("groups"):
        if restriction.restriction_type == PageViewRestriction.LOGIN:
            continue
        if restriction.restriction_type == PageViewRestriction.GROUPS:
            if user_groups is None:
                user_groups = set(user.groups.values_list("pk", flat=True))
            if user_groups & {g.pk for g in restriction.groups.all()}:
                continue
        hidden.append(restriction.page.path)
    return hidden


def visible_pages(user):
    """Live pages `user` may open, as a queryset Wagtail's search can filter on (id, path, content_type)."""
    qs = Page.objects.live().filter(depth__gt=1)
    for model in _audience_models():
        hidden = Q(content_type__in=_audience_content_types(model)) & ~Q(
            pk__in=model.objects.filter(audience_q(model, user)).values("pk")
        )
        qs = qs.exclude(hidden)
    for path in _hidden_paths(user):
        qs = qs.exclude(path__startswith=path)
    return qs


def _page_snippets(pages) -> dict[int, str]:
    """The indexed text of each page (what the search matched), in one query unless the search brought it."""
    if all(hasattr(p, "_search_body") for p in pages):
        return {p.pk: index_text(p._search_body) for p in pages}
    rows = IndexEntry.objects.filter(
        content_type_id__in={p.content_type_id for p in pages}, object_id__in=[str(p.pk) for p in pages]
    ).values_list("content_type_id", "object_id", _BODY_FIELD)
    by_key = {(ct, oid): body for ct, oid, body in rows}
    return {p.pk: index_text(by_key.get((p.content_type_id, str(p.pk)))) for p in pages}


def _page_content_type_ids() -> list[int]:
    return [ct.pk for ct in ContentType.objects.get_for_models(*get_page_models()).values()]


def _postgres_page_search(user, query: str, *, type_key: str, offset: int, limit: int):
    """The same search straight on Wagtail's index entries, one statement written out (the ORM's building
    and compiling of it cost twice its execution): the words through the GIN index over (title || body)
    (migration intranet_search 0001), then per matching entry the page (live, outside view restrictions the
    agent does not pass) and, for AudienceMixin models, its audience (`audience_sql`, the rule of
    `audience_q`) — correlated lookups by primary key, so the cost follows the matches, not the 20,000 pages
    (Wagtail's own query joins pages to entries on a text cast of the page id and scans every visible page).
    Counts by type, the asked hits with their indexed text and the hits' pages come in that one query."""
    config = settings.WAGTAILSEARCH_BACKENDS["default"].get("SEARCH_CONFIG") or "simple"
    chosen_type = _content_type_for_key(type_key) if type_key not in ("", PAGES) else None
    audience, audience_params = [], []
    for model in _audience_models():
        addressed, params = audience_sql(model, user, "a")
        audience.append(
            "AND NOT (e.content_type_id = ANY(%s) AND (SELECT 1 FROM "  # noqa: S608  (names from the models)
            f"{connection.ops.quote_name(model._meta.db_table)} a "
            f"WHERE a.{connection.ops.quote_name(model._meta.pk.column)} = e.object_id::integer "
            f"AND {addressed} LIMIT 1) IS NULL)"
        )
        audience_params += [_audience_content_types(model), *params]
    if limit and type_key in ("", PAGES):
        hit, hit_params = "(r.position > %s AND r.position <= %s)", [offset, offset + limit]
    elif limit and chosen_type is not None:
        hit = "(r.content_type_id = %s AND r.type_position > %s AND r.type_position <= %s)"
        hit_params = [chosen_type, offset, offset + limit]
    else:
        hit, hit_params = "false", []
    sql = _PAGE_SEARCH.format(
        body=connection.ops.quote_name(IndexEntry._meta.get_field(_BODY_FIELD).column),
        audience="\n".join(audience),
        hit=hit,
        page_columns=", ".join(
            f"p.{connection.ops.quote_name(Page._meta.get_field(name).column)}" for name in _PAGE_FIELDS
        ),
        **_restriction_tables(),
    )
    params = [
        *[config, query] * 2,  # the two ranks
        _page_content_type_ids(),
        *[config, query],  # the match
        PageViewRestriction.LOGIN,
        PageViewRestriction.GROUPS,
        user.pk,
        *audience_params,
        *hit_params,
        *hit_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    counts = {row[1]: row[2] for row in rows}
    groups, _content_types = _groups_from_counts(counts)
    if not limit:
        return groups, []
    found = []
    for row in rows:
        if row[6] is None:  # not a hit (the best row of its type, for its count) or the page went away
            continue
        page = Page.from_db(connection.alias, _PAGE_FIELDS, row[6:])
        page._search_body = row[5]
        found.append(page)
    return groups, found


# What a page hit needs (`_page_hits`: title, URL, type, description), in the order of Page's fields
# (`Model.from_db` reads them so; the others are deferred).
_PAGE_FIELDS = [
    f.attname
    for f in Page._meta.concrete_fields
    if f.attname in {"id", "title", "url_path", "content_type_id", "search_description"}
]
# The matching entries of visible pages, ranked (title twice the body), each type's count and the rows kept:
# the asked hits (joined to their pages) plus the best row of each type, which carries its type's count.
_PAGE_SEARCH = """
SELECT r.page_id, r.content_type_id, r.type_total, r.position, r.type_position, r.body, {page_columns}
FROM (
    SELECT m.*,
        count(*) OVER (PARTITION BY m.content_type_id) AS type_total,
        row_number() OVER (ORDER BY m.rank DESC, m.page_id DESC) AS position,
        row_number() OVER (PARTITION BY m.content_type_id ORDER BY m.rank DESC, m.page_id DESC)
            AS type_position
    FROM (
        SELECT e.object_id::integer AS page_id, e.content_type_id, e.{body} AS body,
            ts_rank(e.title, plainto_tsquery(%s::regconfig, %s)) * 2
            + ts_rank(e.body, plainto_tsquery(%s::regconfig, %s)) AS rank
        FROM wagtailsearch_indexentry e
        WHERE e.content_type_id = ANY(%s)
        AND (e.title || e.body) @@ plainto_tsquery(%s::regconfig, %s)
        AND (
            SELECT 1 FROM wagtailcore_page p
            WHERE p.id = e.object_id::integer AND p.live AND p.depth > 1
            AND NOT EXISTS (
                SELECT 1 FROM {restriction} v JOIN wagtailcore_page vp ON vp.id = v.page_id
                WHERE starts_with(p.path, vp.path) AND v.restriction_type <> %s
                AND NOT (v.restriction_type = %s AND EXISTS (
                    SELECT 1 FROM {restriction_groups} vg
                    JOIN {user_groups} ug ON ug.{ug_group} = vg.{vg_group}
                    WHERE vg.{vg_restriction} = v.id AND ug.{ug_user} = %s
                ))
            )
            LIMIT 1
        ) IS NOT NULL
        {audience}
    ) AS m
) AS r
LEFT JOIN wagtailcore_page p ON p.id = r.page_id AND {hit}
WHERE r.type_position = 1 OR {hit}
ORDER BY r.position
"""


def _restriction_tables() -> dict[str, str]:
    """Table and column names of the view restrictions' groups and of the agents' groups, quoted."""
    from django.contrib.auth import get_user_model

    quote = connection.ops.quote_name
    restriction_groups = PageViewRestriction.groups.field
    vg = restriction_groups.remote_field.through._meta
    user_groups = get_user_model().groups.field
    ug = user_groups.remote_field.through._meta
    return {
        "restriction": quote(PageViewRestriction._meta.db_table),
        "restriction_groups": quote(vg.db_table),
        "vg_restriction": quote(vg.get_field(restriction_groups.m2m_field_name()).column),
        "vg_group": quote(vg.get_field(restriction_groups.m2m_reverse_field_name()).column),
        "user_groups": quote(ug.db_table),
        "ug_user": quote(ug.get_field(user_groups.m2m_field_name()).column),
        "ug_group": quote(ug.get_field(user_groups.m2m_reverse_field_name()).column),
    }


def _content_type_for_key(type_key: str) -> int | None:
    """The content type id of a page type key ("news-newspage"), None when it names no page model."""
    app_label, _sep, model = type_key.partition("-")
    for ct in ContentType.objects.get_for_models(*get_page_models()).values():
        if ct.app_label == app_label and ct.model == model:
            return ct.pk
    return None


# Page types whose own names read badly as a filter (« Page « Quel outil pour… ? »s »).
_TYPE_LABELS = {"kotje.toolfinderpage": (_("Quel outil pour… ?"), _("Quel outil pour… ?"))}


def page_type_label(model) -> str:
    """The type filter's label of a page model: its verbose_name_plural when the model declares one, else
    its verbose_name (Django's default plural only glues an « s » on it), first letter up and the rest as
    written (« capitalize() » would lower « Kotje »)."""
    if model._meta.label_lower in _TYPE_LABELS:
        return str(_TYPE_LABELS[model._meta.label_lower][1])
    declared = model._meta.original_attrs.get("verbose_name_plural")
    return capfirst(str(declared if declared else model._meta.verbose_name))


def page_kind_label(model) -> str:
    """What one page hit is (« Actualité », « Outil »): the model's verbose_name, first letter up."""
    if model._meta.label_lower in _TYPE_LABELS:
        return str(_TYPE_LABELS[model._meta.label_lower][0])
    return capfirst(str(model._meta.verbose_name))


def _groups_from_counts(counts: dict[int, int]):
    content_types = {ct_id: ContentType.objects.get_for_id(ct_id) for ct_id in counts}
    groups = []
    for ct_id, count in counts.items():
        model = content_types[ct_id].model_class()
        label = page_type_label(model) if model else capfirst(content_types[ct_id].name)
        groups.append(Group(_page_type_key(content_types[ct_id]), label, count, parent=PAGES))
    groups.sort(key=lambda g: (-g.total, g.label))
    return groups, content_types


def _chosen_content_types(content_types, type_key: str) -> list[int]:
    if type_key in ("", PAGES):
        return list(content_types)
    return [ct_id for ct_id, ct in content_types.items() if _page_type_key(ct) == type_key]


def page_search(user, query: str, *, type_key: str, offset: int, limit: int):
    """(one group per page type with its count, the asked hits): hits of every page type when `type_key` is
    "" or "pages", of one page type when it is one, none otherwise. Counts come from one GROUP BY."""
    # Words only: quotes and operators mean something to the full-text engines (FTS5 fails on a lone quote).
    query = " ".join(WORD.findall(query))
    if not query:
        return [], []
    if connection.vendor == "postgresql":
        return _postgres_page_search(user, query, type_key=type_key, offset=offset, limit=limit)
    qs = visible_pages(user)
    results = qs.search(query, operator="and")
    counts = results.facet("content_type_id")
    groups, content_types = _groups_from_counts(counts)
    chosen = _chosen_content_types(content_types, type_key)
    if not limit or not chosen:
        return groups, []
    if type_key not in ("", PAGES):
        results = qs.filter(content_type_id__in=chosen).search(query, operator="and")
    return groups, list(results[offset : offset + limit])


def _page_hits(request, pages, query_stems) -> list[Hit]:
    bodies = _page_snippets(pages)
    hits = []
    for page in pages:
        ct = ContentType.objects.get_for_id(page.content_type_id)
        model = ct.model_class()
        kind = page_kind_label(model) if model else ""
        text = excerpt(bodies.get(page.pk, "") or page.search_description or "", query_stems)
        hits.append(
            Hit(
                type=_page_type_key(ct),
                title=page.title,
                url=page.get_url() or "",  # no request: spares the site lookup
                snippet=text,
                highlighted=highlight(text, query_stems),
                kind=kind,
            )
        )
    return hits


# --- People -----------------------------------------------------------------------------------------------


@dataclass
class Person:
    """What a person hit shows."""

    username: str
    full_name: str
    job_title: str
    what_i_do: str
    department: str
    employer: str


def people_search(query: str, *, offset: int, limit: int) -> tuple[int, list[Person]]:
    """(count, the asked agents). The count comes with the page (a window over every match, computed before
    the LIMIT), so the matching is evaluated once; a second query only past the end."""
    if connection.vendor == "postgresql":
        return _postgres_people(query, offset=offset, limit=limit)
    # A hit shows the name, job, what they do, department and employer: no skills prefetch (one query less).
    qs = directory_queryset(DirectoryFilters(q=query)).prefetch_related(None)
    if not limit:
        return qs.count(), []
    users = list(qs.annotate(search_total=Window(Count("id")))[offset : offset + limit])
    if not users:
        return (qs.count() if offset else 0), []
    people = [
        Person(
            username=u.username,
            full_name=u.get_full_name(),
            job_title=u.job_title,
            what_i_do=u.what_i_do,
            department=u.department.name if u.department_id else "",
            employer=u.employer.display_name if u.employer_id else "",
        )
        for u in users
    ]
    return users[0].search_total, people


# Active agents whose stored vector (names, username, job, what they do, department, its parent, employer:
# migration people 0005, GIN-indexed) matches the words, or who have a matching skill (a few tag rows), in
# the directory's order. The words in the configuration of every search source, as for pages and documents
# (whole words, stemmed, accent-insensitive; the directory page itself matches parts of words).
_PEOPLE_MATCH = """
WHERE u.is_active AND (
    u.search_vector @@ websearch_to_tsquery(%(config)s::regconfig, %(q)s)
    OR u.id IN (
        SELECT ti.object_id FROM taggit_taggeditem ti JOIN taggit_tag t ON t.id = ti.tag_id
        WHERE ti.content_type_id = %(ct)s
        AND to_tsvector(%(config)s::regconfig, t.name) @@ websearch_to_tsquery(%(config)s::regconfig, %(q)s)
    )
)
"""
_PEOPLE_COUNT = "SELECT count(*) FROM people_user u " + _PEOPLE_MATCH  # noqa: S608  (constants only)
_PEOPLE_PAGE = (
    """
SELECT u.username, u.first_name, u.last_name, u.job_title, u.what_i_do, coalesce(d.name, ''),
    coalesce(nullif(o.short_name, ''), o.name, ''), count(*) OVER ()
FROM people_user u
LEFT JOIN people_department d ON d.id = u.department_id
LEFT JOIN people_organisation o ON o.id = u.employer_id
"""
    + _PEOPLE_MATCH
    + """
ORDER BY u.last_name, u.first_name, u.id
LIMIT %(limit)s OFFSET %(offset)s
"""
)


def _postgres_people(query: str, *, offset: int, limit: int) -> tuple[int, list[Person]]:
    """One statement, written out: the people source runs on every search, and the ORM's compilation of the
    same query cost several times its execution."""
    from intranet.people.models import User

    params = {
        "config": settings.SEARCH_CONFIG,
        "q": query,
        "ct": ContentType.objects.get_for_model(User).pk,
        "limit": limit,
        "offset": offset,
    }
    with connection.cursor() as cursor:
        if not limit:
            cursor.execute(_PEOPLE_COUNT, params)
            return cursor.fetchone()[0], []
        cursor.execute(_PEOPLE_PAGE, params)
        rows = cursor.fetchall()
        if not rows:
            if not offset:
                return 0, []
            cursor.execute(_PEOPLE_COUNT, params)
            return cursor.fetchone()[0], []
    people = [
        Person(
            username=username,
            full_name=f"{first} {last}".strip(),
            job_title=job,
            what_i_do=what,
            department=department,
            employer=employer,
        )
        for username, first, last, job, what, department, employer, _total in rows
    ]
    return rows[0][-1], people


def _person_hits(people: list[Person], query_stems) -> list[Hit]:
    hits = []
    for person in people:
        text = " · ".join(t for t in (person.job_title, person.what_i_do) if t)
        meta = " · ".join(t for t in (person.department, person.employer) if t)
        hits.append(
            Hit(
                type=PEOPLE,
                title=person.full_name or person.username,
                url=reverse("directory:profile", args=[person.username]),
                snippet=text,
                highlighted=highlight(text, query_stems),
                meta=meta,
            )
        )
    return hits


# --- Everything -------------------------------------------------------------------------------------------


def type_choices(results: Results) -> list[tuple[str, str, int]]:
    return [(g.key, g.label, g.total) for g in results.groups]


def search(request, raw_query, *, type_key: str = "", page: int = 1) -> Results:
    """Search everything `request.user` may open. `type_key`: "" for every type, "pages", a page type
    ("news-newspage"), "people" or a source key; `page` pages through one chosen type."""
    user = request.user
    query = clean_query(raw_query)
    type_key = (type_key or "")[:100]
    page = max(1, min(int(page or 1), 1000))
    if not query:
        return Results(query="", type=type_key, groups=[])
    query_stems = stems(query)
    one_type = bool(type_key)
    limit = TYPE_LIMIT if one_type else ALL_LIMIT
    offset = (page - 1) * limit if one_type else 0
    groups: list[Group] = []
    has_next = False

    # Pages: a group of every page together, then one per page type (for the type filter).
    page_groups, pages = page_search(user, query, type_key=type_key, offset=offset, limit=limit)
    page_keys = {g.key for g in page_groups}
    page_hits = _page_hits(request, pages, query_stems)
    if page_groups:
        pages_group = Group(PAGES, str(_("Pages")), sum(g.total for g in page_groups))
        groups.append(pages_group)
        if type_key in ("", PAGES):
            pages_group.hits = page_hits  # every page type together, in relevance order
        for g in page_groups:
            if g.key == type_key:
                g.hits = page_hits
        if len(page_groups) > 1 or type_key in page_keys:
            groups.extend(page_groups)
        if type_key == PAGES or type_key in page_keys:
            chosen_total = (
                pages_group.total
                if type_key == PAGES
                else next(g.total for g in page_groups if g.key == type_key)
            )
            has_next = offset + limit < chosen_total

    # People.
    wants_people = not one_type or type_key == PEOPLE
    total, people = people_search(query, offset=offset, limit=limit if wants_people else 0)
    if total:
        groups.append(Group(PEOPLE, str(_("Personnes")), total, _person_hits(people, query_stems)))
        if type_key == PEOPLE:
            has_next = offset + limit < total

    # Registered sources (documents, rooms…): each filters and counts by permission itself.
    for source in registry.search_sources():
        wants = not one_type or type_key == source.key
        try:
            hits, total = source.search(user, query, SOURCE_LIMIT if type_key == source.key else limit)
        except Exception:  # one broken source must not take the whole search page down
            logger.exception("search source %s failed", source.key)
            continue
        if not total:
            continue
        group = Group(source.key, str(source.label), total)
        if wants:
            group.hits = [
                Hit(
                    type=source.key,
                    title=h.title,
                    url=h.url,
                    snippet=(text := excerpt(h.snippet, query_stems)),
                    highlighted=highlight(text, query_stems),
                    meta=h.meta,
                )
                for h in hits[: (SOURCE_LIMIT if type_key == source.key else limit)]
            ]
        groups.append(group)
    return Results(query=query, type=type_key, groups=groups, page=page, has_next=has_next)
