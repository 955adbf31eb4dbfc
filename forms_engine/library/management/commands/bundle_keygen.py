"""`manage.py bundle_keygen FILE`: a new Ed25519 key pair for signing bundles."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from forms_engine.library import signing


class Command(BaseCommand):
    help = (
        "Erzeugt ein Ed25519-Schlüsselpaar zum Signieren von Bündeln: der private Schlüssel "
        "wird in FILE geschrieben (nur für den Eigentümer lesbar), der öffentliche Schlüssel "
        "und sein Fingerabdruck werden ausgegeben. / Creates an Ed25519 key pair for signing "
        "bundles: the private key goes to FILE (owner-readable only); prints the public key "
        "and its fingerprint."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Datei für den privaten Schlüssel / private key file")

    def handle(self, *args, file, **options):
        path = Path(file)
        if path.exists():
            raise CommandError(
                f"{path} gibt es schon; ein Schlüssel wird nie überschrieben. / "
                f"{path} exists; a key is never overwritten."
            )
        pair = signing.generate()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
        with os.fdopen(fd, "wb") as handle:
            handle.write(pair.private_pem())
        self.stdout.write(f"Privater Schlüssel / private key: {path}")
        self.stdout.write(f"Öffentlicher Schlüssel / public key: {pair.public_b64}")
        self.stdout.write(
            f"Fingerabdruck / fingerprint: {signing.display_fingerprint(pair.fingerprint)}"
        )
