"""Celery tasks of cases. Tasks take ids and call one service; guards live in the service."""

from celery import shared_task

from .services import case_intake_complete


@shared_task(
    name="cases.tasks.case_process",
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def case_process(case_id: str) -> None:
    """Run the intake pipeline of a newly submitted case (idempotent; safe to retry).

    Enqueued by `case_submit` via `transaction.on_commit`, so it only ever sees committed
    cases. Today it marks the intake done; the pipeline issue adds case file, routing and
    notification here, each step guarded in its service.
    """
    case_intake_complete(case_id=case_id)


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
