"""The devices themselves are django-otp's (TOTPDevice, StaticDevice) and django-otp-webauthn's
(WebAuthnCredential); this app only remembers how an agent authenticated when an OIDC code was issued."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings


class GrantAuthentication(models.Model):
    """The authentication methods (RFC 8176 `amr`) of the session that obtained an authorization code: the
    token endpoint, which has no session, puts them in the ID token and refuses a code without a second
    factor to a client that requires one."""

    grant = models.OneToOneField(
        oauth2_settings.GRANT_MODEL, on_delete=models.CASCADE, related_name="authentication"
    )
    amr = models.JSONField(_("méthodes d'authentification"), default=list)

    class Meta:
        verbose_name = _("authentification d'un code OIDC")
        verbose_name_plural = _("authentifications des codes OIDC")

    def __str__(self):
        return " ".join(self.amr)

    @property
    def multi_factor(self) -> bool:
        return "mfa" in self.amr


class RefreshAuthentication(models.Model):
    """The `amr` of the login behind a refresh token, copied from the code's GrantAuthentication (the grant is
    deleted once exchanged) and on to each rotated refresh token: an ID token issued on refresh states how the
    agent logged in, never more than that."""

    refresh_token = models.OneToOneField(
        oauth2_settings.REFRESH_TOKEN_MODEL, on_delete=models.CASCADE, related_name="authentication"
    )
    amr = models.JSONField(_("méthodes d'authentification"), default=list)

    class Meta:
        verbose_name = _("authentification d'un jeton de rafraîchissement OIDC")
        verbose_name_plural = _("authentifications des jetons de rafraîchissement OIDC")

    def __str__(self):
        return " ".join(self.amr)
