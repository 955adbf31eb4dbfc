"""Nobody pays for a refusal, and a payment that completed is honoured.

Submit eligibility (`citizen.selectors.submit_eligibility`) is checked before any payment
starts; a paid draft gets its case even after its version's grace period; a payment that
truly cannot become a case is listed for staff with its refund status.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from forms_engine.cases.exceptions import SubmissionRefused
from forms_engine.cases.models import Case
from forms_engine.cases.models import PaymentStatus as CasePaymentStatus
from forms_engine.cases.services import draft_submit
from forms_engine.catalog.models import Activation
from forms_engine.catalog.services import process_version_retire
from forms_engine.citizen.selectors import submit_eligibility
from forms_engine.core.models import AuditEntry
from forms_engine.payments import services
from forms_engine.payments.base import PaymentError
from forms_engine.payments.models import PaymentStatus, PaymentTransaction, RefundStatus
from forms_engine.payments.selectors import payment_orphans

from .conftest import pay_on_standin

RETURN = "http://testserver/zahlung/return/"
DECLARATIONS = ["wahrheit", "datenschutz"]


def _retire_past_grace(version):
    """Retired three days ago with a one-day grace period: the grace is over."""
    return process_version_retire(
        version=version, grace_days=1, now=timezone.now() - dt.timedelta(days=3)
    )


def _pay(demo, client, draft):
    """The citizen pays on the pay pages (HTTP) and comes back."""
    pay_url = client.post(f"/zahlung/{draft.pk}/")["Location"]
    back = pay_on_standin(demo, pay_url, "pay")
    client.get(urlsplit(back).path + "?" + urlsplit(back).query)
    return PaymentTransaction.objects.get(draft=draft, status=PaymentStatus.PAYED)


def test_a_draft_past_its_versions_grace_period_is_not_sent_to_pay(
    demo, client, session_draft, dog_version
):
    _retire_past_grace(dog_version)

    overview = client.get(f"/zahlung/{session_draft.pk}/")
    page = overview.content.decode()
    assert overview.status_code == 409
    assert "zurückgezogen" in page
    assert 'id="btn-pay"' not in page
    assert 'id="link-restart"' in page

    pressed = client.post(f"/zahlung/{session_draft.pk}/")
    assert pressed.status_code == 409
    assert "xbezahldienste-stub" not in pressed.get("Location", "")
    assert not PaymentTransaction.objects.exists()
    assert demo.requests("POST") == []

    # The submit page says so too, instead of sending the citizen to the pay page.
    submit = client.get(f"/antrag/{session_draft.pk}/absenden/")
    assert submit.status_code == 409
    assert "zurückgezogen" in submit.content.decode()
    assert 'id="btn-submit"' not in submit.content.decode()


def test_the_pay_page_refusal_is_in_english_too(demo, client, session_draft, dog_version):
    _retire_past_grace(dog_version)
    client.cookies["django_language"] = "en"
    response = client.get(f"/zahlung/{session_draft.pk}/")
    assert response.status_code == 409
    assert "This version of the application has been retired" in response.content.decode()


def test_payment_start_refuses_before_calling_the_provider(demo, draft, dog_version):
    _retire_past_grace(dog_version)
    with pytest.raises(PaymentError) as info:
        services.payment_start(draft=draft, return_url=RETURN)
    assert info.value.problem_type == services.SUBMISSION_REFUSED
    assert "zurückgezogen" in info.value.message
    assert not PaymentTransaction.objects.exists()
    assert demo.requests("POST") == []


def test_payment_start_refuses_when_the_process_is_no_longer_offered(demo, draft):
    Activation.objects.filter(process=draft.process_version.process).update(is_active=False)
    with pytest.raises(PaymentError) as info:
        services.payment_start(draft=draft, return_url=RETURN)
    assert info.value.problem_type == services.SUBMISSION_REFUSED
    assert not PaymentTransaction.objects.exists()


def test_within_the_grace_period_the_draft_is_paid_and_submitted(
    demo, client, session_draft, dog_version
):
    process_version_retire(version=dog_version)  # default grace: 14 days
    overview = client.get(f"/zahlung/{session_draft.pk}/").content.decode()
    assert 'id="version-notice"' in overview
    assert "bis zum" in overview
    _pay(demo, client, session_draft)
    response = client.post(f"/antrag/{session_draft.pk}/absenden/", {"declaration": DECLARATIONS})
    assert response.status_code == 302, response.content.decode()
    case = Case.objects.get()
    assert case.process_version == dog_version
    assert case.payment_status == CasePaymentStatus.PAYED


def test_a_payment_completed_in_time_is_honoured_after_the_grace_period(
    demo, client, session_draft, dog_version
):
    tx = _pay(demo, client, session_draft)
    _retire_past_grace(dog_version)
    eligibility = submit_eligibility(
        process_version=session_draft.process_version,
        municipality=session_draft.municipality,
        draft=session_draft,
    )
    assert eligibility.allowed
    case = draft_submit(draft=session_draft, declarations=DECLARATIONS)
    assert case.payment_status == CasePaymentStatus.PAYED
    tx.refresh_from_db()
    assert tx.case == case
    assert list(payment_orphans()) == []


def test_an_unpaid_draft_after_the_grace_period_is_refused_by_case_submit(draft, dog_version):
    _retire_past_grace(dog_version)
    with pytest.raises(SubmissionRefused) as info:
        draft_submit(draft=draft, declarations=DECLARATIONS)
    assert info.value.code == "version_retired"
    assert not Case.objects.exists()


def test_a_paid_draft_that_cannot_become_a_case_is_listed_for_staff(
    demo, client, session_draft, admin_user
):
    tx = _pay(demo, client, session_draft)
    Activation.objects.filter(process=session_draft.process_version.process).update(is_active=False)
    with pytest.raises(SubmissionRefused) as info:
        draft_submit(draft=session_draft, declarations=DECLARATIONS)
    assert info.value.code == "not_offered"

    assert list(payment_orphans()) == [tx]
    staff = client.__class__()
    staff.force_login(admin_user)
    listing = staff.get("/admin/payments/paymenttransaction/?abgleich=ohne-antrag")
    page = listing.content.decode()
    assert listing.status_code == 200
    assert tx.request_id in page
    assert "keine Erstattung" in page
    assert "nicht online angeboten" in page  # why the citizen cannot submit any more

    staff.post(
        "/admin/payments/paymenttransaction/",
        {"action": "refund_pending", "_selected_action": [tx.pk]},
    )
    tx.refresh_from_db()
    assert tx.refund_status == RefundStatus.PENDING
    staff.post(
        "/admin/payments/paymenttransaction/",
        {"action": "refund_done", "_selected_action": [tx.pk]},
    )
    tx.refresh_from_db()
    assert tx.refund_status == RefundStatus.REFUNDED
    assert tx.refund_updated_at is not None
    assert list(payment_orphans(open_only=True)) == []
    entries = AuditEntry.objects.filter(action="payment.refund_marked").order_by("pk")
    assert [e.data["to"] for e in entries] == ["pending", "refunded"]
    assert entries[0].actor == admin_user


def test_a_payment_that_became_a_case_cannot_be_marked_refunded(
    demo, client, session_draft, admin_user
):
    tx = _pay(demo, client, session_draft)
    draft_submit(draft=session_draft, declarations=DECLARATIONS)
    tx.refresh_from_db()
    with pytest.raises(PaymentError):
        services.payment_refund_mark(
            transaction=tx, refund_status=RefundStatus.REFUNDED, by=admin_user
        )
    tx.refresh_from_db()
    assert tx.refund_status == RefundStatus.NONE
