"""B2: the B1 listing for an agent in 50 groups whose right is inherited over three folder levels (with a
restricted folder on the way), against the same listing as a superuser. Also the cross-space "recent
documents" list (readable-path filter in SQL) for the same two users.

Dataset: 2,000 users, 300 groups, 200 other folders with group grants, 10,000 documents in the listed folder.
Target (performance.md): ratio <= 1.3. Run: `.venv/bin/python bench/ged_permissions.py`.
"""

import random

from _harness import interleaved, setup_django, summary, teardown

DB = "intranet_bench_ged_b2"


def main():
    connection = setup_django(DB)
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.test.utils import CaptureQueriesContext
    from ged_common import bulk_documents

    from ged.actions import folder_create, folder_restrict, grant_set, space_create
    from ged.choices import Role
    from ged.permissions import access_folder, forget_grants
    from ged.queries import folder_listing, recent_documents
    from intranet.people.models import User

    rng = random.Random(2)
    settings.GED_PAGE_SIZE = 100
    users = User.objects.bulk_create(
        [User(username=f"u{i:04}", first_name="Agent", last_name=f"{i}") for i in range(2000)]
    )
    groups = Group.objects.bulk_create([Group(name=f"Groupe {i:03}") for i in range(300)])
    through = User.groups.through
    through.objects.bulk_create(
        [through(user_id=u.pk, group_id=g.pk) for u in users for g in rng.sample(groups, 3)],
        batch_size=5000,
        ignore_conflicts=True,
    )
    agent = users[0]
    mine = rng.sample(groups, 50)
    through.objects.bulk_create(
        [through(user_id=agent.pk, group_id=g.pk) for g in mine], ignore_conflicts=True
    )
    boss = User.objects.create(username="it", is_superuser=True, is_staff=True)
    owner = users[1]
    space = space_create(name="Services techniques", slug="st", creator=owner)
    level1 = folder_create(parent=space.root, name="Voirie", actor=owner)
    level2 = folder_create(parent=level1, name="Marchés", actor=owner)
    level3 = folder_create(parent=level2, name="2026", actor=owner)
    others = []
    for i in range(200):
        others.append(
            folder_create(
                parent=rng.choice([space.root, level1, *others[-5:]]), name=f"Dossier {i}", actor=owner
            )
        )
    for f in others:
        grant_set(folder=f, role=Role.READER, group=rng.choice(groups), actor=owner, notify_grantee=False)
    grant_set(folder=level1, role=Role.READER, group=mine[0], actor=owner, notify_grantee=False)
    folder_restrict(folder=level2, restricted=True, actor=owner)
    grant_set(folder=level2, role=Role.CONTRIBUTOR, group=mine[1], actor=owner, notify_grantee=False)
    bulk_documents(level3, 10_000, owner)

    def listing(user):
        forget_grants(user)
        access = access_folder(user, level3.pk)
        result = folder_listing(user, access, sort="nom", page=1)
        return [r["id"] for r in result.page.object_list], result.page.paginator.count

    def app():
        return listing(agent)

    def base():
        return listing(boss)

    assert app() == base()
    with CaptureQueriesContext(connection) as ctx:
        app()
    q_agent = len(ctx.captured_queries)
    grants_sql = ctx.captured_queries[2]["sql"] if len(ctx.captured_queries) > 2 else ""
    if connection.vendor == "postgresql" and grants_sql.startswith("SELECT 'user'"):
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + grants_sql)
            plan = "\n".join(r[0] for r in cur.fetchall())
        print("Permission query plan (the agent's grants):\n" + plan)

    def recent_app():
        forget_grants(agent)
        return recent_documents(agent, limit=20)

    def recent_base():
        return recent_documents(boss, limit=20)

    recent = summary(*interleaved(recent_app, recent_base, reps=15))
    print(
        f"B2 recent-documents agent/superuser ratio={recent['ratio']:.2f} "
        f"app_ms={recent['app_ms']:.2f} base_ms={recent['base_ms']:.2f}"
    )
    figures = summary(*interleaved(app, base, reps=20))
    teardown(connection, DB)
    ok = figures["ratio"] <= 1.3
    print(
        f"B2 ratio={figures['ratio']:.2f} target<=1.3 queries={q_agent} app_ms={figures['app_ms']:.2f} "
        f"base_ms={figures['base_ms']:.2f} "
        f"iqr={figures['iqr'][0]:.2f}-{figures['iqr'][1]:.2f} db={connection.vendor} "
        f"{'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
