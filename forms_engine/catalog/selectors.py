"""Reads of the catalog. Views, the API and the wizard read through these."""

from __future__ import annotations

import logging
import re
import threading

from django.db.models import QuerySet

from .models import Activation, Municipality, Process, ProcessVersion

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
