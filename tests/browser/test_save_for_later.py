"""Zwischenspeichern with an entry that cannot be kept: the saved page names it and still
gives the resume link; axe-core finds nothing on it."""

from .conftest import assert_accessible
from .driver import start_application


def test_saving_with_an_invalid_date_names_it_and_is_accessible(library, live_server, page):
    page.goto(f"{live_server.url}/leistungen/hundesteuer-anmeldung/")
    start_application(page)
    page.wait_for_url("**/halter/")
    page.locator("#f-vorname").fill("Erika")
    page.locator("#f-geburtsdatum").fill("kein Datum")
    page.locator("#btn-save").click()
    page.wait_for_selector("#link-resume")
    assert "Geburtsdatum" in page.locator("#not-kept").inner_text()
    assert_accessible(page, "saved page with an entry not kept")
