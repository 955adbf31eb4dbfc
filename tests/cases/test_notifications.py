import pytest
from django.core import mail
from django.utils import timezone

from forms_engine.cases.models import Case, CaseStatusChange
from forms_engine.cases.notifications import (
    case_receipt_send,
    status_change_enqueue,
    status_change_notify,
)
from forms_engine.cases.status import case_status_url
from tests.cases.test_case_submit import sample, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(published_processes, musterstadt):
    return submit(
        published_processes["hundesteuer-anmeldung"],
        musterstadt,
        sample("hundesteuer-anmeldung", "valid-normaler-hund"),
    )


def change(case, to_status, message=""):
    return CaseStatusChange.objects.create(
        case=case,
        from_status=case.status,
        to_status=to_status,
        message=message,
        changed_at=timezone.now(),
    )


def test_a_status_change_is_mailed_to_the_applicant_once(case):
    first = change(case, Case.Status.IN_PROGRESS, "Wir prüfen Ihre Angaben.")

    assert status_change_notify(change_id=first.pk) is True
    assert status_change_notify(change_id=first.pk) is False

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [case.applicant_email]
    assert case.reference in message.subject and "In Bearbeitung" in message.subject
    assert "Wir prüfen Ihre Angaben." in message.body


def test_the_status_mail_goes_out_after_commit(
    case, django_capture_on_commit_callbacks, eager_celery
):
    first = change(case, Case.Status.IN_PROGRESS)

    with django_capture_on_commit_callbacks(execute=True):
        status_change_enqueue(change_id=first.pk)

    first.refresh_from_db()
    assert first.citizen_notified_at is not None
    assert len(mail.outbox) == 1


def test_the_status_mail_links_the_status_page(case, settings):
    settings.FORMS_SITE_URL = "https://antrag.musterstadt.example"
    first = change(case, Case.Status.QUERY, "Bitte reichen Sie den Impfpass nach.")

    status_change_notify(change_id=first.pk)

    body = mail.outbox[0].body
    assert "https://antrag.musterstadt.example" + case_status_url(case) in body
    assert "Rückfrage" in body
    assert "English" not in body  # German only for a case filed in German


def test_the_status_mail_of_an_english_case_has_the_english_text_below(case):
    Case.objects.filter(pk=case.pk).update(language="en")
    first = change(case, Case.Status.APPROVED)

    status_change_notify(change_id=first.pk)

    message = mail.outbox[0]
    assert "Abgeschlossen: bewilligt" in message.subject
    german, english = message.body.split("\nEnglish\n")
    assert "Guten Tag" in german
    assert "Hello" in english and "has changed" in english


def test_no_status_mail_without_an_address_and_the_change_says_not_notified(case):
    Case.objects.filter(pk=case.pk).update(applicant_email="")
    first = change(case, Case.Status.IN_PROGRESS)

    assert status_change_notify(change_id=first.pk) is False
    assert status_change_notify(change_id=first.pk) is False

    first.refresh_from_db()
    assert first.citizen_notified_at is None
    assert first.citizen_notice == "no_address"
    assert mail.outbox == []


def test_the_receipt_is_sent_once_with_the_case_file(case):
    from forms_engine.cases.casefile import casefile_render

    casefile_render(case_id=case.pk)

    assert case_receipt_send(case_id=case.pk) is True
    assert case_receipt_send(case_id=case.pk) is None

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert case.reference in message.subject
    assert "Eingegangen am" in message.body
    assert message.attachments[0][0].endswith(".pdf")


def test_the_receipt_of_an_english_case_is_german_then_english(case):
    from forms_engine.cases.casefile import casefile_render

    Case.objects.filter(pk=case.pk).update(language="en")
    casefile_render(case_id=case.pk)

    case_receipt_send(case_id=case.pk)

    message = mail.outbox[0]
    assert "Your application has been received" in message.subject
    german, english = message.body.split("\nEnglish\n")
    assert "Ihr Aktenzeichen" in german
    assert "Your reference number" in english and case.reference in english


def test_a_failing_mail_server_leaves_the_receipt_unsent_for_the_retry(case):
    from unittest import mock

    from forms_engine.cases.casefile import casefile_render

    casefile_render(case_id=case.pk)
    with (
        mock.patch(
            "django.core.mail.EmailMessage.send",
            side_effect=ConnectionRefusedError,
        ),
        pytest.raises(ConnectionRefusedError),
    ):
        case_receipt_send(case_id=case.pk)

    assert Case.objects.get(pk=case.pk).citizen_notified_at is None
    assert case_receipt_send(case_id=case.pk) is True
