"""Reads of the process library for the staff pages (no writes here).

The library catalog lists every process with a published or retired version, of every
publisher this installation knows: its own publishers and those whose bundles it imported
(`BundleImport`). Drafts never appear. Filters: topic (`definitions.TOPICS`), LeiKa key
(prefix), publisher and a text search on the title. Per process: its versions newest first,
each with its changelog (the definition's own `changelog`, else the one the publisher's
bundle manifest gave for that version, else none), its LeiKa keys and topic (of the newest
version), and the municipalities offering it with the version they offer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db.models import Prefetch

from forms_engine.catalog.admin_access import administered_municipalities
from forms_engine.catalog.models import Activation, Municipality, Process, ProcessVersion, Publisher
from forms_engine.catalog.review import can_design
from forms_engine.catalog.selectors import semver_key
from forms_engine.definitions import TOPICS

from . import signing
from .models import BundleImport, TrustedKey

LIBRARY_STATUSES = (ProcessVersion.Status.PUBLISHED, ProcessVersion.Status.RETIRED)


def _text(value, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("de") or "")
    return str(value or "")


def _lang(lang: str | None) -> str:
    return "en" if (lang or "de").startswith("en") else "de"


@dataclass
class LibraryVersion:
    pk: int
    version: str
    status: str
    status_label: str
    published_at: object
    retired_at: object
    changelog: dict  # {"de": …, "en": …} or {}

    def changelog_text(self, lang: str = "de") -> str:
        return _text(self.changelog, _lang(lang)) if self.changelog else ""


@dataclass
class LibraryOffering:
    activation_id: int
    municipality_id: int
    municipality_name: str
    version: str  # the offered version ("" while none is pinned)
    is_active: bool
    newer: LibraryVersion | None = None  # the newest published version, where above it


@dataclass
class LibraryEntry:
    process: Process
    publisher: Publisher
    imported: bool
    title: dict
    summary: dict
    topic: str
    leika: list[str]
    versions: list[LibraryVersion]  # newest first
    offerings: list[LibraryOffering] = field(default_factory=list)
    offer_in: list[Municipality] = field(default_factory=list)  # set for a user

    @property
    def newest(self) -> LibraryVersion:
        return self.versions[0]

    @property
    def newest_published(self) -> LibraryVersion | None:
        return next((v for v in self.versions if v.status == ProcessVersion.Status.PUBLISHED), None)

    @property
    def has_changelog(self) -> bool:
        return any(v.changelog for v in self.versions)

    def title_text(self, lang: str = "de") -> str:
        return _text(self.title, _lang(lang)) or self.process.identifier

    def summary_text(self, lang: str = "de") -> str:
        return _text(self.summary, _lang(lang))

    def topic_label(self, lang: str = "de") -> str:
        labels = TOPICS.get(self.topic)
        if not labels:
            return ""
        return labels[1] if _lang(lang) == "en" else labels[0]


def topic_choices(lang: str = "de") -> list[tuple[str, str]]:
    """(slug, label) of every topic of the vocabulary, in the vocabulary's order."""
    index = 1 if _lang(lang) == "en" else 0
    return [(slug, labels[index]) for slug, labels in TOPICS.items()]


def library_publishers() -> list[Publisher]:
    """Publishers with at least one published or retired version (own and imported)."""
    return list(
        Publisher.objects.filter(processes__versions__status__in=LIBRARY_STATUSES)
        .distinct()
        .order_by("name")
    )


def _manifest_changelogs(publisher_ids) -> dict[tuple[int, str, str], dict]:
    """(publisher id, process id, version) → changelog from the imported bundles' manifests
    (the newest import wins where two name the same version)."""
    found: dict[tuple[int, str, str], dict] = {}
    imports = BundleImport.objects.filter(publisher_id__in=list(publisher_ids)).order_by(
        "imported_at", "pk"
    )
    for record in imports.only("publisher_id", "manifest"):
        manifest = record.manifest if isinstance(record.manifest, dict) else {}
        for entry in manifest.get("processes") or []:
            if not isinstance(entry, dict):
                continue
            changelog = entry.get("changelog")
            if isinstance(changelog, dict) and changelog.get("de"):
                key = (record.publisher_id, str(entry.get("id")), str(entry.get("version")))
                found[key] = changelog
    return found


def _entries(processes) -> list[LibraryEntry]:
    processes = list(processes)
    publisher_ids = {p.publisher_id for p in processes}
    imported = set(
        BundleImport.objects.filter(publisher_id__in=publisher_ids).values_list(
            "publisher_id", flat=True
        )
    )
    manifest_changelogs = _manifest_changelogs(imported)
    entries = []
    for process in processes:
        stored = sorted(process.versions.all(), key=lambda v: semver_key(v.version), reverse=True)
        if not stored:
            continue
        versions = []
        for version in stored:
            doc = version.definition if isinstance(version.definition, dict) else {}
            changelog = doc.get("changelog")
            if not (isinstance(changelog, dict) and changelog.get("de")):
                changelog = manifest_changelogs.get(
                    (process.publisher_id, process.identifier, version.version), {}
                )
            versions.append(
                LibraryVersion(
                    pk=version.pk,
                    version=version.version,
                    status=version.status,
                    status_label=str(version.get_status_display()),
                    published_at=version.published_at,
                    retired_at=version.retired_at,
                    changelog=changelog,
                )
            )
        head = stored[0].definition if isinstance(stored[0].definition, dict) else {}
        leika = head.get("leika") if isinstance(head.get("leika"), list) else []
        entry = LibraryEntry(
            process=process,
            publisher=process.publisher,
            imported=process.publisher.external or process.publisher_id in imported,
            title=head.get("title") if isinstance(head.get("title"), dict) else {},
            summary=head.get("summary") if isinstance(head.get("summary"), dict) else {},
            topic=head.get("topic") if isinstance(head.get("topic"), str) else "",
            leika=[str(key) for key in leika],
            versions=versions,
        )
        newest = entry.newest_published
        for activation in process.activations.all():
            offered = activation.version.version if activation.version_id else ""
            entry.offerings.append(
                LibraryOffering(
                    activation_id=activation.pk,
                    municipality_id=activation.municipality_id,
                    municipality_name=activation.municipality.name,
                    version=offered,
                    is_active=activation.is_active,
                    newer=(
                        newest
                        if newest is not None
                        and offered
                        and semver_key(newest.version) > semver_key(offered)
                        else None
                    ),
                )
            )
        entry.offerings.sort(key=lambda o: o.municipality_name.casefold())
        entries.append(entry)
    return entries


def _library_processes():
    return (
        Process.objects.filter(versions__status__in=LIBRARY_STATUSES)
        .distinct()
        .select_related("publisher")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=ProcessVersion.objects.filter(status__in=LIBRARY_STATUSES).only(
                    "id",
                    "process_id",
                    "version",
                    "status",
                    "definition",
                    "published_at",
                    "retired_at",
                ),
            ),
            Prefetch(
                "activations",
                queryset=Activation.objects.select_related("municipality", "version").only(
                    "id",
                    "process_id",
                    "is_active",
                    "municipality_id",
                    "municipality__name",
                    "version_id",
                    "version__version",
                ),
            ),
        )
    )


def _offer_targets(user, entries: list[LibraryEntry]) -> None:
    """Set `offer_in` of each entry: the municipalities `user` administers that do not offer
    it yet (only where a published version exists)."""
    if user is None:
        return
    municipalities = list(administered_municipalities(user).order_by("name"))
    if not municipalities:
        return
    for entry in entries:
        if entry.newest_published is None:
            continue
        offering = {o.municipality_id for o in entry.offerings}
        entry.offer_in = [m for m in municipalities if m.pk not in offering]


def library_catalog(
    user=None, *, topic: str = "", leika: str = "", q: str = "", publisher: str = ""
) -> list[LibraryEntry]:
    """The library's processes matching every filter given, ordered by publisher and title.

    `topic`: a slug of `TOPICS`; `leika`: a LeiKa key or its beginning (digits, spaces are
    ignored); `q`: words that must all occur in the title (German or English) or the id;
    `publisher`: a publisher's slug. With `user`, each entry says where the user may still
    offer it (`offer_in`)."""
    processes = _library_processes()
    publisher = (publisher or "").strip()
    if publisher:
        processes = processes.filter(publisher__slug=publisher)
    entries = _entries(processes)
    topic = (topic or "").strip()
    if topic:
        entries = [e for e in entries if e.topic == topic]
    leika = "".join((leika or "").split())
    if leika:
        entries = [e for e in entries if any(key.startswith(leika) for key in e.leika)]
    words = (q or "").casefold().split()
    if words:

        def haystack(entry: LibraryEntry) -> str:
            return " ".join(
                [entry.process.identifier, *(str(v) for v in entry.title.values())]
            ).casefold()

        entries = [e for e in entries if all(w in haystack(e) for w in words)]
    entries.sort(key=lambda e: (e.publisher.name.casefold(), e.title_text("de").casefold()))
    _offer_targets(user, entries)
    return entries


def library_entry(process: Process | int, user=None) -> LibraryEntry | None:
    """One process of the library (None when it has no published or retired version)."""
    pk = process.pk if isinstance(process, Process) else process
    entries = _entries(_library_processes().filter(pk=pk))
    if not entries:
        return None
    _offer_targets(user, entries)
    return entries[0]


def publisher_keys(publisher: Publisher) -> list[TrustedKey]:
    """The trust store's keys of `publisher` (matched by its id), revoked ones included."""
    return list(
        TrustedKey.objects.filter(publisher_slug=publisher.slug).order_by("revoked_at", "-added_at")
    )


def trusted_keys() -> list[TrustedKey]:
    """Every key of the trust store: valid ones first, by publisher."""
    return list(
        TrustedKey.objects.select_related("added_by", "revoked_by").order_by(
            "revoked_at", "publisher_name", "-added_at"
        )
    )


@dataclass
class KeyCandidate:
    """A key someone wants to trust, checked but not stored (the preview before confirming)."""

    publisher_slug: str
    publisher_name: str
    public_key: str
    note: str
    fingerprint: str

    @property
    def short_fingerprint(self) -> str:
        return signing.display_fingerprint(self.fingerprint)

    @property
    def fingerprint_groups(self) -> str:
        """The whole fingerprint in groups of four (for the comparison by another channel)."""
        return " ".join(self.fingerprint[i : i + 4] for i in range(0, len(self.fingerprint), 4))


class KeyCheckError(ValueError):
    def __init__(self, message: str, message_en: str, field: str | None = None):
        super().__init__(f"{message} / {message_en}")
        self.message = message
        self.message_en = message_en
        self.field = field


def trust_key_check(
    *, publisher_slug: str, publisher_name: str, public_key: str, note: str = ""
) -> KeyCandidate:
    """What `services.trust_key_add` would store, checked the same way, without writing.

    Raises `KeyCheckError` (German, English, the form field concerned)."""
    try:
        fingerprint = signing.fingerprint_of(public_key or "")
    except signing.KeyError_ as exc:
        raise KeyCheckError(exc.message, exc.message_en, "public_key") from None
    slug = (publisher_slug or "").strip()
    try:
        validate_slug(slug)
    except ValidationError:
        raise KeyCheckError(
            "Die Herausgeber-Kennung besteht aus Buchstaben, Ziffern, - und _.",
            "The publisher id consists of letters, digits, - and _.",
            "publisher_slug",
        ) from None
    name = (publisher_name or "").strip()
    if not name or "\x00" in name:
        raise KeyCheckError(
            "Bitte geben Sie den Namen des Herausgebers an.",
            "Please give the publisher's name.",
            "publisher_name",
        )
    existing = TrustedKey.objects.filter(fingerprint=fingerprint).first()
    if existing is not None:
        state = "widerrufen" if existing.is_revoked else "vertrauenswürdig"
        state_en = "revoked" if existing.is_revoked else "trusted"
        raise KeyCheckError(
            f"Dieser Schlüssel steht schon im Vertrauensspeicher ({existing.publisher_name}, "
            f"{state}).",
            f"This key is already in the trust store ({existing.publisher_name}, {state_en}).",
            "public_key",
        )
    return KeyCandidate(
        publisher_slug=slug,
        publisher_name=name,
        public_key=(public_key or "").strip(),
        note=(note or "").replace("\x00", "").strip(),
        fingerprint=fingerprint,
    )


# --- export ----------------------------------------------------------------------------------


def export_publishers(user) -> list[Publisher]:
    """The publishers whose versions `user` may export (designers; superusers: all but
    external ones)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    # an external publisher's processes arrive as its own signed bundles: never re-exported
    publishers = Publisher.objects.filter(external=False)
    if not user.is_superuser:
        publishers = publishers.filter(designers=user).distinct()
    return list(publishers.order_by("name"))


@dataclass
class ExportProcess:
    process: Process
    title: str
    versions: list[ProcessVersion]  # published and retired, newest first


def exportable_processes(publisher: Publisher, lang: str = "de") -> list[ExportProcess]:
    """The processes of `publisher` with their published and retired versions."""
    versions = (
        ProcessVersion.objects.filter(process__publisher=publisher, status__in=LIBRARY_STATUSES)
        .select_related("process")
        .defer("definition")
    )
    grouped: dict[int, list[ProcessVersion]] = {}
    for version in versions:
        grouped.setdefault(version.process_id, []).append(version)
    out = []
    for items in grouped.values():
        items.sort(key=lambda v: semver_key(v.version), reverse=True)
        out.append(ExportProcess(process=items[0].process, title=items[0].title, versions=items))
    out.sort(key=lambda p: p.process.identifier)
    return out


def export_versions(publisher: Publisher, version_ids) -> list[ProcessVersion]:
    """The published or retired versions of `publisher` among `version_ids` (others ignored)."""
    ids = [int(v) for v in version_ids if str(v).isdigit()]
    return list(
        ProcessVersion.objects.filter(
            pk__in=ids, process__publisher=publisher, status__in=LIBRARY_STATUSES
        ).select_related("process")
    )


def may_export(user, publisher: Publisher) -> bool:
    return can_design(user, publisher)


# --- the library API's catalog (api/library.py) ------------------------------------------------
# Written alongside `library_catalog` for the API (issue 10); the same processes, versions and
# changelogs in the API's shape (municipality ARS and slug, filters: topic, exact LeiKa key,
# every word of `q` in id, title, summary, LeiKa keys or publisher). To be unified.


@dataclass
class CatalogVersion:
    version: str
    status: str
    sha256: str
    published_at: datetime | None
    retired_at: datetime | None
    changelog: dict  # {"de": …, "en": …}; empty when nobody wrote one


@dataclass
class CatalogOffering:
    name: str
    ars: str
    slug: str
    version: str  # the version this municipality offers


@dataclass
class CatalogEntry:
    publisher: Publisher
    identifier: str
    title: dict
    summary: dict
    leika: list[str]
    topic: str
    imported: bool  # an external publisher: its processes arrive as bundles
    versions: list[CatalogVersion] = field(default_factory=list)  # newest first
    offered_in: list[CatalogOffering] = field(default_factory=list)

    @property
    def current(self) -> CatalogVersion:
        return self.versions[0]


def _api_text(value) -> dict:
    """{"de": …, "en": …} of an i18n value (the API's shape)."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k in ("de", "en") and isinstance(v, str)}
    if isinstance(value, str):
        return {"de": value}
    return {}


def _api_matches(entry: CatalogEntry, words: list[str]) -> bool:
    haystack = " ".join(
        [
            entry.identifier,
            entry.publisher.name,
            entry.publisher.slug,
            *entry.title.values(),
            *entry.summary.values(),
            *entry.leika,
        ]
    ).casefold()
    return all(word in haystack for word in words)


def api_library_catalog(*, topic: str = "", leika: str = "", q: str = "") -> list[CatalogEntry]:
    """The library catalog, ordered by publisher and title; filtered by `topic` (a slug of
    `definitions.TOPICS`), `leika` (one LeiKa key) and `q` (every word in the id, title,
    summary, LeiKa keys or publisher). Title, summary, LeiKa keys and topic are those of the
    newest published (else retired) version."""
    versions = list(
        ProcessVersion.objects.exclude(status=ProcessVersion.Status.DRAFT)
        .select_related("process__publisher")
        .defer("definition")
    )
    by_process: dict[int, list[ProcessVersion]] = {}
    for version in versions:
        by_process.setdefault(version.process_id, []).append(version)
    if not by_process:
        return []
    newest: dict[int, ProcessVersion] = {}
    for process_id, found in by_process.items():
        found.sort(key=lambda v: semver_key(v.version), reverse=True)
        published = [v for v in found if v.status == ProcessVersion.Status.PUBLISHED]
        newest[process_id] = (published or found)[0]
    documents = dict(
        ProcessVersion.objects.filter(pk__in=[v.pk for v in newest.values()]).values_list(
            "process_id", "definition"
        )
    )
    # Changelogs: what the bundle's manifest said (every imported version has one), else
    # the definition's own (definitions loaded only for those versions).
    imported = {v.process.publisher_id for v in versions if v.process.publisher.external}
    changelogs = {}
    manifest_logs = _manifest_changelogs(imported)
    for v in versions:
        log = manifest_logs.get((v.process.publisher_id, v.process.identifier, v.version))
        if log:
            changelogs[v.pk] = _api_text(log)
    rest = [v.pk for v in versions if v.pk not in changelogs]
    for start in range(0, len(rest), 200):
        for pk, doc in ProcessVersion.objects.filter(pk__in=rest[start : start + 200]).values_list(
            "pk", "definition"
        ):
            if isinstance(doc, dict) and isinstance(doc.get("changelog"), dict):
                changelogs[pk] = _api_text(doc["changelog"])
    offerings: dict[int, list[CatalogOffering]] = {}
    for process_id, name, ars, slug, number in (
        Activation.objects.filter(process_id__in=list(by_process), is_active=True)
        .order_by("municipality__name")
        .values_list(
            "process_id",
            "municipality__name",
            "municipality__ars",
            "municipality__slug",
            "version__version",
        )
    ):
        offerings.setdefault(process_id, []).append(
            CatalogOffering(name=name, ars=ars, slug=slug, version=number or "")
        )
    words = [w for w in q.casefold().split() if w]
    entries = []
    processes = Process.objects.filter(pk__in=list(by_process)).select_related("publisher")
    for process in processes:
        doc = documents.get(process.pk) or {}
        keys = doc.get("leika") if isinstance(doc.get("leika"), list) else []
        entry = CatalogEntry(
            publisher=process.publisher,
            identifier=process.identifier,
            title=_api_text(doc.get("title")) or {"de": newest[process.pk].title},
            summary=_api_text(doc.get("summary")),
            leika=[k for k in keys if isinstance(k, str)],
            topic=doc.get("topic") if isinstance(doc.get("topic"), str) else "",
            imported=process.publisher.external,
            versions=[
                CatalogVersion(
                    version=v.version,
                    status=v.status,
                    sha256=v.sha256,
                    published_at=v.published_at,
                    retired_at=v.retired_at,
                    changelog=changelogs.get(v.pk, {}),
                )
                for v in by_process[process.pk]
            ],
            offered_in=offerings.get(process.pk, []),
        )
        if topic and entry.topic != topic:
            continue
        if leika and leika not in entry.leika:
            continue
        if words and not _api_matches(entry, words):
            continue
        entries.append(entry)
    entries.sort(
        key=lambda e: (e.publisher.name.casefold(), e.title.get("de", "").casefold(), e.identifier)
    )
    return entries
