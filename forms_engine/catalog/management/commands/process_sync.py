"""`manage.py process_sync [DIRECTORY]`: load the shipped library into the catalog."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from forms_engine.catalog.services import process_sync


class Command(BaseCommand):
    help = (
        "Lädt processes/<id>/<version>.json in den Katalog und veröffentlicht neue Versionen; "
        "geänderte, bereits veröffentlichte Versionen werden verweigert. / "
        "Loads the process library and publishes new versions; changed published ones are refused."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "directory",
            nargs="?",
            default=None,
            help="Verzeichnis / directory (default: settings.FORMS_PROCESS_LIBRARY)",
        )

    def handle(self, *args, directory=None, **options):
        root = Path(directory or settings.FORMS_PROCESS_LIBRARY)
        if not root.is_dir():
            raise CommandError(f"Verzeichnis fehlt / directory missing: {root}")
        report = process_sync(directory=root)
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(
                "Abgleich unvollständig: verweigerte oder fehlerhafte Dateien (siehe oben). / "
                "Sync incomplete: refused or broken files (see above)."
            )
