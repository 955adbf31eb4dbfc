"""A clerk in Chromium: logs in, finds a case, opens it, starts work on it; axe-core
(WCAG 2.1 A/AA) reports nothing on the login, the inbox (with and without results), the
case page and the error states."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from forms_engine.cases.models import Case
from forms_engine.catalog.models import Activation, Municipality
from tests.clerk.conftest import file_case, sample

from .conftest import assert_accessible

PASSWORD = "ein-gutes-testpasswort-42"


@pytest.fixture
def routed_case(library):
    # The dog tax version Musterstadt offers (fixtures/demo.json).
    version = Activation.objects.get(
        process__identifier="hundesteuer-anmeldung", municipality__slug="musterstadt"
    ).version
    case = file_case(
        version,
        Municipality.objects.get(slug="musterstadt"),
        sample("hundesteuer-anmeldung", "valid-normaler-hund"),
        applicant_name="Erika Mustermann",
        routed_at=timezone.now(),
    )
    clerk = get_user_model().objects.get(username="steuer")
    clerk.set_password(PASSWORD)
    clerk.save()
    return case


def log_in(page, base_url, password=PASSWORD):
    page.goto(base_url + "/sachbearbeitung/")
    assert "/sachbearbeitung/anmelden/" in page.url
    page.get_by_label("Benutzername").fill("steuer")
    page.get_by_label("Passwort").fill(password)
    page.locator("#login-submit").click()


def test_clerk_finds_opens_and_starts_a_case_without_accessibility_violations(
    routed_case, live_server, page
):
    page.goto(live_server.url + "/sachbearbeitung/anmelden/")
    assert_accessible(page, "login")

    log_in(page, live_server.url, password="falsch")
    assert page.locator("#error-summary").is_visible()
    assert_accessible(page, "login error")

    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-submit").click()
    page.wait_for_url("**/sachbearbeitung/")
    assert routed_case.reference in page.content()
    assert_accessible(page, "inbox with results")

    page.get_by_label("Aktenzeichen oder Name").fill("niemand-heißt-so")
    page.locator("#filter-submit").click()
    assert "Keine Anträge gefunden" in page.locator("#result-count").inner_text()
    assert_accessible(page, "inbox without results")

    page.locator("#f-received_from").fill("32.13.2026")
    page.locator("#filter-submit").click()
    assert page.locator("#error-summary").is_visible()
    assert_accessible(page, "inbox with a filter error")

    page.goto(live_server.url + "/sachbearbeitung/")
    page.get_by_label("Aktenzeichen oder Name").fill("mustermann")
    page.locator("#filter-submit").click()
    page.get_by_role("link", name=routed_case.reference).click()
    page.wait_for_url(f"**/sachbearbeitung/faelle/{routed_case.pk}/")
    assert page.locator("#case-reference").inner_text() == routed_case.reference
    assert_accessible(page, "case page")

    page.get_by_label("Nachricht an die Antragstellerin oder den Antragsteller").fill(
        "Wir prüfen Ihre Angaben."
    )
    page.locator("#to-in_progress").click()
    page.wait_for_url(f"**/sachbearbeitung/faelle/{routed_case.pk}/")
    assert "In Bearbeitung" in page.locator("#case-status").inner_text()
    assert_accessible(page, "case page after the status change")

    routed_case.refresh_from_db()
    assert routed_case.status == Case.Status.IN_PROGRESS


def test_the_clerk_pages_work_without_javascript(routed_case, live_server, nojs_page):
    page = nojs_page
    log_in(page, live_server.url)
    page.wait_for_url("**/sachbearbeitung/")
    page.get_by_role("link", name=routed_case.reference).click()
    page.locator("#assign-me").click()
    page.wait_for_url(f"**/sachbearbeitung/faelle/{routed_case.pk}/")
    assert "steuer" in page.locator("#case-assignee").inner_text()
    page.locator("#f-note").fill("Unterlagen vollständig.")
    page.locator("#note-submit").click()
    assert "Unterlagen vollständig." in page.locator("#notes").inner_text()
    page.locator("#logout").click()
    page.wait_for_url("**/sachbearbeitung/anmelden/")
