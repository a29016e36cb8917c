"""The API's page-number pagination, with the page number bounded by `intranet.params.parse_page`.

Ninja's own class multiplies any page number into an OFFSET: a 30-digit page overflows the database's
bigint (a 500). Past the last page, the listing is simply empty.
"""

from ninja.pagination import PageNumberPagination

from .params import parse_page


class BoundedPageNumberPagination(PageNumberPagination):
    def paginate_queryset(self, queryset, pagination, request, **params):
        pagination.page = parse_page(pagination.page)
        return super().paginate_queryset(queryset, pagination, request, **params)

    async def apaginate_queryset(self, queryset, pagination, request, **params):
        pagination.page = parse_page(pagination.page)
        return await super().apaginate_queryset(queryset, pagination, request, **params)
