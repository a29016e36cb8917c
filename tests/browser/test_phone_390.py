"""The main agent pages at 390 px (and the profile at 1280 px) in headless Chromium: no sideways scrolling,
the profile's contact card holds long addresses inside its border, axe finds nothing (issue 19 part 9).
The demo-wide pass at both widths is tests/browser/test_accessibility_check.py; this one uses the long
values that used to clip (an address and a job title with no break opportunity)."""

import pytest

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

LONG_EMAIL = "marie-christine.vandenbussche-delahaye@communaute-de-communes-flandre-interieure.example"


@pytest.fixture
def people(host_org, make_user):
    from intranet.people.actions import department_create

    department = department_create(name="Direction de l'aménagement du territoire", organisation=host_org)
    me = make_user(
        "marie.vandenbussche",
        first_name="Marie-Christine",
        last_name="Vandenbussche-Delahaye",
        job_title="Chargée de mission intercommunalité-urbanisme-habitat-mobilités",
        department=department,
        employer=host_org,
    )
    type(me).objects.filter(pk=me.pk).update(
        email=LONG_EMAIL,
        phone="03 28 00 00 00",
        mobile="06 00 00 00 00",
        office="Siège communautaire, bâtiment B, 2e étage",
    )
    return me


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _contact_card_clipped(page) -> list[str]:
    return page.evaluate(
        """() => {
          const card = document.getElementById('profile-contact').closest('section');
          const box = card.getBoundingClientRect();
          const out = [];
          if (card.scrollWidth > card.clientWidth) out.push('card scrolls ' + card.scrollWidth);
          for (const el of card.querySelectorAll('dt, dd, a')) {
            const r = el.getBoundingClientRect();
            if (r.right > box.right + 0.5 || r.left < box.left - 0.5) out.push(el.textContent.trim());
          }
          return out;
        }"""
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_profile_contact_card_is_not_clipped(page, login, people, width):
    page.set_viewport_size({"width": width, "height": 844})
    login("marie.vandenbussche")
    page.goto("/annuaire/marie.vandenbussche/")
    assert page.get_by_text(LONG_EMAIL).is_visible()
    assert _contact_card_clipped(page) == []
    assert _overflow(page) <= 0
    assert_accessible(page)


def test_main_pages_do_not_scroll_sideways_at_390(page, login, people):
    page.set_viewport_size({"width": 390, "height": 844})
    login("marie.vandenbussche")
    wide = {}
    for path in (
        "/",
        "/annuaire/",
        "/annuaire/?q=urbanisme",
        "/annuaire/services/",
        "/recherche/?q=urbanisme",
        "/notifications/",
        "/documents/",
        "/salles/",
        "/salles/trouver/",
        "/discussions/",
    ):
        response = page.goto(path)
        assert response.status < 400, path
        if _overflow(page) > 0:
            wide[path] = page.evaluate("document.documentElement.scrollWidth")
        assert_accessible(page)
    assert wide == {}
