"""What a message sent on the salon socket costs (bench B6): the same few queries whatever the salon's size.

One trip to the database thread per command: the membership (joined to the agent's row, which the session
re-check needs fresh, and to the salon), the session, then the action: the insert, the author's read marker
(which is also the membership check inside the transaction) and the direct-notification lookup.
"""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from chat.consumers import SessionEnded, _command
from chat.models import Membership, Message


def _session_key(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _post(user, salon, text):
    return _command.func(_session_key(user), user, salon.pk, {"type": "post", "text": text})


@pytest.mark.django_db
def test_a_socket_post_costs_the_same_queries_in_a_salon_of_2_and_of_60(
    project_salon, agent, make_user, django_assert_num_queries
):
    key = _session_key(agent)
    command = {"type": "post", "text": "Réunion de chantier à 14 h"}
    # Inside the test's transaction the action's atomic block is a savepoint (2 statements more).
    with django_assert_num_queries(7) as small:
        answer = _command.func(key, agent, project_salon.pk, command)
    assert answer["type"] == "posted"
    others = [make_user(f"agent.{i:02d}", first_name="Agent", last_name=f"{i:02d}") for i in range(58)]
    Membership.objects.bulk_create([Membership(user=u, salon=project_salon) for u in others])
    with django_assert_num_queries(len(small.captured_queries)):
        second = _command.func(key, agent, project_salon.pk, command)
    assert Message.objects.filter(salon=project_salon).count() == 2
    assert Membership.objects.get(salon=project_salon, user=agent).last_read_id == second["id"]


@pytest.mark.django_db
def test_a_socket_command_of_an_ended_session_or_a_non_member_stores_nothing(project_salon, agent, outsider):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _post(outsider, project_salon, "Je ne suis pas membre")
    key = _session_key(agent)
    agent.set_password("un-nouveau-mot-de-passe")
    agent.save()
    for session_key in (key, "cle-de-session-inconnue"):
        with pytest.raises(SessionEnded):
            _command.func(session_key, agent, project_salon.pk, {"type": "post", "text": "Bonjour"})
    assert not Message.objects.filter(salon=project_salon).exists()
