"""Reads of the catalog. Views, the API and the wizard read through these."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field

from django.db.models import QuerySet

from .models import Activation, LegalPage, Municipality, Process, ProcessVersion

logger = logging.getLogger(__name__)

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def semver_key(version: str) -> tuple[int, int, int]:
    """Sort key of a `MAJOR.MINOR.PATCH` string; anything else sorts first."""
    match = _SEMVER.match(version or "")
    if not match:
        return (-1, -1, -1)
    return tuple(int(part) for part in match.groups())  # type: ignore[return-value]


def published_versions() -> QuerySet[ProcessVersion]:
    """All published (not draft, not retired) versions, with their process."""
    return ProcessVersion.objects.filter(status=ProcessVersion.Status.PUBLISHED).select_related(
        "process"
    )


def current_version(process: Process) -> ProcessVersion | None:
    """The published, not retired version of `process` with the highest semantic version."""
    versions = list(published_versions().filter(process=process))
    if not versions:
        return None
    return max(versions, key=lambda v: semver_key(v.version))


def current_versions() -> list[ProcessVersion]:
    """The current version of every process that has one, ordered by process id."""
    best: dict[int, ProcessVersion] = {}
    for version in published_versions():
        known = best.get(version.process_id)
        if known is None or semver_key(version.version) > semver_key(known.version):
            best[version.process_id] = version
    return sorted(best.values(), key=lambda v: v.process.identifier)


def activation_for(process: Process, municipality: Municipality) -> Activation | None:
    """The active Activation of `process` in `municipality`, or None if not offered there."""
    return (
        Activation.objects.filter(process=process, municipality=municipality, is_active=True)
        .select_related("authority", "municipality")
        .first()
    )


def offered_version(activation: Activation) -> ProcessVersion | None:
    """The version `activation` offers to new drafts: its pinned version while published
    (a retired pin offers nothing new); not pinned yet, the process's current version."""
    if activation.version_id is None:
        return current_version(activation.process)
    version = activation.version
    return version if version.status == ProcessVersion.Status.PUBLISHED else None


def activation_open(activation: Activation, *, now=None) -> bool:
    """Active and within its go-live/end dates: listed, and new drafts may start."""
    from django.utils import timezone

    now = now or timezone.now()
    if not activation.is_active:
        return False
    if activation.available_from and now < activation.available_from:
        return False
    return not (activation.available_until and now >= activation.available_until)


def open_activations(*, municipality: Municipality | None = None, now=None) -> list[Activation]:
    """Active activations within their dates whose offered version is published, with
    process, version, municipality and authority loaded (ordered by process id)."""
    qs = Activation.objects.filter(is_active=True).select_related(
        "process", "process__publisher", "version", "municipality", "authority"
    )
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    result = []
    for activation in qs.defer("version__definition"):
        if offered_version(activation) is not None and activation_open(activation, now=now):
            result.append(activation)
    return sorted(result, key=lambda a: (a.process.identifier, a.municipality.name))


def municipalities_offering(process: Process) -> QuerySet[Municipality]:
    """Municipalities where `process` is actively offered."""
    return Municipality.objects.filter(
        activations__process=process, activations__is_active=True
    ).distinct()


def version_get(*, identifier: str, version: str, statuses=None) -> ProcessVersion | None:
    """One version by process id and version string, restricted to `statuses` if given."""
    qs = ProcessVersion.objects.select_related("process").filter(
        process__identifier=identifier, version=version
    )
    if statuses is not None:
        qs = qs.filter(status__in=list(statuses))
    return qs.first()


_compiled_lock = threading.Lock()
_compiled: dict[str, object] = {}


def version_definition(version: ProcessVersion):
    """The compiled `ProcessDefinition` of a version, cached per process by its sha256.

    Published versions are immutable, so the sha256 identifies the compiled form forever;
    a request never recompiles a definition that was compiled before.
    """
    from forms_engine.definitions import compile_definition

    key = version.sha256
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = compile_definition(version.definition)
        with _compiled_lock:
            _compiled[key] = compiled
    return compiled


def bound_definition(version: ProcessVersion, values: dict | None):
    """`version_definition(version)` with parameter `values` bound (a draft's or case's).

    Without parameters and values it is the unbound definition itself. Values that no
    longer fit (stored before a check existed) fall back to the unbound definition
    (defaults and placeholders) with a log line, never an error page.
    """
    from forms_engine.definitions import DefinitionError

    definition = version_definition(version)
    if not values:
        return definition
    try:
        return definition.bind(values)
    except DefinitionError as exc:
        logger.warning("parameter values of %s do not fit: %s", version, exc)
        return definition


def activation_parameter_values(process: Process, municipality: Municipality) -> dict:
    """The parameter values of `process`'s active activation in `municipality` ({} if none)."""
    activation = activation_for(process, municipality)
    values = activation.parameter_values if activation is not None else None
    return dict(values) if isinstance(values, dict) else {}


def municipality_legal_url(municipality: Municipality, kind: str) -> str:
    """The absolute address of a municipality's legal page of `kind` (`LegalPage.Kind`:
    "impressum", "datenschutz", "barrierefreiheit").

    The page's external URL where one is set, else its page on this site
    (`FORMS_SITE_URL` + `/<slug>/<kind>/`). Reads `municipality.legal_pages.all()`, so a
    prefetch serves several calls with one query.
    """
    from django.conf import settings

    if kind not in LegalPage.Kind.values:
        raise ValueError(f"unknown legal page kind: {kind!r}")
    for page in municipality.legal_pages.all():
        if page.kind == kind and page.url:
            return page.url
    origin = (getattr(settings, "FORMS_SITE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    return f"{origin}/{municipality.slug}/{kind}/"


# --- moving an offering to another version ---------------------------------------------


def newer_versions(activation: Activation) -> list[ProcessVersion]:
    """Published versions of the activation's process above its pinned version, lowest
    first (all published versions while it is not pinned yet)."""
    pinned = activation.version
    floor = semver_key(pinned.version) if pinned is not None else (-2, -2, -2)
    versions = published_versions().filter(process_id=activation.process_id).defer("definition")
    return sorted(
        (v for v in versions if semver_key(v.version) > floor), key=lambda v: semver_key(v.version)
    )


def newest_published_by_process(process_ids=None) -> dict[int, ProcessVersion]:
    """The highest published version of each process (of `process_ids`, or all)."""
    versions = published_versions().defer("definition")
    if process_ids is not None:
        versions = versions.filter(process_id__in=list(process_ids))
    best: dict[int, ProcessVersion] = {}
    for version in versions:
        known = best.get(version.process_id)
        if known is None or semver_key(version.version) > semver_key(known.version):
            best[version.process_id] = version
    return best


def newer_version_available(activation: Activation, newest=None) -> ProcessVersion | None:
    """The highest published version of the process when it is above the pinned one
    ("neuere Version verfügbar"); `newest` is `newest_published_by_process()` if known."""
    if newest is None:
        newest = newest_published_by_process([activation.process_id])
    candidate = newest.get(activation.process_id)
    if candidate is None or activation.version_id is None:
        return None
    if semver_key(candidate.version) > semver_key(activation.version.version):
        return candidate
    return None


def activation_ids_with_newer_version(queryset=None) -> set[int]:
    """Primary keys of the activations (of `queryset`) whose process has a published version
    above the pinned one."""
    queryset = Activation.objects.all() if queryset is None else queryset
    rows = list(queryset.values_list("pk", "process_id", "version__version"))
    newest = newest_published_by_process({process_id for _, process_id, _ in rows})
    return {
        pk
        for pk, process_id, pinned in rows
        if pinned is not None
        and process_id in newest
        and semver_key(newest[process_id].version) > semver_key(pinned)
    }


@dataclass
class UpgradePreview:
    """What moving `activation` from `from_version` to `to_version` means (no write).

    `step`: "major" / "minor" / "patch" (a higher version), "older", "same" or "unknown"
    (`definitions.version_step`). `changes`: the semantic diff in words. `parameter_values`:
    the values the move would store (the given ones, or the stored ones without the
    parameters `to_version` no longer declares: `dropped_parameters`). `parameter_problems`:
    what `parameter_values_check` refuses in them (a new required parameter, a value outside
    new limits, …). `open_drafts`: drafts of this municipality not yet submitted on
    `from_version` (they finish on it, with their own values). `refusal` / `refusal_en`: why this move is impossible whatever the
    values (another process, a version not published, the version already offered).
    """

    activation: Activation
    from_version: ProcessVersion | None
    to_version: ProcessVersion
    step: str
    changes: list
    parameter_values: dict
    dropped_parameters: list[str] = field(default_factory=list)
    parameter_problems: list = field(default_factory=list)
    refusal: str = ""
    refusal_en: str = ""
    open_drafts: int = 0

    @property
    def allowed(self) -> bool:
        return not self.refusal and not self.parameter_problems

    @property
    def required_bump(self) -> str:
        from forms_engine.definitions import required_bump

        return required_bump(self.changes)


def activation_upgrade_preview(
    activation: Activation, version: ProcessVersion, *, parameter_values=None
) -> UpgradePreview:
    """What moving `activation` to `version` would change (diff in words), whether its
    parameter values fit `version` (`parameter_values` if given, else the stored ones), and
    whether the move is a patch, minor or major step. Never writes; see `UpgradePreview`."""
    from forms_engine.definitions import (
        DefinitionError,
        Problem,
        definition_diff,
        parameter_values_check,
        version_step,
    )

    current = activation.version
    refusal = ("", "")
    if version.process_id != activation.process_id:
        refusal = (
            "Die Version gehört zu einer anderen Verwaltungsleistung.",
            "The version belongs to another process.",
        )
    elif version.status != ProcessVersion.Status.PUBLISHED:
        refusal = (
            "Nur veröffentlichte Versionen können angeboten werden.",
            "Only published versions can be offered.",
        )
    elif current is not None and current.pk == version.pk:
        refusal = (
            f"Version {version.version} wird bereits angeboten.",
            f"Version {version.version} is already offered.",
        )
    changes = definition_diff(current.definition, version.definition) if current else []
    stored = activation.parameter_values if isinstance(activation.parameter_values, dict) else {}
    dropped: list[str] = []
    problems: list = []
    try:
        definition = version_definition(version)
    except DefinitionError as exc:
        definition = None
        problems = list(exc.problems) or [
            Problem("", "Die Version ist fehlerhaft.", "The version is broken.")
        ]
    if parameter_values is None:
        declared = definition.parameters if definition is not None else {}
        values = {name: value for name, value in stored.items() if name in declared}
        dropped = sorted(name for name in stored if name not in declared)
    else:
        values = parameter_values
    if definition is not None:
        problems = parameter_values_check(definition, values)
    return UpgradePreview(
        activation=activation,
        from_version=current,
        to_version=version,
        step=version_step(current.version, version.version) if current else "unknown",
        changes=changes,
        parameter_values=values if isinstance(values, dict) else {},
        dropped_parameters=dropped,
        parameter_problems=problems,
        refusal=refusal[0],
        refusal_en=refusal[1],
        # drafts point at versions (citizen.Draft, reverse relation: no import upwards)
        open_drafts=current.drafts.filter(
            municipality_id=activation.municipality_id, submitted_case__isnull=True
        ).count()
        if current is not None
        else 0,
    )
