"""Writes of the catalog: the life cycle draft → published (immutable) → retired, and sync.

Every write of a ProcessVersion goes through here. A published version is never changed:
the services refuse it, and `ProcessVersion.save()` / its queryset refuse it again
(see `catalog.models`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from forms_engine.core.audit import audit_log
from forms_engine.definitions import (
    MAX_FILE_BYTES,
    DefinitionError,
    check_definition,
    compile_definition,
    definition_sha256,
    definition_warnings,
    load_definition,
)

from .demo import DemoSetupError, DemoSetupResult, demo_setup  # noqa: F401 (the demo data service)
from .exceptions import EditConflict, ImmutableVersionError, InvalidTransition, PublishRefused
from .models import DraftRevision, Process, ProcessVersion, Publisher

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
    *,
    doc: dict,
    publisher: Publisher | None = None,
    by=None,
    based_on: ProcessVersion | None = None,
    note: str = "",
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
    created = ProcessVersion.objects.create(
        process=process,
        version=version,
        status=ProcessVersion.Status.DRAFT,
        definition=doc,
        sha256=definition_sha256(doc),
        title=_title_of(doc),
        based_on=based_on,
    )
    _keep_revision(created, by=by, note=note)
    _audit_version(by, "process.draft_created", created, based_on=based_on and based_on.version)
    return created


def _keep_revision(version: ProcessVersion, *, by=None, note: str = "") -> DraftRevision:
    return DraftRevision.objects.create(
        version=version,
        number=version.revision,
        definition=version.definition,
        sha256=version.sha256,
        saved_by=by if getattr(by, "pk", None) else None,
        note=(note or "")[:200],
    )


def _audit_version(by, action: str, version: ProcessVersion, **data) -> None:
    audit_log(
        actor=by if getattr(by, "pk", None) else (by or "system"),
        action=action,
        data={
            "process": str(version.process),
            "process_id": version.process_id,
            "version": version.version,
            "version_id": version.pk,
            "revision": version.revision,
            **{key: value for key, value in data.items() if value is not None},
        },
    )


@transaction.atomic
def process_version_update_draft(
    *,
    version: ProcessVersion,
    doc: dict,
    by=None,
    expected_revision: int | None = None,
    note: str = "",
) -> ProcessVersion:
    """Replace a draft's definition. Refused (`ImmutableVersionError`) unless a draft.

    The definition's `id` must stay the process id; a changed `version` renumbers the draft.
    Optimistic concurrency: with `expected_revision` (the revision the editor loaded), a
    draft saved by someone else since then is refused with `EditConflict` (who saved it and
    when) and nothing changes; every save counts `revision` up and is kept as a
    `DraftRevision` (the way back to an earlier state). Saving the same document again
    keeps the revision. Audit: `process.draft_saved`.
    """
    locked = ProcessVersion.objects.select_for_update().get(pk=version.pk)
    if expected_revision is not None and int(expected_revision) != locked.revision:
        raise _edit_conflict(locked)
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
    sha256 = definition_sha256(doc)
    if sha256 == locked.sha256 and number == locked.version and _same_order(doc, locked.definition):
        return locked
    locked.definition = doc
    locked.version = number
    locked.sha256 = sha256
    locked.title = _title_of(doc)
    locked.revision += 1
    locked.save()
    _keep_revision(locked, by=by, note=note)
    _audit_version(by, "process.draft_saved", locked)
    return locked


def _same_order(doc, other) -> bool:
    """The canonical hash sorts keys, but the order of `properties` is the order of the
    fields: a draft whose fields were only reordered is a new save all the same."""
    return json.dumps(doc, ensure_ascii=False) == json.dumps(other, ensure_ascii=False)


def _edit_conflict(locked: ProcessVersion) -> EditConflict:
    last = locked.revisions.select_related("saved_by").order_by("-number").first()
    who = (last.saved_by.get_username() if last and last.saved_by else "") or "jemand anderes"
    who_en = who if who != "jemand anderes" else "someone else"
    when = timezone.localtime(last.saved_at).strftime("%d.%m.%Y %H:%M") if last else ""
    return EditConflict(
        f"Der Entwurf wurde inzwischen von {who} geändert (Stand {locked.revision}"
        f"{', ' + when if when else ''}). Ihre Änderung wurde nicht gespeichert, damit nichts "
        "überschrieben wird. Laden Sie den Entwurf neu und übernehmen Sie Ihre Änderung dort.",
        f"The draft was changed by {who_en} in the meantime (revision {locked.revision}"
        f"{', ' + when if when else ''}). Your change was not saved so that nothing is "
        "overwritten. Reload the draft and make your change there.",
        current_revision=locked.revision,
    )


@transaction.atomic
def process_version_restore_revision(
    *, version: ProcessVersion, number: int, by=None, expected_revision: int | None = None
) -> ProcessVersion:
    """Go back to an earlier save: the draft takes revision `number`'s definition as a new
    save (history is never rewritten). Refusals as for `process_version_update_draft`;
    an unknown `number` is `InvalidTransition`."""
    kept = DraftRevision.objects.filter(version=version, number=number).first()
    if kept is None:
        raise InvalidTransition(
            f"Einen Speicherstand {number} gibt es nicht.", f"There is no saved state {number}."
        )
    return process_version_update_draft(
        version=version,
        doc=kept.definition,
        by=by,
        expected_revision=expected_revision,
        note=f"Stand {number} wiederhergestellt / restored revision {number}",
    )


def next_version_number(process: Process, step: str = "minor") -> str:
    """A version number higher than every number of `process` (drafts included), by `step`
    (major | minor | patch) from the highest one."""
    from .selectors import semver_key

    numbers = [semver_key(v) for v in process.versions.values_list("version", flat=True)]
    major, minor, patch = max([n for n in numbers if min(n) >= 0] or [(0, 0, 0)])
    if step == "major":
        return f"{major + 1}.0.0"
    if step == "patch":
        return f"{major}.{minor}.{patch + 1}"
    return f"{major}.{minor + 1}.0"


@transaction.atomic
def process_version_new_draft_from(
    *, version: ProcessVersion, by=None, number: str | None = None
) -> ProcessVersion:
    """A new draft of the same process starting from any version (published, retired or a
    draft), numbered `number` or the next minor version. The definition is copied as it is
    (with the new number); `based_on` remembers where it came from."""
    doc = dict(version.definition) if isinstance(version.definition, dict) else {}
    doc["version"] = number or next_version_number(version.process)
    doc["id"] = version.process.identifier
    return process_version_create_draft(
        doc=doc,
        publisher=version.process.publisher,
        by=by,
        based_on=version,
        note=f"aus Version {version.version} / from version {version.version}",
    )


@transaction.atomic
def process_version_publish(*, version: ProcessVersion) -> ProcessVersion:
    """Publish a draft: check the definition, run its designer tests, freeze it.

    Contract: refused with `PublishRefused` (German + English message, `.problems` listing
    definition problems or failed designer tests) when broken; `InvalidTransition` unless
    the version is a draft. After publishing, the row never changes again. Warnings
    (`definition_warnings`) never refuse; they are logged and left on the returned
    instance as `publish_warnings` (list[Problem]) for the caller to show.

    Follow patches, in the same transaction: every activation with `follow_patches` pinned
    to the same MAJOR.MINOR with a lower PATCH moves to this version when its parameter
    values fit (`activation_upgrade`, reason "follow_patches"); one whose values do not fit
    stays, with a warning logged. `offering_moves` (list[OfferingMove]) says which.
    """
    locked = ProcessVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != ProcessVersion.Status.DRAFT:
        raise InvalidTransition(
            "Nur Entwürfe können veröffentlicht werden.", "Only drafts can be published."
        )
    _publishable(locked.definition)
    locked.sha256 = definition_sha256(locked.definition)
    locked.title = _title_of(locked.definition)
    locked.status = ProcessVersion.Status.PUBLISHED
    locked.published_at = timezone.now()
    # only what publishing changes (the definition, unchanged, is not written again)
    locked.save(update_fields=["sha256", "title", "status", "published_at"])
    locked.publish_warnings = definition_warnings(locked.definition)
    for warning in locked.publish_warnings:
        logger.warning("Published %s with a warning: %s", locked, warning)
    # In the same transaction: the publication and the moves of the offerings that follow
    # patch releases commit (or fail) together.
    locked.offering_moves = _follow_patches(locked)
    return locked


def _publishable(definition: dict):
    """The compiled definition if it may be published, else `PublishRefused`: its problems,
    or that it does not compile, or its failing designer tests."""
    # compile_definition checks the definition in full (once: a document found clean in
    # this process is not checked twice); on failure the check says why, else the compile.
    try:
        compiled = compile_definition(definition)
    except DefinitionError as exc:
        problems = list(check_definition(definition))
        if problems:
            raise PublishRefused(
                f"Die Definition ist fehlerhaft und wird nicht veröffentlicht "
                f"({len(problems)} Problem(e)): " + "; ".join(str(p) for p in problems[:5]),
                f"The definition is broken and is not published ({len(problems)} problem(s)): "
                + "; ".join(
                    f"{p.pointer or '/'}: {p.message_en or p.message}" for p in problems[:5]
                ),
                problems=problems,
            ) from None
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
    return compiled


@transaction.atomic
def process_versions_publish_new(
    *, docs: list[dict], publisher: Publisher, by=None, note: str = ""
) -> list[ProcessVersion]:
    """Create and publish new versions of `publisher`'s processes at once (a library import).

    Contract: the same as `process_version_create_draft` followed by
    `process_version_publish` for each of `docs` in order, in one transaction and with a
    fixed number of queries instead of about sixteen per version: processes created on
    first use; a version number that exists raises `ImmutableVersionError` (published) or
    `InvalidTransition` (draft); each definition checked, compiled and its designer tests
    run (`PublishRefused` as in `process_version_publish`); each version kept with its draft
    revision (`note`) and the audit entry `process.draft_created`; `publish_warnings` and,
    for processes that existed before, the moves of the offerings that follow patches
    (`offering_moves`). Nothing is written unless every version may be published.
    """
    if not docs:
        return []
    identities = [_require_identity(doc) for doc in docs]
    for doc in docs:
        _publishable(doc)
    identifiers = {identifier for identifier, _ in identities}
    processes = {
        p.identifier: p
        for p in Process.objects.filter(publisher=publisher, identifier__in=identifiers)
    }
    for process in processes.values():
        process.publisher = publisher  # the same row: no query per process for str()
    existed = set(processes)
    if processes:
        taken = {
            (v.process.identifier, v.version): v
            for v in ProcessVersion.objects.filter(process__in=list(processes.values()))
            .select_related("process")
            .defer("definition")
        }
    else:
        taken = {}
    seen: set[tuple[str, str]] = set()
    for identifier, version in identities:
        existing = taken.get((identifier, version))
        if existing is not None and existing.is_frozen:
            raise ImmutableVersionError(
                f"Version {version} von „{identifier}“ ist bereits veröffentlicht und "
                "unveränderlich. Wählen Sie eine neue Versionsnummer.",
                f"Version {version} of '{identifier}' is already published and immutable. "
                "Choose a new version number.",
            )
        if existing is not None or (identifier, version) in seen:
            raise InvalidTransition(
                f"Es gibt bereits einen Entwurf {version} von „{identifier}“.",
                f"A draft {version} of '{identifier}' already exists.",
            )
        seen.add((identifier, version))
    created_processes = Process.objects.bulk_create(
        [
            Process(publisher=publisher, identifier=identifier)
            for identifier in sorted(identifiers - existed)
        ]
    )
    processes.update({p.identifier: p for p in created_processes})
    now = timezone.now()
    versions = ProcessVersion.objects.bulk_create(
        [
            ProcessVersion(
                process=processes[identifier],
                version=version,
                status=ProcessVersion.Status.PUBLISHED,
                definition=doc,
                sha256=definition_sha256(doc),
                title=_title_of(doc),
                published_at=now,
            )
            for doc, (identifier, version) in zip(docs, identities, strict=True)
        ]
    )
    saved_by = by if getattr(by, "pk", None) else None
    DraftRevision.objects.bulk_create(
        [
            DraftRevision(
                version=v,
                number=v.revision,
                definition=v.definition,
                sha256=v.sha256,
                saved_by=saved_by,
                note=(note or "")[:200],
            )
            for v in versions
        ]
    )
    from forms_engine.core.audit import audit_log_many

    audit_log_many(
        actor=saved_by or (by or "system"),
        action="process.draft_created",
        data=[
            {
                "process": str(v.process),
                "process_id": v.process_id,
                "version": v.version,
                "version_id": v.pk,
                "revision": v.revision,
            }
            for v in versions
        ],
    )
    for v in versions:
        v.publish_warnings = definition_warnings(v.definition)
        for warning in v.publish_warnings:
            logger.warning("Published %s with a warning: %s", v, warning)
        # a process created just now has no offerings to move
        v.offering_moves = _follow_patches(v) if v.process.identifier in existed else []
    return versions


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

    Activations pinned to it move to the process's current version where their parameter
    values fit (`activation_upgrade`, reason "retire"); the others stay pinned and offer
    nothing new until an administrator moves them. `offering_moves` says which.
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
    locked.offering_moves = _repin_after_retire(locked)
    return locked


@dataclass
class OfferingMove:
    """What happened to one activation when a version was published or retired: `moved`
    to `version`, or it stays (`message` / `message_en` say why)."""

    activation: object
    version: ProcessVersion
    moved: bool
    message: str = ""
    message_en: str = ""


def _move_offerings(*, activations, target: ProcessVersion, reason: str) -> list[OfferingMove]:
    """Move each of `activations` to `target` where its parameter values fit (each in its
    own savepoint); the others stay, with a warning in the log and in the result."""
    results = []
    for activation in activations:
        try:
            with transaction.atomic():
                activation_upgrade(activation=activation, version=target, reason=reason)
        except InvalidTransition as exc:
            logger.warning(
                "activation %s (%s) stays on %s, not moved to %s (%s): %s",
                activation.pk,
                activation,
                activation.version and activation.version.version,
                target.version,
                reason,
                exc.message_en,
            )
            results.append(OfferingMove(activation, target, False, exc.message, exc.message_en))
        else:
            results.append(OfferingMove(activation, target, True))
    return results


def _follow_patches(published: ProcessVersion) -> list[OfferingMove]:
    """Activations with `follow_patches` pinned to the same MAJOR.MINOR with a lower PATCH
    move to `published` where their parameter values fit it; never across minor or major."""
    from forms_engine.definitions import version_step

    from .models import Activation

    candidates = [
        activation
        for activation in Activation.objects.filter(
            process_id=published.process_id, follow_patches=True, version__isnull=False
        )
        .select_related("version", "municipality", "process")
        .defer("version__definition")
        .order_by("pk")
        if version_step(activation.version.version, published.version) == "patch"
    ]
    return _move_offerings(activations=candidates, target=published, reason="follow_patches")


def _repin_after_retire(retired: ProcessVersion) -> list[OfferingMove]:
    """Activations that offered `retired` move to the process's current version where
    their parameter values fit it; the others stay pinned and offer nothing new until an
    administrator moves them (`activation_upgrade`)."""
    from .models import Activation
    from .selectors import current_version

    target = current_version(retired.process)
    if target is None:
        return []
    activations = (
        Activation.objects.filter(version=retired)
        .select_related("version", "municipality", "process")
        .order_by("pk")
    )
    return _move_offerings(activations=activations, target=target, reason="retire")


#: Why an offering moved (audit `activation.version_changed`, field `reason`).
MOVE_REASONS = ("admin", "follow_patches", "retire")


@transaction.atomic
def activation_upgrade(
    *, activation, version: ProcessVersion, parameter_values=None, by=None, reason="admin"
):
    """Move `activation` to another published `version` of its process (an explicit act per
    municipality; or automatic: `follow_patches` on publish, `reason="retire"`).

    Contract: `parameter_values` replace the stored values when given; otherwise the stored
    values are kept without those of parameters `version` no longer declares. They must fit
    `version` (`parameter_values_check`), else `InvalidTransition` lists the problems and
    nothing changes; also refused: another process's version, a version not published, the
    version already offered. Writes an audit entry `activation.version_changed` (actor `by`,
    a user, or "system"). Drafts and cases keep the version and values they started with.
    Returns the activation (the caller's instance is updated too).
    """
    from forms_engine.core.audit import audit_log

    from .models import Activation
    from .selectors import activation_upgrade_preview

    if reason not in MOVE_REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    # Lock the activation row only: `version` is nullable (an outer join), which
    # PostgreSQL refuses to lock ("FOR UPDATE cannot be applied to the nullable side").
    locked = (
        Activation.objects.select_for_update(of=("self",))
        .select_related("version", "municipality", "process")
        .get(pk=activation.pk)
    )
    preview = activation_upgrade_preview(locked, version, parameter_values=parameter_values)
    if preview.refusal:
        raise InvalidTransition(preview.refusal, preview.refusal_en)
    if preview.parameter_problems:
        problems = preview.parameter_problems
        raise InvalidTransition(
            f"Die Parameterwerte passen nicht zur Version {version.version}: "
            + "; ".join(f"{p.pointer or '/'}: {p.message}" for p in problems),
            f"The parameter values do not fit version {version.version}: "
            + "; ".join(f"{p.pointer or '/'}: {p.message_en}" for p in problems),
            problems=problems,
        )
    previous = locked.version
    before = locked.parameter_values if isinstance(locked.parameter_values, dict) else {}
    values = preview.parameter_values
    locked.version = version
    locked.parameter_values = values
    locked.save(update_fields=["version", "parameter_values", "updated_at"])
    changed = sorted(
        name for name in set(before) | set(values) if before.get(name) != values.get(name)
    )
    audit_log(
        actor=by,
        action="activation.version_changed",
        data={
            "activation": locked.pk,
            "municipality": locked.municipality.slug,
            "process": locked.process.identifier,
            "from": previous.version if previous else None,
            "to": version.version,
            "step": preview.step,
            "reason": reason,
            "changed_parameters": changed,
        },
    )
    logger.info(
        "activation %s (%s): %s -> %s (%s, by %s)",
        locked.pk,
        locked,
        previous and previous.version,
        version.version,
        reason,
        by.get_username() if by is not None else "system",
    )
    activation.version = version
    activation.parameter_values = values
    activation.updated_at = locked.updated_at
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
