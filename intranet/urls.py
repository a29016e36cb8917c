from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents.views import serve as wagtaildocs_serve_views

from intranet.api import api, api_urls
from intranet.news import views as news_views
from intranet.ops import views as ops_views
from intranet.people import views as people_views
from intranet.people.api import router as people_router

from . import views

api.add_router("/", people_router)


def _it_only(request) -> bool:
    """The Django admin is for IT (superusers) only; everyone else uses the Wagtail admin at /cms/."""
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _it_only
admin.site.site_header = "Administration technique (service SI)"

urlpatterns = [
    path("connexion/", people_views.LoginView.as_view(), name="login"),
    # One login page: Wagtail's (page privacy, admin) and the Django admin's lead to the one above.
    path("_util/login/", views.to_login, name="wagtailcore_login"),
    path("cms/login/", views.to_login),
    path("django-admin/login/", views.to_login),
    path("deconnexion/", people_views.LogoutView.as_view(), name="logout"),
    # Alive (no database) and ready (database, Redis, storage, task queue): intranet.ops, docs/operations.md.
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("ops/metrics", ops_views.metrics_view, name="ops_metrics"),
    path("ping/", views.ping, name="ping"),
    path("accessibilite/", include("intranet.accessibility.urls")),
    # The language switch is in the footer of every page, the login page included.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("notifications/", include("intranet.notifications.urls")),
    path("compte/notifications/", include("intranet.notifications.urls_account")),
    path("compte/", include("intranet.people.urls")),
    path("compte/", include("intranet.twofactor.urls")),
    path("annuaire/", include("intranet.people.directory_urls")),
    path("qui-est-la/", include("intranet.people.presence_urls")),
    path("organigramme/", include("intranet.people.orgchart_urls")),
    path("o/", include("intranet.people.oidc_urls")),
    path("recherche/", include("intranet.search.urls")),
    path("kotje/", include("kotje.urls")),
    path("documents/", include("ged.urls")),
    path("parapheur/", include("ged.circuits.urls")),
    path("archives/", include("ged.retention.urls")),
    path("mon-coffre/", include("ged.payslips.urls")),
    path("salles/", include("rooms.urls")),
    path("discussions/", include("chat.urls")),
    path("projets/", include("projects.urls")),
    path("projets/", include("projects.urls_links")),
    path("agenda/", include("events.urls")),
    path("api/v1/", api_urls()),
    path("django-admin/", admin.site.urls),
    path("cms/", include(wagtailadmin_urls)),
    # Files of pages (news, guides): only for agents who may open a page that uses them (intranet.page_files).
    # Wagtail's own document URLs are not mounted: its serve view knows nothing of page audiences.
    path(
        "pieces-jointes/<id:document_id>/<path:document_filename>",
        views.page_document,
        name="wagtaildocs_serve",
    ),
    path(
        "pieces-jointes/authenticate_with_password/<id:restriction_id>/",
        wagtaildocs_serve_views.authenticate_with_password,
        name="wagtaildocs_authenticate_with_password",
    ),
    path("fichiers/<path:path>", views.page_image, name="page_image"),
]

# The dashboard, then Wagtail's page tree, which answers every remaining path.
urlpatterns += [path("", news_views.home, name="home"), path("", include(wagtail_urls))]

handler400 = "intranet.errors.bad_request"
handler403 = "intranet.errors.permission_denied"
handler404 = "intranet.errors.page_not_found"
handler500 = "intranet.errors.server_error"
