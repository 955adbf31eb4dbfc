"""`manage.py bundle_export OUT --publisher SLUG [--process ID[@VERSION]]… [--key-file F]`
(or `--from-dir DIR --publisher-name NAME` for a library source directory)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from forms_engine.catalog.models import ProcessVersion, Publisher
from forms_engine.library import signing
from forms_engine.library.services import (
    ExportError,
    bundle_build_directory,
    bundle_export,
    signing_key_load,
)


class Command(BaseCommand):
    help = (
        "Exportiert veröffentlichte Versionen eines Herausgebers als signiertes Bündel "
        "(Schlüssel aus --key-file oder FORMS_BUNDLE_SIGNING_KEY). / Exports a publisher's "
        "published versions as a signed bundle."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="Zieldatei (.zip) / output file")
        parser.add_argument("--publisher", required=True, help="Kennung / publisher id")
        parser.add_argument(
            "--process",
            action="append",
            default=[],
            help="ID oder ID@VERSION, mehrfach möglich (Standard: alle veröffentlichten) / "
            "ID or ID@VERSION, repeatable (default: every published version)",
        )
        parser.add_argument("--key-file", default=None, help="privater Schlüssel (PEM)")
        parser.add_argument(
            "--from-dir",
            default=None,
            help="Bibliotheksverzeichnis statt Datenbank / library source directory",
        )
        parser.add_argument("--publisher-name", default="", help="mit --from-dir")

    def handle(self, *args, out, publisher, process, key_file, from_dir, publisher_name, **opt):
        try:
            key = signing_key_load(key_file=key_file)
        except signing.KeyError_ as exc:
            raise CommandError(str(exc)) from exc
        try:
            if from_dir:
                data = bundle_build_directory(
                    from_dir,
                    publisher_id=publisher,
                    publisher_name=publisher_name or publisher,
                    key=key,
                )
            else:
                owner = Publisher.objects.filter(slug=publisher).first()
                if owner is None:
                    raise CommandError(f"Unbekannter Herausgeber / unknown publisher: {publisher}")
                data = bundle_export(
                    publisher=owner, versions=self._versions(owner, process), key=key
                )
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        Path(out).write_bytes(data)
        self.stdout.write(
            f"Bündel geschrieben / bundle written: {out} ({len(data)} Bytes), "
            f"signiert mit / signed with {signing.display_fingerprint(key.fingerprint)}"
        )

    def _versions(self, owner, wanted):
        if not wanted:
            return None
        published = ProcessVersion.objects.filter(process__publisher=owner).exclude(
            status=ProcessVersion.Status.DRAFT
        )
        versions = []
        for spec in wanted:
            identifier, _, number = spec.partition("@")
            found = list(published.filter(process__identifier=identifier))
            if number:
                found = [v for v in found if v.version == number]
            if not found:
                raise CommandError(
                    f"Keine veröffentlichte Version für „{spec}“. / No published version for "
                    f"'{spec}'."
                )
            versions += found
        return versions
