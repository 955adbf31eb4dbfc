"""Celery tasks of cases. Tasks take ids and call one service; guards live in the service."""

from celery import shared_task
from django.db import DatabaseError

from forms_engine.transports import TransportError

# Worth retrying: a transport that said so (`permanent=False`; permanent ones never reach
# the task), a broken connection or socket (SMTP, remote systems), a database hiccup.
TRANSIENT = (TransportError, ConnectionError, TimeoutError, OSError, DatabaseError)


@shared_task(
    name="cases.tasks.case_process",
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def case_process(case_id: str) -> None:
    """Run the submission pipeline of a case: case file, routing, receipt (idempotent).

    Enqueued by `case_submit` via `transaction.on_commit` and again by `pipeline_sweep`
    for cases left unfinished; every step is guarded in `cases.pipeline.pipeline_run`.
    When the retries are used up the case stays unfinished and the sweeper re-enqueues it.
    """
    from .pipeline import pipeline_run

    pipeline_run(case_id=case_id)


@shared_task(name="cases.tasks.pipeline_sweep")
def pipeline_sweep() -> int:
    """Periodic (beat): enqueue every case whose pipeline is stuck again."""
    from .pipeline import pipeline_sweep as sweep

    return sweep()


@shared_task(name="cases.tasks.retention_purge")
def retention_purge() -> dict:
    """Periodic (beat): delete expired drafts and reduce expired closed cases."""
    from .retention import retention_purge as purge

    return purge().as_dict()


@shared_task(
    name="cases.tasks.case_notify_status",
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=8,
)
def case_notify_status(change_id: int) -> None:
    """E-mail the citizen about one status change (idempotent: at most one e-mail)."""
    from .notifications import status_change_notify

    status_change_notify(change_id=change_id)


@shared_task(name="cases.tasks.fitconnect_events_poll")
def fitconnect_events_poll() -> dict:
    """Periodic (beat): read the event logs of remote deliveries (FIT-Connect) still waiting
    for the recipient's answer, store them on the case, apply accept/reject; send the
    rejection e-mails a failed enqueue left behind."""
    from .deliveries import delivery_events_poll, rejection_notices_pending
    from .notifications import delivery_rejected_notify

    result = delivery_events_poll()
    for delivery_id in rejection_notices_pending().values_list("pk", flat=True):
        delivery_rejected_notify(delivery_id=delivery_id)
    return {"deliveries": result.deliveries, "new_events": result.new_events}


@shared_task(
    name="cases.tasks.case_notify_delivery_rejected",
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=8,
)
def case_notify_delivery_rejected(delivery_id: int) -> None:
    """E-mail the citizen that the recipient rejected the delivery (at most one e-mail)."""
    from .notifications import delivery_rejected_notify

    delivery_rejected_notify(delivery_id=delivery_id)
