"""Hooks of the people app, and the receivers that track which sessions belong to whom.

`user_deactivated` is sent once per deactivated agent, **after the transaction commits**, with keyword
arguments `user` (the User, already inactive), `reason` (a short English code: "ldap_absent",
"ldap_disabled", "manual"…) and `actor` (the User who did it, or None for the sync). Other apps connect to it
to react to a leaver, e.g. chat removes the agent from salons, the GED lists the spaces they managed to the
department's managers:

    from intranet.people.signals import user_deactivated

    @receiver(user_deactivated, dispatch_uid="chat_leaver")
    def _leave_salons(sender, user, reason, actor, **kwargs): ...

Receivers run outside the deactivation's transaction: an exception in one does not undo the deactivation,
nor stop the others (`leavers.send_user_deactivated` uses `send_robust`; a failure is logged and recorded in
the access log). A receiver with an external side effect writes an outbox row (`intranet.outbox`) in its own
transaction rather than calling the external system.

`user_deactivating` is sent once per agent **inside** the deactivation's transaction, with the same
arguments, for receivers that record a side effect on another system (an outbox row, security.md R12): the
row commits with the deactivation or not at all. Receivers only write rows; they all run in one savepoint, so
a failing one is logged and rolled back without undoing the deactivation (the Matrix reconciliation then
catches the leaver within the hour).

`directory_synced` is sent after an `ldap_sync` run that changed something has committed, with `report` (the
SyncReport: created, updated, memberships added and removed…): apps that mirror departments (chat salons)
bring themselves in line then, in one pass, rather than per agent.
"""

from axes.signals import user_locked_out
from django.contrib.auth import signals as auth_signals
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

user_deactivated = Signal()
user_deactivating = Signal()
directory_synced = Signal()


@receiver(auth_signals.user_logged_in, dispatch_uid="people_track_session")
def _track_session(sender, request, user, **kwargs):
    from .models import UserSession

    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if key:
        agent = request.META.get("HTTP_USER_AGENT", "")[:300]
        UserSession.objects.update_or_create(
            session_key=key,
            defaults={"user": user, "user_agent": agent, "ip_address": _client_ip(request)},
        )


def _client_ip(request) -> str | None:
    import ipaddress

    try:
        return str(ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")))
    except ValueError:
        return None


@receiver(auth_signals.user_logged_out, dispatch_uid="people_untrack_session")
def _untrack_session(sender, request, user, **kwargs):
    from .models import UserSession
    from .sessions import close_session_sockets

    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()
        # R13: the pages of this session stop posting and receiving; the agent's other devices stay on.
        close_session_sockets([key])


@receiver(post_save, sender="people.User", dispatch_uid="people_password_changed")
def _password_changed(sender, instance, created, **kwargs):
    """A password set through `set_password` (any admin screen, `changepassword`) ends every session,
    personal and OAuth token and websocket of the account (R13). Django keeps the raw password in `_password`
    until save() is done; a hash upgrade at login clears it first, so only a real change lands here. The view
    that changed one's own password keeps its user logged in through `update_session_auth_hash`, under a new
    key."""
    if created or getattr(instance, "_password", None) is None:
        return

    from intranet.audit.actions import audit_record

    with transaction.atomic():
        _end_all_access(instance)
        audit_record(action="user.password_change", obj=instance)


def _end_all_access(user) -> dict:
    """R13: every session, personal and OAuth token (OIDC grants included) and websocket of the account."""
    from django.utils import timezone

    from .leavers import _revoke_oauth_tokens
    from .models import PersonalToken
    from .sessions import close_user_sockets, end_sessions

    now = timezone.now()
    sessions = end_sessions([user.pk])
    # Whoever knew the old password may have made tokens with it; they go with it.
    tokens = PersonalToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(revoked_at=now)
    _revoke_oauth_tokens([user.pk], now)
    close_user_sockets([user.pk])
    return {"sessions": sessions, "tokens": tokens}


@receiver(user_locked_out, dispatch_uid="people_locked_out")
def _locked_out(sender, request=None, username=None, **kwargs):
    """A lockout (too many wrong passwords for one login) ends every session, token, app password, websocket
    and OIDC grant of that account (R13): if the guesses came from someone who already got in once, what they
    opened closes too. The agent logs in again once the lockout ends. `username` is the throttling key
    (case-folded, stripped: `login_throttle`), compared as the directory does."""
    if not isinstance(username, str) or not username:
        return
    from django.contrib.auth import get_user_model

    from intranet.audit.actions import audit_record

    from .app_passwords import app_passwords_revoke_all

    user = get_user_model().objects.filter(username__iexact=username).first()
    if user is None:
        return
    with transaction.atomic():
        ended = _end_all_access(user)
        # Unlike a password change (app passwords exist so that it does not break every drive), a lockout
        # may mean someone got in once: an app password they made would outlive their session.
        ended["app_passwords"] = app_passwords_revoke_all([user.pk])
        audit_record(action="auth.lockout_access_ended", obj=user, request=request, extra=ended)
