"""B7: LDAP sync of 10,000 users + 300 groups, as a ratio to a paged `ldapsearch` of the same entries.

A throw-away slapd (python-ldap's slapdtest) is loaded with slapadd; the baseline is
`ldapsearch -x -LLL -E pr=1000/noprompt` of the same bases, filters and attributes, output discarded.
Targets (performance.md): first sync <= 3x, no-change re-sync <= 1.5x with zero INSERT/UPDATE/DELETE.
Run: `make bench` or `.venv/bin/python bench/ldap_sync.py`.

Each first-sync repetition runs in a transaction that is rolled back (the database is empty again for the
next one); the re-sync runs against committed data. A rolled-back repetition leaves its 10,000 agents and
25,000 memberships as dead rows, which no real directory sync meets (autovacuum removes them): the tables the
sync writes are vacuumed, untimed, before each first-sync repetition and before and after the committed sync
the re-syncs compare with, so each measurement meets the tables a real run would.
"""

import os
import random
import subprocess
import tempfile

from _harness import interleaved, setup_django, summary, teardown

DB = "intranet_bench_b7"
USERS = 10_000
GROUPS = 300
SUFFIX = "dc=ccfi,dc=bench"
PEOPLE = f"ou=people,{SUFFIX}"
GROUP_BASE = f"ou=groups,{SUFFIX}"
# What a sync inserts into, hence what a rolled-back repetition leaves dead rows in.
WRITTEN_TABLES = [
    "people_user",
    "people_user_groups",
    "people_department",
    "auth_group",
    "people_directorygroup",
    "audit_accessevent",
]


def build_ldif() -> str:
    random.seed(7)
    parts = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: CCFI\ndc: ccfi\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: {GROUP_BASE}\nobjectClass: organizationalUnit\nou: groups\n",
    ]
    services = []
    for d in range(6):
        direction = f"ou=Direction {d},{PEOPLE}"
        parts.append(f"dn: {direction}\nobjectClass: organizationalUnit\nou: Direction {d}\n")
        for s in range(8):
            service = f"ou=Service {d}.{s},{direction}"
            parts.append(f"dn: {service}\nobjectClass: organizationalUnit\nou: Service {d}.{s}\n")
            services.append(service)
    dns = []
    for i in range(USERS):
        dn = f"uid=agent{i:05d},{services[i % len(services)]}"
        manager = f"\nmanager: {dns[i // 10]}" if i >= 10 else ""
        parts.append(
            f"dn: {dn}\nobjectClass: inetOrgPerson\nuid: agent{i:05d}\ncn: Agent {i}\ngivenName: Élodie\n"
            f"sn: Numéro {i:05d}\nmail: agent{i:05d}@ccfi.bench\ntelephoneNumber: +33 3 28 {i:05d}\n"
            f"title: Fonction {i % 97}{manager}\n"
        )
        dns.append(dn)
    for g in range(GROUPS):
        members = "\n".join(f"member: {dn}" for dn in random.sample(dns, 50))
        parts.append(
            f"dn: cn=Groupe {g},{GROUP_BASE}\nobjectClass: groupOfNames\ncn: Groupe {g}\n{members}\n"
        )
    return "\n".join(parts)


def start_slapd():
    tmp = tempfile.mkdtemp(prefix="bench-slapd-")
    os.environ["TMP"] = tmp
    import slapdtest

    class Server(slapdtest.SlapdObject):
        suffix = SUFFIX
        root_cn = "admin"
        root_pw = "bench-secret"
        openldap_schema_files = ("core.ldif", "cosine.ldif", "inetorgperson.ldif", "nis.ldif")

        def gen_config(self):
            # The default 10 MB map cannot hold 10,000 entries.
            return super().gen_config().rstrip("\n") + "\nolcDbMaxSize: 1073741824\n"

    Server.TMPDIR = tmp
    server = Server()
    server.start()
    server.terminate()
    server.wait()
    server.slapadd(build_ldif())
    server.resume()
    return server


def main():
    connection = setup_django(DB)
    from django.conf import settings
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    from intranet.people import ldap as directory
    from intranet.people.choices import OrganisationKind
    from intranet.people.ldap_sync import ldap_sync_run
    from intranet.people.models import Organisation

    server = start_slapd()
    settings.LDAP_SERVER_URI = server.ldap_uri
    settings.LDAP_BIND_DN = server.root_dn
    settings.LDAP_BIND_PASSWORD = server.root_pw
    settings.LDAP_USER_BASE = PEOPLE
    settings.LDAP_GROUP_BASE = GROUP_BASE
    settings.LDAP_PAGE_SIZE = 1000
    Organisation.objects.create(name="CCFI", kind=OrganisationKind.INTERCOMMUNALITY, is_host=True)

    auth = ["-x", "-LLL", "-H", server.ldap_uri, "-D", server.root_dn, "-w", server.root_pw]
    searches = [
        [
            *auth,
            "-E",
            "pr=1000/noprompt",
            "-b",
            PEOPLE,
            settings.LDAP_USER_FILTER,
            *directory.user_attrlist(),
        ],
        [
            *auth,
            "-E",
            "pr=1000/noprompt",
            "-b",
            GROUP_BASE,
            settings.LDAP_GROUP_FILTER,
            *directory.group_attrlist(),
        ],
    ]
    counted = subprocess.run(["ldapsearch", *searches[0]], capture_output=True, text=True, check=True)
    assert counted.stdout.count("\ndn: ") + counted.stdout.startswith("dn: ") == USERS

    def baseline():
        for args in searches:
            subprocess.run(["ldapsearch", *args], stdout=subprocess.DEVNULL, check=True)

    def first_sync():
        with transaction.atomic():
            report = ldap_sync_run()
            assert report.complete and report.created == USERS, report.summary()
            transaction.set_rollback(True)

    def vacuum():
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {', '.join(WRITTEN_TABLES)}")

    sync_figures = summary(*interleaved(first_sync, baseline, reps=9, before_app=vacuum))

    vacuum()
    report = ldap_sync_run()  # committed, for the re-sync
    assert report.created == USERS and report.memberships_added >= USERS
    vacuum()

    def resync():
        report = ldap_sync_run()
        assert report.unchanged == USERS and not report.changed, report.summary()

    # Inside a transaction the state is read in this thread (see _StateLoader), so every query is counted.
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        resync()
    writes = sum(
        q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for q in ctx.captured_queries
    )
    reads = len(ctx.captured_queries)
    resync_figures = summary(*interleaved(resync, baseline, reps=15))
    server.stop()
    teardown(connection, DB)
    ok = sync_figures["ratio"] <= 3 and resync_figures["ratio"] <= 1.5 and writes == 0
    print(
        f"B7 sync ratio={sync_figures['ratio']:.2f} target<=3 resync ratio={resync_figures['ratio']:.2f} "
        f"target<=1.5 writes={writes} queries={reads} users={USERS} groups={GROUPS} "
        f"sync_ms={sync_figures['app_ms']:.0f} resync_ms={resync_figures['app_ms']:.0f} "
        f"ldapsearch_ms={resync_figures['base_ms']:.0f} "
        f"iqr={sync_figures['iqr'][0]:.2f}-{sync_figures['iqr'][1]:.2f}/"
        f"{resync_figures['iqr'][0]:.2f}-{resync_figures['iqr'][1]:.2f} db={connection.vendor} "
        f"{'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
