import pytest
from django.core import mail
from django.utils import timezone

from forms_engine.cases.models import Case, CaseStatusChange
from forms_engine.cases.notifications import status_change_enqueue, status_change_notify
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
