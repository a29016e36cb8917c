"""Real callers of notify() end with the right kind, place and mail choice (through their own actions)."""

import io

import pytest
from django.core import mail

from chat.actions import message_post, salon_create
from ged.actions import document_upload, follow_toggle, grant_set, space_create
from ged.choices import Role, SpacePolicy
from intranet.notifications.actions import notification_preferences_set
from intranet.notifications.digest import digest_send
from intranet.notifications.kinds import Delivery, Kind
from intranet.notifications.models import Notification

pytestmark = pytest.mark.django_db


class Named(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


@pytest.fixture(autouse=True)
def _ged_media(settings, tmp_path):
    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    settings.GED_STORAGE_ALIAS = ""
    settings.GED_ACCEL_REDIRECT_PREFIX = ""


def _versions_in_finances(manager, follower, n, django_capture_on_commit_callbacks):
    space = space_create(name="Finances", slug="finances", policy=SpacePolicy.PRIVATE, creator=manager)
    grant_set(folder=space.root, role=Role.READER, actor=manager, user=follower, notify_grantee=False)
    follow_toggle(user=follower, folder=space.root)
    for i in range(n + 1):
        with django_capture_on_commit_callbacks(execute=True):
            document_upload(
                folder=space.root, uploaded_file_or_path=Named(b"v%d" % i, "budget.txt"), author=manager
            )


def test_new_versions_go_to_the_followers_digest_grouped_by_space(
    make_user, agent, django_capture_on_commit_callbacks
):
    manager = make_user("gestionnaire")
    _versions_in_finances(manager, agent, 3, django_capture_on_commit_callbacks)
    rows = Notification.objects.filter(recipient=agent, verb="ged.version")
    assert rows.count() == 3
    assert {(n.kind, n.place, n.mail, n.emailed) for n in rows} == {
        (Kind.DOCUMENTS, "Finances", Delivery.DIGEST, False)
    }
    assert mail.outbox == []  # documents default to the digest
    assert digest_send().mails == 1
    (message,) = mail.outbox
    assert "3 nouvelles versions dans Finances" in message.body


def test_a_follower_who_chose_immediate_gets_each_version_at_once(
    make_user, agent, django_capture_on_commit_callbacks
):
    notification_preferences_set(user=agent, choices={Kind.DOCUMENTS: Delivery.IMMEDIATE})
    manager = make_user("gestionnaire")
    _versions_in_finances(manager, agent, 2, django_capture_on_commit_callbacks)
    assert len([m for m in mail.outbox if m.to == [agent.email]]) == 2
    assert digest_send().mails == 0


def test_a_chat_mention_is_kept_for_the_digest_with_its_salon(
    make_user, agent, django_capture_on_commit_callbacks
):
    colleague = make_user("paul.dewitte", first_name="Paul", last_name="Dewitte")
    salon = salon_create(name="Projet PLUi", creator=agent, members=[colleague], topic="")
    with django_capture_on_commit_callbacks(execute=True):
        message_post(salon=salon, author=agent, text="@Paul Dewitte tu peux relire ?")
    n = Notification.objects.get(recipient=colleague, verb="chat.mention")
    assert (n.kind, n.place, n.mail) == (Kind.CHAT, "Projet PLUi", Delivery.DIGEST)
    notification_preferences_set(user=colleague, choices={Kind.CHAT: Delivery.NONE})
    with django_capture_on_commit_callbacks(execute=True):
        message_post(salon=salon, author=agent, text="@Paul Dewitte et celui-ci ?")
    assert (
        Notification.objects.filter(recipient=colleague, verb="chat.mention", mail=Delivery.NONE).count() == 1
    )
