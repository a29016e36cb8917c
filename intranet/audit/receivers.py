"""Authentication signals come from Django itself: these receivers only forward them to the audit log."""

from django.contrib.auth import signals
from django.dispatch import receiver

from .actions import audit_record
from .choices import Result


@receiver(signals.user_logged_in, dispatch_uid="audit_login")
def _on_login(sender, request, user, **kwargs):
    audit_record(action="auth.login", actor=user, request=request, obj=user)


@receiver(signals.user_logged_out, dispatch_uid="audit_logout")
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="auth.logout", actor=user, request=request, obj=user)


@receiver(signals.user_login_failed, dispatch_uid="audit_login_failed")
def _on_login_failed(sender, credentials, request=None, **kwargs):
    # Only the username is kept, never what was typed as password.
    audit_record(
        action="auth.login_failed",
        request=request,
        actor_label=str(credentials.get("username", ""))[:150],
        result=Result.FAILURE,
    )
