from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import policy


@receiver(user_logged_in, dispatch_uid="twofactor_enrolled_at_login")
def remember_enrolment(sender, request, user, **kwargs):
    """Whether an agent who is not staff enrolled a device is read once here, so the middleware knows on
    every page without a query (staff always need the factor, whatever the answer)."""
    if request is None or not hasattr(request, "session") or policy.is_staff(user):
        return
    request.session[policy.ENROLLED_SESSION_KEY] = policy.is_enrolled(user)
