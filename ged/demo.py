"""Demo spaces for `manage.py seed_demo`: idempotent (spaces looked up by slug), works on SQLite."""

import io
from datetime import timedelta

from django.utils import timezone

from .choices import Role, SpacePolicy
from .models import Document, Folder, Space
from .samples import docx_bytes, odt_bytes, pdf_bytes, xlsx_bytes

SPACES = [
    # slug, name, policy, department slug, folders (path → restricted), documents
    ("ressources-humaines", "Ressources humaines", SpacePolicy.PRIVATE, "ressources-humaines"),
    ("finances", "Finances", SpacePolicy.PRIVATE, "finances"),
    ("communication", "Communication", SpacePolicy.OPEN, "communication"),
    ("vie-intercommunale", "Vie intercommunale (tous les agents)", SpacePolicy.OPEN, "dgs"),
    ("direction-generale-confidentiel", "Direction générale — confidentiel", SpacePolicy.SECRET, "dgs"),
    ("urbanisme", "Urbanisme", SpacePolicy.PRIVATE, "urbanisme-ads"),
]


class _Named(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


def _files_for(slug: str) -> dict[str, list[tuple[str, list[bytes]]]]:
    """folder path (" / "-separated, "" = root) → [(file name, [content of each version])]."""
    year = timezone.now().year
    common = {
        "": [
            (
                "Lisez-moi.txt",
                [
                    f"Espace {slug} : rangez vos documents par "
                    f"dossier. Chaque version est conservée.\n".encode()
                ],
            )
        ],
        "Procédures": [
            (
                "Procédure d'accueil.docx",
                [
                    docx_bytes(
                        [
                            "Procédure d'accueil des nouveaux agents",
                            "Remise du badge et des accès informatiques.",
                        ]
                    ),
                    docx_bytes(
                        [
                            "Procédure d'accueil des nouveaux agents",
                            "Remise du badge, des accès informatiques et du livret d'accueil.",
                            "Visite des sites de la Communauté de communes.",
                        ]
                    ),
                ],
            ),
            (
                "Note de service.odt",
                [odt_bytes(["Note de service", "Les congés d'été sont à poser avant le 31 mars."])],
            ),
        ],
        "Réunions": [
            (
                f"Compte rendu réunion de service {year}.pdf",
                [
                    pdf_bytes(
                        [
                            "Compte rendu de la réunion de service",
                            "Présents : l'équipe au complet.",
                            "Décisions : planning validé.",
                        ]
                    )
                ],
            ),
        ],
    }
    if slug == "ressources-humaines":
        common["Dossiers individuels"] = [
            (
                "Modèle d'entretien annuel.docx",
                [docx_bytes(["Entretien professionnel annuel", "Objectifs, compétences, formation."])],
            )
        ]
        common["Formation"] = [
            (
                "Plan de formation.xlsx",
                [
                    xlsx_bytes(
                        [
                            ["Agent", "Formation", "Jours"],
                            ["Service finances", "Marchés publics", 2],
                            ["Service urbanisme", "Droit des sols", 3],
                        ]
                    ),
                    xlsx_bytes(
                        [
                            ["Agent", "Formation", "Jours"],
                            ["Service finances", "Marchés publics", 2],
                            ["Service urbanisme", "Droit des sols", 3],
                            ["Accueil", "Premiers secours", 1],
                        ]
                    ),
                ],
            )
        ]
    if slug == "finances":
        common["Budget"] = [
            (
                "Budget primitif.xlsx",
                [
                    xlsx_bytes(
                        [
                            ["Chapitre", "Libellé", "Montant (€)"],
                            ["011", "Charges à caractère général", 1250000],
                            ["012", "Charges de personnel", 3400000],
                        ]
                    )
                ],
            )
        ]
    return common


RESTRICTED = {("ressources-humaines", "Dossiers individuels"), ("direction-generale-confidentiel", "")}


def seed_ged(*, stdout, agents: dict) -> None:
    from intranet.people.models import Department

    from .actions import document_upload, folder_create, grant_set, space_create

    departments = {d.slug: d for d in Department.objects.select_related("group", "head")}
    users = list(agents.values())
    fallback = users[0] if users else None
    created = 0
    for slug, name, policy, dept_slug in SPACES:
        if Space.objects.filter(slug=slug).exists():
            continue
        department = departments.get(dept_slug)
        manager = (department.head if department and department.head_id else None) or fallback
        space = space_create(name=name, slug=slug, policy=policy, department=department, creator=manager)
        created += 1
        folders = {"": space.root}
        base = timezone.now() - timedelta(days=40)
        for path, files in _files_for(slug).items():
            if path not in folders:
                folders[path] = folder_create(parent=space.root, name=path, actor=manager)
                if (slug, path) in RESTRICTED:
                    Folder.objects.filter(pk=folders[path].pk).update(restricted=True)
            for i, (file_name, contents) in enumerate(files):
                for n, content in enumerate(contents):
                    when = base + timedelta(days=3 * i + 7 * n)
                    document_upload(
                        folder=folders[path],
                        uploaded_file_or_path=_Named(content, file_name),
                        author=manager,
                        comment="Version initiale" if n == 0 else "Mise à jour",
                        created_at=when,
                    )
        if (
            slug == "ressources-humaines"
            and department
            and "Dossiers individuels" in folders
            and department.head_id
        ):
            grant_set(
                folder=folders["Dossiers individuels"],
                role=Role.EDITOR,
                user=department.head,
                actor=manager,
                notify_grantee=False,
            )
        if slug == "vie-intercommunale":
            for other in departments.values():
                if other.parent_id is None and other.head_id:
                    grant_set(
                        folder=space.root,
                        role=Role.CONTRIBUTOR,
                        group=other.group,
                        actor=manager,
                        notify_grantee=False,
                    )
    stdout.write(f"GED : {created} espace(s) créé(s), {Document.objects.count()} document(s) au total.\n")
