"""Writes of the catalog: the life cycle draft → published (immutable) → retired, and sync.

Every write of a ProcessVersion goes through here. A published version is never changed:
the services refuse it, and `ProcessVersion.save()` / its queryset refuse it again
(see `catalog.models`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from forms_engine.definitions import (
    MAX_FILE_BYTES,
    DefinitionError,
    check_definition,
    compile_definition,
    definition_sha256,
    definition_warnings,
    load_definition,
)

from .exceptions import ImmutableVersionError, InvalidTransition, PublishRefused
from .models import Process, ProcessVersion, Publisher

logger = logging.getLogger(__name__)


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


def default_publisher() -> Publisher:
    """The installation's own publisher (settings `FORMS_DEFAULT_PUBLISHER`, slug and name):
    the shipped library and drafts created without a publisher belong to it."""
    from django.conf import settings

    slug, name = settings.FORMS_DEFAULT_PUBLISHER
    publisher, _ = Publisher.objects.get_or_create(slug=slug, defaults={"name": name})
    return publisher


def publisher_ensure(*, slug: str, name: str = "", rename: bool = False) -> Publisher:
    """The publisher with `slug`, created (named `name`, else the slug) if it is new; with
    `rename` an existing one takes `name` when given and different. A slug that is not a valid
    `Kennung` (letters, digits, `-`, `_`; at most 100) raises `InvalidTransition`."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_slug

    try:
        validate_slug(slug)
        if len(slug) > 100:
            raise ValidationError("too long")
    except ValidationError:
        raise InvalidTransition(
            f"„{slug}“ ist keine gültige Herausgeber-Kennung (Buchstaben, Ziffern, - und _; "
            "höchstens 100 Zeichen).",
            f"'{slug}' is not a valid publisher slug (letters, digits, - and _; at most 100).",
        ) from None
    name = (name or "").strip()[:200]
    publisher, created = Publisher.objects.get_or_create(slug=slug, defaults={"name": name or slug})
    if not created and rename and name and publisher.name != name:
        publisher.name = name
        publisher.save(update_fields=["name"])
    return publisher


@transaction.atomic
def process_version_create_draft(
    *, doc: dict, publisher: Publisher | None = None
) -> ProcessVersion:
    """Create a draft version from a definition document.

    Contract: the process is created on first use (by `doc["id"]`); the version number is
    `doc["version"]` and must be new for that process (an existing published number raises
    `ImmutableVersionError`, an existing draft number `InvalidTransition`). The definition
    need not be valid yet (it is checked at publish); it needs `id` and `version`. The
    process id is unique per `publisher` (default: `default_publisher()`).
    """
    identifier, version = _require_identity(doc)
    publisher = publisher or default_publisher()
    process, _ = Process.objects.get_or_create(publisher=publisher, identifier=identifier)
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
    the version is a draft. After publishing, the row never changes again. Warnings
    (`definition_warnings`) never refuse; they are logged and left on the returned
    instance as `publish_warnings` (list[Problem]) for the caller to show.
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
    locked.publish_warnings = definition_warnings(locked.definition)
    for warning in locked.publish_warnings:
        logger.warning("Published %s with a warning: %s", locked, warning)
    return locked


#: Days a retired version still takes the drafts already started on it, unless chosen.
RETIRE_GRACE_DAYS = 14
#: The longest grace period that may be chosen (a year).
RETIRE_GRACE_MAX_DAYS = 366


@transaction.atomic
def process_version_retire(
    *, version: ProcessVersion, grace_days: int = RETIRE_GRACE_DAYS, now=None
) -> ProcessVersion:
    """Retire a published version: no new drafts; new starts go to the current version.

    Drafts already started on it may still be finished, paid and submitted for
    `grace_days` days (0 = none): `submit_until` = `retired_at` + grace. After that
    `case_submit` refuses them with `version_retired`. API submissions (no draft) are
    refused at once. `InvalidTransition` unless published, or when `grace_days` is not a
    whole number from 0 to `RETIRE_GRACE_MAX_DAYS`. The definition stays untouched.
    """
    if (
        isinstance(grace_days, bool)
        or not isinstance(grace_days, int)
        or not 0 <= grace_days <= RETIRE_GRACE_MAX_DAYS
    ):
        raise InvalidTransition(
            f"Die Frist muss eine ganze Zahl von 0 bis {RETIRE_GRACE_MAX_DAYS} Tagen sein.",
            f"The grace period must be a whole number of 0 to {RETIRE_GRACE_MAX_DAYS} days.",
        )
    locked = ProcessVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != ProcessVersion.Status.PUBLISHED:
        raise InvalidTransition(
            "Nur veröffentlichte Versionen können zurückgezogen werden.",
            "Only published versions can be retired.",
        )
    now = now or timezone.now()
    locked.status = ProcessVersion.Status.RETIRED
    locked.retired_at = now
    locked.submit_until = now + dt.timedelta(days=grace_days)
    locked.save(update_fields=["status", "retired_at", "submit_until"])
    _repin_after_retire(locked)
    return locked


def _repin_after_retire(retired: ProcessVersion) -> None:
    """Activations that offered `retired` move to the process's current version where
    their parameter values fit it; the others stay pinned and offer nothing new until an
    administrator moves them (`activation_upgrade`)."""
    from .models import Activation
    from .selectors import current_version

    target = current_version(retired.process)
    if target is None:
        return
    for activation in Activation.objects.filter(version=retired):
        try:
            activation_upgrade(activation=activation, version=target)
        except InvalidTransition as exc:
            logger.warning("activation %s stays on retired %s: %s", activation.pk, retired, exc)


@transaction.atomic
def activation_upgrade(*, activation, version: ProcessVersion, parameter_values=None):
    """Move `activation` to another published `version` of its process (explicit, per
    municipality). `parameter_values` replace the stored ones when given; they must fit the
    new version's declarations, else `InvalidTransition` lists the problems and nothing
    changes. Drafts and cases keep the version and values they started with."""
    from forms_engine.definitions import parameter_values_check

    from .selectors import version_definition

    if version.process_id != activation.process_id:
        raise InvalidTransition(
            "Die Version gehört zu einer anderen Verwaltungsleistung.",
            "The version belongs to another process.",
        )
    if version.status != ProcessVersion.Status.PUBLISHED:
        raise InvalidTransition(
            "Nur veröffentlichte Versionen können angeboten werden.",
            "Only published versions can be offered.",
        )
    values = activation.parameter_values if parameter_values is None else parameter_values
    values = values if isinstance(values, dict) else {}
    problems = parameter_values_check(version_definition(version), values)
    if problems:
        raise InvalidTransition(
            "Die Parameterwerte passen nicht zur Version "
            f"{version.version}: " + "; ".join(f"{p.pointer}: {p.message}" for p in problems),
            f"The parameter values do not fit version {version.version}: "
            + "; ".join(f"{p.pointer}: {p.message_en}" for p in problems),
        )
    previous = activation.version
    activation.version = version
    activation.parameter_values = values
    activation.save(update_fields=["version", "parameter_values", "updated_at"])
    logger.info(
        "activation %s: %s -> %s", activation.pk, previous and previous.version, version.version
    )
    return activation


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


def process_sync(*, directory: Path | str, publisher: Publisher | None = None) -> SyncReport:
    """Load `<directory>/<process-id>/<version>.json` into the catalog, publishing new files.

    Contract: idempotent. A new (id, version) is created as a draft and published (each
    file in its own transaction: a broken file leaves nothing behind). A file identical to
    the stored published version (same sha256) is left untouched. A file whose content
    differs from an already published (or retired) version with the same number is
    REFUSED and reported, never overwritten. A stored *draft* with the same number is
    refused too (a designer is working on it). The path must match `id` and `version`.
    Processes belong to `publisher` (default: `default_publisher()`).
    """
    publisher = publisher or default_publisher()
    report = SyncReport()
    root = Path(directory)
    for path in sorted(root.glob("*/*.json")):
        entry = SyncEntry(path=str(path.relative_to(root)))
        try:
            _sync_file(path=path, entry=entry, report=report, publisher=publisher)
        except Exception as exc:  # one bad file never stops the others: report it, go on
            logger.exception("process_sync: %s", entry.path)
            entry.message = f"Die Datei konnte nicht verarbeitet werden ({type(exc).__name__})."
            entry.message_en = f"The file could not be processed ({type(exc).__name__})."
            entry.error = exc
            report.failed.append(entry)
    return report


def _read_definition_file(path: Path) -> bytes:
    """At most MAX_FILE_BYTES + 1 bytes: a larger file is refused by `load_definition`."""
    with path.open("rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


def _sync_file(*, path: Path, entry: SyncEntry, report: SyncReport, publisher: Publisher) -> None:
    """One file of `process_sync`: appends `entry` to the fitting list of `report`."""
    try:
        doc = load_definition(_read_definition_file(path))
    except OSError as exc:
        entry.message = f"Die Datei kann nicht gelesen werden ({exc.strerror or exc})."
        entry.message_en = f"The file cannot be read ({exc.strerror or exc})."
        entry.error = exc
        report.failed.append(entry)
        return
    except DefinitionError as exc:
        entry.message = "; ".join(str(p) for p in exc.problems[:10])
        entry.message_en = "; ".join(
            f"{p.pointer or '/'}: {p.message_en}" for p in exc.problems[:10]
        )
        entry.error = exc
        report.failed.append(entry)
        return
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
        return
    sha = definition_sha256(doc)
    stored = ProcessVersion.objects.filter(
        process__publisher=publisher, process__identifier=entry.identifier, version=entry.version
    ).first()
    if stored is not None:
        if stored.is_frozen and stored.sha256 == sha:
            report.unchanged.append(entry)
            return
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
        return
    try:
        with transaction.atomic():
            draft = process_version_create_draft(doc=doc, publisher=publisher)
            process_version_publish(version=draft)
    except (PublishRefused, DefinitionError, InvalidTransition, ImmutableVersionError) as exc:
        entry.message = getattr(exc, "message", str(exc))
        entry.message_en = getattr(exc, "message_en", "")
        problems = getattr(exc, "problems", [])
        if problems:
            entry.message += " | " + "; ".join(str(p) for p in problems[:10])
        entry.error = exc
        report.failed.append(entry)
        return
    report.created.append(entry)


class DemoSetupError(Exception):
    """fixtures/demo.json is malformed (German / English message)."""


@dataclass
class DemoSetupResult:
    created: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"angelegt / created: {item}" for item in self.created] + self.notes


def _clerk_specs(doc: dict) -> list[tuple[str, str, dict]]:
    """(municipality slug, authority slug, user dict) from both supported layouts."""
    specs = []
    for muni in doc.get("municipalities", []):
        for authority in muni.get("authorities", []):
            for clerk in authority.get("clerks", []):
                user = clerk if isinstance(clerk, dict) else {"username": clerk}
                specs.append((muni["slug"], authority["slug"], user))
    for clerk in doc.get("clerks", []):
        authority = clerk.get("authority", "")
        muni = clerk.get("municipality", "")
        if "/" in authority and not muni:
            muni, authority = authority.split("/", 1)
        specs.append((muni, authority, clerk))
    return specs


@transaction.atomic
def demo_setup(
    *, path: Path | str, clerk_password: str | None = None, admin_password: str | None = None
) -> DemoSetupResult:
    """Create or update the demo municipalities, authorities, activations and clerks.

    Contract: idempotent (a second run changes nothing). The file (fixtures/demo.json)::

        {"municipalities": [{"name", "ars", "slug",
            "authorities": [{"slug", "name", "email"?, "clerks"?: ["username" | {...}]}],
            "activations": {"<process id>" | "<publisher slug>/<process id>":
                            "<authority slug>"}}],
         "clerks": [{"username", "municipality", "authority", "first_name"?, "last_name"?,
                     "email"?}]}

    Clerks get an unusable password unless `clerk_password` is given (then it is set on
    every run). The superuser `admin` is created or updated only with `admin_password`.
    Activations name processes by id (the installation's own library, `default_publisher`)
    or as `<publisher slug>/<id>`; a process not yet synced is skipped with a note.
    """
    import json

    from django.contrib.auth import get_user_model

    from .models import Activation, Authority, Municipality

    try:
        doc = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise DemoSetupError(f"demo.json unlesbar / unreadable: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("municipalities"), list):
        raise DemoSetupError(
            "demo.json braucht eine Liste „municipalities“ / needs a list 'municipalities'"
        )
    result = DemoSetupResult()
    User = get_user_model()
    own_library = default_publisher()
    try:
        for muni_doc in doc["municipalities"]:
            muni, created = Municipality.objects.update_or_create(
                slug=muni_doc["slug"],
                defaults={"name": muni_doc["name"], "ars": muni_doc["ars"]},
            )
            if created:
                result.created.append(f"Kommune {muni}")
            for auth_doc in muni_doc.get("authorities", []):
                authority, created = Authority.objects.update_or_create(
                    municipality=muni,
                    slug=auth_doc["slug"],
                    defaults={"name": auth_doc["name"], "email": auth_doc.get("email", "")},
                )
                if created:
                    result.created.append(f"Behörde {authority}")
            for process_id, authority_slug in (muni_doc.get("activations") or {}).items():
                # "<id>": the installation's own library; "<publisher slug>/<id>": another's.
                publisher_slug, _, identifier = process_id.rpartition("/")
                process = Process.objects.filter(
                    publisher__slug=publisher_slug or own_library.slug,
                    identifier=identifier,
                ).first()
                if process is None:
                    result.notes.append(
                        f"Hinweis: Leistung „{process_id}“ fehlt im Katalog (erst process_sync "
                        f"ausführen). / Note: process '{process_id}' not in the catalog "
                        "(run process_sync first)."
                    )
                    continue
                authority = Authority.objects.get(municipality=muni, slug=authority_slug)
                activation, created = Activation.objects.update_or_create(
                    process=process,
                    municipality=muni,
                    defaults={"authority": authority, "is_active": True},
                )
                activation.full_clean()  # plugin options checked as for any activation
                if created:
                    result.created.append(f"Freischaltung {activation}")
        for muni_slug, authority_slug, user_doc in _clerk_specs(doc):
            authority = Authority.objects.get(municipality__slug=muni_slug, slug=authority_slug)
            user, created = User.objects.get_or_create(
                username=user_doc["username"],
                defaults={
                    "first_name": user_doc.get("first_name", ""),
                    "last_name": user_doc.get("last_name", ""),
                    "email": user_doc.get("email", ""),
                },
            )
            if clerk_password:
                if not user.check_password(clerk_password):
                    user.set_password(clerk_password)
                    user.save(update_fields=["password"])
            elif created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            authority.clerks.add(user)
            if created:
                result.created.append(f"Sachbearbeitung {user.username} ({authority})")
    except (KeyError, TypeError) as exc:
        raise DemoSetupError(
            f"demo.json: Eintrag unvollständig ({exc}) / incomplete entry ({exc})"
        ) from exc
    except (Authority.DoesNotExist, ValueError) as exc:
        raise DemoSetupError(f"demo.json: {exc}") from exc
    if not clerk_password:
        result.notes.append(
            "Hinweis: Sachbearbeitungs-Konten haben kein nutzbares Passwort; "
            "DEMO_CLERK_PASSWORD setzen, um sich anzumelden. / Note: clerk accounts have no "
            "usable password; set DEMO_CLERK_PASSWORD to log in."
        )
    if admin_password:
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        if created or not admin.check_password(admin_password) or not admin.is_superuser:
            admin.is_staff = admin.is_superuser = True
            admin.set_password(admin_password)
            admin.save()
        if created:
            result.created.append("Superuser admin")
    else:
        result.notes.append(
            "Hinweis: kein Admin-Konto angelegt (DEMO_ADMIN_PASSWORD nicht gesetzt). / "
            "Note: no admin account created (DEMO_ADMIN_PASSWORD not set)."
        )
    return result
