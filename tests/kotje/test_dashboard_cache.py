"""« Guides de mon service » on a warm home page (every fragment cached, intranet/dashboard.py): a guide
published, renamed or withdrawn shows on the very next page (guides are pages: the core bumps « pages »)."""

from kotje.models import GuidePage

from .conftest import publish


def _guides(client):
    html = client.get("/").content.decode()
    return html.split('id="panel-kotje-guides"')[1].split("</section>")[0]


def test_guides_published_renamed_and_withdrawn_show_at_once(client, kotje):
    client.force_login(kotje.owner)
    assert "Poser un congé" in _guides(client)
    publish(
        kotje.theme,
        GuidePage(
            title="Télétravail", slug="teletravail", summary="Les règles.", content_owner_person=kotje.owner
        ),
        kotje.editor,
    )
    assert ">Télétravail<" in _guides(client)
    kotje.conge.title = "Poser un congé annuel"
    kotje.conge.save_revision().publish()
    assert ">Poser un congé annuel<" in _guides(client)
    kotje.conge.unpublish()
    assert "Poser un congé" not in _guides(client)
