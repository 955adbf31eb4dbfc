"""Reads for the payment pages."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from forms_engine.catalog.selectors import version_definition
from forms_engine.citizen.formatting import i18n, money

from .models import PaymentStatus, PaymentTransaction, RefundStatus


@dataclass(frozen=True)
class FeeLine:
    label: str
    amount: str


def payment_fee_lines(*, draft, lang: str) -> tuple[list[FeeLine], str, Decimal]:
    """The fees of the draft's current answers, formatted, with the total."""
    definition = version_definition(draft.process_version)
    fees = definition.fees(draft.answers or {})
    total = definition.fee_total(draft.answers or {})
    lines = [FeeLine(i18n(fee.label, lang), money(fee.amount, lang)) for fee in fees]
    return lines, money(total, lang), total


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
