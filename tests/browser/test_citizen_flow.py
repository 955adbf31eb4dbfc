"""Citizens complete every shipped process in Chromium, with zero axe-core violations on
the catalog, the start page, every step, the error state, the summary, the submit page and
the confirmation; and the whole flow works with JavaScript disabled."""

import json
import re

import pytest

from forms_engine.cases.models import Case
from tests.conftest import ANSWER_FIXTURES

from .conftest import assert_accessible
from .driver import BrowserFlow, start_application

# One sample per process that covers its hardest parts: an upload in a conditional step and
# a field revealed by an answer on the same page (Hundesteuer), a repeatable group of three
# vehicles with an upload inside an entry (Parkausweis), conditional register fields and a
# permit upload (Gewerbe).
SAMPLES = [
    ("hundesteuer-anmeldung", "valid-listenhund-mit-lastschrift"),
    ("anwohnerparkausweis", "valid-drei-fahrzeuge-24-monate"),
    ("gewerbeanmeldung", "valid-gmbh-handwerk-uebernahme"),
]


def load(process_id, name):
    return json.loads((ANSWER_FIXTURES / process_id / f"{name}.json").read_text("utf-8"))


def stored_uploads(case):
    return sorted(u.original_name for u in case.uploads.all())


def expected_uploads(value) -> list[str]:
    if isinstance(value, str) and value.startswith("@file:"):
        return [value[len("@file:") :]]
    if isinstance(value, dict):
        return [n for v in value.values() for n in expected_uploads(v)]
    if isinstance(value, list):
        return [n for v in value for n in expected_uploads(v)]
    return []


@pytest.mark.parametrize(("process_id", "sample_name"), SAMPLES)
def test_citizen_completes_the_process_in_chromium_without_accessibility_violations(
    library, live_server, page, process_id, sample_name
):
    sample = load(process_id, sample_name)
    checked: list[str] = []

    def on_page(label):
        assert_accessible(page, f"{process_id}: {label}")
        checked.append(label)

    reference = BrowserFlow(page, live_server.url, process_id, on_page).run(sample)

    assert re.fullmatch(r"[A-Z]{2,5}-\d{4}-\d{6}", reference)
    case = Case.objects.get(reference=reference)
    assert case.process_version.process.identifier == process_id
    assert stored_uploads(case) == sorted(expected_uploads(sample["answers"]))
    assert {"catalog", "start", "summary", "submit", "confirmation"} <= set(checked)
    assert sum(label.startswith("step ") for label in checked) >= 3


def test_error_state_has_no_accessibility_violations_and_links_to_the_fields(
    library, live_server, page
):
    flow = BrowserFlow(page, live_server.url, "hundesteuer-anmeldung", lambda label: None)
    flow.open_catalog_and_start()
    page.fill("#f-geburtsdatum", "30.02.2023")
    page.click("#btn-next")

    summary = page.locator("#error-summary")
    assert summary.count() == 1
    assert page.title().startswith("Fehler:")
    assert_accessible(page, "error state")
    # The first link of the summary leads to a field that exists on the page.
    target = summary.locator("a").first.get_attribute("href")
    assert target.startswith("#") and page.locator(target).count() == 1
    assert page.locator("#f-geburtsdatum").get_attribute("aria-invalid") == "true"


def test_english_pages_have_no_accessibility_violations(library, live_server, page):
    page.goto(live_server.url + "/")
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page, "catalog (en)")
    page.click('a[href="/leistungen/hundesteuer-anmeldung/"]')
    start_application(page)
    assert_accessible(page, "first step (en)")


@pytest.mark.parametrize(("process_id", "sample_name"), SAMPLES)
def test_the_whole_flow_works_with_javascript_disabled(
    library, live_server, nojs_page, process_id, sample_name
):
    sample = load(process_id, sample_name)

    reference = BrowserFlow(nojs_page, live_server.url, process_id, lambda _: None).run(sample)

    case = Case.objects.get(reference=reference)
    assert case.process_version.process.identifier == process_id
    assert stored_uploads(case) == sorted(expected_uploads(sample["answers"]))
    if process_id == "anwohnerparkausweis":
        assert len(case.answers["fahrzeuge"]["fahrzeuge"]) == 3


def test_a_repeatable_entry_can_be_removed_without_javascript(library, live_server, nojs_page):
    flow = BrowserFlow(nojs_page, live_server.url, "anwohnerparkausweis", lambda _: None)
    sample = load("anwohnerparkausweis", "valid-drei-fahrzeuge-24-monate")
    flow.open_catalog_and_start()
    flow.fill_step(sample["answers"]["antragsteller"])
    flow.fill_step(sample["answers"]["wohnsitz"])
    nojs_page.click("#btn-add-fahrzeuge")
    nojs_page.fill("#f-fahrzeuge-0-kennzeichen", "MS-AB 1")
    nojs_page.fill("#f-fahrzeuge-1-kennzeichen", "MS-CD 2")
    nojs_page.click("#btn-remove-fahrzeuge-0")

    assert nojs_page.input_value('input[name="fahrzeuge._count"]') == "1"
    assert nojs_page.input_value("#f-fahrzeuge-0-kennzeichen") == "MS-CD 2"
