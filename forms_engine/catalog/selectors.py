"""Reads of the catalog. Views, the API and the wizard read through these."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, QuerySet

from .exceptions import AmbiguousProcess
from .models import Activation, Municipality, Process, ProcessVersion, Publisher

logger = logging.getLogger(__name__)

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def semver_key(version: str) -> tuple[int, int, int]:
    """Sort key of a `MAJOR.MINOR.PATCH` string; anything else sorts first."""
    match = _SEMVER.match(version or "")
    if not match:
        return (-1, -1, -1)
    return tuple(int(part) for part in match.groups())  # type: ignore[return-value]


def published_versions() -> QuerySet[ProcessVersion]:
    """All published (not draft, not retired) versions, with their process and publisher."""
    return ProcessVersion.objects.filter(status=ProcessVersion.Status.PUBLISHED).select_related(
        "process", "process__publisher"
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
    return sorted(best.values(), key=lambda v: (v.process.identifier, v.process.publisher.slug))


# --- process identity: an id is unique per publisher only -----------------------------------


def publisher_get(slug: str) -> Publisher | None:
    """The publisher with `slug`, or None."""
    return Publisher.objects.filter(slug=slug).first() if slug else None


def process_resolve(
    *, identifier: str, publisher: Publisher | str | None = None, statuses=None
) -> Process | None:
    """The one process named by its id and, where several publishers use the id, its
    publisher (a `Publisher` or its slug).

    Contract: with `publisher` the process of that publisher (None if it has none, or the
    publisher is unknown). Without, the only process with that id; several → raises
    `AmbiguousProcess` naming the publishers. `statuses` counts only processes with a
    version in one of them (a process with drafts only is no candidate for the API).
    """
    qs = Process.objects.select_related("publisher").filter(identifier=identifier)
    if statuses is not None:
        qs = qs.filter(
            pk__in=ProcessVersion.objects.filter(status__in=list(statuses)).values("process_id")
        )
    if publisher:
        if isinstance(publisher, Publisher):
            return qs.filter(publisher=publisher).first()
        return qs.filter(publisher__slug=publisher).first()
    found = list(qs[:50])
    if len(found) > 1:
        raise AmbiguousProcess(
            identifier, sorted((p.publisher.slug, p.publisher.name) for p in found)
        )
    return found[0] if found else None


def shared_identifiers(identifiers) -> set[str]:
    """Those of `identifiers` that more than one publisher uses (one query)."""
    return set(
        Process.objects.filter(identifier__in=list(identifiers))
        .values("identifier")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("identifier", flat=True)
    )


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


def open_activations_q(*, now=None) -> Q:
    """Activations open now, as a filter: active, within their go-live/end dates, and
    offering a published version (or not pinned yet; `offered_version` decides those)."""
    from django.utils import timezone

    now = now or timezone.now()
    return (
        Q(is_active=True)
        & (Q(available_from__isnull=True) | Q(available_from__lte=now))
        & (Q(available_until__isnull=True) | Q(available_until__gt=now))
        & (Q(version__isnull=True) | Q(version__status=ProcessVersion.Status.PUBLISHED))
    )


def open_activations(
    *,
    municipality: Municipality | None = None,
    identifier: str | None = None,
    publisher: Publisher | str | None = None,
    now=None,
) -> list[Activation]:
    """Active activations within their dates whose offered version is published, with
    process, publisher, version (without its definition) and municipality loaded (ordered
    by process id, then municipality name); `authority` is read on access.

    Only the rows asked for are read: `municipality`, a process `identifier` and its
    `publisher` (object or slug) narrow the query in SQL. Processes and versions are read
    once each and shared by the activations that offer them (a process offered by 500
    municipalities is one process object, not 500).
    """
    qs = Activation.objects.filter(open_activations_q(now=now)).select_related("municipality")
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if identifier is not None:
        qs = qs.filter(process__identifier=identifier)
    if isinstance(publisher, Publisher):
        qs = qs.filter(process__publisher=publisher)
    elif publisher:
        qs = qs.filter(process__publisher__slug=publisher)
    activations = list(qs)
    processes = {
        p.pk: p
        for p in Process.objects.filter(pk__in={a.process_id for a in activations}).select_related(
            "publisher"
        )
    }
    versions = {
        v.pk: v
        for v in ProcessVersion.objects.filter(
            pk__in={a.version_id for a in activations if a.version_id is not None}
        ).defer("definition")
    }
    result = []
    for activation in activations:
        activation.process = processes[activation.process_id]
        if activation.version_id is not None:
            version = versions[activation.version_id]
            version.process = activation.process
            activation.version = version
        if offered_version(activation) is not None and activation_open(activation, now=now):
            result.append(activation)
    return sorted(result, key=lambda a: (a.process.identifier, a.municipality.name))


@dataclass(frozen=True)
class Offering:
    """An open activation as the citizen's pages need it, read without building the
    Activation: its id, the process, the offered version (definition deferred; shared by
    all offerings of that version), the municipality (id, name, slug, ars; other columns
    deferred) and the parameter values."""

    activation_id: int
    process: Process
    version: ProcessVersion
    municipality: Municipality
    parameter_values: dict


def open_offerings(
    *,
    municipality: Municipality | None = None,
    identifier: str | None = None,
    publisher: Publisher | str | None = None,
    now=None,
) -> list[Offering]:
    """What `open_activations` selects, as light `Offering`s (one SQL row each, no model
    per row but the municipality's few columns): a process offered by 500 municipalities
    costs one query and 500 small objects. Ordered by process id, then municipality name."""
    from django.db import router

    qs = Activation.objects.filter(open_activations_q(now=now))
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if identifier is not None:
        qs = qs.filter(process__identifier=identifier)
    if isinstance(publisher, Publisher):
        qs = qs.filter(process__publisher=publisher)
    elif publisher:
        qs = qs.filter(process__publisher__slug=publisher)
    rows = list(
        qs.values_list(
            "id",
            "process_id",
            "version_id",
            "municipality_id",
            "municipality__name",
            "municipality__slug",
            "municipality__ars",
            "parameter_values",
        )
    )
    # One query for the versions with their processes (shared by all rows); processes of
    # rows not pinned yet (rare) separately.
    versions = {
        v.pk: v
        for v in ProcessVersion.objects.filter(pk__in={r[2] for r in rows if r[2] is not None})
        .select_related("process", "process__publisher")
        .defer("definition")
    }
    processes = {v.process_id: v.process for v in versions.values()}
    for version in versions.values():
        version.process = processes[version.process_id]
    missing = {r[1] for r in rows} - set(processes)
    if missing:
        processes.update(
            (p.pk, p) for p in Process.objects.filter(pk__in=missing).select_related("publisher")
        )
    unpinned = {pk: current_version(processes[pk]) for pk in {r[1] for r in rows if r[2] is None}}
    alias = router.db_for_read(Municipality)
    columns = [Municipality._meta.pk.attname, "name", "ars", "slug"]  # model field order
    result = []
    for pk, process_id, version_id, muni_id, name, slug, ars, values in rows:
        version = versions[version_id] if version_id is not None else unpinned[process_id]
        if version is None:
            continue
        result.append(
            Offering(
                activation_id=pk,
                process=processes[process_id],
                version=version,
                municipality=Municipality.from_db(alias, columns, [muni_id, name, ars, slug]),
                parameter_values=values if isinstance(values, dict) else {},
            )
        )
    return sorted(result, key=lambda o: (o.process.identifier, o.municipality.name))


@dataclass(frozen=True)
class CatalogEntry:
    """One process of the shared catalog: the highest `version` any open activation
    offers, and how many municipalities offer it."""

    process: Process
    version: ProcessVersion
    municipality_count: int


@dataclass(frozen=True)
class SharedCatalog:
    entries: list[CatalogEntry]
    #: The one municipality offering anything, when there is exactly one (else None).
    only_municipality: Municipality | None


def shared_catalog(*, now=None) -> SharedCatalog:
    """What the shared catalog lists, aggregated in SQL: one row per offered (process,
    version), never one per activation, so its cost does not grow with the number of
    municipalities. Versions come without their definition (compiled ones are cached)."""
    rows = list(
        Activation.objects.filter(open_activations_q(now=now))
        .values("process_id", "version_id")
        .annotate(
            n=Count("municipality_id", distinct=True),
            first=Min("municipality_id"),
            last=Max("municipality_id"),
        )
        .order_by()
    )
    version_ids = {r["version_id"] for r in rows if r["version_id"] is not None}
    versions = {
        v.pk: v
        for v in ProcessVersion.objects.filter(pk__in=version_ids)
        .select_related("process", "process__publisher")
        .defer("definition")
    }
    best: dict[int, tuple[ProcessVersion, int]] = {}
    for row in rows:
        version = versions.get(row["version_id"])
        if row["version_id"] is None:  # not pinned yet: the process's current version
            process = Process.objects.select_related("publisher").get(pk=row["process_id"])
            version = current_version(process)
        if version is None:
            continue
        known = best.get(row["process_id"])
        count = row["n"] + (known[1] if known else 0)
        if known is None or semver_key(version.version) > semver_key(known[0].version):
            best[row["process_id"]] = (version, count)
        else:
            best[row["process_id"]] = (known[0], count)
    entries = sorted(
        (CatalogEntry(v.process, v, n) for v, n in best.values()),
        key=lambda e: (e.process.identifier, e.process.publisher.slug),
    )
    municipality_ids = {r["first"] for r in rows} | {r["last"] for r in rows}
    only = None
    if len(municipality_ids) == 1:
        only = Municipality.objects.filter(pk__in=municipality_ids).first()
    return SharedCatalog(entries, only)


def municipalities_offering_each(processes) -> dict[int, list[dict]]:
    """process pk → [{"ars", "name", "slug"}] of the municipalities where it is actively
    offered (as `municipalities_offering`), by name; one query for all `processes`."""
    out: dict[int, list[dict]] = {p.pk: [] for p in processes}
    rows = (
        Activation.objects.filter(process_id__in=list(out), is_active=True)
        .values_list("process_id", "municipality__ars", "municipality__name", "municipality__slug")
        # one activation per (process, municipality): no duplicates to remove
        .order_by("process_id", "municipality__name", "municipality__slug")
    )
    for process_id, ars, name, slug in rows:
        out[process_id].append({"ars": ars, "name": name, "slug": slug})
    return out


def municipalities_offering(process: Process) -> QuerySet[Municipality]:
    """Municipalities where `process` is actively offered."""
    return Municipality.objects.filter(
        activations__process=process, activations__is_active=True
    ).distinct()


def version_get(
    *, identifier: str, version: str, statuses=None, publisher: Publisher | str | None = None
) -> ProcessVersion | None:
    """One version by process id and version string, restricted to `statuses` if given.

    The process is found by `process_resolve` (same `statuses`): where several publishers
    use the id and no `publisher` is named, `AmbiguousProcess` is raised."""
    process = process_resolve(identifier=identifier, publisher=publisher, statuses=statuses)
    if process is None:
        return None
    qs = ProcessVersion.objects.select_related("process", "process__publisher").filter(
        process=process, version=version
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
