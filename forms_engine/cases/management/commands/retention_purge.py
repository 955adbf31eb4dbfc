"""Apply the retention periods now (what Celery beat does every hour): see cases.retention."""

from django.core.management.base import BaseCommand

from forms_engine.cases.retention import retention_purge


class Command(BaseCommand):
    help = "Aufbewahrungsfristen anwenden / apply retention periods."

    def handle(self, *args, **options):
        report = retention_purge()
        self.stdout.write(
            f"Entwürfe gelöscht / drafts deleted: {report.drafts_deleted}; "
            f"Anträge reduziert / cases reduced: {report.cases_reduced}; "
            f"Dateien gelöscht / files deleted: {report.files_deleted}"
        )
