"""`manage.py fim_import FILE [--codelist GC …] [--publisher SLUG] [--process-id ID]
[--dry-run]`: import a FIM XDatenfelder message into a new draft (studio.fim_import)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from forms_engine.catalog.models import Publisher
from forms_engine.catalog.services import default_publisher
from forms_engine.fim._xml import MAX_BYTES
from forms_engine.studio.fim_import import FimImportRefused, fim_import


def _read(path: str) -> bytes:
    file = Path(path)
    try:
        if file.stat().st_size > MAX_BYTES:
            raise CommandError(
                f"{path}: Die Datei ist zu groß (höchstens {MAX_BYTES // (1024 * 1024)} MB). / "
                f"The file is too large (at most {MAX_BYTES // (1024 * 1024)} MB)."
            )
        return file.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from exc


class Command(BaseCommand):
    help = (
        "Importiert ein FIM-XDatenfelder-Schema (2.0, 3.0.0; 1.0 so gut es geht) mit seinen "
        "genericode-Codelisten als neuen Entwurf; Warnungen und offene Punkte werden "
        "ausgegeben. / Imports a FIM XDatenfelder schema with its genericode code lists as a "
        "new draft and prints the warnings and the to-do list."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="XDatenfelder-XML / XDatenfelder XML")
        parser.add_argument(
            "--codelist",
            action="append",
            default=[],
            metavar="GC",
            help="genericode-Datei (mehrfach möglich) / genericode file (repeatable)",
        )
        parser.add_argument(
            "--publisher", help="Kennung des Herausgebers / publisher slug (default: own)"
        )
        parser.add_argument(
            "--process-id", help="Kennung des neuen Prozesses / id of the new process"
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, file, codelist, publisher, process_id, dry_run, **options):
        xml = _read(file)
        codelists = [(Path(path).name, _read(path)) for path in codelist]
        if publisher:
            owner = Publisher.objects.filter(slug=publisher).first()
            if owner is None:
                raise CommandError(f"Unbekannter Herausgeber / unknown publisher: {publisher}")
        else:
            owner = default_publisher()
        try:
            result = fim_import(
                xml=xml,
                codelists=codelists,
                publisher=owner,
                by="cli",
                process_id=process_id,
                dry_run=dry_run,
            )
        except FimImportRefused as exc:
            raise CommandError(
                f"FIM-Import abgelehnt / FIM import refused [{exc.code}]: "
                f"{exc.message} / {exc.message_en}"
            ) from None
        out = self.stdout.write
        schema = result.schema
        if dry_run:
            out("Probelauf – nichts wurde geändert. / Dry run – nothing changed.")
        out(
            f"FIM {schema.id} {schema.version} (XDatenfelder {schema.xdf_version}): "
            f"{schema.name or schema.label}"
        )
        if result.version is not None:
            version = result.version
            out(
                f"Entwurf angelegt / draft created: {owner.slug}/{result.process_id} "
                f"{version.version} (id {version.pk})"
            )
            out(f"Studio: {reverse('studio:editor', args=[version.pk])}")
        else:
            out(f"Prozess / process: {owner.slug}/{result.process_id}")
        for item in result.codelists_installed:
            state = "neu / new" if item["new"] else "vorhanden / present"
            out(f"Codeliste / code list: {item['id']} {item['version']} ({state})")
        out(f"Warnungen / warnings: {len(result.warnings)}")
        for warning in result.warnings:
            out(f"  - {_where(warning)}{warning['message']} / {warning['message_en']}")
        out(f"Offene Punkte / to do: {len(result.todo)}")
        for entry in result.todo:
            out(f"  - {_where(entry)}{entry['message']} / {entry['message_en']}")


def _where(entry: dict) -> str:
    parts = [p for p in (entry.get("code"), entry.get("fim_id"), entry.get("pointer")) if p]
    return f"[{' '.join(parts)}] " if parts else ""
