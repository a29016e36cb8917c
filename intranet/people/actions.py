import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record

from .models import Department, Organisation, PersonalToken, User


def _group_name(department: Department) -> str:
    return f"{department.name} [{department.slug}]"[:150]


@transaction.atomic
def department_create(
    *, name: str, organisation: Organisation, parent: Department | None = None, slug: str = "", **fields
) -> Department:
    """Create a department and the Django group through which rights are granted to all its members."""
    department = Department(
        name=name, organisation=organisation, parent=parent, slug=slug or slugify(name)[:80], **fields
    )
    department.group = Group(name=_group_name(department))
    department.full_clean(exclude=["group"])
    department.group.save()
    department.save()
    return department


@transaction.atomic
def department_update(*, department: Department, **fields) -> Department:
    for key, value in fields.items():
        setattr(department, key, value)
    try:
        department.full_clean(exclude=["group"])
    except ValidationError:
        department.refresh_from_db()  # leave no half-applied change on the caller's instance
        raise
    department.save()
    name = _group_name(department)
    if department.group.name != name:
        Group.objects.filter(pk=department.group_id).update(name=name)
    return department


def department_member_sync(*, user: User) -> None:
    """Keep the user's department groups equal to the department they belong to."""
    dept_groups = set(Group.objects.filter(department__isnull=False, user=user).values_list("pk", flat=True))
    wanted = {user.department.group_id} if user.department_id else set()
    if dept_groups - wanted:
        user.groups.remove(*(dept_groups - wanted))
    if wanted - dept_groups:
        user.groups.add(*(wanted - dept_groups))


@transaction.atomic
def api_token_create(
    *, user: User, name: str, days: int | None = 90, request=None
) -> tuple[PersonalToken, str]:
    """Create a personal access token; returns it with its secret, which is never stored nor shown again."""
    name = name.strip()
    if not name:
        raise ValidationError(
            _("Donnez un nom au jeton pour le reconnaître plus tard (par exemple « script export »).")
        )
    if PersonalToken.objects.active().filter(user=user).count() >= settings.API_TOKEN_MAX_PER_USER:
        raise ValidationError(
            _("Vous avez déjà %(max)s jetons actifs : révoquez-en un avant d'en créer un autre.")
            % {"max": settings.API_TOKEN_MAX_PER_USER}
        )
    secret = PersonalToken.PREFIX + secrets.token_urlsafe(32)
    token = PersonalToken.objects.create(
        user=user,
        name=name[:100],
        token_hash=PersonalToken.hash(secret),
        hint=secret[: len(PersonalToken.PREFIX) + 4],
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    audit_record(action="api_token.create", actor=user, request=request, obj=token)
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: PersonalToken, actor: User, request=None) -> PersonalToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action="api_token.revoke", actor=actor, request=request, obj=token)
    return token


def api_token_authenticate(secret: str) -> User | None:
    """The active user behind a token, or None. Touches `last_used_at` at most once a minute."""
    if not secret or not secret.startswith(PersonalToken.PREFIX) or len(secret) > 100:
        return None
    token = (
        PersonalToken.objects.active()
        .select_related("user")
        .filter(token_hash=PersonalToken.hash(secret), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        PersonalToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def session_end(*, user: User, session_key: str, request=None) -> bool:
    """End one of the agent's own sessions (« Mes appareils et sessions ») and close its websockets.
    False when that session is not one of theirs (or already ended)."""
    from .models import UserSession
    from .sessions import close_session_sockets, end_session_keys

    if not UserSession.objects.filter(user=user, session_key=session_key).exists():
        return False
    end_session_keys([session_key])
    close_session_sockets([session_key])
    audit_record(action="auth.session_end", actor=user, request=request, obj=user)
    return True


@transaction.atomic
def sessions_end_everywhere(*, user: User, request=None) -> int:
    """« Se déconnecter partout »: every session of the agent, this one included, and every websocket."""
    from .sessions import close_user_sockets, end_sessions

    count = end_sessions([user.pk])
    close_user_sockets([user.pk])
    audit_record(
        action="auth.logout_everywhere", actor=user, request=request, obj=user, extra={"sessions": count}
    )
    return count
