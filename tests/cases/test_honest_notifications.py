"""The engine never claims what did not happen.

A process without an applicant e-mail (a designer may publish one; `process_check` only
warns): the confirmation page promises no e-mail, the case is never recorded as "citizen
notified", the audit log says `citizen.not_notified`, and the clerk sees that the citizen
must be reached another way. Fees invoiced later ("Rechnung folgt", policy deferred) are
explained on the summary, the confirmation page and in the receipt e-mail.

Personas: the anonymous citizen (`client`) files through the citizen pages; `clerk_steuer`
(Steueramt Musterstadt) sees the dog tax cases.
"""

from __future__ import annotations

import copy

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from forms_engine.cases.models import Case, CaseMessage, CaseStatusChange
from forms_engine.core.models import AuditEntry
from tests.citizen.flow import Flow
from tests.conftest import ANSWER_FIXTURES, load_sample

DOG = "hundesteuer-anmeldung"
SILENT = "hundesteuer-ohne-mail"
HUND = load_sample(ANSWER_FIXTURES / DOG / "valid-normaler-hund.json")


@pytest.fixture
def silent_process(published_processes, musterstadt):
    """The dog tax without an `applicant` e-mail pointer, published and offered."""
    from forms_engine.catalog.models import Activation, Authority
    from forms_engine.catalog.services import (
        process_version_create_draft,
        process_version_publish,
    )

    doc = copy.deepcopy(published_processes[DOG].definition)
    doc["id"] = SILENT
    doc["applicant"] = {"name": ["/halter/vorname", "/halter/familienname"]}
    doc["identity"] = {"level": "none"}
    version = process_version_publish(version=process_version_create_draft(doc=doc))
    Activation.objects.create(
        process=version.process,
        municipality=musterstadt,
        authority=Authority.objects.get(municipality=musterstadt, slug="steueramt"),
    )
    return version


def test_publishing_a_process_that_cannot_reach_the_citizen_warns_but_publishes(silent_process):
    from forms_engine.catalog.models import ProcessVersion
    from forms_engine.definitions import definition_warnings

    assert silent_process.status == ProcessVersion.Status.PUBLISHED
    warnings = definition_warnings(silent_process.definition)
    assert [w.pointer for w in warnings] == ["/applicant"]
    assert getattr(silent_process, "publish_warnings", None) == warnings


def actions(case) -> list[str]:
    return list(AuditEntry.objects.filter(case_id=case.pk).values_list("action", flat=True))


def file_through_the_pages(client, process_id) -> tuple[Case, str]:
    """Submit through the citizen pages, then run the pipeline (on commit in life)."""
    from forms_engine.cases.pipeline import pipeline_run

    result = Flow(client, process_id).run(HUND)
    assert result.case_reference, result.pointers
    case = Case.objects.get(reference=result.case_reference)
    pipeline_run(case_id=case.pk)
    case.refresh_from_db()
    return case, result.confirmation.content.decode()


def clerk_acts(case, clerk, django_capture_on_commit_callbacks):
    """A status change and a message, with their e-mails sent as after the commit."""
    from forms_engine.cases.postbox import message_send_to_citizen
    from forms_engine.cases.workflow import case_transition

    with django_capture_on_commit_callbacks(execute=True):
        change = case_transition(case=case, to_status=Case.Status.IN_PROGRESS, by=clerk)
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send_to_citizen(
            case=Case.objects.get(pk=case.pk), author=clerk, subject="Frage", body="Welche?"
        )
    return CaseStatusChange.objects.get(pk=change.pk), CaseMessage.objects.get(pk=message.pk)


def test_without_an_address_the_confirmation_promises_no_email(client, silent_process):
    case, page = file_through_the_pages(client, SILENT)

    assert case.applicant_email == ""
    assert "Wir senden ihn Ihnen auch per E-Mail" not in page
    assert 'id="no-email"' in page
    assert "keine E-Mail" in page


def test_with_an_address_the_confirmation_still_promises_the_email(client, published_processes):
    _case, page = file_through_the_pages(client, DOG)

    assert 'id="email-promise"' in page
    assert 'id="no-email"' not in page


def test_without_an_address_the_case_is_recorded_as_not_notified(client, silent_process):
    case, _page = file_through_the_pages(client, SILENT)
    case.refresh_from_db()

    assert case.pipeline_state == "done"
    assert case.citizen_notified_at is None
    assert case.citizen_notice == "no_address"
    assert "pipeline.citizen_notified" not in actions(case)
    entry = AuditEntry.objects.get(case_id=case.pk, action="citizen.not_notified")
    assert entry.data == {"what": "receipt", "reason": "no address"}
    assert mail.outbox == []


def test_status_changes_and_messages_without_an_address_are_not_recorded_as_sent(
    client, silent_process, clerk_steuer, eager_celery, django_capture_on_commit_callbacks
):
    case, _page = file_through_the_pages(client, SILENT)
    change, message = clerk_acts(case, clerk_steuer, django_capture_on_commit_callbacks)

    assert (change.citizen_notice, change.citizen_notified_at) == ("no_address", None)
    assert (message.citizen_notice, message.citizen_notified_at) == ("no_address", None)
    query = CaseStatusChange.objects.filter(case=case, to_status=Case.Status.QUERY).get()
    assert query.citizen_notified_at is None
    whats = [
        e.data["what"]
        for e in AuditEntry.objects.filter(case_id=case.pk, action="citizen.not_notified")
    ]
    assert sorted(whats) == ["message", "receipt", "status_change"]
    assert mail.outbox == []


def test_sent_emails_are_recorded_as_sent(
    client, published_processes, clerk_steuer, eager_celery, django_capture_on_commit_callbacks
):
    case, _page = file_through_the_pages(client, DOG)
    change, message = clerk_acts(case, clerk_steuer, django_capture_on_commit_callbacks)

    case.refresh_from_db()
    assert case.citizen_notice == "sent" and case.citizen_notified_at is not None
    assert change.citizen_notice == "sent" and change.citizen_notified_at is not None
    assert message.citizen_notice == "sent" and message.citizen_notified_at is not None
    assert len(mail.outbox) == 3


def test_the_clerk_sees_that_the_citizen_was_not_notified(
    client, silent_process, clerk_steuer, eager_celery, django_capture_on_commit_callbacks
):
    case, _page = file_through_the_pages(client, SILENT)
    clerk_acts(case, clerk_steuer, django_capture_on_commit_callbacks)
    clerk = Client()
    clerk.force_login(clerk_steuer)

    page = clerk.get(reverse("clerk:case", args=[case.pk])).content.decode()

    assert 'id="not-notified"' in page
    assert 'id="citizen-notice" data-notice="no_address"' in page
    assert "auf anderem Weg" in page
    # The status history and the audit trail say it for each e-mail that could not go out.
    assert '<td class="kern-table__cell" data-notice="no_address">' in page
    assert page.count("Nicht per E-Mail benachrichtigt (keine Adresse)") == 3
    assert "E-Mail gesendet" not in page


def test_the_clerk_sees_a_sent_receipt(client, published_processes, clerk_steuer):
    case, _page = file_through_the_pages(client, DOG)
    clerk = Client()
    clerk.force_login(clerk_steuer)

    page = clerk.get(reverse("clerk:case", args=[case.pk])).content.decode()

    assert 'id="not-notified"' not in page
    assert 'data-notice="sent"' in page


def test_a_deferred_tax_is_explained_on_summary_confirmation_and_receipt(
    client, published_processes
):
    flow = Flow(client, DOG)
    result = flow.run(HUND, submit=False)
    summary = client.get(reverse("citizen:summary", args=[result.draft.pk])).content.decode()
    assert 'id="invoice-notice"' in summary
    assert "96,00\xa0€" in summary or "96,00 €" in summary
    assert "Steueramt" in summary and "Rechnung oder einen Bescheid" in summary

    response = client.post(
        reverse("citizen:submit", args=[result.draft.pk]), {"declaration": HUND["declarations"]}
    )
    assert response.status_code == 302
    from forms_engine.cases.pipeline import pipeline_run

    result.draft.refresh_from_db()
    pipeline_run(case_id=result.draft.submitted_case_id)
    confirmation = client.get(response["Location"]).content.decode()
    assert 'id="invoice-notice"' in confirmation
    assert "Noch zu zahlen" in confirmation and "Steueramt" in confirmation

    (receipt,) = mail.outbox
    assert "Noch zu zahlen: 96,00" in receipt.body
    assert "Steueramt" in receipt.body
