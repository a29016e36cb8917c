"""Search over 20,000 mixed items: 14,000 news pages, 1,000 agents and 5,000 GED documents with text (10 % of
the pages for another commune, 10 % of the documents in a restricted folder). The verdict: the intranet's
whole search (pages, people, documents and every registered source, permission filters, counts by type, the
first hits and their snippets) as a ratio to one hand-written SQL over the same stored vectors (pages'
index entries and documents' `search_vector`, `@@ websearch_to_tsquery` in the same `french_unaccent`
configuration, ranked, counted, first 20), in the same run (goal <= 3). Pages alone and documents alone are
printed beside it. PostgreSQL only (French, unaccent); elsewhere it says so and stops.

The pages are written in bulk (Wagtail's page API would take a quarter of an hour for 20,000 pages), then
indexed through Wagtail's own search backend, as `update_index` would; documents are written in bulk (their
vectors come from the same trigger as the actions'). Run: `make bench` or `.venv/bin/python bench/search.py`.
"""

import random

from _harness import interleaved, setup_django, summary, teardown

DB = "intranet_bench_search"
ITEMS = 20_000
PAGES, PEOPLE, DOCUMENTS = 14_000, 1_000, 5_000
WORDS = (  # noqa: SIM905  (a sentence is easier to read than a list of 60 strings)
    "agents service commune conseil communautaire budget délibération marché public voirie déchets collecte "
    "tourisme urbanisme permis construire habitants accueil mairie formation sécurité informatique réunion "
    "véhicule réservation salle planning astreinte école cantine piscine médiathèque subvention association "
    "travaux chantier fibre réseau téléphone messagerie mot de passe sauvegarde document archive courrier"
).split()
RARE = ("congés", "congé", "télétravail", "note de frais", "paie", "procédure d’accueil")
# What agents type: a rare word, its singular, without accents, an expression a few hundred items hold.
QUERIES = ("congés", "congé", "conge", "télétravail", "note de frais", "paie", "procedure d'accueil")
FIRST_NAMES = [
    "Marie",
    "Jean",
    "Hélène",
    "Nicolas",
    "Aurélie",
    "Thomas",
    "Céline",
    "Julien",
    "Élodie",
    "Pierre",
]
LAST_NAMES = [
    "Lefebvre",
    "Dupont",
    "Lemaire",
    "Petit",
    "Cordier",
    "Vandamme",
    "Deconinck",
    "Verhaeghe",
    "Decroix",
    "Bulteel",
]


def _text(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.03:
        words.insert(rng.randrange(len(words)), rng.choice(RARE))
    return " ".join(words)


def populate(rng):
    """The news pages (10% for Bailleul only), written in bulk then indexed; the agents; the documents."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone
    from wagtail.models import Locale, Page
    from wagtail.search.backends import get_search_backend

    from intranet.news.actions import news_index_ensure
    from intranet.news.models import NewsPage
    from intranet.people.choices import OrganisationKind
    from intranet.people.models import Organisation

    bailleul, _created = Organisation.objects.get_or_create(
        insee_code="59043", defaults={"name": "Bailleul", "kind": OrganisationKind.COMMUNE}
    )
    index = news_index_ensure()
    content_type = ContentType.objects.get_for_model(NewsPage)
    locale = Locale.objects.first()
    now = timezone.now()
    pages = []
    for i in range(PAGES):
        title = _text(rng, 6).capitalize()
        pages.append(
            Page(
                title=title,
                draft_title=title,
                slug=f"charge-{i}",
                content_type=content_type,
                path=Page._get_path(index.path, index.depth + 1, i + 1),
                depth=index.depth + 1,
                numchild=0,
                url_path=f"{index.url_path}charge-{i}/",
                live=True,
                locale=locale,
                first_published_at=now,
                last_published_at=now,
            )
        )
    Page.objects.bulk_create(pages, batch_size=2000)
    Page.objects.filter(pk=index.pk).update(numchild=PAGES)
    rows = [
        (p.pk, _text(rng, 25), f'[{{"type": "paragraph", "value": "<p>{_text(rng, 60)}</p>"}}]', i % 10 != 0)
        for i, p in enumerate(pages)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO news_newspage (page_ptr_id, intro, body, must_read, audience_everyone) "
            "VALUES (%s, %s, %s, false, %s)",
            rows,
        )
    through = NewsPage.audience_organisations.through
    through.objects.bulk_create(
        [
            through(newspage_id=pk, organisation_id=bailleul.pk)
            for pk, _i, _b, everyone in rows
            if not everyone
        ],
        batch_size=2000,
    )
    backend = get_search_backend()
    qs = NewsPage.objects.filter(pk__in=[p.pk for p in pages]).order_by("pk")
    for start in range(0, PAGES, 1000):
        backend.add_bulk(NewsPage, list(qs[start : start + 1000]))
    _people(rng)
    _documents(rng)
    with connection.cursor() as cursor:
        # As autovacuum does after such a load: statistics, and the GIN index's pending list merged (left
        # pending, it makes the planner prefer a sequential scan that detoasts every vector).
        cursor.execute("VACUUM ANALYZE")


def _people(rng):
    from intranet.people.models import User

    User.objects.bulk_create(
        [
            User(
                username=f"agent.{i}",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                job_title=_text(rng, 3),
                what_i_do=_text(rng, 12),
            )
            for i in range(PEOPLE)
        ],
        batch_size=1000,
    )


def _documents(rng):
    """An open space (every agent reads) with a restricted folder holding a tenth of the documents."""
    from ged.actions import folder_create, folder_restrict, space_create
    from ged.choices import SpacePolicy
    from ged.models import Document
    from intranet.people.models import User

    owner = User.objects.create_user("bench.owner", password="bench-search-password-2")
    space = space_create(name="Commun", slug="commun", policy=SpacePolicy.OPEN, creator=owner)
    hidden = folder_create(parent=space.root, name="Dossiers individuels", actor=owner)
    folder_restrict(folder=hidden, restricted=True, actor=owner)
    Document.objects.bulk_create(
        [
            Document(
                title=f"{_text(rng, 4).capitalize()} {i}.docx",  # names are unique in a folder
                space=space,
                folder=hidden if i % 10 == 0 else space.root,
                description=_text(rng, 8),
                text_content=_text(rng, 400),
                created_by=owner,
            )
            for i in range(DOCUMENTS)
        ],
        batch_size=500,
    )


HAND_WRITTEN_PAGES = """
SELECT p.id, p.title, count(*) OVER () AS total
FROM wagtailsearch_indexentry e
JOIN wagtailcore_page p ON p.id = e.object_id::integer AND e.content_type_id = %(ct)s
WHERE (e.title || e.body) @@ websearch_to_tsquery('french_unaccent', %(q)s) AND p.live
ORDER BY ts_rank(e.title || e.body, websearch_to_tsquery('french_unaccent', %(q)s)) DESC
LIMIT 20
"""
HAND_WRITTEN_DOCUMENTS = """
SELECT d.id, d.title, count(*) OVER () AS total
FROM ged_document d
WHERE d.search_vector @@ websearch_to_tsquery('french_unaccent', %(q)s) AND d.trashed_at IS NULL
ORDER BY ts_rank(d.search_vector, websearch_to_tsquery('french_unaccent', %(q)s)) DESC
LIMIT 20
"""
# Both sources in one statement: what the whole search's answer needs at the least.
HAND_WRITTEN = f"""
SELECT * FROM ({HAND_WRITTEN_PAGES}) AS pages
UNION ALL
SELECT * FROM ({HAND_WRITTEN_DOCUMENTS}) AS documents
"""


def main():
    connection = setup_django(DB)
    if connection.vendor != "postgresql":
        print(
            "search bench: needs PostgreSQL (French full-text search, unaccent); skipped on",
            connection.vendor,
        )
        teardown(connection, DB)
        return
    from django.contrib.contenttypes.models import ContentType
    from django.test import RequestFactory

    from ged.queries import search_documents
    from intranet.news.models import NewsPage
    from intranet.people.models import User
    from intranet.search.queries import _page_hits, page_search
    from intranet.search.queries import search as full_search

    rng = random.Random(20_000)
    populate(rng)
    agent = User.objects.create_user("bench.agent", password="bench-search-password-1")
    request = RequestFactory().get("/recherche/")
    request.user = agent
    content_type = ContentType.objects.get_for_model(NewsPage).pk
    queries = iter(QUERIES * 1000)

    def whole():
        return full_search(request, next(queries))

    def pages_only():
        q = next(queries)
        groups, pages = page_search(agent, q, type_key="", offset=0, limit=20)
        _page_hits(request, pages, [q])
        return groups

    def documents_only():
        return search_documents(agent, next(queries), limit=20)

    def hand(sql=HAND_WRITTEN):
        q = next(queries)
        with connection.cursor() as cursor:
            cursor.execute(sql, {"q": q, "ct": content_type})
            return cursor.fetchall()

    # Same results? The hand-written query ignores permissions: compare with what the agent may open (the
    # pages for Bailleul and the restricted folder are the difference).
    totals = {}
    for q in QUERIES:
        with connection.cursor() as cursor:
            cursor.execute(HAND_WRITTEN_PAGES, {"q": q, "ct": content_type})
            page_rows = cursor.fetchall()
            cursor.execute(HAND_WRITTEN_DOCUMENTS, {"q": q})
            doc_rows = cursor.fetchall()
        groups, _pages = page_search(agent, q, type_key="", offset=0, limit=20)
        totals[q] = (
            page_rows[0][2] if page_rows else 0,
            sum(g.total for g in groups),
            doc_rows[0][2] if doc_rows else 0,
            search_documents(agent, q, limit=1)[1],
        )
    figures = summary(*interleaved(whole, hand, reps=30))
    pages = summary(*interleaved(pages_only, lambda: hand(HAND_WRITTEN_PAGES), reps=20))
    documents = summary(*interleaved(documents_only, lambda: hand(HAND_WRITTEN_DOCUMENTS), reps=20))
    teardown(connection, DB)
    ok = figures["ratio"] <= 3
    print(
        "search matches (pages all/visible, documents all/readable, as an agent outside Bailleul and the "
        "restricted folder): " + "; ".join(f"{q!r} {a}/{b} {c}/{d}" for q, (a, b, c, d) in totals.items())
    )
    for label, f in (("pages alone", pages), ("documents alone", documents)):
        print(f"search {label} ratio={f['ratio']:.2f} app_ms={f['app_ms']:.2f} base_ms={f['base_ms']:.2f}")
    print(
        f"search (pages, people, documents, every source) ratio={figures['ratio']:.2f} target<=3 "
        f"items={ITEMS} app_ms={figures['app_ms']:.2f} base_ms={figures['base_ms']:.2f} "
        f"iqr={figures['iqr'][0]:.2f}-{figures['iqr'][1]:.2f} db={connection.vendor} {'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
