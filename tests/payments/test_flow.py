"""Every payment outcome through the public services, against the demo stand-in."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from forms_engine.payments import services
from forms_engine.payments.models import PaymentStatus, PaymentTransaction

from .conftest import make_draft, pay_on_standin, sample_answers

RETURN = "http://testserver/zahlung/return/"


def _started(draft):
    pay_url = services.payment_start(draft=draft, return_url=RETURN)
    tx = PaymentTransaction.objects.get(draft=draft, status=PaymentStatus.INITIAL)
    return pay_url, tx


def _return_id(location: str) -> str:
    return parse_qs(urlsplit(location).query)["zahlung"][0]


def test_amount_is_the_fee_total_of_the_answers(demo, draft, dog_version, musterstadt):
    assert services.payment_required_amount(draft=draft) == Decimal("96.00")
    listenhund = make_draft(
        dog_version, musterstadt, sample_answers("valid-listenhund-mit-lastschrift")
    )
    assert services.payment_required_amount(draft=listenhund) == Decimal("600.00")


def test_paid_payment_settles_the_draft(demo, draft):
    assert services.payment_gate(draft=draft) == f"/zahlung/{draft.pk}/"
    pay_url, tx = _started(draft)
    assert pay_url.startswith("http://testserver/xbezahldienste-stub/bezahlseite/")
    location = pay_on_standin(demo, pay_url, "pay")
    # Back to the engine's return URL with its own id and nothing else: no status at all.
    assert location == f"{RETURN}?zahlung={tx.pk}"
    settled = services.payment_return(draft=draft, transaction_id=_return_id(location))
    assert settled.status == PaymentStatus.PAYED
    assert re.fullmatch(rf"KZ-{timezone.localdate().year}-\d{{6}}", settled.reference)
    assert settled.method == "CREDITCARD"
    assert settled.amount == Decimal("96.00")
    assert settled.last_checked_at is not None
    assert services.payment_gate(draft=draft) is None


@pytest.mark.parametrize(
    ("action", "status", "detail"),
    [
        ("cancel", PaymentStatus.CANCELED, "CANCELED_BY_USER"),
        ("fail", PaymentStatus.FAILED, "DECLINED"),
        ("timeout", PaymentStatus.FAILED, "TIMEOUT"),
    ],
)
def test_unsuccessful_payment_keeps_the_gate_closed(demo, draft, action, status, detail):
    pay_url, tx = _started(draft)
    location = pay_on_standin(demo, pay_url, action)
    settled = services.payment_return(draft=draft, transaction_id=_return_id(location))
    assert (settled.status, settled.status_detail) == (status, detail)
    assert settled.reference == ""
    assert services.payment_gate(draft=draft) == f"/zahlung/{draft.pk}/"


def test_a_new_attempt_after_cancelling_gets_a_new_transaction(demo, draft):
    pay_url, tx = _started(draft)
    pay_on_standin(demo, pay_url, "cancel")
    services.payment_return(draft=draft, transaction_id=tx.pk)
    second_url = services.payment_start(draft=draft, return_url=RETURN)
    assert second_url != pay_url
    assert PaymentTransaction.objects.filter(draft=draft).count() == 2


def test_timeout_without_acting_fails_the_payment(demo, draft, settings):
    pay_url, tx = _started(draft)
    settings.PAYMENTS_STANDIN_TIMEOUT = 0
    settled = services.payment_return(draft=draft, transaction_id=tx.pk)
    assert (settled.status, settled.status_detail) == (PaymentStatus.FAILED, "TIMEOUT")
    # The pay page no longer takes the payment either.
    page = demo.client.get(urlsplit(pay_url).path)
    assert b'id="standin-closed"' in page.content


def test_tab_closed_after_paying_is_settled_by_reconciliation(demo, draft):
    pay_url, tx = _started(draft)
    pay_on_standin(demo, pay_url, "pay")  # … and the citizen closes the tab
    assert PaymentTransaction.objects.get(pk=tx.pk).status == PaymentStatus.INITIAL
    assert services.payment_reconcile() == 1
    tx.refresh_from_db()
    assert tx.status == PaymentStatus.PAYED
    assert tx.reference.startswith("KZ-")
    # Nothing left to do; asking again changes nothing.
    assert services.payment_reconcile(now=timezone.now() + timezone.timedelta(hours=1)) == 0


def test_reconciliation_leaves_open_payments_open_and_waits_before_asking_again(demo, draft):
    _pay_url, tx = _started(draft)
    assert services.payment_reconcile() == 0
    gets = len(demo.requests("GET"))
    assert services.payment_reconcile() == 0  # checked a moment ago: not asked again
    assert len(demo.requests("GET")) == gets
    assert PaymentTransaction.objects.get(pk=tx.pk).status == PaymentStatus.INITIAL


def test_reconciliation_task_runs_the_service(demo, draft, eager_celery):
    from forms_engine.payments.tasks import payments_reconcile

    pay_url, _tx = _started(draft)
    pay_on_standin(demo, pay_url, "pay")
    assert payments_reconcile.delay().get() == 1


def test_redirect_parameters_are_not_trusted(demo, draft, client):
    from forms_engine.citizen.services import session_add_draft

    session = client.session
    session_add_draft(session, draft)
    session.save()
    _pay_url, tx = _started(draft)
    client.get(
        f"/zahlung/{draft.pk}/zurueck/?zahlung={tx.pk}&status=PAYED&transactionReference=KZ-1"
    )
    tx.refresh_from_db()
    assert tx.status == PaymentStatus.INITIAL
    assert services.payment_gate(draft=draft) is not None


def test_a_transaction_of_another_draft_changes_nothing(demo, draft, dog_version, musterstadt):
    other = make_draft(dog_version, musterstadt)
    pay_url, tx = _started(other)
    location = pay_on_standin(demo, pay_url, "pay")
    # The victim's paid return URL replayed against this draft:
    assert services.payment_return(draft=draft, transaction_id=_return_id(location)) is None
    assert services.payment_return(draft=draft, transaction_id="not-a-uuid") is None
    assert services.payment_gate(draft=draft) is not None
    assert PaymentTransaction.objects.get(pk=tx.pk).status == PaymentStatus.INITIAL
    assert not PaymentTransaction.objects.filter(draft=draft).exists()


def test_a_double_return_changes_nothing(demo, draft):
    pay_url, tx = _started(draft)
    pay_on_standin(demo, pay_url, "pay")
    first = services.payment_return(draft=draft, transaction_id=tx.pk)
    gets = len(demo.requests("GET"))
    second = services.payment_return(draft=draft, transaction_id=tx.pk)
    assert len(demo.requests("GET")) == gets  # final: the provider is not even asked
    assert (second.status, second.reference, second.updated_at) == (
        first.status,
        first.reference,
        first.updated_at,
    )


def test_starting_twice_reuses_the_open_transaction(demo, draft):
    first = services.payment_start(draft=draft, return_url=RETURN)
    second = services.payment_start(draft=draft, return_url=RETURN)
    assert first == second
    assert PaymentTransaction.objects.filter(draft=draft).count() == 1
    assert len(demo.requests("POST")) == 1


def test_starting_when_already_paid_goes_straight_back(demo, draft):
    pay_url, tx = _started(draft)
    pay_on_standin(demo, pay_url, "pay")
    services.payment_return(draft=draft, transaction_id=tx.pk)
    assert services.payment_start(draft=draft, return_url=RETURN) == f"{RETURN}?zahlung={tx.pk}"


def test_changed_answers_after_payment_mean_not_paid(demo, draft):
    from forms_engine.citizen.models import Draft

    pay_url, tx = _started(draft)
    pay_on_standin(demo, pay_url, "pay")
    services.payment_return(draft=draft, transaction_id=tx.pk)
    assert services.payment_gate(draft=draft) is None
    answers = sample_answers()
    answers["hund"]["listenhund"] = True
    Draft.objects.filter(pk=draft.pk).update(answers=answers)
    draft.refresh_from_db()
    assert services.payment_required_amount(draft=draft) == Decimal("600.00")
    assert services.payment_gate(draft=draft) == f"/zahlung/{draft.pk}/"
    services.payment_start(draft=draft, return_url=RETURN)
    newest = PaymentTransaction.objects.filter(draft=draft).order_by("-created_at").first()
    assert newest.amount == Decimal("600.00")
    assert demo.requests("POST")[-1]["json"]["grosAmount"] == 600.0


def test_a_provider_answer_about_another_amount_is_ignored(demo, draft):
    from forms_engine.payments.models import StandInTransaction

    pay_url, tx = _started(draft)
    pay_on_standin(demo, pay_url, "pay")
    stand_in = StandInTransaction.objects.get(transaction_id=tx.transaction_id)
    stand_in.payment_request = {**stand_in.payment_request, "grosAmount": 1.0}
    stand_in.save()
    assert services.payment_return(draft=draft, transaction_id=tx.pk).status == "INITIAL"


def test_a_provider_refusal_fails_the_attempt(demo, draft, monkeypatch):
    from forms_engine.payments.base import PaymentError

    # A binding the payment service does not know (e.g. a typo in the endPointId).
    unknown = services.PaymentBinding("demo", {"originator_id": "x", "end_point_id": "y"})
    monkeypatch.setattr(services, "payment_binding", lambda *, draft: unknown)
    with pytest.raises(PaymentError) as caught:
        services.payment_start(draft=draft, return_url=RETURN)
    assert caught.value.problem_type == "NO_VALID_ORIGINATOR_OR_ENDPOINT"
    assert caught.value.permanent
    tx = PaymentTransaction.objects.get(draft=draft)
    assert (tx.status, tx.status_detail) == (
        PaymentStatus.FAILED,
        "NO_VALID_ORIGINATOR_OR_ENDPOINT",
    )


def test_an_unreachable_provider_leaves_the_attempt_open(demo, draft, monkeypatch):
    from forms_engine.payments import http

    _pay_url, tx = _started(draft)

    def down(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(http, "default_transport", down)
    assert services.payment_return(draft=draft, transaction_id=tx.pk).status == "INITIAL"
    assert services.payment_reconcile(now=timezone.now() + timezone.timedelta(minutes=5)) == 0


def test_no_payment_can_start_without_a_binding(draft):
    from forms_engine.payments.base import PaymentError

    # Demo backends off and no payment backend on the activation: invoice, no gate.
    assert services.payment_binding(draft=draft) is None
    assert services.payment_gate(draft=draft) is None
    with pytest.raises(PaymentError):
        services.payment_start(draft=draft, return_url=RETURN)
