"""Reads of the catalog. Views, the API and the wizard read through these."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Q, QuerySet

from .exceptions import AmbiguousProcess
from .models import Activation, LegalPage, Municipality, Process, ProcessVersion, Publisher

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
    """The activations open now (`open_activations_q`), narrowed in SQL to a
    `municipality`, a process `identifier` and its `publisher` (object or slug) where given,
    as light `Offering`s (one SQL row each, no model per row but the municipality's few
    columns): a process offered by 500 municipalities costs one query and 500 small
    objects. Ordered by process id, then municipality name."""
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


# --- municipalities: by path, by host, their legal pages ------------------------------------


def municipality_by_slug(slug: str) -> Municipality | None:
    """The municipality whose citizen pages live under `/<slug>/`, or None."""
    return Municipality.objects.filter(slug=slug).select_related("parent").first()


def municipality_for_host(host: str) -> Municipality | None:
    """The municipality whose own host name (`Municipality.host`) is `host` (port ignored,
    any case), or None. The caller passes a host Django already checked against
    ALLOWED_HOSTS (`request.get_host()`)."""
    from .profile import normalize_host

    name = normalize_host(host)
    if name.startswith("["):  # an IPv6 literal: never a municipality's host name
        return None
    name = name.rsplit(":", 1)[0] if ":" in name else name
    if not name:
        return None
    return Municipality.objects.filter(host__iexact=name).select_related("parent").first()


def legal_page_for(municipality: Municipality, kind: str):
    """`municipality`'s LegalPage of `kind` (impressum, datenschutz, barrierefreiheit) that
    has a text or a URL, or None."""
    from django.db.models import Q

    return (
        LegalPage.objects.filter(municipality=municipality, kind=kind)
        .filter(~Q(body="") | ~Q(body_en="") | ~Q(url=""))
        .first()
    )


def municipality_contacts(municipality: Municipality) -> list[tuple[str, str]]:
    """(authority name, e-mail) of the municipality's authorities that have an address: the
    contacts of last resort when the profile itself has none."""
    return [
        (a.name, a.email) for a in municipality.authorities.exclude(email="").order_by("name")[:10]
    ]


# --- the responsibility finder ------------------------------------------------------------

FINDER_MAX_LENGTH = 200
_POSTCODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")
_KIND_WORDS = (
    "stadt",
    "gemeinde",
    "ortsgemeinde",
    "landkreis",
    "kreis",
    "verbandsgemeinde",
    "vg",
    "amt",
    "samtgemeinde",
    "markt",
    "hansestadt",
)


def place_normalize(text: str) -> str:
    """A place or municipality name for comparing: case and accents folded (ä → ae, ß → ss),
    "St." read as "Sankt", punctuation and hyphens as spaces."""
    import unicodedata

    text = unicodedata.normalize("NFC", text or "").casefold()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = re.sub(r"\bst\.\s*", "sankt ", text)
    text = re.sub(r"[\W_]+", " ", text)
    return " ".join(text.split())


def _without_kind(normalized: str) -> str:
    first, _sep, rest = normalized.partition(" ")
    return rest if first in _KIND_WORDS and rest else normalized


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n]+", text or "") if part.strip()]


@dataclass(frozen=True)
class FinderEntry:
    """One municipality the query matched, and who offers the wanted service there:
    `responsible` is the municipality itself, its parent (`via_parent`), or None."""

    municipality: Municipality
    responsible: Municipality | None
    via_parent: bool = False


@dataclass(frozen=True)
class FinderResult:
    """The answer of `responsibility_find`. `code` is "" when something was found;
    otherwise `empty`, `too_long`, `invalid`, `not_found` or `not_offered`, with
    `message` / `message_en` telling the citizen what to try."""

    query: str
    entries: tuple[FinderEntry, ...] = ()
    code: str = ""
    message: str = ""
    message_en: str = ""

    @property
    def targets(self) -> list[Municipality]:
        """The distinct municipalities to go to (those that offer what was asked)."""
        seen: dict[int, Municipality] = {}
        for entry in self.entries:
            if entry.responsible is not None:
                seen.setdefault(entry.responsible.pk, entry.responsible)
        return sorted(seen.values(), key=lambda m: m.name)

    @property
    def target(self) -> Municipality | None:
        """The one municipality to go to, when the answer is unambiguous."""
        targets = self.targets
        return targets[0] if len(targets) == 1 else None

    def text(self, lang: str) -> str:
        return self.message_en if lang == "en" and self.message_en else self.message


def _finder_keys(municipality: Municipality) -> tuple[set[str], set[str]]:
    """(postcodes, normalised names and places) of a municipality."""
    postcodes = set(_POSTCODE.findall(municipality.postcodes or ""))
    names = {place_normalize(municipality.name)}
    names |= {place_normalize(p) for p in _split_list(municipality.places)}
    names |= {_without_kind(n) for n in names}
    names.discard("")
    return postcodes, names


def municipalities_matching(query: str) -> list[Municipality]:
    """Municipalities whose postcode (PLZ), place or name the query gives, most specific
    first: a postcode in the query decides (narrowed by the place if that leaves some);
    else an exact name, else a name inside the query (an address), else names beginning
    with it. A match whose member also matched is left out (the member is more precise)."""
    postcodes_asked = set(_POSTCODE.findall(query))
    rest = _POSTCODE.sub(" ", query)
    text = place_normalize(rest)
    bare = _without_kind(text)
    candidates = list(
        Municipality.objects.only(
            "id", "name", "slug", "kind", "parent_id", "postcodes", "places"
        ).order_by("name")
    )
    keys = {m.pk: _finder_keys(m) for m in candidates}

    def by_text() -> list[Municipality]:
        if not text:
            return []
        exact = [m for m in candidates if {text, bare} & keys[m.pk][1]]
        if exact:
            return exact
        padded = f" {text} "
        inside = [
            m for m in candidates if any(len(k) >= 3 and f" {k} " in padded for k in keys[m.pk][1])
        ]
        if inside:
            return inside
        if len(text) < 3:
            return []
        return [
            m
            for m in candidates
            if any(k.startswith(text) or k.startswith(bare) for k in keys[m.pk][1])
        ]

    if postcodes_asked:
        found = [m for m in candidates if postcodes_asked & keys[m.pk][0]]
        narrowed = [m for m in found if m in by_text()] if text else []
        found = narrowed or found
    else:
        found = by_text()
    ids = {m.pk for m in found}
    return [m for m in found if not any(o.parent_id == m.pk for o in found if o.pk in ids)]


def responsibility_find(
    *, query: str, process_identifier: str = "", publisher: str | None = None, now=None
) -> FinderResult:
    """Who is responsible for a citizen who gives a postcode, place or municipality name.

    Without `process_identifier` every matching municipality is a target (its catalog).
    With one, per match: the municipality itself if it offers the process now, else its
    `parent` (district, Verbandsgemeinde) if that offers it, else nobody (`publisher`, a
    slug: only that publisher's process with the id counts). Never raises on any input:
    empty, too long or unusable text answer a `code` and a message.
    """
    from forms_engine.core.text import text_message, text_problem

    raw = query if isinstance(query, str) else ""
    if problem := text_problem(raw):
        de, en = text_message(problem)
        return FinderResult(query="", code="invalid", message=de, message_en=en)
    if len(raw) > FINDER_MAX_LENGTH:
        return FinderResult(
            query="",
            code="too_long",
            message=f"Bitte geben Sie höchstens {FINDER_MAX_LENGTH} Zeichen ein: eine "
            "Postleitzahl, einen Ort oder den Namen Ihrer Kommune.",
            message_en=f"Please enter at most {FINDER_MAX_LENGTH} characters: a postcode, "
            "a place or the name of your municipality.",
        )
    query = " ".join(raw.split())
    if not place_normalize(query) and not _POSTCODE.search(query):
        return FinderResult(
            query=query,
            code="empty",
            message="Bitte geben Sie Ihre Postleitzahl, Ihren Ort oder den Namen Ihrer Kommune "
            "ein.",
            message_en="Please enter your postcode, your place or the name of your municipality.",
        )
    matches = municipalities_matching(query)
    if not matches:
        hint = (
            " Eine Postleitzahl hat fünf Ziffern."
            if re.search(r"\d", query) and not _POSTCODE.search(query)
            else ""
        )
        hint_en = " A German postcode has five digits." if hint else ""
        return FinderResult(
            query=query,
            code="not_found",
            message=f"Zu „{query}“ haben wir keine Kommune gefunden.{hint} Prüfen Sie die "
            "Schreibweise, geben Sie nur die Postleitzahl oder nur den Ortsnamen ein, oder "
            "wählen Sie eine Leistung aus der Liste aller Online-Anträge.",
            message_en=f"We found no municipality for “{query}”.{hint_en} Check the spelling, "
            "enter just the postcode or just the place name, or choose a service from the "
            "list of all online applications.",
        )
    if not process_identifier:
        entries = tuple(FinderEntry(m, m) for m in matches)
        return FinderResult(query=query, entries=entries)
    # Only this process's offerings are read, as light rows.
    offering = {
        o.municipality.pk
        for o in open_offerings(identifier=process_identifier, publisher=publisher, now=now)
    }
    parents = {
        p.pk: p
        for p in Municipality.objects.filter(pk__in={m.parent_id for m in matches if m.parent_id})
    }
    entries = []
    for m in matches:
        if m.pk in offering:
            entries.append(FinderEntry(m, m))
        elif m.parent_id in offering:
            entries.append(FinderEntry(m, parents[m.parent_id], via_parent=True))
        else:
            entries.append(FinderEntry(m, None))
    result = FinderResult(query=query, entries=tuple(entries))
    if result.targets:
        return result
    names = ", ".join(m.name for m in matches[:5])
    return FinderResult(
        query=query,
        entries=tuple(entries),
        code="not_offered",
        message=f"Für {names} wird diese Leistung nicht online angeboten. Bitte wenden Sie "
        "sich direkt an Ihre Kommune.",
        message_en=f"This service is not offered online for {names}. Please contact your "
        "municipality directly.",
    )
