from django.urls import path

from forms_engine.identity import views as identity_views

from . import status_views, views

app_name = "citizen"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("leistungen/<slug:process_id>/", views.start, name="start"),
    path("seite/<slug:slug>/", views.page, name="page"),
    path("konto/", views.account, name="account"),
    path("konto/abmelden/", views.account_sign_out, name="account_sign_out"),
    path("konto/entwuerfe/<uuid:draft_id>/", views.account_draft, name="account_draft"),
    path("anmelden/", identity_views.sign_in, name="identity_sign_in"),
    path("anmelden/bundid/acs/", identity_views.acs, name="identity_acs"),
    # The BundID stand-in IdP: answers 404 unless settings.ENABLE_DEMO_BACKENDS.
    path("bundid-stub/", identity_views.bundid_stub, name="bundid_stub"),
    path("fortsetzen/<str:token>/", views.resume, name="resume"),
    path("status/<str:token>/", status_views.status, name="status"),
    path("antrag/<uuid:draft_id>/zusammenfassung/", views.summary, name="summary"),
    path("antrag/<uuid:draft_id>/absenden/", views.submit, name="submit"),
    path("antrag/<uuid:draft_id>/bestaetigung/", views.confirmation, name="confirmation"),
    path("antrag/<uuid:draft_id>/zwischenspeichern/", views.send_link, name="send_link"),
    path("antrag/<uuid:draft_id>/<slug:step_id>/", views.step, name="step"),
]
