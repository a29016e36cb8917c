"""/api/v1/search: the same permission-aware search as the search page."""

from ninja import Router, Schema

from .queries import search
from .views import _page_number

router = Router(tags=["recherche"])


class GroupOut(Schema):
    type: str
    label: str
    total: int
    parent: str  # "pages" for a page type, whose hits « pages » already counts


class HitOut(Schema):
    type: str
    kind: str
    title: str
    url: str
    snippet: str
    highlighted: str
    meta: str


class SearchOut(Schema):
    query: str
    type: str
    page: int
    has_next: bool
    total: int
    groups: list[GroupOut]
    hits: list[HitOut]


@router.get(
    "/search",
    response=SearchOut,
    summary="Rechercher dans l'intranet",
    description=(
        "Pages, agents et les sources que les applications ajoutent, limités à ce que l'agent peut ouvrir. "
        "`type` : une clé de `groups` (par exemple « pages », « people », « news-newspage ») ; "
        "`highlighted` est l'extrait en HTML échappé, les mots trouvés entre <mark>."
    ),
)
def search_api(request, q: str = "", type: str = "", page: str = "1"):
    """Pages, people and the sources other apps register, limited to what the agent may open. `type`: a key
    from `groups` (for instance "pages", "people", "news-newspage"); `highlighted` is the snippet as escaped
    HTML with the matching words in <mark>."""
    results = search(request, q, type_key=type, page=_page_number(page))
    return {
        "query": results.query,
        "type": results.type,
        "page": results.page,
        "has_next": results.has_next,
        "total": results.total,
        "groups": [
            {"type": g.key, "label": g.label, "total": g.total, "parent": g.parent} for g in results.groups
        ],
        "hits": [{**h.__dict__, "highlighted": str(h.highlighted)} for g in results.groups for h in g.hits],
    }
