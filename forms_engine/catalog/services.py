"""Writes of the catalog: the life cycle draft → published (immutable) → retired, and sync.

Every write of a ProcessVersion goes through here. A published version is never changed:
the services refuse it, and `ProcessVersion.save()` / its queryset refuse it again
(see `catalog.models`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from forms_engine.definitions import (
    DefinitionError,
    check_definition,
    compile_definition,
    definition_sha256,
    load_definition,
)

from .exceptions import ImmutableVersionError, InvalidTransition, PublishRefused
from .models import Process, ProcessVersion


def _title_of(doc: dict) -> str:
    title = doc.get("title")
    if isinstance(title, dict):
        return str(title.get("de") or title.get("en") or "")[:300]
    return str(title or "")[:300]


def _require_identity(doc: dict) -> tuple[str, str]:
    if not isinstance(doc, dict):
        raise DefinitionError([])
    identifier, version = doc.get("id"), doc.get("version")
    if not isinstance(identifier, str) or not identifier or not isinstance(version, str):
        from forms_engine.definitions import Problem

        raise DefinitionError(
            [
                Problem(
                    "",
                    "Die Definition braucht „id“ und „version“.",
                    "The definition needs 'id' and 'version'.",
                )
            ]
        )
    return identifier, version


@transaction.atomic
def process_version_create_draft(*, doc: dict) -> ProcessVersion:
    """Create a draft version from a definition document.

    Contract: the process is created on first use (by `doc["id"]`); the version number is
    `doc["version"]` and must be new for that process (an existing published number raises
    `ImmutableVersionError`, an existing draft number `InvalidTransition`). The definition
    need not be valid yet (it is checked at publish); it needs `id` and `version`.
    """
    identifier, version = _require_identity(doc)
    process, _ = Process.objects.get_or_create(identifier=identifier)
    existing = ProcessVersion.objects.filter(process=process, version=version).first()
    if existing is not None:
        if existing.is_frozen:
            raise ImmutableVersionError(
                f"Version {version} von „{identifier}“ ist bereits veröffentlicht und "
                "unveränderlich. Wählen Sie eine neue Versionsnummer.",
                f"Version {version} of '{identifier}' is already published and immutable. "
                "Choose a new version number.",
            )
        raise InvalidTransition(
            f"Es gibt bereits einen Entwurf {version} von „{identifier}“.",
            f"A draft {version} of '{identifier}' already exists.",
        )
    return ProcessVersion.objects.create(
        process=process,
        version=version,
        status=ProcessVersion.Status.DRAFT,
        definition=doc,
        sha256=definition_sha256(doc),
        title=_title_of(doc),
    )


@transaction.atomic
def process_version_update_draft(*, version: ProcessVersion, doc: dict) -> ProcessVersion:
    """Replace a draft's definition. Refused (`ImmutableVersionError`) unless a draft.

    The definition's `id` must stay the process id; a changed `version` renumbers the draft.
    """
    locked = ProcessVersion.objects.select_for_update().get(pk=version.pk)
    if locked.is_frozen:
        raise ImmutableVersionError(
            "Diese Version ist veröffentlicht und kann nicht mehr geändert werden. "
            "Legen Sie eine neue Version als Entwurf an.",
            "This version is published and can no longer be changed. Create a new draft version.",
        )
    identifier, number = _require_identity(doc)
    if identifier != locked.process.identifier:
        raise InvalidTransition(
            f"Die Kennung „{identifier}“ passt nicht zur Verwaltungsleistung "
            f"„{locked.process.identifier}“.",
            f"The id '{identifier}' does not match the process '{locked.process.identifier}'.",
        )
    if (
        number != locked.version
        and ProcessVersion.objects.filter(process=locked.process, version=number).exists()
    ):
        raise InvalidTransition(
            f"Version {number} gibt es schon.", f"Version {number} already exists."
        )
    locked.definition = doc
    locked.version = number
    locked.sha256 = definition_sha256(doc)
    locked.title = _title_of(doc)
    locked.save()
    return locked


@transaction.atomic
def process_version_publish(*, version: ProcessVersion) -> ProcessVersion:
    """Publish a draft: check the definition, run its designer tests, freeze it.

    Contract: refused with `PublishRefused` (German + English message, `.problems` listing
    definition problems or failed designer tests) when broken; `InvalidTransition` unless
    the version is a draft. After publishing, the row never changes again.
    """
    locked = ProcessVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != ProcessVersion.Status.DRAFT:
        raise InvalidTransition(
            "Nur Entwürfe können veröffentlicht werden.", "Only drafts can be published."
        )
    problems = list(check_definition(locked.definition))
    if problems:
        raise PublishRefused(
            f"Die Definition ist fehlerhaft und wird nicht veröffentlicht "
            f"({len(problems)} Problem(e)): " + "; ".join(str(p) for p in problems[:5]),
            f"The definition is broken and is not published ({len(problems)} problem(s)): "
            + "; ".join(f"{p.pointer or '/'}: {p.message_en or p.message}" for p in problems[:5]),
            problems=problems,
        )
    try:
        compiled = compile_definition(locked.definition)
    except DefinitionError as exc:
        raise PublishRefused(
            "Die Definition lässt sich nicht übersetzen und wird nicht veröffentlicht.",
            "The definition does not compile and is not published.",
            problems=exc.problems,
        ) from exc
    failed = [result for result in compiled.run_tests() if not result.passed]
    if failed:
        names = ", ".join(result.name for result in failed)
        raise PublishRefused(
            f"Designer-Tests schlagen fehl, die Version wird nicht veröffentlicht: {names}",
            f"Designer tests fail, the version is not published: {names}",
            problems=[f"{r.name}: {'; '.join(r.failures)}" for r in failed],
        )
    locked.sha256 = definition_sha256(locked.definition)
    locked.title = _title_of(locked.definition)
    locked.status = ProcessVersion.Status.PUBLISHED
    locked.published_at = timezone.now()
    locked.save()
    return locked


@transaction.atomic
def process_version_retire(*, version: ProcessVersion) -> ProcessVersion:
    """Retire a published version: no new drafts or cases; existing ones keep it.

    `InvalidTransition` unless published. The definition stays untouched.
    """
    locked = ProcessVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != ProcessVersion.Status.PUBLISHED:
        raise InvalidTransition(
            "Nur veröffentlichte Versionen können zurückgezogen werden.",
            "Only published versions can be retired.",
        )
    locked.status = ProcessVersion.Status.RETIRED
    locked.retired_at = timezone.now()
    locked.save(update_fields=["status", "retired_at"])
    return locked


@dataclass
class SyncEntry:
    path: str
    identifier: str = ""
    version: str = ""
    message: str = ""
    message_en: str = ""
    error: Exception | None = None


@dataclass
class SyncReport:
    """What `process_sync` did, file by file.

    `created`: new versions, published. `unchanged`: identical to the stored version.
    `refused`: the file differs from an already published version with the same number
    (`error` is the `ImmutableVersionError`; the stored version is untouched).
    `failed`: the file is broken (invalid JSON, check problems, designer tests, wrong path).
    """

    created: list[SyncEntry] = field(default_factory=list)
    unchanged: list[SyncEntry] = field(default_factory=list)
    refused: list[SyncEntry] = field(default_factory=list)
    failed: list[SyncEntry] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused and not self.failed

    def raise_for_refusals(self) -> None:
        """Raise the first refusal's `ImmutableVersionError`, if any."""
        for entry in self.refused:
            raise entry.error  # type: ignore[misc]

    def lines(self) -> list[str]:
        out = []
        for label, entries in (
            ("neu veröffentlicht / published", self.created),
            ("unverändert / unchanged", self.unchanged),
            ("VERWEIGERT / REFUSED", self.refused),
            ("FEHLERHAFT / BROKEN", self.failed),
        ):
            for entry in entries:
                name = f"{entry.identifier} {entry.version}".strip() or entry.path
                text = f"{label}: {name} ({entry.path})"
                if entry.message:
                    text += f"\n    {entry.message}\n    {entry.message_en}"
                out.append(text)
        out.append(
            f"{len(self.created)} neu, {len(self.unchanged)} unverändert, "
            f"{len(self.refused)} verweigert, {len(self.failed)} fehlerhaft / "
            f"{len(self.created)} new, {len(self.unchanged)} unchanged, "
            f"{len(self.refused)} refused, {len(self.failed)} broken"
        )
        return out


def process_sync(*, directory: Path | str) -> SyncReport:
    """Load `<directory>/<process-id>/<version>.json` into the catalog, publishing new files.

    Contract: idempotent. A new (id, version) is created as a draft and published (each
    file in its own transaction: a broken file leaves nothing behind). A file identical to
    the stored published version (same sha256) is left untouched. A file whose content
    differs from an already published (or retired) version with the same number is
    REFUSED and reported, never overwritten. A stored *draft* with the same number is
    refused too (a designer is working on it). The path must match `id` and `version`.
    """
    report = SyncReport()
    root = Path(directory)
    for path in sorted(root.glob("*/*.json")):
        entry = SyncEntry(path=str(path.relative_to(root)))
        try:
            doc = load_definition(path.read_bytes())
        except DefinitionError as exc:
            entry.message = "; ".join(p.message for p in exc.problems)
            entry.message_en = "; ".join(p.message_en for p in exc.problems)
            entry.error = exc
            report.failed.append(entry)
            continue
        entry.identifier = str(doc.get("id", ""))
        entry.version = str(doc.get("version", ""))
        if entry.identifier != path.parent.name or entry.version != path.stem:
            entry.message = (
                f"Dateipfad passt nicht zu id/version ({entry.identifier}/{entry.version}.json "
                "erwartet)."
            )
            entry.message_en = (
                f"File path does not match id/version (expected "
                f"{entry.identifier}/{entry.version}.json)."
            )
            report.failed.append(entry)
            continue
        sha = definition_sha256(doc)
        stored = ProcessVersion.objects.filter(
            process__identifier=entry.identifier, version=entry.version
        ).first()
        if stored is not None:
            if stored.is_frozen and stored.sha256 == sha:
                report.unchanged.append(entry)
                continue
            error = ImmutableVersionError(
                f"Die Datei weicht von der bereits gespeicherten Version {entry.version} ab "
                f"(gespeichert {stored.sha256[:12]}…, Datei {sha[:12]}…, Status "
                f"{stored.status}). Sie wird nicht übernommen; erhöhen Sie die Versionsnummer.",
                f"The file differs from the stored version {entry.version} "
                f"(stored {stored.sha256[:12]}…, file {sha[:12]}…, status {stored.status}). "
                "It is not applied; raise the version number.",
            )
            entry.message, entry.message_en, entry.error = error.message, error.message_en, error
            report.refused.append(entry)
            continue
        try:
            with transaction.atomic():
                draft = process_version_create_draft(doc=doc)
                process_version_publish(version=draft)
        except (PublishRefused, DefinitionError, InvalidTransition, ImmutableVersionError) as exc:
            entry.message = getattr(exc, "message", str(exc))
            entry.message_en = getattr(exc, "message_en", "")
            problems = getattr(exc, "problems", [])
            if problems:
                entry.message += " | " + "; ".join(str(p) for p in problems[:10])
            entry.error = exc
            report.failed.append(entry)
            continue
        report.created.append(entry)
    return report
