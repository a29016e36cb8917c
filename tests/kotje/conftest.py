"""A small Kotje: two communes (Cassel, Bailleul) with a service each, a theme of guides (one for everyone,
one for Bailleul only), a tools catalogue and the finder, built through Wagtail's page API."""

import json
from datetime import date
from types import SimpleNamespace

import pytest


def publish(parent, page, user=None, *, revision=False):
    """Add a live page; with `revision`, publish it as `user` too (its last editor), as the admin does."""
    parent.add_child(instance=page)
    if revision:
        page.save_revision(user=user, log_action=False).publish(user=user, skip_permission_checks=True)
    return page


@pytest.fixture
def kotje(db, host_org, make_user):
    return build_kotje(host_org, make_user)


def build_kotje(host_org, make_user) -> SimpleNamespace:
    """Also used by the browser journey (tests/browser/test_kotje.py)."""
    from django.contrib.auth.models import Group

    from intranet.news.actions import home_page_ensure
    from intranet.people.choices import OrganisationKind
    from intranet.people.models import Department, Organisation
    from kotje.choices import ToolStatus
    from kotje.models import (
        GuidePage,
        KotjeIndexPage,
        Task,
        ThemePage,
        ToolFinderPage,
        ToolPage,
        ToolsIndexPage,
    )

    cassel = Organisation.objects.create(name="Cassel", kind=OrganisationKind.COMMUNE, insee_code="59135")
    bailleul = Organisation.objects.create(name="Bailleul", kind=OrganisationKind.COMMUNE, insee_code="59043")

    def department(slug, name, organisation, parent=None):
        group = Group.objects.create(name=f"Service {slug}")
        return Department.objects.create(
            slug=slug, name=name, organisation=organisation, group=group, parent=parent
        )

    rh = department("rh", "Ressources humaines", host_org)
    paie = department("paie", "Paie", host_org, parent=rh)
    bailleul_ec = department("bailleul-ec", "Mairie de Bailleul – État civil", bailleul)
    cassel_sec = department("cassel-sec", "Mairie de Cassel – Secrétariat", cassel)

    owner = make_user(
        "celine.dewaele", first_name="Céline", last_name="Dewaele", department=rh, employer=host_org
    )
    editor = make_user("camille.martin", first_name="Camille", last_name="Martin", employer=host_org)
    cassel_agent = make_user("paul.cassel", first_name="Paul", employer=cassel, department=cassel_sec)
    bailleul_agent = make_user(
        "amandine.cordier", first_name="Amandine", employer=bailleul, department=bailleul_ec
    )
    rh_agent = make_user("marine.petit", first_name="Marine", employer=host_org, department=paie)

    home = home_page_ensure()
    index = publish(home, KotjeIndexPage(title="Kotje", slug="kotje"), editor)
    theme = publish(
        index, ThemePage(title="Ressources humaines", slug="rh", department=rh, intro="Congés"), editor
    )
    conge = publish(
        theme,
        GuidePage(
            title="Poser un congé",
            slug="poser-un-conge",
            summary="Demander un congé annuel.",
            steps=json.dumps(
                [
                    {
                        "type": "step",
                        "value": {"title": "Faire la demande", "text": "<p>Quinze jours avant.</p>"},
                    }
                ]
            ),
            content_owner_person=owner,
            last_reviewed_on=date(2026, 1, 10),
            next_review_on=date(2027, 1, 10),
        ),
        editor,
        revision=True,
    )
    bailleul_only = GuidePage(
        title="État civil de Bailleul",
        slug="etat-civil-bailleul",
        summary="Pour la mairie de Bailleul.",
        content_owner_department=bailleul_ec,
        audience_everyone=False,
    )
    bailleul_only.audience_organisations = [bailleul]
    publish(theme, bailleul_only, editor)

    tasks = {
        slug: Task.objects.create(slug=slug, name=name, sort_order=i)
        for i, (slug, name) in enumerate(
            [("partager-un-fichier", "Partager un fichier"), ("discuter", "Discuter")]
        )
    }
    tools_index = publish(index, ToolsIndexPage(title="Catalogue des outils", slug="outils"), editor)

    def tool(slug, title, status, task, **fields):
        page = ToolPage(title=title, slug=slug, status=status, purpose=f"{title} : à quoi il sert.", **fields)
        page.tasks = [tasks[task]]
        return publish(tools_index, page, editor)

    ged = tool("ged", "GED intercommunale", ToolStatus.APPROVED, "partager-un-fichier", guide=conge)
    drive = tool("drive", "Drive personnel", ToolStatus.FORBIDDEN, "partager-un-fichier", use_instead=ged)
    chat = tool("discussions", "Discussions", ToolStatus.APPROVED, "discuter")
    finder = publish(tools_index, ToolFinderPage(title="Quel outil pour… ?", slug="quel-outil"), editor)
    return SimpleNamespace(
        home=home,
        index=index,
        theme=theme,
        conge=conge,
        bailleul_only=bailleul_only,
        tools_index=tools_index,
        finder=finder,
        ged=ged,
        drive=drive,
        chat=chat,
        tasks=tasks,
        owner=owner,
        editor=editor,
        cassel_agent=cassel_agent,
        bailleul_agent=bailleul_agent,
        rh_agent=rh_agent,
        rh=rh,
        paie=paie,
        bailleul=bailleul,
        cassel=cassel,
        bailleul_ec=bailleul_ec,
    )
