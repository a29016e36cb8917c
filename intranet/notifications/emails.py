"""The e-mails of notifications: one per notification (immediate) or one per agent and day (digest).

Every message of a configurable kind carries its unsubscribe link in the body and in the List-Unsubscribe
headers (RFC 2369 and the one-click POST of RFC 8058); security notices about the account carry none.
"""

from itertools import groupby

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .kinds import CONFIGURABLE, Kind, is_configurable
from .models import Notification
from .preferences import DIGEST_TOKEN_KIND, unsubscribe_url

SIGNATURE = "\n-- \n"


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def _preferences_link() -> str:
    return _absolute(reverse("notification_prefs:edit"))


def _unsubscribe_headers(link: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def immediate_message(n: Notification, *, attachments=()) -> EmailMessage:
    """One notification, sent as soon as its transaction committed, with the files its caller attached."""
    link = _absolute(n.url)
    lines = [n.text]
    if link:
        lines += ["", link]
    lines += [SIGNATURE.strip("\n"), _("Message envoyé par l'intranet des agents.")]
    headers = {}
    if is_configurable(n.kind):
        unsubscribe = _absolute(unsubscribe_url(user_id=n.recipient_id, kind=n.kind))
        lines += [
            _("Ne plus recevoir de courriel pour « %(kind)s » : %(link)s")
            % {"kind": Kind(n.kind).label, "link": unsubscribe},
            _("Choisir ce que vous recevez : %(link)s") % {"link": _preferences_link()},
        ]
        headers = _unsubscribe_headers(unsubscribe)
    else:
        lines.append(_("Ce message concerne la sécurité de votre compte : il vous est toujours envoyé."))
    message = EmailMessage(
        subject=n.text[:120],
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[n.recipient.email],
        headers=headers,
    )
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    return message


# Headlines of a digest group for the verbs we know, « 3 nouvelles versions dans Finances ». Others fall back
# on the kind's label.
def _headline(verb: str, kind: str, place: str, count: int) -> str:
    values = {"n": count, "place": place, "kind": Kind(kind).label}
    if verb == "ged.version" and place:
        return (
            ngettext(
                "%(n)s nouvelle version dans %(place)s", "%(n)s nouvelles versions dans %(place)s", count
            )
            % values
        )
    if verb == "ged.version":
        return ngettext("%(n)s nouvelle version", "%(n)s nouvelles versions", count) % values
    if verb == "ged.share":
        return ngettext("%(n)s partage avec vous", "%(n)s partages avec vous", count) % values
    if verb == "events.promoted":
        return (
            ngettext(
                "%(n)s place obtenue sur liste d'attente", "%(n)s places obtenues sur liste d'attente", count
            )
            % values
        )
    if verb == "events.cancelled":
        return ngettext("%(n)s événement annulé", "%(n)s événements annulés", count) % values
    if verb == "chat.mention" and place:
        return (
            ngettext("%(n)s mention dans « %(place)s »", "%(n)s mentions dans « %(place)s »", count) % values
        )
    if verb == "chat.message" and place:
        return (
            ngettext("%(n)s message dans « %(place)s »", "%(n)s messages dans « %(place)s »", count) % values
        )
    if place:
        return (
            ngettext(
                "%(n)s notification « %(kind)s » dans %(place)s",
                "%(n)s notifications « %(kind)s » dans %(place)s",
                count,
            )
            % values
        )
    return ngettext("%(n)s notification « %(kind)s »", "%(n)s notifications « %(kind)s »", count) % values


def _group_key(n: Notification) -> tuple:
    order = CONFIGURABLE.index(n.kind) if n.kind in CONFIGURABLE else len(CONFIGURABLE)
    return (order, n.kind, n.verb, n.place)


def digest_message(user, rows: list[Notification]) -> EmailMessage:
    """One e-mail for all of an agent's pending digest rows, grouped by kind, then by verb and place."""
    rows = sorted(rows, key=lambda n: (_group_key(n), n.pk))
    total = len(rows)
    lines = [
        ngettext(
            "Bonjour, voici la notification de l'intranet que vous avez reçue depuis votre dernier résumé.",
            "Bonjour, voici les %(n)s notifications de l'intranet que vous avez reçues depuis votre "
            "dernier résumé.",
            total,
        )
        % {"n": total},
    ]
    kinds_seen = []
    for (_order, kind, verb, place), group in groupby(rows, key=_group_key):
        group = list(group)
        if kind not in kinds_seen:
            kinds_seen.append(kind)
            lines += ["", f"== {Kind(kind).label} =="]
        lines += ["", _headline(verb, kind, place, len(group))]
        for n in group:
            link = _absolute(n.url)
            lines.append(f"- {n.text}" + (f"\n  {link}" if link else ""))
    digest_link = _absolute(unsubscribe_url(user_id=user.pk, kind=DIGEST_TOKEN_KIND))
    lines += [SIGNATURE.strip("\n"), _("Résumé quotidien envoyé par l'intranet des agents.")]
    for kind in kinds_seen:
        if is_configurable(kind):
            lines.append(
                _("Ne plus recevoir de courriel pour « %(kind)s » : %(link)s")
                % {"kind": Kind(kind).label, "link": _absolute(unsubscribe_url(user_id=user.pk, kind=kind))}
            )
    lines += [
        _("Ne plus recevoir ce résumé quotidien : %(link)s") % {"link": digest_link},
        _("Choisir ce que vous recevez : %(link)s") % {"link": _preferences_link()},
    ]
    subject = ngettext(
        "Intranet : votre résumé du jour (%(n)s notification)",
        "Intranet : votre résumé du jour (%(n)s notifications)",
        total,
    ) % {"n": total}
    return EmailMessage(
        subject=subject,
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers=_unsubscribe_headers(digest_link),
    )
