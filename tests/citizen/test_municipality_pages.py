"""A municipality's own citizen pages: its catalog and start pages under its path or host
name, its branding on every page of its drafts and cases, its theme stylesheet and logo,
its legal pages, and the responsibility finder on the shared pages."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from forms_engine.citizen.branding import logo_token, theme_token
from forms_engine.citizen.models import Draft
from tests.citizen.flow import STEP_URL, Flow
from tests.citizen.municipalities import DOG_TAX, HAFENAU_COLOR, PROCESS_ID, create_towns, media_in

pytestmark = pytest.mark.django_db

HOST = "service.hafenau.example"
SAMPLE = {"answers": {"antrag": {"zone": "d", "kennzeichen": "HA-X 1"}}}


@pytest.fixture(autouse=True)
def _logos_in_tmp(settings, tmp_path):
    media_in(settings, tmp_path / "media")


@pytest.fixture
def towns(published_processes):
    return create_towns()


def _page(client, url, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


# --- catalog and start under the municipality's path ----------------------------------------


def test_each_catalog_lists_only_its_own_offerings_with_its_parameter_values(client, towns):
    hafenau = _page(client, "/hafenau/")
    bergland = _page(client, "/bergland/")

    assert f'href="/hafenau/leistungen/{PROCESS_ID}/"' in hafenau
    assert f'href="/hafenau/leistungen/{DOG_TAX}/"' in hafenau
    assert "Bewohnerparkausweis in Hafenau beantragen" in hafenau
    assert "Bergland" not in hafenau.split("<footer")[0]
    assert f'href="/bergland/leistungen/{PROCESS_ID}/"' in bergland
    assert "Bewohnerparkausweis in Bergland beantragen" in bergland
    assert DOG_TAX not in bergland and "Hafenau" not in bergland
    assert "{{param:" not in hafenau + bergland


def test_a_member_without_offerings_points_to_its_parent(client, towns):
    talheim = _page(client, "/talheim/")

    assert "Derzeit werden keine Online-Anträge angeboten." in talheim
    assert 'id="parent-offers"' in talheim and 'href="/bergland/"' in talheim


def test_unknown_municipalities_and_offerings_elsewhere_are_404(client, towns):
    assert client.get("/gibt-es-nicht/").status_code == 404
    assert client.get(f"/bergland/leistungen/{DOG_TAX}/").status_code == 404
    assert client.post(f"/bergland/leistungen/{DOG_TAX}/").status_code == 404
    assert client.get(f"/gibt-es-nicht/leistungen/{PROCESS_ID}/").status_code == 404


def test_the_start_page_shows_its_fee_contact_and_responsible_authority(client, towns):
    page = _page(client, f"/hafenau/leistungen/{PROCESS_ID}/")

    assert "Bewohnerparkausweis in Hafenau beantragen" in page
    assert "120,00 €" in page and "45,50 €" not in page
    assert "Bürgerbüro Hafenau, Zimmer 12." in page
    assert "Zuständig: Ordnungsamt Hafenau, Hafenau" in page
    assert 'id="btn-start"' in page and 'id="finder-q"' not in page


def test_the_contact_text_follows_the_language_and_is_marked_german_without_english(client, towns):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    bergland = _page(client, f"/bergland/leistungen/{PROCESS_ID}/")
    hafenau = _page(client, f"/hafenau/leistungen/{PROCESS_ID}/")

    assert "public order office" in bergland
    assert re.search(r'id="offer-contact" lang="de">Fragen zum Parkausweis', hafenau)


def test_starting_on_the_municipality_path_starts_there_without_asking(client, towns):
    response = client.post(f"/bergland/leistungen/{PROCESS_ID}/")

    assert response.status_code == 302
    draft = Draft.objects.get(pk=STEP_URL.search(response["Location"])["draft"])
    activation = towns["bergland_parking"]
    assert draft.municipality == towns["bergland"]
    assert draft.process_version == activation.version
    assert draft.parameter_values == activation.parameter_values
    step = _page(client, response["Location"])
    assert "Ihr Antrag in Bergland" in step
    # Back from the first step leads to the start page in the same municipality.
    assert f'href="/bergland/leistungen/{PROCESS_ID}/"' in step


def test_a_municipality_on_its_own_host_gets_its_catalog_and_start_at_the_root(settings, towns):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST, "evil.example"]
    hafenau = towns["hafenau"]
    hafenau.host = HOST
    hafenau.full_clean()
    hafenau.save()
    client = Client(HTTP_HOST=HOST)

    catalog = _page(client, "/")
    assert "Bewohnerparkausweis in Hafenau beantragen" in catalog
    assert "Bergland" not in catalog
    start = _page(client, f"/leistungen/{PROCESS_ID}/")
    assert "120,00 €" in start and 'id="finder-q"' not in start
    response = client.post(f"/leistungen/{PROCESS_ID}/")
    assert response.status_code == 302
    assert Draft.objects.get(pk=STEP_URL.search(response["Location"])["draft"]).municipality == (
        hafenau
    )
    assert "Stand der Vereinbarkeit" in _page(client, "/seite/barrierefreiheit/")
    # Another allowed host is the shared installation.
    assert 'id="finder-q"' in _page(Client(HTTP_HOST="evil.example"), "/")


def test_a_host_outside_allowed_hosts_is_refused_even_when_a_municipality_has_it(towns):
    hafenau = towns["hafenau"]
    hafenau.host = HOST
    hafenau.save()

    response = Client(HTTP_HOST=HOST, raise_request_exception=False).get("/")

    assert response.status_code == 400


def test_the_shared_catalog_and_start_stay_and_offer_the_finder(client, towns):
    catalog = _page(client, "/")
    assert f'href="/leistungen/{PROCESS_ID}/"' in catalog
    assert 'id="finder-q"' in catalog and 'action="/kommune-finden/"' in catalog

    start = _page(client, f"/leistungen/{PROCESS_ID}/")
    assert f'name="leistung" value="{PROCESS_ID}"' in start
    assert f'href="/hafenau/leistungen/{PROCESS_ID}/"' in start
    assert f'href="/bergland/leistungen/{PROCESS_ID}/"' in start
    assert 'id="btn-start"' not in start

    refused = client.post(f"/leistungen/{PROCESS_ID}/", {"municipality": ""})
    assert refused.status_code == 200
    assert 'id="error-summary"' in refused.content.decode()
    assert 'href="#finder-q"' in refused.content.decode()
    started = client.post(f"/leistungen/{PROCESS_ID}/", {"municipality": "hafenau"})
    assert started.status_code == 302
    draft = Draft.objects.get(pk=STEP_URL.search(started["Location"])["draft"])
    assert draft.municipality == towns["hafenau"]


# --- branding --------------------------------------------------------------------------------


def _assert_branded_as_hafenau(page: str, where: str) -> None:
    hafenau_logo = re.search(
        r'<img class="app-header__logo" src="/hafenau/logo\?v=\w+" alt="([^"]+)"', page
    )
    assert hafenau_logo, where
    assert hafenau_logo[1] == "Logo der Stadt Hafenau", where
    assert re.search(r'<link rel="stylesheet" href="/hafenau/theme.css\?v=\w+">', page), where
    footer = page.split("<footer", 1)[1]
    for kind in ("impressum", "datenschutz", "barrierefreiheit"):
        assert f'href="/hafenau/{kind}/"' in footer, (where, kind)
    assert "Rathausplatz 1<br>" in footer and "mailto:info@hafenau.example" in footer, where
    assert 'href="tel:04321123-0"' not in footer  # only digits and + in a tel: link
    assert 'href="tel:043211230"' in footer, where
    assert "/seite/impressum/" not in footer, where


def test_every_page_of_a_draft_and_its_case_carries_the_municipalitys_branding(client, towns):
    result = Flow(client, PROCESS_ID, municipality_slug="hafenau").run(SAMPLE)
    assert result.case_reference, result.pointers
    draft = result.draft

    pages = {
        "catalog": "/hafenau/",
        "start": f"/hafenau/leistungen/{PROCESS_ID}/",
        "step": reverse("citizen:step", args=[draft.pk, "antrag"]),
        "confirmation": reverse("citizen:confirmation", args=[draft.pk]),
        "impressum": "/hafenau/impressum/",
        "barrierefreiheit": "/hafenau/barrierefreiheit/",
    }
    for where, url in pages.items():
        response = client.get(url, follow=True)
        assert response.status_code == 200, where
        _assert_branded_as_hafenau(response.content.decode(), where)
    confirmation = client.get(pages["confirmation"]).content.decode()
    status_url = re.search(r'href="(http://testserver/status/[^"]+)"', confirmation)[1]
    _assert_branded_as_hafenau(_page(client, status_url), "status")


def test_summary_submit_and_pay_pages_of_a_draft_are_branded(client, towns):
    result = Flow(client, PROCESS_ID, municipality_slug="hafenau").run(SAMPLE, submit=False)
    draft = result.draft
    for where in ("summary", "submit"):
        response = client.get(reverse(f"citizen:{where}", args=[draft.pk]), follow=True)
        assert response.status_code == 200, where
        _assert_branded_as_hafenau(response.content.decode(), where)
    pay = client.get(reverse("payments:overview", args=[draft.pk]), follow=True)
    _assert_branded_as_hafenau(pay.content.decode(), "pay")


def test_the_shared_pages_carry_no_municipality_branding(client, towns):
    for url in ("/", f"/leistungen/{PROCESS_ID}/", "/seite/impressum/", "/konto/"):
        page = _page(client, url)
        assert "app-header__logo" not in page and "theme.css" not in page, url
        assert 'href="/seite/impressum/"' in page, url


def test_the_english_logo_text_names_the_municipality(client, towns):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = _page(client, "/hafenau/")

    assert 'alt="Logo of Hafenau"' in page


def test_a_branded_step_page_still_reads_only_the_session_and_the_draft(client, towns):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    draft, url = Flow(client, PROCESS_ID, municipality_slug="hafenau").start()
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = _page(client, url)
    statements = [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")
    ]
    assert len(statements) == 2, statements
    _assert_branded_as_hafenau(page, "step")


# --- theme and logo ------------------------------------------------------------------------


def test_the_theme_stylesheet_sets_the_colour_and_is_cacheable_with_an_etag(client, towns):
    hafenau = towns["hafenau"]
    url = f"/hafenau/theme.css?v={theme_token(hafenau)}"

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    css = response.content.decode()
    assert f"--app-brand-color: {HAFENAU_COLOR};" in css
    assert "--kern-color-action-default: var(--app-brand-color);" in css
    assert "prefers-color-scheme: dark" in css
    assert "max-age=31536000" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert "no-store" not in response["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    stale = client.get("/hafenau/theme.css?v=alt")
    assert "max-age=300" in stale["Cache-Control"]
    plain = client.get("/bergland/theme.css")
    assert plain.status_code == 200 and "--app-brand-color" not in plain.content.decode()


def test_the_logo_is_served_from_storage_typed_by_its_bytes(client, towns):
    hafenau = towns["hafenau"]
    assert hafenau.logo.name.startswith("logos/") and hafenau.logo.name.endswith(".png")

    response = client.get(f"/hafenau/logo?v={logo_token(hafenau)}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "max-age=31536000" in response["Cache-Control"]
    assert response.content.startswith(b"\x89PNG")
    assert client.get("/hafenau/logo", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert client.get("/bergland/logo").status_code == 404


def test_a_logo_changed_in_storage_into_something_unsafe_is_never_served(client, towns):
    from django.core.files.base import ContentFile

    logo = towns["hafenau"].logo
    logo.storage.delete(logo.name)
    unsafe = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert logo.storage.save(logo.name, ContentFile(unsafe)) == logo.name

    assert client.get("/hafenau/logo").status_code == 404


# --- legal pages ------------------------------------------------------------------------------


def _legal(municipality, kind, **fields):
    from forms_engine.catalog.models import LegalPage

    return LegalPage.objects.create(municipality=municipality, kind=kind, **fields)


def test_a_legal_text_is_shown_as_escaped_paragraphs(client, towns):
    _legal(
        towns["hafenau"],
        "impressum",
        body="## Herausgeber\nStadt Hafenau\nRathausplatz 1\n\n<script>alert(1)</script>\n\n"
        "- Mehr: https://www.hafenau.example/impressum\n- E-Mail: info@hafenau.example",
    )

    page = _page(client, "/hafenau/impressum/")

    assert '<h2 class="kern-heading-medium">Herausgeber</h2>' in page
    assert '<p class="kern-body">Stadt Hafenau<br>Rathausplatz 1</p>' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert 'href="https://www.hafenau.example/impressum"' in page
    assert 'href="mailto:info@hafenau.example"' in page


def test_the_english_text_is_used_in_english_and_the_german_one_is_marked_german(client, towns):
    _legal(towns["hafenau"], "datenschutz", body="Datenschutz auf Deutsch.", body_en="Privacy.")
    _legal(towns["bergland"], "datenschutz", body="Nur auf Deutsch.")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    hafenau = _page(client, "/hafenau/datenschutz/")
    bergland = _page(client, "/bergland/datenschutz/")

    assert "Privacy." in hafenau and "Datenschutz auf Deutsch." not in hafenau
    assert re.search(
        r'id="legal-body" lang="de">\s*<p class="kern-body">Nur auf Deutsch.', bergland
    )


def test_a_legal_page_given_as_url_redirects_there(client, towns):
    _legal(towns["bergland"], "datenschutz", url="https://www.bergland.example/datenschutz")

    response = client.get("/bergland/datenschutz/")

    assert response.status_code == 302
    assert response["Location"] == "https://www.bergland.example/datenschutz"


def test_a_missing_page_says_so_with_the_contact_and_never_shows_another_municipalitys_text(
    client, towns
):
    _legal(towns["hafenau"], "impressum", body="Impressum der Stadt Hafenau.")

    page = _page(client, "/bergland/impressum/")

    assert "Impressum der Stadt Hafenau." not in page
    assert 'id="legal-missing"' in page and "noch nicht hinterlegt" in page
    assert "mailto:buergerbuero@bergland.example" in page
    talheim = _page(client, "/talheim/datenschutz/")  # no e-mail in its profile
    assert "mailto:ordnungsamt@talheim.example" in talheim


def test_without_its_own_statement_a_generated_accessibility_statement_is_shown(client, towns):
    page = _page(client, "/hafenau/barrierefreiheit/")

    assert 'id="statement-generated"' in page and "Automatisch erstellte Erklärung" in page
    for heading in (
        "Stand der Vereinbarkeit mit den Anforderungen",
        "Nicht barrierefreie Inhalte",
        "Erstellung dieser Erklärung",
        "Feedback und Kontaktangaben",
        "Durchsetzungsverfahren: Schlichtungsstelle nach § 16 BGG",
    ):
        assert heading in page, heading
    assert "teilweise vereinbar" in page
    assert "mailto:info@hafenau.example" in page
    assert "Mauerstraße 53" in page and 'href="https://www.schlichtungsstelle-bgg.de"' in page
    assert 'href="http://testserver/hafenau/"' in page


def test_its_own_accessibility_statement_replaces_the_generated_one(client, towns):
    _legal(towns["hafenau"], "barrierefreiheit", body="Unsere eigene Erklärung.")

    page = _page(client, "/hafenau/barrierefreiheit/")

    assert "Unsere eigene Erklärung." in page and 'id="statement-generated"' not in page


def test_the_installations_own_pages_stay(client, towns):
    page = _page(client, "/seite/impressum/")

    assert "Diese Seite wird von der Kommune mit ihren eigenen Angaben gefüllt." in page


# --- the responsibility finder (pages) -------------------------------------------------------


def test_the_finder_leads_from_a_postcode_or_place_to_the_municipalitys_catalog(client, towns):
    assert client.get("/kommune-finden/?q=24103")["Location"] == "/hafenau/"
    assert client.get("/kommune-finden/?q=nordstrand")["Location"] == "/hafenau/"
    assert client.get("/kommune-finden/?q=Oberweiler")["Location"] == "/talheim/"


def test_the_finder_for_a_service_falls_back_to_the_parent(client, towns):
    direct = client.get(f"/kommune-finden/?q=24101&leistung={PROCESS_ID}")
    assert direct["Location"] == f"/hafenau/leistungen/{PROCESS_ID}/"

    via_parent = client.get(f"/kommune-finden/?q=Talheim&leistung={PROCESS_ID}")
    assert via_parent["Location"] == f"/bergland/leistungen/{PROCESS_ID}/?fuer=talheim"
    page = _page(client, via_parent["Location"])
    assert "Für Talheim bietet Bergland diese Leistung an." in page


def test_several_matches_are_listed_to_choose_from(client, towns):
    listing = client.get(f"/kommune-finden/?q=Hafenau+Talheim&leistung={PROCESS_ID}")

    assert listing.status_code == 200
    content = listing.content.decode()
    assert 'id="finder-results"' in content
    assert f'href="/hafenau/leistungen/{PROCESS_ID}/"' in content
    assert f'href="/bergland/leistungen/{PROCESS_ID}/"' in content
    assert "zuständig für Talheim" in content
    catalogs = _page(client, "/kommune-finden/?q=Hafenau+und+Bergland")
    assert 'href="/hafenau/"' in catalogs and 'href="/bergland/"' in catalogs


def test_no_match_and_not_offered_say_what_to_try(client, towns):
    none = _page(client, "/kommune-finden/?q=Nirgendwo")
    assert 'id="finder-message"' in none and "Prüfen Sie die Schreibweise" in none
    assert 'value="Nirgendwo"' in none
    short = _page(client, "/kommune-finden/?q=1234")
    assert "Eine Postleitzahl hat fünf Ziffern." in short
    dogs = _page(client, f"/kommune-finden/?q=Talheim&leistung={DOG_TAX}")
    assert "wird diese Leistung nicht online angeboten" in dogs


def test_hostile_finder_input_gets_a_clear_answer_never_a_500(towns):
    client = Client(raise_request_exception=False)
    empty = client.get("/kommune-finden/?q=+++")
    assert empty.status_code == 200 and 'aria-invalid="true"' in empty.content.decode()
    long = client.get("/kommune-finden/", {"q": "a" * 5000})
    assert long.status_code == 400
    assert "höchstens 200 Zeichen" in long.content.decode()
    assert "a" * 300 not in long.content.decode().split("<main", 1)[1]
    nul = client.get("/kommune-finden/?q=%00")
    assert nul.status_code == 400
    assert "Ungültige Anfrage" in nul.content.decode()
    assert client.get("/kommune-finden/?q=%ED%A0%80").status_code in (200, 400)
    assert client.get("/kommune-finden/?q=<script>").status_code == 200
    assert (
        "<script>"
        not in client.get("/kommune-finden/?q=<script>").content.decode().split("<main", 1)[1]
    )
    assert client.get(f"/kommune-finden/?q=x&leistung={'y' * 3000}").status_code == 404
    assert client.get("/kommune-finden/?q=Talheim&leistung=%00").status_code == 400


def test_the_generated_statement_and_the_finder_speak_english(client, towns):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    statement = _page(client, "/bergland/barrierefreiheit/")
    finder = _page(client, "/kommune-finden/?q=Atlantis")

    assert "Compliance status" in statement and "Enforcement procedure" in statement
    assert 'href="http://testserver/bergland/"' in statement
    assert "We found no municipality" in finder and "Find your municipality" in finder
