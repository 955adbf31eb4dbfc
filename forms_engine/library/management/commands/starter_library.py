"""`manage.py starter_library [--key-file F] [--out FILE]`: install the starter library as a
signed bundle of its demo publisher (make demo runs it)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from forms_engine.library.services import BundleRefused
from forms_engine.library.starter import starter_library_install


class Command(BaseCommand):
    help = (
        "Signiert die Starterbibliothek mit dem Demo-Schlüssel, vertraut ihm und importiert "
        "sie. / Signs the starter library with the demo key, trusts it and imports it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--key-file",
            default=str(settings.BASE_DIR / "var" / "keys" / "starter-library.pem"),
            help="Demo-Schlüssel (wird beim ersten Mal erzeugt) / demo key (made on first use)",
        )
        parser.add_argument("--out", default="", help="Kopie des Bündels / copy of the bundle")

    def handle(self, *args, key_file, out, **options):
        try:
            result = starter_library_install(
                key_file=Path(key_file), out=Path(out) if out else None
            )
        except BundleRefused as exc:
            raise CommandError(f"[{exc.code}] {exc}") from exc
        for line in result.lines():
            self.stdout.write(line)
        if out:
            self.stdout.write(f"Bündel / bundle: {out}")
