"""A real slapd for the LDAP tests (python-ldap's slapdtest), started once per session.

The directory: nested OUs (directions → services, one with an escaped comma), accented names, a manager
chain, an administrator-locked account (ppolicy `pwdAccountLockedTime`), two groups, a commune OU mapped to an
employer, and more than 1,000 agents so the sync needs several pages of 500.
"""

import os
import shutil
import tempfile

import pytest

SUFFIX = "dc=ccfi,dc=test"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
DGS = f"ou=Direction Générale,{PEOPLE}"
TECH = f"ou=Direction Technique,{PEOPLE}"
EAU = rf"ou=Eau\, Assainissement,{TECH}"
VOIRIE = f"ou=Voirie,{TECH}"
RH = f"ou=Ressources Humaines,{DGS}"
BAILLEUL = f"ou=Commune de Bailleul,{PEOPLE}"
BULK_USERS = 1100
SYNC_DN = f"cn=synchro,{SUFFIX}"
SYNC_PW = "synchro-secret"


def password(uid: str) -> str:
    return f"mdp-{uid}-2026"


def person(uid, given, sn, parent, *, title="", manager=None, extra="", rdn=None, mail=True):
    dn = rdn + "," + parent if rdn else f"uid={uid},{parent}"
    lines = [
        f"dn: {dn}",
        "objectClass: inetOrgPerson",
        f"uid: {uid}",
        f"cn: {given} {sn}",
        f"givenName: {given}",
        f"sn: {sn}",
        f"userPassword: {password(uid)}",
    ]
    if mail:
        lines.append(f"mail: {uid}@ccfi.test")
    if title:
        lines.append(f"title: {title}")
    if manager:
        lines.append(f"manager: {manager}")
    lines.append("telephoneNumber: +33 3 28 00 00 00")
    if extra:
        lines.append(extra)
    return dn, "\n".join(lines) + "\n"


def ou(dn):
    name = dn.split(",", 1)[0].split("=", 1)[1].replace("\\", "")
    return f"dn: {dn}\nobjectClass: organizationalUnit\nou: {name}\n"


def build_ldif() -> tuple[str, dict]:
    """The whole directory as one LDIF (UTF-8 values written as is: slapadd and ldapadd accept them)."""
    parts = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: CCFI\ndc: ccfi\n",
        f"dn: {SYNC_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
        f"cn: synchro\nuserPassword: {SYNC_PW}\n",
        ou(PEOPLE),
        ou(GROUPS),
        ou(DGS),
        ou(TECH),
        ou(EAU),
        ou(VOIRIE),
        ou(RH),
        ou(BAILLEUL),
    ]
    dns = {}

    def add(key, *args, **kwargs):
        dn, text = person(*args, **kwargs)
        dns[key] = dn
        parts.append(text)

    # Manager chain: DGS → director → head of service → agent.
    add("dgs", "rene.dgs", "René", "Lefèvre", DGS, title="Directeur général des services")
    add(
        "director",
        "anais.francois",
        "Anaïs",
        "François",
        TECH,
        title="Directrice technique",
        manager=dns["dgs"],
    )
    add("head", "joel.hay", "Joël", "Haÿ", EAU, title="Chef du service", manager=dns["director"])
    add("agent", "eloise.garcon", "Éloïse", "Garçon", EAU, title="Technicienne réseaux", manager=dns["head"])
    add("hr", "francoise.hr", "Françoise", "Noël", RH, title="Gestionnaire paie", manager=dns["dgs"])
    add("comma", "jean.dupont", "Jean", "Dupont", VOIRIE, rdn=r"cn=Dupont\, Jean")
    add("commune", "marc.bailleul", "Marc", "Delaÿ", BAILLEUL, title="Secrétaire de mairie")
    add(
        "locked", "paul.verrouille", "Paul", "Verrouillé", VOIRIE, extra="pwdAccountLockedTime: 000001010000Z"
    )
    add("nomail", "sans.mail", "Zoé", "Sansmail", VOIRIE, mail=False)
    add("leaver", "lea.depart", "Léa", "Départ", VOIRIE, title="Agente d'entretien")
    add("mover", "maxime.mobile", "Maxime", "Mobile", VOIRIE, title="Agent de voirie")
    for i in range(BULK_USERS):
        dn, text = person(f"agent{i:04d}", "Agent", f"Numéro {i:04d}", VOIRIE if i % 2 else RH)
        parts.append(text)
    parts.append(
        f"dn: cn=Informatique,{GROUPS}\nobjectClass: groupOfNames\ncn: Informatique\n"
        f"member: {dns['agent']}\nmember: {dns['head']}\n"
    )
    parts.append(
        f"dn: cn=Astreinte,{GROUPS}\nobjectClass: groupOfNames\ncn: Astreinte\n"
        f"member: {dns['director']}\nmember: {dns['comma']}\nmember: cn=nobody,{GROUPS}\n"
    )
    return "\n".join(parts), dns


class IntranetSlapd:
    """Wraps slapdtest.SlapdObject; `reset()` reloads the initial data after a test changed it."""

    def __init__(self):
        import slapdtest

        class Server(slapdtest.SlapdObject):
            suffix = SUFFIX
            root_cn = "admin"
            root_pw = "admin-secret"
            openldap_schema_files = ("core.ldif", "cosine.ldif", "inetorgperson.ldif", "nis.ldif")

            def gen_config(self):
                # ppolicy brings the operational pwdAccountLockedTime (administrator lock) into the schema.
                config = (
                    super()
                    .gen_config()
                    .replace("olcModuleLoad: back_mdb", "olcModuleLoad: back_mdb\nolcModuleLoad: ppolicy")
                )
                return config + (
                    "\ndn: olcOverlay=ppolicy,olcDatabase={1}mdb,cn=config\nobjectClass: olcOverlayConfig\n"
                    "objectClass: olcPPolicyConfig\nolcOverlay: ppolicy\n"
                )

        self.server = Server()
        self.ldif, self.dns = build_ldif()
        self.dirty = False

    def start(self):
        self.server.start()
        self.server.terminate()
        self.server.wait()
        self.server.slapadd(self.ldif)  # offline bulk load: much faster than ldapadd for 1,100 entries
        self.server.resume()

    def stop(self):
        self.server.stop()

    def reset(self):
        if not self.dirty:
            return
        if self.server._proc is not None:
            self.server.terminate()
            self.server.wait()
        data = self.server._db_directory
        for name in os.listdir(data):
            os.unlink(os.path.join(data, name))
        self.server.slapadd(self.ldif)
        self.server.resume()
        self.dirty = False

    def down(self):
        self.dirty = True
        self.server.terminate()
        self.server.wait()

    def modify(self, ldif: str):
        self.dirty = True
        self.server.ldapmodify(ldif)

    def delete(self, dn: str):
        self.dirty = True
        self.server.ldapdelete(dn)

    @property
    def uri(self):
        return self.server.ldap_uri


@pytest.fixture(scope="session")
def slapd():
    tmp = tempfile.mkdtemp(prefix="intranet-slapd-")
    old = os.environ.get("TMP")
    os.environ["TMP"] = tmp  # slapdtest puts its run directory in $TMP (or the current directory)
    try:
        import slapdtest

        slapdtest.SlapdObject.TMPDIR = tmp
        server = IntranetSlapd()
        server.start()
        yield server
        server.stop()
    finally:
        if old is None:
            os.environ.pop("TMP", None)
        else:
            os.environ["TMP"] = old
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def directory(slapd, settings, host_org):
    """Django pointed at the test slapd (sync as the root DN, no size limit); the data as built above."""
    slapd.reset()
    settings.LDAP_SERVER_URI = slapd.uri
    settings.LDAP_BIND_DN = slapd.server.root_dn
    settings.LDAP_BIND_PASSWORD = slapd.server.root_pw
    settings.LDAP_USER_BASE = PEOPLE
    settings.LDAP_GROUP_BASE = GROUPS
    settings.LDAP_PAGE_SIZE = 500
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "intranet.people.ldap.DirectoryBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    yield slapd
    slapd.reset()
