"""`manage.py demo_setup [--file fixtures/demo.json]`: demo municipalities, authorities,
activations and clerks (idempotent)."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from forms_engine.catalog.services import DemoSetupError, demo_setup


class Command(BaseCommand):
    help = (
        "Legt Demo-Kommunen, Behörden, Freischaltungen und Sachbearbeitungs-Konten an "
        "(wiederholbar). / Creates demo municipalities, authorities, activations and clerks "
        "(idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=None, help="default: <BASE_DIR>/fixtures/demo.json")

    def handle(self, *args, file=None, **options):
        path = Path(file or Path(settings.BASE_DIR) / "fixtures" / "demo.json")
        if not path.is_file():
            raise CommandError(f"Datei fehlt / file missing: {path}")
        try:
            result = demo_setup(
                path=path,
                clerk_password=os.environ.get("DEMO_CLERK_PASSWORD") or None,
                admin_password=os.environ.get("DEMO_ADMIN_PASSWORD") or None,
            )
        except DemoSetupError as exc:
            raise CommandError(str(exc)) from exc
        for line in result.lines():
            self.stdout.write(line)
