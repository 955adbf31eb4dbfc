"""Each payment policy (none, optional, required, deferred) through the public API, and
what `payment_record_on_case` copies onto the case."""

from __future__ import annotations

from decimal import Decimal

import pytest

from forms_engine.cases.models import PaymentStatus as CaseStatus
from forms_engine.payments import services
from forms_engine.payments.models import PaymentStatus, PaymentTransaction

from .conftest import make_draft, pay_on_standin

RETURN = "http://testserver/zahlung/return/"


def _submit(draft):
    from forms_engine.cases.services import draft_submit

    case = draft_submit(draft=draft, declarations=["wahrheit", "datenschutz"])
    services.payment_record_on_case(draft=draft, case=case)
    case.refresh_from_db()
    return case


def _pay(demo, draft, action="pay"):
    pay_url = services.payment_start(draft=draft, return_url=RETURN)
    tx = PaymentTransaction.objects.get(draft=draft, status=PaymentStatus.INITIAL)
    pay_on_standin(demo, pay_url, action)
    return services.payment_return(draft=draft, transaction_id=tx.pk)


@pytest.mark.parametrize("policy", ["none", "optional", "deferred"])
def test_only_required_gates(demo, policy_version, musterstadt, policy):
    draft = make_draft(policy_version(policy), musterstadt)
    assert services.payment_gate(draft=draft) is None


def test_policy_none_owes_nothing_and_records_not_required(demo, policy_version, musterstadt):
    draft = make_draft(policy_version("none"), musterstadt)
    assert services.payment_required_amount(draft=draft) is None
    case = _submit(draft)
    assert case.payment_status == CaseStatus.NOT_REQUIRED
    assert case.payment_amount is None


def test_policy_deferred_records_an_invoice(demo, policy_version, musterstadt):
    draft = make_draft(policy_version("deferred"), musterstadt)
    assert services.payment_required_amount(draft=draft) == Decimal("96.00")
    case = _submit(draft)
    assert (case.payment_status, case.payment_amount) == (CaseStatus.INVOICE, Decimal("96.00"))


def test_policy_optional_unpaid_records_not_required(demo, policy_version, musterstadt):
    draft = make_draft(policy_version("optional"), musterstadt)
    case = _submit(draft)
    assert case.payment_status == CaseStatus.NOT_REQUIRED
    assert case.payment_amount is None


def test_policy_optional_records_the_attempt_and_reconciliation_updates_the_case(
    demo, policy_version, musterstadt
):
    draft = make_draft(policy_version("optional"), musterstadt)
    pay_url = services.payment_start(draft=draft, return_url=RETURN)
    tx = PaymentTransaction.objects.get(draft=draft)
    case = _submit(draft)  # submitted while the pay page was still open
    assert (case.payment_status, case.payment_transaction_id) == ("INITIAL", tx.transaction_id)
    pay_on_standin(demo, pay_url, "pay")  # paid, tab closed
    assert services.payment_reconcile() == 1
    case.refresh_from_db()
    assert case.payment_status == CaseStatus.PAYED
    assert case.payment_reference.startswith("KZ-")
    assert case.payment_method == "CREDITCARD"
    assert PaymentTransaction.objects.get(pk=tx.pk).case_id == case.pk


def test_policy_optional_cancelled_attempt_is_recorded(demo, policy_version, musterstadt):
    draft = make_draft(policy_version("optional"), musterstadt)
    _pay(demo, draft, "cancel")
    assert _submit(draft).payment_status == CaseStatus.CANCELED


def test_policy_required_paid_is_copied_to_the_case(demo, draft):
    paid = _pay(demo, draft)
    case = _submit(draft)
    assert case.payment_status == CaseStatus.PAYED
    assert case.payment_amount == Decimal("96.00")
    assert case.payment_reference == paid.reference
    assert case.payment_method == "CREDITCARD"
    assert case.payment_transaction_id == paid.transaction_id
    paid.refresh_from_db()
    assert paid.case_id == case.pk
    # Recording twice gives the same.
    services.payment_record_on_case(draft=draft, case=case)
    case.refresh_from_db()
    assert case.payment_status == CaseStatus.PAYED


def test_policy_required_without_online_payment_records_an_invoice(draft):
    case = _submit(draft)
    assert (case.payment_status, case.payment_amount) == (CaseStatus.INVOICE, Decimal("96.00"))


def test_a_late_failure_never_unpays_a_paid_case(demo, draft):
    from forms_engine.cases.models import Case

    paid = _pay(demo, draft)
    case = _submit(draft)
    failed = PaymentTransaction.objects.create(
        draft=draft,
        case=case,
        provider="demo",
        request_id="ozg-late",
        transaction_id=paid.transaction_id,
        amount=Decimal("96.00"),
        status=PaymentStatus.FAILED,
    )
    services._case_apply(failed)
    assert Case.objects.get(pk=case.pk).payment_status == CaseStatus.PAYED
