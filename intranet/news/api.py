"""/api/v1/news: the news feed of the connected agent (only what is addressed to them) and « J'ai lu »."""

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from intranet.pagination import BoundedPageNumberPagination
from intranet.params import parse_id

from .actions import acknowledgement_record
from .models import Acknowledgement
from .queries import news_for

router = Router(tags=["actualités"])


class NewsOut(Schema):
    id: int
    title: str
    intro: str
    url: str
    category: str | None
    published_at: datetime | None
    must_read: bool
    must_read_due: date | None
    acknowledged: bool


def _out(page, acknowledged_ids, request) -> dict:
    return {
        "id": page.pk,
        "title": page.title,
        "intro": page.intro,
        "url": page.get_url(request) or "",
        "category": page.category.name if page.category_id else None,
        "published_at": page.first_published_at,
        "must_read": page.must_read,
        "must_read_due": page.must_read_due,
        "acknowledged": page.pk in acknowledged_ids,
    }


@router.get("/news", response=list[NewsOut], summary="Les actualités qui me sont adressées")
@paginate(BoundedPageNumberPagination, page_size=20)
def news_list(request, must_read: bool = False, unread: bool = False):
    user = request.auth
    qs = news_for(user).order_by("-first_published_at", "-pk")
    if must_read:
        qs = qs.must_read()
    if unread:
        qs = qs.must_read().unacknowledged_by(user)
    return _LazyOut(qs, user, request)


class _LazyOut:
    """A sliceable sequence for the paginator: acknowledgements of the page slice come in one query."""

    def __init__(self, qs, user, request):
        self.qs, self.user, self.request = qs, user, request

    def count(self):
        return self.qs.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        pages = list(self.qs[item])
        acked = set(
            Acknowledgement.objects.filter(user=self.user, page__in=[p.pk for p in pages]).values_list(
                "page_id", flat=True
            )
        )
        return [_out(p, acked, self.request) for p in pages]


class AcknowledgementOut(Schema):
    id: int
    acknowledged_at: datetime
    created: bool


@router.post(
    "/news/{news_id}/acknowledge",
    response=AcknowledgementOut,
    summary="« J'ai lu » sur une actualité à lire",
    description="Deux fois vaut une : le second appel répond `created: false` avec la première lecture.",
)
def news_acknowledge(request, news_id: int):
    """Twice is once: the second call answers `created: false` with the first acknowledgement."""
    user = request.auth
    page = get_object_or_404(news_for(user).must_read(), pk=parse_id(news_id, param="news_id"))
    acknowledgement, created = acknowledgement_record(page=page, user=user)
    return {"id": page.pk, "acknowledged_at": acknowledgement.acknowledged_at, "created": created}
