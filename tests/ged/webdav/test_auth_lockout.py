"""A drive locked out by the app-password throttle hears 429 with a Retry-After and a French sentence, not a
401 that would make it ask again for a password it may well have right."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from intranet.people.models import AppPasswordThrottle


def test_lockout_answers_429_with_retry_after_then_401_again_after_the_cool_off(wsgi_dav, space, manager):
    dav = wsgi_dav(manager)
    secret = dav.secret
    dav.secret = "mauvais-mot-de-passe"
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert dav.propfind("/dav/rh", "0").status_code == 401
    # The attempt that starts the lockout is already answered 429.
    locked = dav.propfind("/dav/rh", "0")
    assert locked.status_code == 429
    cool_off = int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert 0 < int(locked.headers["retry-after"]) <= cool_off
    assert locked.headers["content-type"] == "text/plain; charset=utf-8"
    assert "Trop de tentatives" in locked.text and "réessayez dans 15 minutes" in locked.text
    assert "www-authenticate" not in locked.headers

    # Even the right app password is refused while the lockout lasts.
    dav.secret = secret
    assert dav.propfind("/dav/rh", "0").status_code == 429
    # A minute before its end, the Retry-After says so.
    AppPasswordThrottle.objects.update(
        last_failure_at=timezone.now() - settings.AXES_COOLOFF_TIME + timedelta(seconds=50)
    )
    almost = dav.propfind("/dav/rh", "0")
    assert almost.status_code == 429 and 0 < int(almost.headers["retry-after"]) <= 50
    assert "réessayez dans 1 minute." in almost.text

    # Once the cool-off is over, the right password opens the drive and a wrong one gets 401 again.
    AppPasswordThrottle.objects.update(last_failure_at=timezone.now() - settings.AXES_COOLOFF_TIME)
    assert dav.propfind("/dav/rh", "0").status_code == 207
    dav.secret = "mauvais-mot-de-passe"
    assert dav.propfind("/dav/rh", "0").status_code == 401


@pytest.mark.parametrize("username", ["inconnu", "a\x00b", "x" * 200])
def test_unknown_or_hostile_usernames_get_401_then_429(wsgi_dav, space, manager, username):
    dav = wsgi_dav(manager)
    dav.username, dav.secret = username, "mauvais-mot-de-passe"
    statuses = [dav.propfind("/dav/rh", "0").status_code for _ in range(settings.AXES_FAILURE_LIMIT + 1)]
    if username == "inconnu":
        assert statuses == [401] * (settings.AXES_FAILURE_LIMIT - 1) + [429, 429]
    else:  # never stored: nothing to count, never a 500
        assert statuses == [401] * (settings.AXES_FAILURE_LIMIT + 1)
