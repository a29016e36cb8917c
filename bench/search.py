"""Search over 20,000 indexed pages: the intranet's page search (permission filter, counts by type, the first
20 hits and their snippets) as a ratio to one hand-written `tsvector @@ websearch_to_tsquery` query on the
same index, in the same run (goal <= 3). PostgreSQL only (French stemming); elsewhere it says so and stops.

The pages are written in bulk (Wagtail's page API would take a quarter of an hour for 20,000 pages), then
indexed through Wagtail's own search backend, as `update_index` would. Run: `make bench` or
`.venv/bin/python bench/search.py`.
"""

import random

from _harness import interleaved, setup_django, summary, teardown

DB = "intranet_bench_search"
ITEMS = 20_000
WORDS = (  # noqa: SIM905  (a sentence is easier to read than a list of 60 strings)
    "agents service commune conseil communautaire budget délibération marché public voirie déchets collecte "
    "tourisme urbanisme permis construire habitants accueil mairie formation sécurité informatique réunion "
    "véhicule réservation salle planning astreinte école cantine piscine médiathèque subvention association "
    "travaux chantier fibre réseau téléphone messagerie mot de passe sauvegarde document archive courrier"
).split()
RARE = ("congés", "congé", "télétravail", "note de frais", "paie")
# What agents type: a rare word, its singular, a word and an expression a few hundred items hold.
QUERIES = ("congés", "congé", "télétravail", "note de frais", "paie")


def _text(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.03:
        words.insert(rng.randrange(len(words)), rng.choice(RARE))
    return " ".join(words)


def populate(rng):
    """20,000 NewsPages under the news list (10% for Bailleul only), written in bulk, then indexed."""
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
    for i in range(ITEMS):
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
    Page.objects.filter(pk=index.pk).update(numchild=ITEMS)
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
    for start in range(0, ITEMS, 1000):
        backend.add_bulk(NewsPage, list(qs[start : start + 1000]))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would after such a load


HAND_WRITTEN = """
SELECT p.id, p.title, count(*) OVER () AS total
FROM wagtailsearch_indexentry e
JOIN wagtailcore_page p ON p.id = e.object_id::integer AND e.content_type_id = %(ct)s
WHERE (e.title || e.body) @@ websearch_to_tsquery('french', %(q)s) AND p.live
ORDER BY ts_rank(e.title || e.body, websearch_to_tsquery('french', %(q)s)) DESC
LIMIT 20
"""


def main():
    connection = setup_django(DB)
    if connection.vendor != "postgresql":
        print("search bench: needs PostgreSQL (French full-text search); skipped on", connection.vendor)
        teardown(connection, DB)
        return
    from django.contrib.contenttypes.models import ContentType
    from django.test import RequestFactory

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

    def app():
        q = next(queries)
        groups, pages = page_search(agent, q, type_key="", offset=0, limit=20)
        _page_hits(request, pages, [q])
        return groups

    def hand():
        q = next(queries)
        with connection.cursor() as cursor:
            cursor.execute(HAND_WRITTEN, {"q": q, "ct": content_type})
            return cursor.fetchall()

    # Same results? The hand-written query ignores the audience: compare with an agent who sees everything.
    totals = {}
    for q in QUERIES:
        with connection.cursor() as cursor:
            cursor.execute(HAND_WRITTEN, {"q": q, "ct": content_type})
            rows = cursor.fetchall()
        groups, _pages = page_search(agent, q, type_key="", offset=0, limit=20)
        totals[q] = (rows[0][2] if rows else 0, sum(g.total for g in groups))
    everything = summary(*interleaved(lambda: full_search(request, next(queries)), hand, reps=10))
    figures = summary(*interleaved(app, hand, reps=30))
    teardown(connection, DB)
    ok = figures["ratio"] <= 3
    print(
        "search matches (all, visible to an agent outside Bailleul): "
        + "; ".join(f"{q!r} {a}/{b}" for q, (a, b) in totals.items())
    )
    print(
        f"search full page (pages, people, registered sources) ratio={everything['ratio']:.2f} "
        f"app_ms={everything['app_ms']:.2f}"
    )
    print(
        f"search pages ratio={figures['ratio']:.2f} target<=3 items={ITEMS} app_ms={figures['app_ms']:.2f} "
        f"base_ms={figures['base_ms']:.2f} iqr={figures['iqr'][0]:.2f}-{figures['iqr'][1]:.2f} "
        f"db={connection.vendor} {'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
