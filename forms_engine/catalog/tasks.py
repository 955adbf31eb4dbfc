"""Celery tasks of the catalog: thin wrappers around `catalog.review`."""

from celery import shared_task


@shared_task(name="catalog.tasks.scheduled_publish_sweep")
def scheduled_publish_sweep() -> int:
    """Publish the drafts whose scheduled time has come (beat, every minute)."""
    from .review import scheduled_publish_sweep as sweep

    return len(sweep())
