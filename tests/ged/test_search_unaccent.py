"""Document search on PostgreSQL: the stored vector (trigger + GIN index), French and accent-insensitive, in
the same configuration as every search source; still filtered by the one gate; constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ged.actions import document_text_update, document_update, folder_restrict
from ged.choices import SpacePolicy
from ged.hooks import search
from ged.models import Document
from ged.queries import search_documents

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="accent-insensitive text search is PostgreSQL's (unaccent)"
)


def _titles(user, query, **kw):
    return {row["title"] for row in search_documents(user, query, **kw)[0]}


def test_unaccented_words_find_accented_titles_and_text(make_space, upload, agent):
    """« conge » finds « Congés », « Procedure d'accueil » finds « Procédure d’accueil… » (title or text)."""
    space = make_space(policy=SpacePolicy.OPEN)
    upload(space.root, "Congés 2027.txt", b"Calendrier des absences")
    upload(space.root, "Procédure d’accueil des nouveaux agents.txt", b"Livret")
    upload(space.root, "Note de service.txt", "Les congés bonifiés se demandent en mairie.".encode())
    upload(space.root, "Budget.txt", b"Rien a voir")
    assert _titles(agent, "conge") == {"Congés 2027.txt", "Note de service.txt"}
    assert _titles(agent, "Procedure d'accueil") == {"Procédure d’accueil des nouveaux agents.txt"}
    assert _titles(agent, "PROCÉDURE") == {"Procédure d’accueil des nouveaux agents.txt"}
    # The title weighs more than the text.
    rows, total = search_documents(agent, "conges", limit=20)
    assert total == 2 and rows[0]["title"] == "Congés 2027.txt"


def test_the_words_of_a_file_name_find_it(make_space, upload, agent):
    """PostgreSQL reads « compte-rendu-du-conseil-2026.txt » as one file-name token: its words are
    searchable all the same, written with hyphens, underscores, dots or spaces; « -mot » still excludes."""
    space = make_space(policy=SpacePolicy.OPEN)
    upload(space.root, "Compte-rendu-du-conseil-communautaire-2026.txt", b"x")
    upload(space.root, "rapport_final_v2.txt", b"y")
    upload(space.root, "Conseil des maires.txt", b"z")
    both = {"Compte-rendu-du-conseil-communautaire-2026.txt", "Conseil des maires.txt"}
    assert _titles(agent, "conseil") == both
    assert _titles(agent, "Compte-rendu-du-conseil") == {"Compte-rendu-du-conseil-communautaire-2026.txt"}
    assert _titles(agent, "compte rendu communautaire") == {"Compte-rendu-du-conseil-communautaire-2026.txt"}
    assert _titles(agent, "rapport final") == {"rapport_final_v2.txt"}
    assert _titles(agent, "rapport_final_v2.txt") == {"rapport_final_v2.txt"}
    assert _titles(agent, "conseil -maires") == {"Compte-rendu-du-conseil-communautaire-2026.txt"}


def test_vector_follows_title_description_and_extracted_text(make_space, upload, agent, manager):
    """Whatever changes a searched column (rename, description, a later extraction) updates the vector."""
    space = make_space(policy=SpacePolicy.OPEN)
    doc = upload(space.root, "Brouillon.txt", b"rien")[0]
    assert _titles(agent, "teletravail") == set()
    document_update(document=doc, actor=manager, title="Charte du télétravail.txt")
    assert _titles(agent, "teletravail") == {"Charte du télétravail.txt"}
    document_update(document=doc, actor=manager, description="Règles d’astreinte")
    assert _titles(agent, "astreinte") == {"Charte du télétravail.txt"}
    document_text_update(
        document_id=doc.pk, version_number=doc.current_version.number, text="Indemnités kilométriques"
    )
    assert _titles(agent, "indemnite kilometrique") == {"Charte du télétravail.txt"}
    # Bulk writes (imports) go through the same trigger.
    Document.objects.filter(pk=doc.pk).update(tags="fibre optique")
    assert _titles(agent, "fibre") == {"Charte du télétravail.txt"}


def test_hostile_text_of_distinct_words_is_stored(make_space, upload, agent):
    """A million characters of distinct words (over a tsvector's 1 MB) is stored; its start is searchable."""
    space = make_space(policy=SpacePolicy.OPEN)
    doc = upload(space.root, "Bruit.txt", b"x")[0]
    text = "debutunique " + " ".join(f"m{i:07d}x" for i in range(100_000))
    document_text_update(document_id=doc.pk, version_number=doc.current_version.number, text=text)
    assert _titles(agent, "debutunique") == {"Bruit.txt"}


def test_restricted_document_never_found_by_an_outsider(make_space, upload, subfolder, agent, manager):
    space = make_space(policy=SpacePolicy.OPEN)
    hidden = subfolder(space.root, "Dossiers individuels")
    upload(hidden, "Congé maladie Dupont.txt", b"Arret")
    upload(space.root, "Congés collectifs.txt", b"Fermeture")
    folder_restrict(folder=hidden, restricted=True, actor=manager)
    assert _titles(agent, "conge") == {"Congés collectifs.txt"}
    assert _titles(manager, "conge") == {"Congés collectifs.txt", "Congé maladie Dupont.txt"}


def test_search_uses_the_gin_index_and_constant_queries(make_space, upload, agent):
    space = make_space(policy=SpacePolicy.OPEN)
    for i in range(5):
        upload(space.root, f"Procédure {i}.txt", b"accueil")
    with CaptureQueriesContext(connection) as ctx:
        hits, total = search(agent, "procedure", 20)
    assert total == 5 and len(hits) == 5
    # grants, the page with its count (a window; restricted folders and shares are subqueries of it)
    assert len(ctx.captured_queries) == 2
    assert "search_vector" in ctx.captured_queries[-1]["sql"]
    assert "french_unaccent" in ctx.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM ged_document WHERE search_vector @@ "
            "websearch_to_tsquery('french_unaccent', 'procedure')"
        )
        plan = "\n".join(r[0] for r in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "ged_document_search_gin" in plan
