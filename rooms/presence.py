"""« Qui est là ? » per site (issue 19): the section `rooms` adds to the presence page, since sites live here.

An agent's site is read from the « bureau / site » of their profile: the site whose name, or else whose
commune, appears in it (accents and case ignored), e.g. « Siège – Hazebrouck, 1er étage » → the site in
Hazebrouck. One query (the sites), whatever the number of agents; statuses come from the presence page.
"""

from dataclasses import dataclass, field

from intranet.people.choices import PresenceStatus
from intranet.people.queries import fold

from .models import Site


@dataclass
class SitePresence:
    site: Site | None
    office: list = field(default_factory=list)  # PresenceEntry of agents at the office on that site


def _matcher(sites: list[Site]):
    by_name = [(fold(s.name), s) for s in sites]
    by_commune = [(fold(s.commune.name), s) for s in sites if s.commune_id and s.commune.name]

    def site_of(office: str) -> Site | None:
        text = fold(office or "")
        if not text:
            return None
        for needle, site in by_name + by_commune:
            if needle and needle in text:
                return site
        return None

    return site_of


def presence_section(request, day, entries) -> dict | None:
    office = [e for e in entries if e.status == PresenceStatus.OFFICE]
    if not office:
        return None
    sites = list(Site.objects.select_related("commune").only("id", "name", "slug", "commune__name"))
    if not sites:
        return None
    site_of = _matcher(sites)
    groups: dict[int | None, SitePresence] = {}
    for entry in office:
        site = site_of(entry.person.office)
        key = site.pk if site else None
        groups.setdefault(key, SitePresence(site)).office.append(entry)
    ordered = sorted(groups.values(), key=lambda g: (g.site is None, g.site.name.lower() if g.site else ""))
    return {"sites": ordered}
