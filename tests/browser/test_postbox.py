"""The Rückfrage round trip in Chromium: the clerk asks for a document, the citizen reads
the question on the status page and answers with a file, the clerk sees the answer and the
supplement; axe-core (WCAG 2.1 A/AA) reports nothing on any of the pages on the way."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from forms_engine.cases.models import Case, CaseDocument, CaseMessage
from forms_engine.cases.status import case_status_url
from forms_engine.catalog.models import Activation, Municipality
from tests.clerk.conftest import file_case, sample
from tests.conftest import UPLOAD_FIXTURES

from .conftest import assert_accessible
from .test_clerk import PASSWORD, log_in


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
        applicant_email="erika@example.org",
        routed_at=timezone.now(),
        status=Case.Status.IN_PROGRESS,
    )
    clerk = get_user_model().objects.get(username="steuer")
    clerk.set_password(PASSWORD)
    clerk.save()
    return case


def test_the_query_round_trip_without_accessibility_violations(routed_case, live_server, page):
    case_url = f"{live_server.url}/sachbearbeitung/faelle/{routed_case.pk}/"
    log_in(page, live_server.url)
    page.wait_for_url("**/sachbearbeitung/")
    page.goto(case_url)
    assert_accessible(page, "case page, empty postbox")

    page.get_by_label("Betreff").fill("Nachweis der Sachkunde")
    page.get_by_label("Text der Nachricht").fill(
        "Bitte senden Sie uns den Nachweis der Sachkunde als PDF."
    )
    page.get_by_label("Unterlagen anfordern").check()
    page.locator("#message-submit").click()
    page.wait_for_url(f"**/sachbearbeitung/faelle/{routed_case.pk}/#postfach")
    assert "Rückfrage" in page.locator("#case-status").inner_text()
    assert "Nachweis der Sachkunde als PDF" in page.locator("#thread").inner_text()
    assert_accessible(page, "case page with the question")

    page.goto(live_server.url + case_status_url(routed_case))
    assert "Nachweis der Sachkunde als PDF" in page.locator("#thread").inner_text()
    assert "Rückfrage" in page.locator("#case-status").inner_text()
    assert_accessible(page, "status page with the question")

    page.get_by_label("Ihre Antwort").fill("Anbei der Nachweis.")
    page.get_by_label("Dateien hinzufügen").set_input_files(str(UPLOAD_FIXTURES / "sachkunde.pdf"))
    page.locator("#reply-submit").click()
    page.wait_for_url("**?antwort=gesendet#postfach")
    assert (
        "Ihre Antwort ist bei der Behörde eingegangen" in page.locator("#reply-sent").inner_text()
    )
    assert "In Bearbeitung" in page.locator("#case-status").inner_text()
    assert "sachkunde.pdf" in page.locator("#thread").inner_text()
    assert page.locator("#antwort").count() == 0
    assert_accessible(page, "status page after answering")

    page.goto(case_url)
    assert "Anbei der Nachweis." in page.locator("#thread").inner_text()
    assert page.locator("#thread [data-unread]").count() == 1
    assert page.locator("#supplements a").count() == 1
    assert "In Bearbeitung" in page.locator("#case-status").inner_text()
    assert_accessible(page, "case page with the answer and the supplement")

    reply = CaseMessage.objects.get(case=routed_case, direction="from_citizen")
    assert reply.uploads.get().original_name == "sachkunde.pdf"
    assert CaseDocument.objects.filter(case=routed_case, kind="supplement").count() == 1


def test_the_citizen_answers_without_javascript(routed_case, live_server, nojs_page):
    from forms_engine.cases.postbox import message_send_to_citizen

    clerk = get_user_model().objects.get(username="steuer")
    message_send_to_citizen(
        case=routed_case,
        author=clerk,
        subject="",
        body="Bitte Foto senden.",
        requests_documents=True,
    )
    page = nojs_page
    page.goto(live_server.url + case_status_url(routed_case))
    page.locator("#f-reply-body").fill("Hier das Foto.")
    page.locator("#f-reply-files").set_input_files(str(UPLOAD_FIXTURES / "fahrzeugschein.png"))
    page.locator("#reply-submit").click()
    page.wait_for_url("**?antwort=gesendet*")
    assert page.locator("#reply-sent").is_visible()
    routed_case.refresh_from_db()
    assert routed_case.status == Case.Status.IN_PROGRESS
