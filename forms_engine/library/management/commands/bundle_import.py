"""`manage.py bundle_import FILE [--dry-run] [--allow-unsigned]`: verify and import a bundle."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from forms_engine.library.services import (
    BundleRefused,
    bundle_import,
    bundle_plan,
    unsigned_allowed,
)


class Command(BaseCommand):
    help = (
        "Prüft ein Bündel (Signatur, Prüfsummen, Definitionen, Abhängigkeiten) und importiert "
        "es vollständig oder gar nicht; --dry-run zeigt nur den Plan. / Verifies a bundle and "
        "imports all of it or nothing; --dry-run prints the plan only."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument(
            "--allow-unsigned",
            action="store_true",
            help="nur für lokale Tests und nur mit FORMS_BUNDLES_ALLOW_UNSIGNED=1 / "
            "local testing only, needs FORMS_BUNDLES_ALLOW_UNSIGNED=1",
        )

    def handle(self, *args, file, dry_run, allow_unsigned, **options):
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror or exc}") from exc
        if allow_unsigned and unsigned_allowed():
            self.stderr.write(
                "WARNUNG: unsignierte Bündel sind erlaubt – nur für lokale Tests. / "
                "WARNING: unsigned bundles are allowed – local testing only."
            )
        try:
            if dry_run:
                plan = bundle_plan(data, allow_unsigned=allow_unsigned)
                lines = plan.lines()
            else:
                lines = bundle_import(data, allow_unsigned=allow_unsigned).lines()
        except BundleRefused as exc:
            raise CommandError(f"Bündel abgelehnt / bundle refused [{exc.code}]: {exc}") from exc
        if dry_run:
            self.stdout.write("Probelauf – nichts wurde geändert. / Dry run – nothing changed.")
        for line in lines:
            self.stdout.write(line)
