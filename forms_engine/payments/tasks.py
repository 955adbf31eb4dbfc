"""Celery tasks of payments. Tasks call one service; guards live in the service."""

from celery import shared_task


@shared_task(name="payments.tasks.payments_reconcile")
def payments_reconcile() -> int:
    """Periodic (beat): ask the providers about attempts still INITIAL (tab closed)."""
    from .services import payment_reconcile

    return payment_reconcile()
