"""Issue 9's acceptance, end to end in Chromium, as a new designer would, no JSON typed:

create a two-step process with a condition, a cross-field date rule ("Ende nach Beginn"), a
computed fee (Fläche × Tage × Satz, the rate a municipality parameter) and an upload; preview
it at phone width (the rule refuses an end before the start); add a test from the preview;
publish with a second person's approval (four-eyes); a citizen files it and the clerk sees
the case. axe-core reports nothing on the pages on the way.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from forms_engine.cases.models import Case
from forms_engine.cases.pipeline import pipeline_run
from forms_engine.catalog.models import (
    Activation,
    Authority,
    Municipality,
    ProcessVersion,
    PublishApproval,
    Publisher,
)
from forms_engine.definitions import check_definition, compile_definition
from tests.citizen.flow import Flow, post_data
from tests.conftest import UPLOAD_FIXTURES

from .conftest import assert_accessible

PASSWORD = "studio-acceptance-1"
RULE_MESSAGE = "Das Ende muss nach dem Beginn liegen."


@pytest.fixture
def people(library, settings):
    settings.FORMS_STAFF_2FA_REQUIRED = False
    publisher = Publisher.objects.create(name="Stadt Teststadt", slug="teststadt", four_eyes=True)
    users = {}
    for name in ("designerin", "pruefer"):
        users[name] = get_user_model().objects.create_user(name, password=PASSWORD, is_staff=True)
    publisher.designers.add(users["designerin"])
    publisher.reviewers.add(users["pruefer"])
    return publisher


def sign_in(page, base, username):
    page.goto(base + "/studio/")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.locator("#login-submit").click()
    page.wait_for_url("**/studio/")


def submit(page, selector):
    with page.expect_navigation():
        page.locator(selector).click()


def add_field(page, step_url, kind, title, *, required=True):
    page.goto(step_url)
    page.select_option("#id_new-type", kind)
    page.fill("#id_new-title", title)
    if required and page.locator("#id_new-required").count():
        page.check("#id_new-required")
    submit(page, "#field-add")
    assert page.locator("#field-type").count() == 1, f"adding {title} failed"


def fill_step(frame, definition, step_id, answers):
    """Fill a citizen step (in the preview frame) the way a person would."""
    for key, value in post_data(definition.step(step_id).fields(), answers, []).items():
        control = frame.locator(f'[name="{key}"]')
        kind = control.first.get_attribute("type")
        if kind == "radio":
            frame.locator(f'[name="{key}"][value="{value}"]').check()
        elif kind == "checkbox":
            control.first.check() if value in ("true", "on", True) else control.first.uncheck()
        elif kind == "file":
            control.set_input_files(str(UPLOAD_FIXTURES / value.name))
        elif control.first.evaluate("el => el.tagName") == "SELECT":
            control.select_option(str(value))
        else:
            control.fill(str(value))


def definition_of(version):
    return ProcessVersion.objects.get(pk=version.pk).definition


def test_a_new_designer_builds_previews_tests_and_publishes_and_a_citizen_files_it(
    people, live_server, chromium_browser
):
    base = live_server.url
    designer_context = chromium_browser.new_context(
        bypass_csp=True, locale="de-DE", viewport={"width": 1280, "height": 900}
    )
    page = designer_context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, base, "designerin")

    # A new process, without JSON.
    submit(page, "#process-new")
    assert_accessible(page, "new process")
    page.select_option("#id_publisher", label="Stadt Teststadt")
    page.fill("#id_title_de", "Sperrung einer Straße")
    page.fill("#id_title_en", "Closing a street")
    page.fill("#id_identifier", "strassensperrung")
    page.fill("#id_reference_prefix", "SSP")
    submit(page, "#process-create")
    version = ProcessVersion.objects.get(process__identifier="strassensperrung")
    studio = f"{base}/studio/versionen/{version.pk}"
    assert_accessible(page, "version overview")

    # Step 1: the applicant's details, dates, area and days; step 2: an upload, only for
    # commercial use.
    step_1 = f"{studio}/bearbeiten/schritte/0/"
    add_field(page, step_1, "text", "Name")
    add_field(page, step_1, "date", "Beginn")
    add_field(page, step_1, "date", "Ende")
    add_field(page, step_1, "number", "Fläche")
    add_field(page, step_1, "integer", "Tage")
    add_field(page, step_1, "boolean", "Gewerbliche Nutzung", required=False)
    page.goto(f"{studio}/bearbeiten/")
    page.fill("#id_title", "Nachweise")
    page.fill("#id_title_en", "Evidence")
    submit(page, "#step-add")
    add_field(page, f"{studio}/bearbeiten/schritte/1/", "upload", "Genehmigung")
    page.goto(f"{studio}/bearbeiten/schritte/1/")
    page.select_option("#cond-1-field", "angaben/gewerbliche_nutzung")
    page.select_option("#cond-1-op", "checked")
    submit(page, "#condition-save")
    assert "Gewerbliche Nutzung" in page.locator("#condition-text").inner_text()
    assert_accessible(page, "step with a condition")

    # The rate per m² and day is the municipality's: a money parameter with a default.
    page.goto(f"{studio}/parameter/")
    page.fill("#id_p-name", "satz")
    page.fill("#id_p-label_de", "Gebührensatz je Quadratmeter und Tag")
    page.fill("#id_p-default", "0,50")
    submit(page, "#param-save")
    assert definition_of(version)["parameters"]["satz"]["default"] == "0.50"

    # Rules from forms: "Ende nach Beginn" and the fee = Fläche × Tage × Satz.
    page.goto(f"{studio}/regeln/?neu=compare_fields#rule-form")
    page.fill("#id_r-id", "ende-nach-beginn")
    page.select_option("#id_r-left", "/angaben/ende")
    page.select_option("#id_r-op", ">")
    page.select_option("#id_r-right", "/angaben/beginn")
    page.fill("#id_r-message_de", RULE_MESSAGE)
    page.fill("#id_r-message_en", "The end must be after the start.")
    submit(page, "#rule-save")
    page.goto(f"{studio}/regeln/?neu=computed_product#rule-form")
    page.fill("#id_r-name", "gebuehr")
    page.select_option("#id_r-factors_0", "/angaben/flaeche")
    page.select_option("#id_r-factors_1", "/angaben/tage")
    page.select_option("#id_r-factors_2", "param:satz")
    page.select_option("#id_r-type", "money")
    page.fill("#id_r-label_de", "Sondernutzungsgebühr")
    submit(page, "#rule-save")
    assert_accessible(page, "rules")
    page.goto(f"{studio}/bearbeiten/gebuehren/neu/")
    page.fill("#id_fee_id", "sondernutzung")
    page.fill("#id_label", "Gebühr für die Sondernutzung")
    page.select_option("#id_amount_source", "computed:gebuehr")
    submit(page, "#fee-save")
    page.goto(f"{studio}/bearbeiten/gebuehren/")
    page.select_option("#id_policy", "deferred")
    submit(page, "#policy-save")
    assert_accessible(page, "fees")

    doc = definition_of(version)
    assert check_definition(doc) == []
    assert doc["rules"][0]["check"] == "answers.angaben.ende > answers.angaben.beginn"
    assert doc["payment"]["fees"][0]["amount"] == {"$computed": "gebuehr"}
    assert doc["steps"][1]["when"]["properties"]["angaben"]["required"] == ["gewerbliche_nutzung"]
    definition = compile_definition(doc)

    # Preview at phone width: the rule refuses an end before the start; then through to the
    # summary with the computed fee; the run becomes a designer test.
    page.goto(f"{studio}/vorschau/")
    assert_accessible(page, "preview launcher")
    submit(page, "#preview-start")
    submit(page, "#width-telefon")
    frame = page.frame(name="preview-frame")
    frame.wait_for_selector("#preview-banner")
    assert frame.evaluate("window.innerWidth") == 375
    assert_accessible(page, "preview at phone width")
    answers = {
        "name": "Erika Mustermann",
        "beginn": "2027-05-03",
        "ende": "2027-05-01",
        "flaeche": 20,
        "tage": 3,
        "gewerbliche_nutzung": True,
    }
    fill_step(frame, definition, "angaben", answers)
    frame.locator("#btn-next").click()
    frame.wait_for_selector("#error-summary")
    assert RULE_MESSAGE in frame.locator("#error-summary").inner_text()
    assert_accessible(frame, "preview step with the rule's error")
    frame.locator('[name="ende"]').fill("05.05.2027")
    frame.locator("#btn-next").click()
    frame.wait_for_url("**/schritte/nachweise/")
    fill_step(frame, definition, "nachweise", {"genehmigung": "@file:erlaubnis.pdf"})
    frame.locator("#btn-next").click()
    frame.wait_for_url("**/zusammenfassung/")
    assert "30,00" in frame.locator("#fee-total").inner_text()  # 20 m² × 3 Tage × 0,50 €
    assert_accessible(frame, "preview summary")
    page.fill("#test-name", "Gewerbliche Sperrung, drei Tage")
    submit(page, "#record-test")
    tests = definition_of(version)["tests"]
    assert [t["name"] for t in tests] == ["Gewerbliche Sperrung, drei Tage"]
    assert tests[0]["expect"]["fee_total"] == "30.00"
    assert all(result.passed for result in compile_definition(definition_of(version)).run_tests())

    # Publish with a second person's approval.
    page.goto(f"{studio}/veroeffentlichen/")
    assert_accessible(page, "publish page")
    page.fill("#id_comment", "Neuer Antrag Straßensperrung, bitte prüfen")
    submit(page, "#approval-request")
    page.locator("#approval-status").wait_for()
    reviewer_context = chromium_browser.new_context(
        bypass_csp=True, locale="de-DE", viewport={"width": 1280, "height": 900}
    )
    reviewer = reviewer_context.new_page()
    reviewer.set_default_timeout(15_000)
    sign_in(reviewer, base, "pruefer")
    approval = PublishApproval.objects.get(version=version)
    reviewer.goto(f"{base}/studio/freigaben/{approval.pk}/")
    assert_accessible(reviewer, "approval page")
    submit(reviewer, "#approve")
    reviewer.locator('#approval-state[data-status="approved"]').wait_for()
    reviewer_context.close()
    page.goto(f"{studio}/veroeffentlichen/")
    submit(page, "#publish-now")
    page.locator("#published-info").wait_for()
    published = ProcessVersion.objects.get(pk=version.pk)
    assert published.status == "published"
    page.goto(f"{base}/studio/prozesse/{published.process_id}/")
    assert "process.published" in page.locator("#process-audit").inner_text()
    assert_accessible(page, "process page with versions and audit trail")
    page.goto(f"{base}/studio/")
    assert_accessible(page, "process list")
    designer_context.close()

    # A municipality offers it; a citizen files it; the clerk sees the case.
    musterstadt = Municipality.objects.get(slug="musterstadt")
    authority = Authority.objects.get(municipality=musterstadt, slug="steueramt")
    Activation.objects.create(
        process=published.process, municipality=musterstadt, authority=authority
    )
    sample = {
        "answers": {
            "angaben": {**answers, "ende": "2027-05-05"},
            "nachweise": {"genehmigung": "@file:erlaubnis.pdf"},
        }
    }
    result = Flow(Client(), "strassensperrung").run(sample)
    assert result.pointers == [] and result.case_reference.startswith("SSP-")
    # The pipeline (case file, routing into the inbox) runs here, whether or not a Celery
    # worker is listening (CI's PostgreSQL stage queues to a real broker).
    case = Case.objects.get(reference=result.case_reference)
    pipeline_run(case_id=case.pk)
    clerk = Client()
    clerk.force_login(authority.clerks.first())
    inbox = clerk.get("/sachbearbeitung/").content.decode()
    assert result.case_reference in inbox
