"""Full-text search and the recent-documents panel: only readable documents, in SQL; constant queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ged.actions import folder_restrict
from ged.choices import Role, SpacePolicy
from ged.hooks import dashboard_recent, search
from ged.samples import docx_bytes, odt_bytes, pdf_bytes, xlsx_bytes


def test_search_finds_text_in_office_files_and_filters_by_permission(
    make_space, upload, subfolder, agent, manager, grant
):
    open_space = make_space(policy=SpacePolicy.OPEN)
    private = make_space()
    upload(open_space.root, "Compte rendu.docx", docx_bytes(["Réunion sur la collecte des déchets ménagers"]))
    upload(open_space.root, "Note.odt", odt_bytes(["Collecte des encombrants le mardi"]))
    upload(open_space.root, "Tarifs.xlsx", xlsx_bytes([["Service", "Tarif"], ["Collecte", 12]]))
    upload(open_space.root, "Arrêté.pdf", pdf_bytes(["Arrêté relatif à la collecte sélective"]))
    rh = subfolder(open_space.root, "RH")
    upload(rh, "Salaires collecte.txt", "Primes de l'équipe collecte".encode())
    folder_restrict(folder=rh, restricted=True, actor=manager)
    upload(private.root, "Collecte confidentielle.txt", b"collecte secret")
    hits, total = search(agent, "collecte", 20)
    titles = {h.title for h in hits}
    assert titles == {"Compte rendu.docx", "Note.odt", "Tarifs.xlsx", "Arrêté.pdf"}
    assert total == 4
    assert all("secret" not in h.snippet for h in hits)
    grant(private.root, Role.READER, user=agent)
    agent._ged_grants = None
    del agent._ged_grants
    assert search(agent, "collecte", 20)[1] == 5


def test_search_costs_constant_queries(make_space, upload, agent, make_group, grant):
    space = make_space(policy=SpacePolicy.OPEN)
    for i in range(5):
        upload(space.root, f"doc{i}.txt", f"budget {i}".encode())
    for i in range(10):
        grant(space.root, Role.READER, group=make_group(f"g{i}", agent))
    with CaptureQueriesContext(connection) as ctx:
        search(agent, "budget", 20)
    # grants, the page with its count (restricted folders and shares are subqueries of it)
    assert len(ctx.captured_queries) == 2


def test_recent_documents_panel(rf, make_space, upload, subfolder, agent, manager, django_assert_num_queries):
    space = make_space(policy=SpacePolicy.OPEN)
    upload(space.root, "public.txt")
    hidden = subfolder(space.root, "Caché")
    upload(hidden, "cache.txt")
    folder_restrict(folder=hidden, restricted=True, actor=manager)
    request = rf.get("/")
    request.user = agent
    with django_assert_num_queries(3):  # grants, restricted folders, documents
        ctx = dashboard_recent(request)
    assert [d["title"] for d in ctx["documents"]] == ["public.txt"]


def test_space_search_page(client, space, upload, manager):
    upload(space.root, "Plan de formation.txt", b"Formation aux premiers secours")
    client.force_login(manager)
    page = client.get(f"/documents/espace/{space.slug}/recherche/", {"q": "secours"}).content.decode()
    assert "Plan de formation.txt" in page and "1 document trouvé" in page


def test_department_page_lists_its_spaces_but_secret_ones_only_to_members(
    client, make_space, agent, make_user, grant, host_org
):
    from intranet.people.actions import department_create

    rh = department_create(name="Ressources humaines", slug="rh-service", organisation=host_org)
    shared = make_space(policy=SpacePolicy.PRIVATE)
    secret = make_space(policy=SpacePolicy.SECRET)
    for s in (shared, secret):
        s.department = rh
        s.save(update_fields=["department"])
    member = make_user("membre.secret")
    grant(secret.root, "reader", user=member)
    url = f"/annuaire/services/{rh.slug}/"

    client.force_login(agent)
    html = client.get(url).content.decode()
    assert 'id="section-ged_spaces"' in html and shared.name in html
    assert secret.name not in html

    client.force_login(member)
    html = client.get(url).content.decode()
    assert secret.name in html


def test_search_gate_in_one_query_keeps_what_the_listings_gate_keeps(
    make_space, upload, subfolder, agent, manager, grant, make_group
):
    """The search looks the restricted folders up inside its query (no query of their own); it keeps the
    same documents as `readable_documents_q`, which fetches them first: a restricted folder below a grant
    hides its subtree, a restriction on the granted folder itself does not, an open space's restricted
    folder hides its subtree from every agent, a document shared alone is found without its folder."""
    from ged.actions import document_share
    from ged.models import Document
    from ged.permissions import readable_documents_parts, readable_documents_q

    open_space = make_space(policy=SpacePolicy.OPEN)
    private = make_space()
    granted = subfolder(private.root, "Service")
    below = subfolder(granted, "Sous restreint")
    deeper = subfolder(below, "Plus bas")
    own = subfolder(private.root, "Restreint accordé")
    hidden = subfolder(open_space.root, "Dossiers individuels")
    for folder, restricted in ((below, True), (own, True), (hidden, True)):
        folder_restrict(folder=folder, restricted=restricted, actor=manager)
    grant(granted, Role.READER, group=make_group("service", agent))
    grant(own, Role.READER, user=agent)
    upload(granted, "Budget service.txt", b"budget")
    upload(below, "Budget restreint.txt", b"budget")
    upload(deeper, "Budget profond.txt", b"budget")
    upload(own, "Budget accordé.txt", b"budget")
    upload(open_space.root, "Budget commun.txt", b"budget")
    upload(hidden, "Budget individuel.txt", b"budget")
    shared, _v = upload(hidden, "Budget partagé.txt", b"budget")
    upload(private.root, "Budget racine privée.txt", b"budget")
    document_share(document=shared, actor=manager, user=agent)
    agent._ged_grants = None
    del agent._ged_grants

    readable, through_folders = readable_documents_parts(agent, restricted_in_query=True)
    live = Document.objects.live()
    assert set(live.filter(readable)) == set(live.filter(readable_documents_q(agent)))
    assert set(live.filter(through_folders)) == set(live.filter(readable_documents_parts(agent)[1]))
    hits, total = search(agent, "budget", 20)
    assert {h.title: "›" in h.meta for h in hits} == {
        "Budget service.txt": True,
        "Budget accordé.txt": True,
        "Budget commun.txt": True,
        "Budget partagé.txt": False,  # read through its share alone: its folder stays out of sight
    }
    assert total == 4
