"""`manage.py process_sync [DIRECTORY] [--publisher SLUG [--publisher-name NAME]]`: load a
process library into the catalog, owned by one publisher."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from forms_engine.catalog.exceptions import CatalogError
from forms_engine.catalog.services import process_sync, publisher_ensure


class Command(BaseCommand):
    help = (
        "Lädt processes/<id>/<version>.json in den Katalog und veröffentlicht neue Versionen "
        "des Herausgebers; geänderte, bereits veröffentlichte Versionen werden verweigert. / "
        "Loads the process library as a publisher's and publishes new versions; changed "
        "published ones are refused."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "directory",
            nargs="?",
            default=None,
            help="Verzeichnis / directory (default: settings.FORMS_PROCESS_LIBRARY)",
        )
        parser.add_argument(
            "--publisher",
            default=None,
            help="Kennung des Herausgebers; neu angelegt, wenn unbekannt / the publisher's "
            "slug, created when new (default: settings.FORMS_DEFAULT_PUBLISHER)",
        )
        parser.add_argument(
            "--publisher-name",
            default="",
            help="Name des Herausgebers (beim Anlegen, sonst Umbenennung) / the publisher's "
            "name (when created; renames an existing one)",
        )

    def handle(self, *args, directory=None, publisher=None, publisher_name="", **options):
        root = Path(directory or settings.FORMS_PROCESS_LIBRARY)
        if not root.is_dir():
            raise CommandError(f"Verzeichnis fehlt / directory missing: {root}")
        default_slug, default_name = settings.FORMS_DEFAULT_PUBLISHER
        slug = publisher or default_slug
        name = publisher_name or (default_name if slug == default_slug else "")
        try:
            owner = publisher_ensure(slug=slug, name=name, rename=bool(publisher_name))
        except CatalogError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Herausgeber / publisher: {owner.slug} ({owner.name})")
        report = process_sync(directory=root, publisher=owner)
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(
                "Abgleich unvollständig: verweigerte oder fehlerhafte Dateien (siehe oben). / "
                "Sync incomplete: refused or broken files (see above)."
            )
