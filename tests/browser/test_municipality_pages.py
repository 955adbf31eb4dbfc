"""A municipality's own pages in Chromium with axe-core (WCAG 2.1 A/AA, zero violations):
both municipalities' catalogs (one branded with colour and logo), a start page, the
responsibility finder with a result list and without a result, both municipalities'
three legal pages; and
the finder used with the keyboard alone."""

import pytest

from tests.citizen.municipalities import PROCESS_ID, create_towns, media_in

from .conftest import assert_accessible


@pytest.fixture
def towns(library, settings, tmp_path):
    media_in(settings, tmp_path / "media")
    from forms_engine.catalog.models import LegalPage

    towns = create_towns()
    LegalPage.objects.create(
        municipality=towns["hafenau"],
        kind="impressum",
        body="## Herausgeber\nStadt Hafenau\nRathausplatz 1\n24101 Hafenau\n\n"
        "- Website: https://www.hafenau.example/\n- E-Mail: info@hafenau.example",
    )
    return towns


PAGES = [
    ("catalog Hafenau (branded)", "/hafenau/"),
    ("catalog Bergland", "/bergland/"),
    ("start page Hafenau", f"/hafenau/leistungen/{PROCESS_ID}/"),
    ("shared catalog with finder", "/"),
    ("shared start page with finder", f"/leistungen/{PROCESS_ID}/"),
    ("finder: several results", f"/kommune-finden/?q=Hafenau+Talheim&leistung={PROCESS_ID}"),
    ("finder: no result", "/kommune-finden/?q=Atlantis"),
    ("finder: input error", "/kommune-finden/?q=+"),
    ("impressum (text)", "/hafenau/impressum/"),
    ("datenschutz (not provided)", "/hafenau/datenschutz/"),
    ("barrierefreiheit (generated)", "/hafenau/barrierefreiheit/"),
    ("impressum Bergland", "/bergland/impressum/"),
    ("datenschutz Bergland", "/bergland/datenschutz/"),
    ("barrierefreiheit Bergland", "/bergland/barrierefreiheit/"),
]


def test_municipality_pages_have_no_accessibility_violations(towns, live_server, page):
    for label, path in PAGES:
        response = page.goto(live_server.url + path)
        assert response.status in (200, 400), (label, response.status)
        assert_accessible(page, label)
    # The branded page really uses its colour and logo (checked with them in place).
    page.goto(live_server.url + "/hafenau/")
    assert page.locator("img.app-header__logo").evaluate("img => img.naturalWidth") > 0
    color = page.locator(".app-header__bar").evaluate("el => getComputedStyle(el).borderTopColor")
    assert color == "rgb(29, 94, 58)"


def test_the_finder_works_with_the_keyboard_alone(towns, live_server, page):
    page.goto(live_server.url + "/")
    for _press in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == "finder-q":
            break
    else:
        raise AssertionError("the finder's field is not reachable with Tab")
    page.keyboard.type("Oberweiler")
    page.keyboard.press("Enter")
    page.wait_for_url("**/talheim/")
    assert "Talheim" in page.locator("#link-home").inner_text()

    page.goto(live_server.url + f"/leistungen/{PROCESS_ID}/")
    page.focus("#finder-q")
    page.keyboard.type("Atlantis")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "btn-finder"
    page.keyboard.press("Enter")
    page.wait_for_selector("#finder-message")
    assert_accessible(page, "finder without result, reached by keyboard")
    page.fill("#finder-q", "Talheim")
    page.press("#finder-q", "Enter")
    page.wait_for_url(f"**/bergland/leistungen/{PROCESS_ID}/?fuer=talheim")
    assert "Für Talheim bietet Bergland" in page.locator("#via-parent").inner_text()
    assert_accessible(page, "start page reached through the parent")


def test_a_citizen_applies_in_their_municipality_from_the_shared_catalog(towns, live_server, page):
    """Two municipalities offer the dog tax: the shared start page leads to Hafenau's own,
    and every page from there to the confirmation carries Hafenau's branding."""
    import json

    from forms_engine.cases.models import Case
    from tests.conftest import ANSWER_FIXTURES

    from .driver import BrowserFlow

    sample = json.loads(
        (
            ANSWER_FIXTURES / "hundesteuer-anmeldung" / "valid-listenhund-mit-lastschrift.json"
        ).read_text("utf-8")
    )
    branded: list[str] = []

    def on_page(label):
        if label not in ("catalog", "start"):
            assert "Hafenau" in page.locator("#link-home").inner_text(), label
            assert page.locator('footer a[href="/hafenau/impressum/"]').count() == 1, label
            branded.append(label)
        assert_accessible(page, f"Hafenau: {label}")

    reference = BrowserFlow(
        page, live_server.url, "hundesteuer-anmeldung", on_page, municipality_slug="hafenau"
    ).run(sample)

    case = Case.objects.get(reference=reference)
    assert case.municipality == towns["hafenau"]
    assert {"start in the municipality", "summary", "confirmation"} <= set(branded)
