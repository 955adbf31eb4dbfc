"""The payment flow of a draft: gate, start, return, reconciliation, record on the case.

Public API (all keyword-only):

- `payment_required_amount(draft=)` → Decimal | None: the fee total, recomputed by the
  server from the pinned definition and the draft's pruned answers; None when the policy
  is "none" or nothing is owed.
- `payment_gate(draft=)` → URL | None: for policy "required" the engine's pay page while
  the draft is not paid for its current amount; None when submitting may go on.
- `payment_start(draft=, return_url=)` → URL of the provider's pay page.
- `payment_return(draft=, transaction_id=)` → PaymentTransaction | None: asks the provider.
- `payment_reconcile(now=)` → int: settles transactions left INITIAL (beat task).
- `payment_record_on_case(draft=, case=)`: copies the payment onto the case at submit.
- `payment_refund_mark(transaction=, refund_status=, by=)`: staff record the refund of a
  paid attempt that has no case (`selectors.payment_orphans`).

Nothing the browser sends decides an amount or a status: amounts come from the
definition, statuses from the provider's GET (STANDARDS §4.2: the redirect proves nothing).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from forms_engine.catalog.selectors import activation_for
from forms_engine.citizen.selectors import draft_definition, submit_eligibility
from forms_engine.core.formatting import i18n

from .base import PaymentError, ProviderTransaction, registry
from .models import PaymentStatus, PaymentTransaction, RefundStatus
from .payment_request import payment_request_build, purpose_text

log = logging.getLogger(__name__)

#: The query parameter of the return URL naming the engine's own transaction id.
RETURN_PARAM = "zahlung"
#: `PaymentError.problem_type` of a payment refused because the draft cannot be submitted.
SUBMISSION_REFUSED = "SUBMISSION_REFUSED"


@dataclass(frozen=True)
class PaymentBinding:
    """Which plugin takes a draft's payment, with the municipality's options."""

    backend: str
    options: dict = field(default_factory=dict)


# --- reading the draft -------------------------------------------------------------------


def _definition(draft):
    return draft_definition(draft)


def payment_policy(*, draft) -> str:
    """none | optional | required | deferred, from the pinned definition."""
    return _definition(draft).payment_policy


def payment_required_amount(*, draft) -> Decimal | None:
    """The fee total of the draft's current answers (server-side), None if nothing is owed."""
    definition = _definition(draft)
    if definition.payment_policy == "none":
        return None
    total = definition.fee_total(draft.answers or {})
    return total if total > 0 else None


def payment_binding(*, draft) -> PaymentBinding | None:
    """The Activation's payment plugin; the demo stand-in when none is named and demo
    backends are enabled; None when online payment is not set up for this municipality."""
    from .backends.demo import demo_binding_options

    process = draft.process_version.process
    activation = activation_for(process, draft.municipality)
    backend = activation.payment_backend if activation else ""
    options = dict(activation.payment_options or {}) if activation else {}
    if not backend:
        if not settings.ENABLE_DEMO_BACKENDS:
            return None
        backend = "demo"
    if backend == "demo":
        options = {
            **demo_binding_options(
                process_identifier=process.identifier, ars=draft.municipality.ars
            ),
            **options,
        }
    return PaymentBinding(backend, options)


def _paid_transaction(draft, amount: Decimal | None) -> PaymentTransaction | None:
    if amount is None:
        return None
    return (
        PaymentTransaction.objects.filter(draft=draft, status=PaymentStatus.PAYED, amount=amount)
        .order_by("-updated_at")
        .first()
    )


def payment_is_settled(*, draft) -> bool:
    """True when nothing is owed or the draft is paid for its *current* amount."""
    amount = payment_required_amount(draft=draft)
    return amount is None or _paid_transaction(draft, amount) is not None


def payment_gate(*, draft) -> str | None:
    """Where to send the citizen before submitting, or None to go on.

    Only policy "required" gates, and only when online payment is set up here (a
    municipality without a payment binding takes the fee by invoice). The draft counts as
    paid only with a PAYED transaction for the amount its answers give *now*.
    """
    if payment_policy(draft=draft) != "required":
        return None
    if payment_is_settled(draft=draft) or payment_binding(draft=draft) is None:
        return None
    return reverse("payments:overview", args=[draft.pk])


# --- provider calls ----------------------------------------------------------------------


def _provider(backend: str, options: dict):
    from forms_engine.core.registry import PluginNotFound

    try:
        cls = registry.get(backend)
    except PluginNotFound as error:
        raise PaymentError(error.message, error.message_en, permanent=True) from None
    return cls(options=options)


def _with_param(url: str, value) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != RETURN_PARAM]
    query.append((RETURN_PARAM, str(value)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _requestor(definition, answers: dict) -> dict:
    from forms_engine.definitions import pointers

    name, email = definition.applicant_of(answers)
    pruned = definition.prune(answers)
    # The applicant's address: within the section holding the applicant's name first.
    sections = []
    name_pointers = definition.applicant.get("name") or []
    if name_pointers:
        parent = name_pointers[0].rsplit("/", 1)[0]
        sections.append(pointers.resolve(pruned, parent) if parent else pruned)
    sections.append(pruned)
    address = next(filter(None, (_find_address(s) for s in sections)), None) or {}
    return {
        "name": name,
        "email": email,
        "address": {
            "street": address.get("strasse"),
            "houseNumber": str(address.get("hausnummer") or "") or None,
            "postalCode": address.get("plz"),
            "city": address.get("ort"),
        },
    }


def _find_address(value, depth: int = 0):
    if depth > 4:
        return None
    if isinstance(value, dict):
        if isinstance(value.get("strasse"), str) and isinstance(value.get("ort"), str):
            return value
        for child in value.values():
            if found := _find_address(child, depth + 1):
                return found
    return None


def _payment_request(*, draft, tx: PaymentTransaction, redirect_url: str, now) -> dict:
    definition = _definition(draft)
    fees = [
        (fee.id, i18n(fee.label, "de"), fee.amount) for fee in definition.fees(draft.answers or {})
    ]
    title = i18n(definition.title, "de")
    return payment_request_build(
        request_id=tx.request_id,
        fees=fees,
        purpose=purpose_text(title, tx.request_id[-8:].upper()),
        description=f"{title} – {draft.municipality.name}",
        redirect_url=redirect_url,
        requestor=_requestor(definition, draft.answers or {}),
        now=now,
    )


def payment_start(*, draft, return_url: str, now=None) -> str:
    """Start (or resume) paying the draft's current amount; the URL to send the citizen to.

    The amount is recomputed here; nothing from the request is used. Idempotent for the
    same draft and amount: an attempt the provider still reports INITIAL is reused; when
    the amount is already paid the citizen goes straight to `return_url`.
    `return_url` is absolute (the provider redirects the browser there) and gets
    `?zahlung=<transaction>` appended. Raises `PaymentError` when nothing is owed, online
    payment is not set up, or the provider refuses (the attempt is then FAILED), and
    `PaymentError(problem_type="SUBMISSION_REFUSED")` before any provider call when the
    draft could not be submitted afterwards (`citizen.selectors.submit_eligibility`: version
    retired past its grace period, not offered any more, …): nobody pays for a refusal.
    """
    now = now or timezone.now()
    eligibility = submit_eligibility(
        process_version=draft.process_version, municipality=draft.municipality, draft=draft
    )
    if not eligibility.allowed:
        raise PaymentError(
            eligibility.message,
            eligibility.message_en,
            permanent=True,
            problem_type=SUBMISSION_REFUSED,
        )
    amount = payment_required_amount(draft=draft)
    if amount is None:
        raise PaymentError(
            "Für diesen Antrag ist keine Zahlung nötig.",
            "No payment is needed for this application.",
            permanent=True,
            problem_type="VALIDATION_ERROR",
        )
    if draft.submitted_case_id:
        raise PaymentError(
            "Dieser Antrag ist bereits abgesendet.",
            "This application has already been submitted.",
            permanent=True,
            problem_type="PAYMENT_EXISTS",
        )
    binding = payment_binding(draft=draft)
    if binding is None:
        raise PaymentError(
            "Die Online-Zahlung ist für diese Leistung hier nicht eingerichtet.",
            "Online payment is not set up for this service here.",
            permanent=True,
            problem_type="NO_VALID_ORIGINATOR_OR_ENDPOINT",
        )
    if paid := _paid_transaction(draft, amount):
        return _with_param(return_url, paid.pk)
    open_attempts = PaymentTransaction.objects.filter(
        draft=draft,
        amount=amount,
        status=PaymentStatus.INITIAL,
        provider=binding.backend,
        provider_options=binding.options,
    ).exclude(Q(transaction_id="") | Q(pay_url=""))
    for attempt in open_attempts.order_by("-created_at")[:1]:
        attempt = payment_refresh(transaction=attempt, now=now)
        if attempt.status == PaymentStatus.INITIAL:
            return attempt.pay_url
        if attempt.status == PaymentStatus.PAYED:
            return _with_param(return_url, attempt.pk)

    provider = _provider(binding.backend, binding.options)
    local_id = uuid.uuid4()
    tx = PaymentTransaction.objects.create(
        id=local_id,
        draft=draft,
        provider=binding.backend,
        provider_options=binding.options,
        request_id=f"ozg-{local_id.hex}",
        amount=amount,
    )
    payload = _payment_request(
        draft=draft, tx=tx, redirect_url=_with_param(return_url, tx.pk), now=now
    )
    try:
        answer = provider.create(request_payload=payload)
        if answer.status == PaymentStatus.INITIAL and not answer.redirect_url:
            raise PaymentError(
                "Der Bezahldienst hat keine Bezahlseite genannt.",
                "The payment service named no pay page.",
                permanent=False,
            )
    except PaymentError as error:
        PaymentTransaction.objects.filter(pk=tx.pk).update(
            status=PaymentStatus.FAILED,
            status_detail=error.problem_type[:200],
            updated_at=timezone.now(),
        )
        log.warning("payment start failed for draft %s: %s", draft.pk, error.message)
        raise
    tx.transaction_id = answer.transaction_id[:100]
    tx.pay_url = answer.redirect_url[:2082]
    tx.save(update_fields=["transaction_id", "pay_url", "updated_at"])
    if answer.status != PaymentStatus.INITIAL:
        # A provider that settles at once: take the state from its GET like any other.
        tx = payment_refresh(transaction=tx, now=now)
        return _with_param(return_url, tx.pk)
    return tx.pay_url


def _answer_matches(tx: PaymentTransaction, answer: ProviderTransaction) -> bool:
    """The provider's transaction is the one we created: same requestId and amount."""
    request = answer.raw.get("paymentRequest") if isinstance(answer.raw, dict) else None
    if not isinstance(request, dict):
        return True
    if request.get("requestId") not in (None, tx.request_id):
        return False
    gros = request.get("grosAmount")
    return gros is None or Decimal(str(gros)).quantize(Decimal("0.01")) == tx.amount


def payment_refresh(*, transaction: PaymentTransaction, now=None) -> PaymentTransaction:
    """Ask the provider for the state of an open attempt and store it (final states stay).

    A provider that cannot be reached leaves the attempt INITIAL (reconciliation asks
    again). An answer about a different request or amount is ignored.
    """
    tx = transaction
    now = now or timezone.now()
    if tx.is_final or not tx.transaction_id:
        return tx
    try:
        answer = _provider(tx.provider, tx.provider_options).status(
            transaction_id=tx.transaction_id
        )
    except PaymentError as error:
        log.warning("payment status of %s unknown: %s", tx.pk, error.message)
        PaymentTransaction.objects.filter(pk=tx.pk).update(last_checked_at=now)
        tx.last_checked_at = now
        return tx
    from django.db import transaction as db_transaction

    with db_transaction.atomic():
        locked = PaymentTransaction.objects.select_for_update().get(pk=tx.pk)
        locked.last_checked_at = now
        if locked.is_final or not _answer_matches(locked, answer):
            locked.save(update_fields=["last_checked_at"])
            return locked
        locked.status = answer.status
        locked.status_detail = answer.status_detail[:200]
        if answer.status == PaymentStatus.PAYED:
            locked.reference = answer.reference[:100]
            locked.method = answer.method[:50]
        locked.save(
            update_fields=[
                "status",
                "status_detail",
                "reference",
                "method",
                "last_checked_at",
                "updated_at",
            ]
        )
        if locked.is_final and locked.case_id:
            _case_apply(locked)
    return locked


def payment_return(*, draft, transaction_id) -> PaymentTransaction | None:
    """The citizen came back from the pay page: settle the attempt by asking the provider.

    `transaction_id` is the engine's id from the return URL. An id of another draft's
    attempt (or garbage) answers None and changes nothing; a second return finds the
    attempt final and changes nothing either.
    """
    try:
        key = uuid.UUID(str(transaction_id))
    except (TypeError, ValueError):
        return None
    tx = PaymentTransaction.objects.filter(pk=key, draft=draft).first()
    if tx is None:
        return None
    return payment_refresh(transaction=tx)


def payment_reconcile(*, now=None) -> int:
    """Settle attempts left INITIAL (tab closed, provider down at return). Returns how many
    became final. Each attempt is asked at most once per `PAYMENTS_RECHECK_SECONDS`."""
    now = now or timezone.now()
    recheck = dt.timedelta(seconds=int(getattr(settings, "PAYMENTS_RECHECK_SECONDS", 60)))
    # An attempt whose create call never came back has no provider transaction to ask.
    abandoned = PaymentTransaction.objects.filter(
        status=PaymentStatus.INITIAL,
        transaction_id="",
        created_at__lt=now - dt.timedelta(hours=1),
    ).update(status=PaymentStatus.FAILED, status_detail="NOT_CREATED", updated_at=now)
    settled = abandoned
    open_attempts = (
        PaymentTransaction.objects.filter(status=PaymentStatus.INITIAL)
        .exclude(transaction_id="")
        .filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=now - recheck))
        .order_by("created_at")[:500]
    )
    for tx in open_attempts:
        if payment_refresh(transaction=tx, now=now).is_final:
            settled += 1
    return settled


# --- the case ----------------------------------------------------------------------------


def _case_apply(tx: PaymentTransaction) -> None:
    """A settled attempt linked to a case updates it (never un-pays a paid case)."""
    from forms_engine.cases.models import Case
    from forms_engine.cases.models import PaymentStatus as CaseStatus
    from forms_engine.core.audit import audit_log

    cases = Case.objects.filter(pk=tx.case_id).exclude(payment_status=CaseStatus.PAYED)
    if tx.status == PaymentStatus.PAYED:
        changed = cases.update(
            payment_status=CaseStatus.PAYED,
            payment_amount=tx.amount,
            payment_reference=tx.reference,
            payment_method=tx.method,
            payment_transaction_id=tx.transaction_id,
        )
    else:
        changed = cases.filter(payment_transaction_id=tx.transaction_id).update(
            payment_status=tx.status
        )
    if changed:
        audit_log(
            actor="system",
            action="payment.settled",
            case_id=tx.case_id,
            data={"status": tx.status, "transaction": str(tx.pk)},
        )


@transaction.atomic
def payment_record_on_case(*, draft, case) -> None:
    """Copy the draft's payment onto its case and link the attempts to it (idempotent).

    policy none or nothing owed → NOT_REQUIRED; deferred → INVOICE with the amount;
    required/optional → the PAYED attempt for the current amount (status, amount,
    Kassenzeichen, method, transaction id), else the latest attempt's status (later
    reconciliation updates the case), else INVOICE (required: the fee is still owed) or
    NOT_REQUIRED (optional). Makes no provider calls, so it is safe inside `case_submit`.
    """
    from forms_engine.cases.models import PaymentStatus as CaseStatus

    policy = payment_policy(draft=draft)
    amount = payment_required_amount(draft=draft)
    values = {
        "payment_status": CaseStatus.NOT_REQUIRED,
        "payment_amount": None,
        "payment_reference": "",
        "payment_method": "",
        "payment_transaction_id": "",
    }
    attempts = PaymentTransaction.objects.filter(draft=draft)
    if amount is not None and policy == "deferred":
        values.update(payment_status=CaseStatus.INVOICE, payment_amount=amount)
    elif amount is not None and policy in ("required", "optional"):
        values["payment_amount"] = amount
        paid = _paid_transaction(draft, amount)
        latest = attempts.order_by("-created_at").first()
        if paid:
            values.update(
                payment_status=CaseStatus.PAYED,
                payment_reference=paid.reference,
                payment_method=paid.method,
                payment_transaction_id=paid.transaction_id,
            )
        elif latest:
            values.update(
                payment_status=latest.status, payment_transaction_id=latest.transaction_id
            )
        elif policy == "required":
            values["payment_status"] = CaseStatus.INVOICE
        else:
            values["payment_amount"] = None
    attempts.filter(case__isnull=True).update(case=case)
    type(case).objects.filter(pk=case.pk).update(**values)
    for key, value in values.items():
        setattr(case, key, value)


@transaction.atomic
def payment_refund_mark(*, transaction: PaymentTransaction, refund_status: str, by) -> bool:
    """Record what staff did about a paid attempt without a case (none/pending/refunded).

    Only PAYED attempts not linked to a case can be marked (`PaymentError` otherwise: a
    payment that became a case is the case's). Audit-logged as `payment.refund_marked`.
    Returns False when the status was already that.
    """
    if refund_status not in RefundStatus.values:
        raise PaymentError(
            "Unbekannter Erstattungsstatus.", "Unknown refund status.", permanent=True
        )
    locked = PaymentTransaction.objects.select_for_update().get(pk=transaction.pk)
    if locked.status != PaymentStatus.PAYED or locked.case_id is not None:
        raise PaymentError(
            "Nur bezahlte Vorgänge ohne Antrag können erstattet werden.",
            "Only paid attempts without a case can be refunded.",
            permanent=True,
        )
    if locked.refund_status == refund_status:
        return False
    from forms_engine.core.audit import audit_log

    previous = locked.refund_status
    locked.refund_status = refund_status
    locked.refund_updated_at = timezone.now()
    locked.save(update_fields=["refund_status", "refund_updated_at", "updated_at"])
    audit_log(
        actor=by,
        action="payment.refund_marked",
        data={
            "transaction": str(locked.pk),
            "reference": locked.reference,
            "amount": str(locked.amount),
            "from": previous,
            "to": refund_status,
        },
    )
    transaction.refund_status = locked.refund_status
    transaction.refund_updated_at = locked.refund_updated_at
    return True
