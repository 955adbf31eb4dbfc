"""`python manage.py process_check PATH...`: check process definition files.

Contract: every PATH is a file or a directory (searched recursively for `*.json`). Prints
`path: OK` or one line per problem as `path: /pointer: message`, runs the designer tests
of each valid definition (`path: Test '<name>': <failure>`), and exits with status 1 if
any file has a problem or a failing test (status 0 otherwise). Warnings of a valid
definition (`definitions.definition_warnings`) are printed as
`path: Warnung / warning: /pointer: message` and never change the exit status.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from forms_engine.definitions import (
    MAX_FILE_BYTES,
    DefinitionError,
    check_definition,
    compile_definition,
    definition_warnings,
    load_definition,
)


def _files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"{raw}: Datei oder Verzeichnis nicht gefunden (not found).")
    return files


class Command(BaseCommand):
    help = "Prüft Prozessdefinitionen (Meta-Schema, semantische Prüfungen, Designer-Tests)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Dateien oder Verzeichnisse (*.json)")

    def handle(self, *args, **options):
        files = _files(options["paths"])
        if not files:
            raise CommandError("Keine *.json-Dateien gefunden (no *.json files found).")
        failed = 0
        for path in files:
            lines = self._check_file(path)
            if lines:
                failed += 1
                for line in lines:
                    self.stdout.write(f"{path}: {line}")
            else:
                self.stdout.write(f"{path}: OK")
                for line in self._warnings(path):
                    self.stdout.write(f"{path}: {line}")
        if failed:
            self.stderr.write(f"{failed} von {len(files)} Datei(en) fehlerhaft.")
            raise SystemExit(1)
        self.stdout.write(f"{len(files)} Datei(en) in Ordnung.")

    def _warnings(self, path: Path) -> list[str]:
        """Advice about a valid file (never fails the run)."""
        try:
            doc = load_definition(path.read_bytes())
        except (DefinitionError, OSError):
            return []
        return [
            f"Warnung / warning: {w.pointer or '/'}: {w.message} / {w.message_en}"
            for w in definition_warnings(doc)
        ]

    def _check_file(self, path: Path) -> list[str]:
        try:
            with path.open("rb") as handle:  # a larger file is refused by load_definition
                doc = load_definition(handle.read(MAX_FILE_BYTES + 1))
        except OSError as exc:
            return [f"/: Datei nicht lesbar (cannot read file): {exc.strerror or exc}"]
        except DefinitionError as exc:
            return [f"{p.pointer or '/'}: {p.message}" for p in exc.problems]
        problems = check_definition(doc)
        if problems:
            return [f"{p.pointer or '/'}: {p.message}" for p in problems]
        try:
            compiled = compile_definition(doc)
        except DefinitionError as exc:
            return [f"{p.pointer or '/'}: {p.message}" for p in exc.problems]
        lines = []
        for result in compiled.run_tests():
            lines.extend(f"Test '{result.name}': {failure}" for failure in result.failures)
        return lines
