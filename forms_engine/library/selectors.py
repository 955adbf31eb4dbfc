"""Reads of the process library (never write).

`api_library_catalog` is the library catalog as the API lists it: every process with a
published or retired version, from this installation's own publishers and from the
publishers whose bundles were imported, with its versions (and their changelog), LeiKa
keys, topic and the municipalities offering it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from forms_engine.catalog.models import Activation, Process, ProcessVersion, Publisher
from forms_engine.catalog.selectors import semver_key

from .models import BundleImport

__all__ = ["CatalogEntry", "CatalogOffering", "CatalogVersion", "api_library_catalog"]


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


def _text(value) -> dict:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k in ("de", "en") and isinstance(v, str)}
    if isinstance(value, str):
        return {"de": value}
    return {}


def _manifest_changelogs(publisher_ids: set[int]) -> dict[tuple[int, str, str], dict]:
    """(publisher id, process id, version) → the changelog the bundle's manifest gave."""
    found: dict[tuple[int, str, str], dict] = {}
    imports = BundleImport.objects.filter(publisher_id__in=publisher_ids).order_by("imported_at")
    for publisher_id, manifest in imports.values_list("publisher_id", "manifest"):
        for entry in (manifest or {}).get("processes") or []:
            if isinstance(entry, dict) and isinstance(entry.get("changelog"), dict):
                key = (publisher_id, str(entry.get("id")), str(entry.get("version")))
                found[key] = _text(entry["changelog"])
    return found


def _matches(entry: CatalogEntry, words: list[str]) -> bool:
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
            changelogs[v.pk] = log
    rest = [v.pk for v in versions if v.pk not in changelogs]
    for start in range(0, len(rest), 200):
        for pk, doc in ProcessVersion.objects.filter(pk__in=rest[start : start + 200]).values_list(
            "pk", "definition"
        ):
            if isinstance(doc, dict) and isinstance(doc.get("changelog"), dict):
                changelogs[pk] = _text(doc["changelog"])
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
            title=_text(doc.get("title")) or {"de": newest[process.pk].title},
            summary=_text(doc.get("summary")),
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
        if words and not _matches(entry, words):
            continue
        entries.append(entry)
    entries.sort(
        key=lambda e: (e.publisher.name.casefold(), e.title.get("de", "").casefold(), e.identifier)
    )
    return entries
