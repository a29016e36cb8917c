from django.urls import path

from . import views, webauthn

app_name = "twofactor"
urlpatterns = [
    # Everything under second-facteur/ is served to a session that still owes its factor (middleware).
    path("second-facteur/", views.overview, name="overview"),
    path("second-facteur/verification/", views.verify, name="verify"),
    path("second-facteur/application/", views.totp_setup, name="totp_setup"),
    path("second-facteur/codes-de-secours/", views.backup_codes, name="backup_codes"),
    path("second-facteur/<slug:kind>/<id:pk>/supprimer/", views.device_remove, name="device_remove"),
    path(
        "second-facteur/cle/inscription/debut/",
        webauthn.BeginRegistration.as_view(),
        name="passkey_register_begin",
    ),
    path(
        "second-facteur/cle/inscription/fin/",
        webauthn.CompleteRegistration.as_view(),
        name="passkey_register_complete",
    ),
    path(
        "second-facteur/cle/verification/debut/",
        webauthn.BeginAuthentication.as_view(),
        name="passkey_verify_begin",
    ),
    path(
        "second-facteur/cle/verification/fin/",
        webauthn.CompleteAuthentication.as_view(),
        name="passkey_verify_complete",
    ),
    # IT only, and not under second-facteur/: the IT session itself must be verified to reach it.
    path("reinitialiser-second-facteur/", views.reset, name="reset"),
]
