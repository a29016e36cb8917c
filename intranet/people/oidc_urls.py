"""OpenID Connect provider endpoints (issue 3), mounted at /o/ (issuer = SITE_URL + "/o").

Only what an OIDC relying party needs: authorize, token, revoke, discovery, JWKS, userinfo. Not DOT's
application-management pages (IT registers clients in the Wagtail admin) nor device flow, dynamic client
registration or introspection. django-oauth-toolkit marks every view login_not_required: token, revoke,
discovery, JWKS and userinfo authenticate the client or token themselves; the authorize view keeps its own
LoginRequiredMixin, which sends an anonymous agent to our login page and back.
"""

from django.urls import path, re_path
from oauth2_provider import views

from . import oidc

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", oidc.AuthorizationView.as_view(), name="authorize"),
    path("token/", views.TokenView.as_view(), name="token"),
    path("revoke_token/", views.RevokeTokenView.as_view(), name="revoke-token"),
    re_path(
        r"^\.well-known/openid-configuration/?$",
        oidc.ConnectDiscoveryInfoView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(".well-known/jwks.json", views.JwksInfoView.as_view(), name="jwks-info"),
    path("userinfo/", views.UserInfoView.as_view(), name="user-info"),
]
