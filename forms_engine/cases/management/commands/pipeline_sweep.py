"""Hand every stuck case to the pipeline again (what Celery beat does every minute).

For installations without beat, or for an operator after an outage: run it from cron or
by hand. Idempotent: a case that is done is never processed again.
"""

from django.core.management.base import BaseCommand

from forms_engine.cases.pipeline import pipeline_sweep


class Command(BaseCommand):
    help = "Stecken gebliebene Anträge erneut verarbeiten / re-enqueue stuck cases."

    def handle(self, *args, **options):
        count = pipeline_sweep()
        self.stdout.write(f"{count} Antrag/Anträge erneut übergeben / {count} case(s) re-enqueued.")
