"""Card links to other apps' objects (GED documents, salon messages) and attachments stored in the
workspace's GED space, through the core hooks `intranet.registry.link_kind` / `attachment_store`.

Rule (decided for issue 17): a card links only to objects of its own workspace — documents of the
workspace's space, messages of its salon — that the adder may read; anything else is refused in French.
What a link shows is asked of its app each time the card is shown, for the viewer: a link to something the
viewer may not read (a restricted folder, a salon they left) is not shown at all, not even as « masqué ».
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from intranet import registry
from intranet.audit.actions import audit_record

from .models import Card, CardLink

MAX_LINKS_PER_CARD = 100


def _refuse_closed(card: Card) -> None:
    if card.board.workspace.closed:
        raise ValidationError(_("Ce projet est clos : ses tableaux sont en lecture seule."))


def _refuse_full(card: Card) -> None:
    if CardLink.objects.filter(card=card).count() >= MAX_LINKS_PER_CARD:
        raise ValidationError(
            _("Cette carte a déjà %(n)s liens : retirez-en un avant d'en ajouter un autre.")
            % {"n": MAX_LINKS_PER_CARD}
        )


def _create(*, card: Card, kind: str, object_id: int, actor, attachment: bool) -> CardLink:
    try:
        with transaction.atomic():
            link = CardLink.objects.create(
                card=card, kind=kind, object_id=object_id, attachment=attachment, added_by=actor
            )
    except IntegrityError:
        raise ValidationError(_("Ce lien est déjà sur la carte.")) from None
    audit_record(
        action="projects.card.link",
        actor=actor,
        obj=card,
        extra={"kind": kind, "object": object_id, "attachment": attachment},
    )
    return link


@transaction.atomic
def card_link_add(*, card: Card, kind: str, text: str, actor) -> CardLink:
    """Link `card` to the object `text` names (an address or a number) of link kind `kind`."""
    _refuse_closed(card)
    hook = registry.link_kind(kind)
    if hook is None:
        raise ValidationError(_("Ce type de lien n'est pas disponible."))
    object_id = hook.parse(text)
    if object_id is None:
        raise ValidationError(
            _("Collez l'adresse de l'élément à lier (copiée depuis sa page) ou son numéro.")
        )
    refusal = hook.validate(card.board.workspace.refs, object_id, actor)
    if refusal:
        raise ValidationError(refusal)
    _refuse_full(card)
    return _create(card=card, kind=kind, object_id=object_id, actor=actor, attachment=False)


@transaction.atomic
def card_attach(*, card: Card, uploaded_file, actor) -> CardLink:
    """Store `uploaded_file` as a document of the workspace's GED space (folder « Pièces jointes » / the
    board's name) and link it to the card: both or neither (the store runs inside this transaction)."""
    _refuse_closed(card)
    store = registry.attachment_store()
    if store is None:
        raise ValidationError(_("Les pièces jointes ne sont pas disponibles sur ce serveur."))
    _refuse_full(card)
    object_id = store.store(card.board.workspace.refs, card.board.name, uploaded_file, actor)
    return _create(card=card, kind=store.link_kind, object_id=object_id, actor=actor, attachment=True)


@transaction.atomic
def card_link_remove(*, link: CardLink, actor) -> None:
    """Remove the link (an attached document stays in the GED space, with its versions)."""
    _refuse_closed(link.card)
    audit_record(
        action="projects.card.unlink",
        actor=actor,
        obj=link.card,
        extra={"kind": link.kind, "object": link.object_id},
    )
    link.delete()


def card_links(card: Card, user) -> list[dict]:
    """The card's links `user` may open, each {"link", "label", "url", "kind_label"}: one query for the
    links, then one `resolve` per link kind present (a constant number of queries each)."""
    links = list(CardLink.objects.filter(card=card))
    by_kind: dict[str, list[CardLink]] = {}
    for link in links:
        by_kind.setdefault(link.kind, []).append(link)
    shown = {}
    for kind, rows in by_kind.items():
        hook = registry.link_kind(kind)
        if hook is None:
            continue
        resolved = hook.resolve([r.object_id for r in rows], user)
        for r in rows:
            if r.object_id in resolved:
                label, url = resolved[r.object_id]
                shown[r.pk] = {"link": r, "label": label, "url": url, "kind_label": hook.label}
    return [shown[link.pk] for link in links if link.pk in shown]
