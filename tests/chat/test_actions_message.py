"""Posting, editing and deleting messages through the actions: validation, membership, Markdown, mentions."""

from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chat.actions import message_delete, message_edit, message_post, salon_archive
from chat.models import Message
from intranet.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_member_posts_a_message_rendered_from_markdown(project_salon, agent):
    """The text is kept as written; the HTML is rendered once, on the server."""
    message = message_post(salon=project_salon, author=agent, text="Réunion **demain** à 9 h")
    assert message.text == "Réunion **demain** à 9 h"
    assert message.html == "<p>Réunion <strong>demain</strong> à 9 h</p>"
    assert message.uuid and message.matrix_event_id is None


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_empty_message_is_refused(project_salon, agent, text):
    with pytest.raises(ValidationError) as exc:
        message_post(salon=project_salon, author=agent, text=text)
    assert "vide" in str(exc.value)
    assert not Message.objects.exists()


def test_oversized_message_is_refused_and_the_limit_itself_is_accepted(project_salon, agent):
    with pytest.raises(ValidationError) as exc:
        message_post(salon=project_salon, author=agent, text="a" * 10_001)
    assert "10 000" in str(exc.value)
    assert not Message.objects.exists()
    message_post(salon=project_salon, author=agent, text="a" * 10_000)
    assert Message.objects.count() == 1


def test_non_member_cannot_post_and_nothing_is_stored(project_salon, outsider, agent):
    with pytest.raises(PermissionDenied):
        message_post(salon=project_salon, author=outsider, text="Je m'invite")
    assert not Message.objects.exists()
    message_post(salon=project_salon, author=agent, text="Bonjour")
    assert Message.objects.count() == 1


def test_archived_salon_refuses_new_messages(project_salon, agent):
    salon_archive(salon=project_salon, actor=agent)
    with pytest.raises(ValidationError):
        message_post(salon=project_salon, author=agent, text="Encore là ?")
    assert not Message.objects.exists()


XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[clic](javascript:alert(1))",
    "[clic](JaVaScRiPt:alert(1))",
    "[clic](data:text/html;base64,PHNjcmlwdD4=)",
    "[clic](vbscript:msgbox(1))",
    '<a href="https://x.example" onclick="alert(1)">x</a>',
    "<iframe src=//evil.example></iframe>",
    "<svg/onload=alert(1)>",
    "![x](https://evil.example/p.png)",
    '[a](https://ok.example "t" onmouseover=alert(1))',
    "<style>body{display:none}</style>",
    "`<b>code</b>` <b>gras</b>",
    "**<script>alert(1)</script>**",
    "[x](<javascript:alert(1)>)",
    "@Paul Dewitte<script>alert(1)</script>",
]

ALLOWED = {"p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "span"}


class _Inspector(HTMLParser):
    """Collects every real tag and attribute of the rendered HTML (escaped text is not a tag)."""

    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


@pytest.mark.parametrize("text", XSS)
def test_html_and_scripts_in_messages_are_rendered_inert(project_salon, agent, text):
    message = message_post(salon=project_salon, author=agent, text=text)
    inspector = _Inspector()
    inspector.feed(message.html)
    assert set(inspector.tags) <= ALLOWED
    for name, value in inspector.attrs:
        assert name in {"href", "title", "rel", "class", "start"}, name
        if name == "href":
            assert value.startswith(("https://", "http://", "mailto:")), value
    assert message.text == text  # nothing lost: the text itself is kept


def test_safe_links_and_formatting_survive(project_salon, agent):
    message = message_post(
        salon=project_salon,
        author=agent,
        text="Voir [le guide](https://intranet.example/guide) et `code`\n\n- un\n- deux",
    )
    assert (
        '<a href="https://intranet.example/guide" rel="noopener noreferrer nofollow">le guide</a>'
        in message.html
    )
    assert "<code>code</code>" in message.html and "<li>un</li>" in message.html


def test_mention_notifies_the_member_mentioned(project_salon, agent, colleague):
    message = message_post(salon=project_salon, author=agent, text="@Paul Dewitte tu peux relire ?")
    notification = Notification.objects.get(recipient=colleague)
    assert "Marie Dupont" in notification.text and "Projet PLUi" in notification.text
    assert notification.url.endswith(f"#m-{message.pk}")
    assert '<span class="mention">@Paul Dewitte</span>' in message.html
    assert not Notification.objects.filter(recipient=agent).exists()


def test_mention_of_someone_outside_the_salon_notifies_nobody(project_salon, agent, outsider):
    message_post(salon=project_salon, author=agent, text="@Jeanne Verstraete tu es là ?")
    assert not Notification.objects.exists()


def test_muted_member_is_not_notified_of_mentions(project_salon, agent, colleague):
    from chat.actions import membership_set_notifications
    from chat.models import Membership

    membership_set_notifications(membership=Membership.objects.get(user=colleague), level="none")
    message_post(salon=project_salon, author=agent, text="@Paul Dewitte coucou")
    assert not Notification.objects.exists()


def test_reply_keeps_a_link_to_the_original(project_salon, agent, colleague):
    first = message_post(salon=project_salon, author=agent, text="Qui vient jeudi ?")
    answer = message_post(salon=project_salon, author=colleague, text="Moi", reply_to=first)
    assert answer.reply_to_id == first.pk


def test_author_edits_own_message(project_salon, agent):
    message = message_post(salon=project_salon, author=agent, text="Réunion à 9 h")
    message_edit(message=message, user=agent, text="Réunion à *10 h*")
    message.refresh_from_db()
    assert message.text == "Réunion à *10 h*" and "<em>10 h</em>" in message.html and message.edited_at


def test_nobody_edits_someone_elses_message(project_salon, agent, colleague):
    message = message_post(salon=project_salon, author=agent, text="Réunion à 9 h")
    with pytest.raises(PermissionDenied):
        message_edit(message=message, user=colleague, text="Réunion annulée")
    message.refresh_from_db()
    assert message.text == "Réunion à 9 h"


def test_author_deletes_own_message_and_its_text_is_gone(project_salon, agent):
    message = message_post(salon=project_salon, author=agent, text="Oups, mauvais salon")
    message_delete(message=message, user=agent)
    message.refresh_from_db()
    assert message.deleted_at and message.text == "" and message.html == ""


def test_member_cannot_delete_others_messages_but_moderator_can(project_salon, agent, colleague):
    mine = message_post(salon=project_salon, author=agent, text="Message de la modératrice")
    theirs = message_post(salon=project_salon, author=colleague, text="Message hors sujet")
    with pytest.raises(PermissionDenied):
        message_delete(message=mine, user=colleague)
    message_delete(message=theirs, user=agent)  # agent created the salon: moderator
    theirs.refresh_from_db()
    assert theirs.deleted_at is not None
