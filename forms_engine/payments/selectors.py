"""Reads for the payment pages."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from forms_engine.catalog.selectors import version_definition
from forms_engine.citizen.formatting import i18n, money

from .models import PaymentStatus, PaymentTransaction


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
