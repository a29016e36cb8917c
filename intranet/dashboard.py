"""The home dashboard's cache (bench B9): each panel's rendered fragment, per agent, under a key made of the
versions of the *topics* the panel reads and of the viewer's permission version.

- A **topic** names a kind of data (« pages », « notifications », « ged », « rooms », « chat »…). It has one
  version for everyone and one per agent. The code that changes the data calls `bump(topic)` (everyone's view
  changes: a news item published, a document saved) or `bump(topic, users=[…])` (only these agents' views:
  a notification, an acknowledgement). The app that owns the data bumps its topic (signals on its models,
  its actions); the core never imports an app.
- The **permission version** (`PERMISSIONS`) is part of every per-agent key: grants, group membership,
  restricted folders, departments. The agent's own flags (active, superuser, staff, employer, department)
  are read off the request's user and go into the key too, so a revocation shows at once.
- A version is a random token, not a counter: a version evicted from the cache is replaced by a new token,
  so an old fragment can never be reached again (a counter restarting at 0 could).
- `bump` writes at once and once more when the transaction commits: a request running between the two may
  cache the data it read before the commit under the first new token; the second one makes that entry
  unreachable.
- A fragment is stored with the moment it stops being true (`valid_until`: the end of the next booking…),
  and with a time-out (`DASHBOARD_CACHE_SECONDS`) as a backstop for changes made outside the apps' code
  (a raw SQL update, a second process writing into its own local-memory cache).

A warm home page costs two cache round trips (the versions, then the fragments) and one render of the page
around the fragments. The fragments hold a placeholder instead of the CSRF token, replaced per request.
"""

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe

logger = logging.getLogger(__name__)

PERMISSIONS = "permissions"
PAGES = "pages"  # any Wagtail page published, unpublished, moved or deleted; the home page's own fields
NEWS = "news"  # an agent's must-read acknowledgements (bumped for them)
NOTIFICATIONS = "notifications"  # an agent's notifications (bumped for the recipients)

_VERSION = "dash:v:{topic}"
_USER_VERSION = "dash:v:{topic}:{user_id}"
_FRAGMENT = "dash:f:{key}:{owner}:{lang}:{digest}"


def _version_key(topic: str, user_id=None) -> str:
    if user_id is None:
        return _VERSION.format(topic=topic)
    return _USER_VERSION.format(topic=topic, user_id=user_id)


# --- Writers ----------------------------------------------------------------------------------------------


def bump(*topics: str, users: Iterable | None = None) -> None:
    """Invalidate the fragments reading `topics`: everyone's (`users` None) or only these agents' (users or
    ids). Call it from the code that changed the data, inside its transaction or not."""
    if users is None:
        keys = [_version_key(t) for t in topics]
    else:
        ids = {getattr(u, "pk", u) for u in users}
        keys = [_version_key(t, i) for t in topics for i in sorted(ids) if i is not None]
    if not keys:
        return
    _write(keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _write(keys), robust=True)


def _write(keys: list[str]) -> None:
    try:
        cache.set_many(dict.fromkeys(keys, secrets.token_hex(8)), timeout=None)
    except Exception:  # a cache outage must not turn a saved change into an error page
        logger.exception("dashboard cache: could not bump %s", keys[:5])


def bump_on_save(model, *topics: str, uid: str) -> None:
    """Bump `topics` (for everyone) whenever a row of `model` is saved or deleted through the ORM. Bulk
    writes (`QuerySet.update`, `bulk_create`) send no signal: use `TopicQuerySetMixin` or bump by hand."""
    from django.db.models.signals import post_delete, post_save

    def receiver(sender, **kwargs):
        bump(*topics)

    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"dashboard-save-{uid}")
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"dashboard-delete-{uid}")


class TopicQuerySetMixin:
    """For a model's QuerySet: bulk writes bump `dashboard_topics` (for everyone) like a save does."""

    dashboard_topics: tuple[str, ...] = ()

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        if rows:
            bump(*self.dashboard_topics)
        return rows

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            bump(*self.dashboard_topics)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        rows = super().bulk_update(objs, fields, *args, **kwargs)
        if rows:
            bump(*self.dashboard_topics)
        return rows


# --- Readers ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fragment:
    """What the page gets: the HTML and the values a panel hands to the page around it (the unread count
    of the header…)."""

    key: str
    html: str
    extras: dict


@dataclass(frozen=True)
class FragmentSpec:
    """A cached piece of the home page. `render(request) -> (html, extras, valid_until)`, or None to hide it.
    `per_user` False: one fragment for everyone (it must not read the viewer). `cached` False: rendered on
    every view (a panel that declares no topics)."""

    key: str
    topics: tuple[str, ...]
    render: Callable[[Any], tuple[str, dict, Any] | None]
    per_user: bool = True
    cached: bool = True


def csrf_placeholder() -> str:
    """What fragments hold instead of the CSRF token: derived from SECRET_KEY, so nobody can type it into a
    title to have it replaced."""
    return salted_hmac("intranet.dashboard.csrf", "placeholder").hexdigest()[:32]


_PLACEHOLDER = SimpleLazyObject(csrf_placeholder)


def render_panel(request, template: str, context: dict, *, panel_id: str, wrap: bool) -> str:
    """A panel's template rendered on its own (no context processors): its context, the viewer, and the CSRF
    placeholder for its forms; `wrap` puts it in the dashboard's card."""
    values = {
        "ctx": context,
        "panel_id": panel_id,
        "user": request.user,
        "request": request,
        "csrf_token": str(_PLACEHOLDER),
        **(context if not wrap else {}),
    }
    html = get_template(template).render(values)
    if wrap:
        html = f'<section class="card" aria-labelledby="panel-{panel_id}">\n{html}\n</section>'
    return html


def _owner(request, spec: FragmentSpec):
    return request.user.pk if spec.per_user else "-"


def fragments(request, specs: list[FragmentSpec]) -> list[Fragment]:
    """The fragments of `specs` for this request, from the cache where their versions still match; the others
    are rendered and stored. Two cache round trips when everything is warm."""
    user = request.user
    if getattr(request, "is_preview", False):  # a Wagtail preview shows unpublished content: never cached
        specs = [FragmentSpec(s.key, s.topics, s.render, s.per_user, cached=False) for s in specs]
    topics = {PERMISSIONS} | {t for spec in specs for t in spec.topics}
    version_keys = [_version_key(t) for t in topics] + [_version_key(t, user.pk) for t in topics]
    try:
        versions = _versions(version_keys)
    except Exception:
        logger.exception("dashboard cache unavailable: rendering every panel")
        versions = None
    viewer = (
        f"{user.is_active}:{user.is_superuser}:{user.is_staff}:"
        f"{getattr(user, 'employer_id', '')}:{getattr(user, 'department_id', '')}"
    )
    lang = translation.get_language() or ""
    tz = timezone.get_current_timezone_name()
    keys = {}
    if versions is not None:
        for spec in specs:
            if not spec.cached:
                continue
            parts = [tz]
            for topic in sorted({PERMISSIONS, *spec.topics} if spec.per_user else set(spec.topics)):
                parts.append(versions[_version_key(topic)])
                if spec.per_user:
                    parts.append(versions[_version_key(topic, user.pk)])
            if spec.per_user:
                parts.append(viewer)
            digest = hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:20]
            owner = _owner(request, spec)
            keys[spec.key] = _FRAGMENT.format(key=spec.key, owner=owner, lang=lang, digest=digest)
    try:
        cached = cache.get_many(list(keys.values())) if keys else {}
    except Exception:
        logger.exception("dashboard cache unavailable: rendering every panel")
        cached, keys = {}, {}
    now = timezone.now()
    result, to_store = [], {}
    for spec in specs:
        entry = cached.get(keys.get(spec.key))
        if entry is not None and (entry[2] is None or now < entry[2]):
            html, extras, _until = entry
        else:
            rendered = spec.render(request)
            if rendered is None:
                html, extras, until = "", {}, None
            else:
                html, extras, until = rendered
            if spec.key in keys:
                to_store[keys[spec.key]] = (html, extras, until)
        if html:
            result.append(Fragment(key=spec.key, html=html, extras=extras))
    if to_store:
        try:
            cache.set_many(to_store, timeout=settings.DASHBOARD_CACHE_SECONDS)
        except Exception:
            logger.exception("dashboard cache: could not store fragments")
    placeholder = str(_PLACEHOLDER)
    if any(placeholder in f.html for f in result):
        from django.middleware.csrf import get_token

        token = get_token(request)
        result = [
            Fragment(f.key, mark_safe(f.html.replace(placeholder, token)), f.extras)  # noqa: S308
            if placeholder in f.html
            else f
            for f in result
        ]
    return [Fragment(f.key, mark_safe(f.html), f.extras) for f in result]  # noqa: S308  (rendered templates)


def agent_data_key(user, name: str, topics: Iterable[str], *parts) -> str | None:
    """A cache key for data other pages read per agent (the GED folder page's listing): the versions of
    `topics` and the permission version (everyone's and the agent's own), the agent's flags, and `parts`
    (the object, sort, page…). A bump of any of them makes the key new. None when the cache is unavailable
    (the caller reads the database)."""
    topics = sorted({PERMISSIONS, *topics})
    keys = [k for t in topics for k in (_version_key(t), _version_key(t, user.pk))]
    try:
        versions = _versions(keys)
    except Exception:
        logger.exception("cache unavailable: %s read from the database", name)
        return None
    values = [versions[k] for k in keys]
    values.append(
        f"{user.is_active}:{user.is_superuser}:{user.is_staff}:"
        f"{getattr(user, 'employer_id', '')}:{getattr(user, 'department_id', '')}"
    )
    values.extend(str(p) for p in parts)
    digest = hashlib.sha1("|".join(values).encode(), usedforsecurity=False).hexdigest()[:20]
    return f"data:{name}:{user.pk}:{digest}"


def global_data_key(name: str, topic: str) -> str:
    """A cache key for data shared by every agent (e.g. one map read by each agent's panel), made new by every
    everyone-wide `bump(topic)`. Raises when the cache is down: the caller then reads the database."""
    key = _version_key(topic)
    return f"data:{name}:{_versions([key])[key]}"


def _versions(keys: list[str]) -> dict[str, str]:
    """The current token of each version key; a missing one (never bumped, or evicted) gets a new token,
    which no stored fragment uses."""
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            token = secrets.token_hex(8)
            if not cache.add(key, token, timeout=None):
                token = cache.get(key) or token
            found[key] = token
    return found


# --- The core's own bumps: pages, people, groups ------------------------------------------------------------


def connect_core_receivers() -> None:
    """Pages (news, guides, the home page's own fields) and the permission version's core part: group
    memberships (per agent), groups, departments and organisations (audiences: for everyone)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from wagtail.models import Page
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from intranet.people.models import Department, Organisation

    def page_changed(sender, instance=None, **kwargs):
        if isinstance(instance, Page):
            bump(PAGES)

    # Any page save (a publication saves the page; a live page saved by code changes what agents see),
    # and the signals Wagtail sends once a publication, unpublication or move is complete.
    post_save.connect(page_changed, weak=False, dispatch_uid="dashboard-page-save")
    post_delete.connect(page_changed, weak=False, dispatch_uid="dashboard-page-delete")

    def pages_changed(sender, **kwargs):
        bump(PAGES)

    page_published.connect(pages_changed, weak=False, dispatch_uid="dashboard-page-published")
    page_unpublished.connect(pages_changed, weak=False, dispatch_uid="dashboard-page-unpublished")
    post_page_move.connect(pages_changed, weak=False, dispatch_uid="dashboard-page-moved")

    def membership_changed(sender, instance, action, reverse, pk_set, **kwargs):
        if action == "pre_clear" and reverse:
            instance._dashboard_cleared = list(instance.user_set.values_list("pk", flat=True))
            return
        if not action.startswith("post_"):
            return
        if reverse:  # the group's side: pk_set holds users
            users = getattr(instance, "_dashboard_cleared", []) if action == "post_clear" else pk_set or ()
        else:
            users = [instance.pk]
        bump(PERMISSIONS, users=users)

    groups = get_user_model().groups.through
    m2m_changed.connect(membership_changed, sender=groups, weak=False, dispatch_uid="dashboard-groups")
    for model in (Group, Department, Organisation):
        bump_on_save(model, PERMISSIONS, PAGES, uid=f"core-{model._meta.label_lower}")
