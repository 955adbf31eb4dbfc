"""Reads for the payment pages."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from forms_engine.citizen.selectors import draft_definition
from forms_engine.core.formatting import i18n, money

from .models import PaymentStatus, PaymentTransaction, RefundStatus


@dataclass(frozen=True)
class FeeLine:
    label: str
    amount: str


def payment_fee_lines(*, draft, lang: str) -> tuple[list[FeeLine], str, Decimal]:
    """The fees of the draft's current answers, formatted, with the total."""
    definition = draft_definition(draft)
    fees = definition.fees(draft.answers or {})
    total = definition.fee_total(draft.answers or {})
    lines = [FeeLine(i18n(fee.label, lang), money(fee.amount, lang)) for fee in fees]
    return lines, money(total, lang), total


@dataclass(frozen=True)
class InvoiceNotice:
    """A fee the citizen does not pay online now: an invoice (or a notice) follows.

    `amount` formatted for the language, `authority` the name of who sends it.
    """

    amount: str
    authority: str


def invoice_notice_for_draft(*, draft, lang: str) -> InvoiceNotice | None:
    """What the citizen will owe by invoice after submitting this draft, or None.

    Policy "deferred" with a fee; or policy "required" where online payment is not set up
    for the municipality (the engine records "Rechnung folgt"). Amount recomputed from the
    draft's current answers, like every amount.
    """
    from forms_engine.catalog.selectors import activation_for

    from .services import payment_binding, payment_policy, payment_required_amount

    amount = payment_required_amount(draft=draft)
    if amount is None:
        return None
    policy = payment_policy(draft=draft)
    if policy == "required" and payment_binding(draft=draft) is not None:
        return None
    if policy not in ("deferred", "required"):
        return None
    activation = activation_for(draft.process_version.process, draft.municipality)
    authority = activation.authority.name if activation else draft.municipality.name
    return InvoiceNotice(money(amount, lang), authority)


def invoice_notice_for_case(*, case, lang: str) -> InvoiceNotice | None:
    """The fee recorded on a case as "Rechnung folgt", or None."""
    from forms_engine.cases.models import PaymentStatus as CasePaymentStatus

    if case.payment_status != CasePaymentStatus.INVOICE or not case.payment_amount:
        return None
    return InvoiceNotice(money(case.payment_amount, lang), case.authority.name)


def payment_latest(*, draft) -> PaymentTransaction | None:
    return PaymentTransaction.objects.filter(draft=draft).order_by("-created_at").first()


def payment_paid_for(*, draft, amount: Decimal | None) -> PaymentTransaction | None:
    if amount is None:
        return None
    return PaymentTransaction.objects.filter(
        draft=draft, status=PaymentStatus.PAYED, amount=amount
    ).first()


def payment_orphans(*, open_only: bool = False):
    """Paid attempts that belong to no case: the reconciliation list for staff.

    A citizen who paid and has not submitted yet is here too (the draft can usually still
    be submitted: see `citizen.selectors.submit_eligibility`); so is a payment whose draft
    can no longer become a case (process no longer offered, draft deleted). Oldest first.
    `open_only`: only those not marked refunded.
    """
    qs = PaymentTransaction.objects.filter(status=PaymentStatus.PAYED, case__isnull=True)
    if open_only:
        qs = qs.exclude(refund_status=RefundStatus.REFUNDED)
    return qs.select_related("draft__process_version__process", "draft__municipality").order_by(
        "created_at"
    )
