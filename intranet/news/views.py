from django.http import Http404
from django.views.decorators.http import require_GET

from .models import HomePage


@require_GET
def home(request):
    """The dashboard at "/", served straight from the one HomePage: Wagtail's site lookup and page routing
    cost three queries and most of the page's server time for a page whose place never changes (bench B9)."""
    page = HomePage.objects.live().first()
    if page is None:
        raise Http404
    return page.serve(request)
