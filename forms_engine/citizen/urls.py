from django.urls import path, register_converter

from forms_engine.identity import views as identity_views

from . import municipality_views, status_views, views

app_name = "citizen"


class LegalKindConverter:
    """The three legal pages of a municipality: /<slug>/impressum/ and so on."""

    regex = "impressum|datenschutz|barrierefreiheit"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(LegalKindConverter, "legal")

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("leistungen/<slug:process_id>/", views.start, name="start"),
    path("seite/<slug:slug>/", views.page, name="page"),
    path("kommune-finden/", municipality_views.finder, name="finder"),
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
    # A municipality's own pages under its short name, last: every fixed path above wins,
    # and Municipality.clean() refuses a short name that is one of them.
    path("<slug:municipality_slug>/", views.municipality_catalog, name="municipality_catalog"),
    path(
        "<slug:municipality_slug>/leistungen/<slug:process_id>/",
        views.municipality_start,
        name="municipality_start",
    ),
    path(
        "<slug:municipality_slug>/<legal:kind>/",
        municipality_views.municipality_legal,
        name="municipality_legal",
    ),
    path(
        "<slug:municipality_slug>/theme.css",
        municipality_views.municipality_theme,
        name="municipality_theme",
    ),
    path(
        "<slug:municipality_slug>/logo",
        municipality_views.municipality_logo,
        name="municipality_logo",
    ),
]
