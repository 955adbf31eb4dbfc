"""The XBezahldienste stand-in: a payment service the demo backend talks to.

Imitates an XBezahldienste v1.0 endpoint as STANDARDS §4.4 describes: validates the
PaymentRequest (schema limits, grosAmount = Σ items, unique requestId, known originator
and endpoint), keeps transactions, lets the citizen pay / cancel / fail on a pay page,
sets INITIAL to FAILED after `PAYMENTS_STANDIN_TIMEOUT` seconds, and assigns a
Kassenzeichen `KZ-<year>-<n>` on success. Served only with ENABLE_DEMO_BACKENDS.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import PaymentStatus, StandInTransaction
from .payment_request import payment_request_problems

_ID = re.compile(r"^[\w\d-]{1,36}$")
#: What the pay page's buttons do.
ACTIONS = {
    "pay": (PaymentStatus.PAYED, ""),
    "cancel": (PaymentStatus.CANCELED, "CANCELED_BY_USER"),
    "fail": (PaymentStatus.FAILED, "DECLINED"),
    "timeout": (PaymentStatus.FAILED, "TIMEOUT"),
}

HTTP_STATUS = {
    "NO_VALID_ORIGINATOR_OR_ENDPOINT": 404,
    "PAYMENT_EXISTS": 409,
    "CALCULATION_ERROR": 400,
    "BOOKING_DATA_MISSING": 400,
    "VALIDATION_ERROR": 400,
    "FORBIDDEN": 403,
    "UNSPECIFIED": 500,
}


class StandInProblem(Exception):
    """An XBezahldienste problem (`application/problem+json`) the stand-in answers with."""

    def __init__(self, problem_type: str, detail: str):
        super().__init__(f"{problem_type}: {detail}")
        self.problem_type = problem_type
        self.detail = detail
        self.status = HTTP_STATUS[problem_type]

    def document(self, instance: str = "") -> dict:
        return {
            "type": f"urn:xbezahldienste:problem:{self.problem_type}",
            "title": self.problem_type,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
            "functionalCode": self.problem_type,
            "functionalText": self.detail,
        }


def standin_timeout() -> int:
    return int(getattr(settings, "PAYMENTS_STANDIN_TIMEOUT", 15 * 60))


def standin_endpoint_known(originator_id: str, end_point_id: str) -> bool:
    """Known: an active Activation whose binding names this pair: its explicit options
    (any backend, so an `xbezahldienste` binding may point here too), or the pair derived
    from process id and ARS when it names no backend or `demo`."""
    from forms_engine.catalog.models import Activation

    from .backends.demo import demo_binding_options

    if not (_ID.match(originator_id or "") and _ID.match(end_point_id or "")):
        return False
    # Only the activations that may name the pair (not every activation of the
    # installation): an explicit originatorId, or a demo binding of the municipality with
    # this ARS or an explicit endPointId. The derived originatorId is the process id's
    # (the same for two publishers' processes with one id: the pair stays known).
    demo = Q(payment_backend__in=("", "demo")) & (
        Q(municipality__ars=end_point_id) | Q(payment_options__end_point_id=end_point_id)
    )
    activations = Activation.objects.filter(
        Q(is_active=True) & (Q(payment_options__originator_id=originator_id) | demo)
    ).select_related("process", "municipality")
    for activation in activations:
        options = dict(activation.payment_options or {})
        if activation.payment_backend in ("", "demo"):
            options = {
                **demo_binding_options(
                    process_identifier=activation.process.identifier,
                    ars=activation.municipality.ars,
                ),
                **options,
            }
        if (options.get("originator_id"), options.get("end_point_id")) == (
            originator_id,
            end_point_id,
        ):
            return True
    return False


def _check_endpoint(originator_id: str, end_point_id: str) -> None:
    if not standin_endpoint_known(originator_id, end_point_id):
        raise StandInProblem(
            "NO_VALID_ORIGINATOR_OR_ENDPOINT",
            f"Unbekannte Kombination originatorId/endPointId: {originator_id}/{end_point_id}",
        )


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _check_request(payload) -> None:
    problems = payment_request_problems(payload)
    if problems:
        raise StandInProblem("VALIDATION_ERROR", "; ".join(problems[:5]))
    for item in payload["items"]:
        booking = item.get("bookingData")
        if booking is not None and (
            not booking or not all(str(v).strip() for v in booking.values())
        ):
            raise StandInProblem(
                "BOOKING_DATA_MISSING", f"Position {item['id']}: Buchungsdaten fehlen."
            )
    total = Decimal("0")
    for item in payload["items"]:
        single, net = _money(item["singleNetAmount"]), _money(item["totalNetAmount"])
        if single * item["quantity"] != net:
            raise StandInProblem(
                "CALCULATION_ERROR",
                f"Position {item['id']}: totalNetAmount ≠ quantity × singleNetAmount.",
            )
        total += net + _money(item["totalTaxAmount"])
    if total != _money(payload["grosAmount"]):
        raise StandInProblem(
            "CALCULATION_ERROR",
            f"grosAmount {_money(payload['grosAmount'])} ≠ Summe der Positionen {total}.",
        )


def standin_create(*, originator_id: str, end_point_id: str, body: bytes) -> StandInTransaction:
    """POST /paymenttransaction/{originatorId}/{endPointId}: validate and store."""
    _check_endpoint(originator_id, end_point_id)
    try:
        payload = json.loads(body.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as error:
        raise StandInProblem("VALIDATION_ERROR", f"Kein gültiges JSON: {error}") from None
    _check_request(payload)
    if StandInTransaction.objects.filter(
        originator_id=originator_id, end_point_id=end_point_id, request_id=payload["requestId"]
    ).exists():
        raise StandInProblem("PAYMENT_EXISTS", f"requestId {payload['requestId']} ist vergeben.")
    # Stored as plain JSON numbers again (parse_float gave Decimals for the exact checks).
    stored = json.loads(json.dumps(payload, default=float))
    try:
        with transaction.atomic():
            return StandInTransaction.objects.create(
                originator_id=originator_id,
                end_point_id=end_point_id,
                request_id=payload["requestId"],
                payment_request=stored,
            )
    except IntegrityError:
        raise StandInProblem(
            "PAYMENT_EXISTS", f"requestId {payload['requestId']} ist vergeben."
        ) from None


def _expire(tx: StandInTransaction, now: dt.datetime) -> StandInTransaction:
    if tx.status == PaymentStatus.INITIAL and tx.created_at <= now - dt.timedelta(
        seconds=standin_timeout()
    ):
        StandInTransaction.objects.filter(pk=tx.pk, status=PaymentStatus.INITIAL).update(
            status=PaymentStatus.FAILED, status_detail="TIMEOUT", updated_at=now
        )
        tx.refresh_from_db()
    return tx


def _find(transaction_id) -> StandInTransaction | None:
    try:
        key = uuid.UUID(str(transaction_id))
    except ValueError:
        return None
    return StandInTransaction.objects.filter(transaction_id=key).first()


def standin_get(
    *, originator_id: str, end_point_id: str, transaction_id: str, now=None
) -> StandInTransaction:
    """GET …/{transactionId}: the transaction (INITIAL past the timeout becomes FAILED)."""
    _check_endpoint(originator_id, end_point_id)
    tx = _find(transaction_id)
    if tx is None:
        raise StandInProblem("VALIDATION_ERROR", f"Unbekannte transactionId {transaction_id}.")
    if (tx.originator_id, tx.end_point_id) != (originator_id, end_point_id):
        raise StandInProblem("FORBIDDEN", "Diese Transaktion gehört zu einem anderen Verfahren.")
    return _expire(tx, now or timezone.now())


def standin_for_page(*, transaction_id, now=None) -> StandInTransaction | None:
    tx = _find(transaction_id)
    return _expire(tx, now or timezone.now()) if tx else None


@transaction.atomic
def standin_act(*, transaction_id, action: str, now=None) -> StandInTransaction | None:
    """A pay page button. Only an open (INITIAL, not expired) transaction changes."""
    now = now or timezone.now()
    tx = _find(transaction_id)
    if tx is None or action not in ACTIONS:
        return tx
    tx = StandInTransaction.objects.select_for_update().get(pk=tx.pk)
    tx = _expire(tx, now)
    if tx.status != PaymentStatus.INITIAL:
        return tx
    status, detail = ACTIONS[action]
    tx.status, tx.status_detail = status, detail
    if status == PaymentStatus.PAYED:
        tx.method = "CREDITCARD"
        tx.reference = f"KZ-{timezone.localdate(now).year}-{tx.pk:06d}"
    tx.save(update_fields=["status", "status_detail", "method", "reference", "updated_at"])
    return tx


def standin_document(tx: StandInTransaction, *, status_url: str, pay_url: str) -> dict:
    """The XBezahldienste PaymentTransaction answer: {paymentRequest, paymentInformation}."""
    info = {
        "transactionId": str(tx.transaction_id),
        "transactionUrl": status_url,
        "transactionReference": tx.reference,
        "transactionTimestamp": tx.updated_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "paymentMethod": tx.method,
        "paymentMethodDetail": "Demo-Kreditkarte" if tx.method else "",
        "status": tx.status,
        "statusDetail": tx.status_detail,
    }
    if tx.status == PaymentStatus.INITIAL:
        info["transactionRedirectUrl"] = pay_url
    return {"paymentRequest": tx.payment_request, "paymentInformation": info}
