"""Signed process-library bundles: trust store, export, verification, plan and import.

Contract (docs/bundle-format.md): an import is all or nothing. `bundle_plan` never writes;
`bundle_import` writes inside one transaction after the same checks, so a refused bundle
(`BundleRefused`, a stable `code` and a German and English message) changes nothing in the
database or the storage. The same version with the same hash is recognised and left alone;
the same version number with a different hash is refused. An import never touches an
activation: every local binding and parameter value stays, and offerings move when their
municipality says so (or, where it chose "follow patches", with a patch release).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from forms_engine.catalog.exceptions import CatalogError
from forms_engine.catalog.models import Activation, Process, ProcessVersion, Publisher
from forms_engine.catalog.selectors import semver_key
from forms_engine.catalog.services import process_versions_publish_new, publisher_ensure
from forms_engine.core.audit import audit_log
from forms_engine.definitions import (
    Change,
    DefinitionError,
    definition_diff,
    load_definition,
    required_bump,
    shared_uses,
)
from forms_engine.definitions.shared import KIND_LABELS, check_shared_item, schema_sha256

from . import signing
from .archive import ArchiveLimits, BundleRefused
from .bundle import BundleProcess, OpenedBundle, build_bundle, open_bundle
from .models import BundleImport, SharedItem, TrustedKey

logger = logging.getLogger(__name__)

__all__ = [
    "BundleRefused",
    "ImportPlan",
    "PlanItem",
    "SharedItemConflict",
    "bundle_build_directory",
    "bundle_export",
    "bundle_import",
    "bundle_plan",
    "shared_item_install",
    "signing_key_load",
    "trust_key_add",
    "trust_key_revoke",
    "unsigned_allowed",
]


def _refuse(code: str, message: str, message_en: str, path: str = "") -> BundleRefused:
    return BundleRefused(code, message, message_en, path=path)


# --- trust store -----------------------------------------------------------------------------


class TrustError(ValueError):
    def __init__(self, message: str, message_en: str):
        super().__init__(f"{message} / {message_en}")
        self.message = message
        self.message_en = message_en


def trust_key_add(
    *, publisher_slug: str, publisher_name: str, public_key: str, note: str = "", by=None
) -> TrustedKey:
    """Trust `public_key` (base64 of 32 raw Ed25519 bytes) for bundles of `publisher_slug`.

    Raises `TrustError` for an unreadable key, a bad slug, or a key already in the store
    (also a revoked one: a revoked key is never trusted again)."""
    from .selectors import KeyCheckError, trust_key_check

    try:
        candidate = trust_key_check(
            publisher_slug=publisher_slug,
            publisher_name=publisher_name,
            public_key=public_key,
            note=note,
        )
    except KeyCheckError as exc:
        raise TrustError(exc.message, exc.message_en) from None
    slug, name, fingerprint = (
        candidate.publisher_slug,
        candidate.publisher_name,
        candidate.fingerprint,
    )
    key = TrustedKey.objects.create(
        publisher_slug=slug[:100],
        publisher_name=name[:200],
        public_key=candidate.public_key,
        fingerprint=fingerprint,
        note=candidate.note[:200],
        added_by=by if getattr(by, "pk", None) else None,
    )
    audit_log(
        actor=by,
        action="library.key_added",
        data={"publisher": slug, "fingerprint": fingerprint},
    )
    return key


def trust_key_revoke(*, key: TrustedKey, reason: str = "", by=None) -> TrustedKey:
    """Revoke a key: every later bundle signed with it is refused. Kept for the record."""
    if key.is_revoked:
        return key
    key.revoked_at = timezone.now()
    key.revoked_by = by if getattr(by, "pk", None) else None
    key.revoke_reason = (reason or "").replace("\x00", "").strip()[:300]
    key.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_log(
        actor=by,
        action="library.key_revoked",
        data={"publisher": key.publisher_slug, "fingerprint": key.fingerprint},
    )
    return key


def unsigned_allowed() -> bool:
    """Unsigned bundles only where the operator explicitly allowed them (local testing)."""
    return bool(getattr(settings, "FORMS_BUNDLES_ALLOW_UNSIGNED", False))


def signing_key_load(*, key_file: str | Path | None = None) -> signing.KeyPair:
    """The signing key from `key_file`, else from the environment: the file named by
    `FORMS_BUNDLE_SIGNING_KEY_FILE` or the PEM text in `FORMS_BUNDLE_SIGNING_KEY` (secrets
    only from the environment). Raises `signing.KeyError_`."""
    if key_file:
        try:
            pem = Path(key_file).read_bytes()
        except OSError as exc:
            raise signing.KeyError_(
                f"Die Schlüsseldatei kann nicht gelesen werden ({exc.strerror or exc}).",
                f"The key file cannot be read ({exc.strerror or exc}).",
            ) from None
        return signing.load_private_pem(pem)
    if os.environ.get("FORMS_BUNDLE_SIGNING_KEY_FILE"):
        return signing_key_load(key_file=os.environ["FORMS_BUNDLE_SIGNING_KEY_FILE"])
    pem = os.environ.get("FORMS_BUNDLE_SIGNING_KEY", "")
    if not pem.strip():
        raise signing.KeyError_(
            "Kein Signaturschlüssel: geben Sie --key-file an oder setzen Sie "
            "FORMS_BUNDLE_SIGNING_KEY_FILE bzw. FORMS_BUNDLE_SIGNING_KEY.",
            "No signing key: pass --key-file or set FORMS_BUNDLE_SIGNING_KEY_FILE or "
            "FORMS_BUNDLE_SIGNING_KEY.",
        )
    return signing.load_private_pem(pem)


# --- export ----------------------------------------------------------------------------------


def _changelog(version: ProcessVersion) -> dict:
    """The definition's own `changelog`, else the change in words against the previous
    published version of the same process, else "first version"."""
    doc = version.definition
    if isinstance(doc.get("changelog"), dict):
        return doc["changelog"]
    older = [
        v
        for v in ProcessVersion.objects.filter(process=version.process).exclude(
            status=ProcessVersion.Status.DRAFT
        )
        if semver_key(v.version) < semver_key(version.version)
    ]
    if not older:
        return {"de": "Erste veröffentlichte Version.", "en": "First published version."}
    previous = max(older, key=lambda v: semver_key(v.version))
    changes = definition_diff(previous.definition, doc)
    if not changes:
        return {
            "de": f"Gegenüber {previous.version} keine inhaltlichen Änderungen.",
            "en": f"No changes of substance since {previous.version}.",
        }
    shown = changes[:20]
    more = len(changes) - len(shown)
    de = f"Änderungen gegenüber {previous.version}: " + " ".join(c.text("de") for c in shown)
    en = f"Changes since {previous.version}: " + " ".join(c.text("en") for c in shown)
    if more:
        de += f" (und {more} weitere)"
        en += f" (and {more} more)"
    return {"de": de[:4000], "en": en[:4000]}


class ExportError(ValueError):
    def __init__(self, message: str, message_en: str):
        super().__init__(f"{message} / {message_en}")
        self.message = message
        self.message_en = message_en


def bundle_export(
    *,
    publisher: Publisher,
    versions: list[ProcessVersion] | None = None,
    key: signing.KeyPair | None,
    title: dict | None = None,
    by=None,
) -> bytes:
    """A signed bundle of `versions` (default: every published or retired version) of
    `publisher`, with the shared items they use. Nothing municipality-specific travels:
    definitions and shared items only (no activation, authority, value, user or case)."""
    if versions is None:
        versions = list(
            ProcessVersion.objects.filter(process__publisher=publisher)
            .exclude(status=ProcessVersion.Status.DRAFT)
            .select_related("process")
        )
    if not versions:
        raise ExportError(
            "Es gibt keine veröffentlichte Version zum Exportieren.",
            "There is no published version to export.",
        )
    shared: dict[tuple, dict] = {}
    processes = []
    for version in sorted(versions, key=lambda v: (v.process.identifier, semver_key(v.version))):
        if version.process.publisher_id != publisher.pk:
            raise ExportError(
                f"„{version.process.identifier}“ gehört einem anderen Herausgeber.",
                f"'{version.process.identifier}' belongs to another publisher.",
            )
        if version.status == ProcessVersion.Status.DRAFT:
            raise ExportError(
                f"„{version.process.identifier}“ {version.version} ist ein Entwurf; "
                "exportiert werden nur veröffentlichte Versionen.",
                f"'{version.process.identifier}' {version.version} is a draft; only "
                "published versions are exported.",
            )
        processes.append(BundleProcess(doc=version.definition, changelog=_changelog(version)))
        for use in shared_uses(version.definition):
            item = SharedItem.objects.filter(
                kind=use.kind, identifier=use.id, version=use.version, sha256=use.sha256
            ).first()
            if item is None:
                raise ExportError(
                    f"„{version.process.identifier}“ nutzt {use.id} {use.version}, das in "
                    "dieser Installation nicht vorliegt.",
                    f"'{version.process.identifier}' uses {use.id} {use.version}, which is not "
                    "installed here.",
                )
            shared[use.key] = item.document
    data = build_bundle(
        publisher_id=publisher.slug,
        publisher_name=publisher.name,
        processes=processes,
        shared=list(shared.values()),
        key=key,
        title=title,
    )
    audit_log(
        actor=by,
        action="library.bundle_exported",
        data={
            "publisher": publisher.slug,
            "processes": [f"{v.process.identifier} {v.version}" for v in versions],
            "signed": key is not None,
        },
    )
    return data


def bundle_build_directory(
    directory: str | Path,
    *,
    publisher_id: str,
    publisher_name: str,
    key: signing.KeyPair | None,
    title: dict | None = None,
) -> bytes:
    """A bundle of a library source directory (`processes/<id>/<version>.json`,
    `fieldgroups/…`, `codelists/…`, as library/starter), without the database."""
    root = Path(directory)
    processes = [
        BundleProcess(doc=load_definition(path.read_bytes()))
        for path in sorted(root.glob("processes/*/*.json"))
    ]
    shared = [
        load_definition(path.read_bytes())
        for pattern in ("fieldgroups/*/*.json", "codelists/*/*.json")
        for path in sorted(root.glob(pattern))
    ]
    return build_bundle(
        publisher_id=publisher_id,
        publisher_name=publisher_name,
        processes=processes,
        shared=shared,
        key=key,
        title=title,
    )


# --- verification and plan --------------------------------------------------------------------


@dataclass
class PlanItem:
    """What an import does with one process version or shared item."""

    kind: str  # "process", "fieldgroup", "codelist"
    identifier: str
    version: str
    title: dict
    action: str  # "new" (new process), "update" (new version), "unchanged"
    changelog: dict = field(default_factory=dict)
    previous: str = ""  # the newest installed version before this import
    changes: list[Change] = field(default_factory=list)
    bump: str = ""
    offered_in: list[str] = field(default_factory=list)  # municipalities offering the process
    parameters: dict = field(default_factory=dict)
    leika: list[str] = field(default_factory=list)
    topic: str = ""

    @property
    def title_de(self) -> str:
        return self.title.get("de", "")

    @property
    def title_en(self) -> str:
        return self.title.get("en") or self.title.get("de", "")


@dataclass
class ImportPlan:
    """The verified bundle and what importing it would do."""

    bundle: OpenedBundle
    key: TrustedKey | None
    items: list[PlanItem]
    publisher_known: bool

    @property
    def signed(self) -> bool:
        return self.key is not None

    @property
    def publisher_id(self) -> str:
        return self.bundle.publisher_id

    @property
    def publisher_name(self) -> str:
        return self.bundle.publisher_name

    @property
    def processes(self) -> list[PlanItem]:
        return [i for i in self.items if i.kind == "process"]

    def count(self, action: str) -> int:
        return sum(1 for i in self.items if i.action == action)

    @property
    def changes_anything(self) -> bool:
        return any(i.action != "unchanged" for i in self.items)

    def lines(self) -> list[str]:
        """The plan in words, one line per item (German / English)."""
        labels = {
            "new": ("NEU", "new"),
            "update": ("AKTUALISIERUNG", "update"),
            "unchanged": ("unverändert", "unchanged"),
        }
        out = [
            f"Herausgeber / publisher: {self.publisher_name} ({self.publisher_id})",
            (
                f"Signiert mit / signed with: {self.key.short_fingerprint}"
                if self.key
                else "WARNUNG: unsigniertes Bündel (nur für lokale Tests) / "
                "WARNING: unsigned bundle (local testing only)"
            ),
        ]
        for item in self.items:
            de, en = labels[item.action]
            line = f"{de} / {en}: {item.kind} {item.identifier} {item.version}"
            if item.previous and item.action == "update":
                line += f" (installiert / installed: {item.previous}; {len(item.changes)} Änderungen / changes)"
            if item.offered_in:
                line += f" – angeboten in / offered in: {', '.join(item.offered_in)}"
            out.append(line)
        out.append(
            f"{self.count('new')} neu, {self.count('update')} Aktualisierungen, "
            f"{self.count('unchanged')} unverändert / {self.count('new')} new, "
            f"{self.count('update')} updates, {self.count('unchanged')} unchanged"
        )
        return out


def _trusted_key(bundle: OpenedBundle, *, allow_unsigned: bool) -> TrustedKey | None:
    if bundle.signature is None:
        if allow_unsigned and unsigned_allowed():
            return None
        raise _refuse(
            "missing_signature",
            "Das Bündel ist nicht signiert. Unsignierte Bündel werden nur angenommen, wenn der "
            "Betrieb sie ausdrücklich für lokale Tests erlaubt (FORMS_BUNDLES_ALLOW_UNSIGNED).",
            "The bundle is not signed. Unsigned bundles are accepted only where the operator "
            "explicitly allows them for local testing (FORMS_BUNDLES_ALLOW_UNSIGNED).",
            "manifest.sig",
        )
    key = TrustedKey.objects.filter(fingerprint=bundle.signature.fingerprint).first()
    if key is None or key.publisher_slug != bundle.publisher_id:
        raise _refuse(
            "unknown_publisher",
            f"Der Herausgeber „{bundle.publisher_name}“ ({bundle.publisher_id}) ist mit diesem "
            "Schlüssel nicht im Vertrauensspeicher. Fügen Sie seinen öffentlichen Schlüssel "
            "erst nach Prüfung des Fingerabdrucks hinzu.",
            f"The publisher '{bundle.publisher_name}' ({bundle.publisher_id}) is not in the "
            "trust store with this key. Add its public key after checking the fingerprint.",
            "manifest.sig",
        )
    if key.is_revoked:
        raise _refuse(
            "revoked_key",
            f"Der Schlüssel {key.short_fingerprint} von „{key.publisher_name}“ wurde am "
            f"{key.revoked_at:%d.%m.%Y} widerrufen; Bündel damit werden abgelehnt.",
            f"The key {key.short_fingerprint} of '{key.publisher_name}' was revoked on "
            f"{key.revoked_at:%Y-%m-%d}; bundles signed with it are refused.",
            "manifest.sig",
        )
    if not signing.verify(key.public_key, bundle.signature.raw, bundle.manifest_bytes):
        raise _refuse(
            "bad_signature",
            "Die Signatur des Manifests ist ungültig: das Bündel wurde verändert oder nicht mit "
            "diesem Schlüssel signiert.",
            "The manifest's signature is invalid: the bundle was altered or not signed with "
            "this key.",
            "manifest.sig",
        )
    return key


def _installed_shared() -> dict[tuple[str, str, str], str]:
    return {
        (kind, identifier, version): sha
        for kind, identifier, version, sha in SharedItem.objects.values_list(
            "kind", "identifier", "version", "sha256"
        )
    }


def bundle_plan(
    data: bytes, *, allow_unsigned: bool = False, limits: ArchiveLimits | None = None
) -> ImportPlan:
    """Verify a bundle completely and say what importing it would do. Never writes.

    Raises `BundleRefused` for every reason a bundle is refused (docs/bundle-format.md)."""
    bundle = open_bundle(data, limits)
    key = _trusted_key(bundle, allow_unsigned=allow_unsigned)
    publisher = Publisher.objects.filter(slug=bundle.publisher_id).first()
    if (
        publisher is not None
        and not publisher.external
        and Process.objects.filter(publisher=publisher).exists()
    ):
        raise _refuse(
            "publisher_conflict",
            f"Der Herausgeber „{publisher.slug}“ wird in dieser Installation selbst gepflegt; "
            "ein Bündel darf seine Verwaltungsleistungen nicht überschreiben.",
            f"The publisher '{publisher.slug}' is maintained in this installation; a bundle "
            "must not overwrite its processes.",
        )
    installed_shared = _installed_shared()
    items: list[PlanItem] = []
    for item in bundle.shared:
        sha = installed_shared.get(item.key)
        if sha is not None and sha != item.entry["sha256"]:
            raise _refuse(
                "version_conflict",
                f"{item.kind} „{item.doc['id']}“ {item.doc['version']} ist hier schon mit "
                "anderem Inhalt installiert. Eine Versionsnummer bezeichnet immer denselben "
                "Inhalt.",
                f"{item.kind} '{item.doc['id']}' {item.doc['version']} is already installed "
                "here with other content. A version number always names the same content.",
                item.entry["path"],
            )
        items.append(
            PlanItem(
                kind=item.kind,
                identifier=item.doc["id"],
                version=item.doc["version"],
                title=item.doc["title"],
                action="unchanged" if sha is not None else "new",
                changelog=item.doc.get("changelog") or {},
            )
        )
    for (kind, identifier, version), sha in bundle.needed_shared().items():
        if installed_shared.get((kind, identifier, version)) != sha:
            users = [
                p.doc["id"]
                for p in bundle.processes
                if any(u.key == (kind, identifier, version) for u in shared_uses(p.doc))
            ]
            raise _refuse(
                "missing_dependency",
                f"{', '.join(users)} braucht die {KIND_LABELS[kind][0]} „{identifier}“ {version}; das "
                "Bündel enthält sie nicht, und sie ist hier nicht (mit diesem Inhalt) "
                "installiert.",
                f"{', '.join(users)} needs the {KIND_LABELS[kind][1]} '{identifier}' {version}; the "
                "bundle does not hold it and it is not installed here (with this content).",
            )
    processes = {
        p.identifier: p
        for p in Process.objects.filter(
            publisher=publisher, identifier__in={o.doc["id"] for o in bundle.processes}
        )
    }
    installed = {
        (v.process.identifier, v.version): v
        for v in ProcessVersion.objects.filter(process__in=list(processes.values())).select_related(
            "process"
        )
    }
    offered: dict[str, list[str]] = {}
    for identifier, municipality in Activation.objects.filter(
        process__in=list(processes.values())
    ).values_list("process__identifier", "municipality__name"):
        offered.setdefault(identifier, []).append(municipality)
    newest: dict[str, ProcessVersion] = {}
    for (identifier, _), version in installed.items():
        if version.status == ProcessVersion.Status.DRAFT:
            continue
        known = newest.get(identifier)
        if known is None or semver_key(version.version) > semver_key(known.version):
            newest[identifier] = version
    ordered = sorted(bundle.processes, key=lambda p: (p.doc["id"], semver_key(p.doc["version"])))
    previous_doc: dict[str, dict] = {}
    for process in ordered:
        identifier, version = process.key
        stored = installed.get(process.key)
        entry = process.entry
        plan = PlanItem(
            kind="process",
            identifier=identifier,
            version=version,
            title=entry["title"],
            action="new",
            changelog=entry.get("changelog") or {},
            offered_in=sorted(offered.get(identifier, [])),
            parameters=entry.get("parameters") or {},
            leika=list(entry.get("leika") or []),
            topic=entry.get("topic") or "",
        )
        if stored is not None:
            if stored.is_frozen and stored.sha256 == entry["sha256"]:
                plan.action = "unchanged"
                items.append(plan)
                previous_doc[identifier] = stored.definition
                continue
            raise _refuse(
                "version_conflict",
                f"„{identifier}“ {version} ist hier schon mit anderem Inhalt vorhanden "
                f"(hier {stored.sha256[:12]}…, Bündel {entry['sha256'][:12]}…, Status "
                f"{stored.get_status_display()}). Der Herausgeber muss eine neue Versionsnummer "
                "vergeben.",
                f"'{identifier}' {version} already exists here with other content (here "
                f"{stored.sha256[:12]}…, bundle {entry['sha256'][:12]}…, status "
                f"{stored.status}). The publisher must use a new version number.",
                entry["path"],
            )
        base = previous_doc.get(identifier)
        base_version = ""
        if base is None and identifier in newest:
            base = newest[identifier].definition
            base_version = newest[identifier].version
        elif base is not None:
            base_version = base.get("version", "") if isinstance(base.get("version"), str) else ""
        if base is not None:
            plan.action = "update"
            plan.previous = base_version
            plan.changes = definition_diff(base, process.doc)
            plan.bump = required_bump(plan.changes)
        previous_doc[identifier] = process.doc
        items.append(plan)
    return ImportPlan(bundle=bundle, key=key, items=items, publisher_known=publisher is not None)


# --- import ----------------------------------------------------------------------------------


@dataclass
class ImportResult:
    plan: ImportPlan
    record: BundleImport | None
    created: list[ProcessVersion]

    def lines(self) -> list[str]:
        return self.plan.lines()


def bundle_import(
    data: bytes,
    *,
    by=None,
    allow_unsigned: bool = False,
    limits: ArchiveLimits | None = None,
    after: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Import a bundle: all or nothing (one transaction; a refusal changes nothing).

    New shared items and process versions are stored and published (each version's
    designer tests must pass); known identical ones are left alone; no activation is
    touched except by its own "follow patches" choice.

    `after(result)` runs inside the same transaction once everything is stored (the import
    wizard offers the new versions there); if it raises, the whole import is rolled back.
    """
    plan = bundle_plan(data, allow_unsigned=allow_unsigned, limits=limits)
    if not plan.changes_anything:
        result = ImportResult(plan=plan, record=None, created=[])
        if after is not None:
            with transaction.atomic():
                after(result)
        return result
    created: list[ProcessVersion] = []
    bundle = plan.bundle
    try:
        with transaction.atomic():
            publisher = publisher_ensure(slug=bundle.publisher_id, name=bundle.publisher_name)
            if not publisher.external:
                publisher.external = True
                publisher.save(update_fields=["external"])
            record = BundleImport.objects.create(
                publisher=publisher,
                manifest=bundle.manifest,
                manifest_sha256=bundle.manifest_sha256,
                fingerprint=plan.key.fingerprint if plan.key else "",
                signed=plan.key is not None,
                imported_by=by if getattr(by, "pk", None) else None,
            )
            new_shared = {
                (i.kind, i.identifier, i.version) for i in plan.items if i.action == "new"
            }
            for item in bundle.shared:
                if item.key in new_shared:
                    SharedItem.objects.create(
                        publisher=publisher,
                        kind=item.kind,
                        identifier=item.doc["id"],
                        version=item.doc["version"],
                        title=item.doc["title"]["de"][:300],
                        document=item.doc,
                        sha256=item.entry["sha256"],
                    )
            new_versions = {
                (i.identifier, i.version) for i in plan.processes if i.action != "unchanged"
            }
            ordered = sorted(
                bundle.processes, key=lambda p: (p.doc["id"], semver_key(p.doc["version"]))
            )
            note = f"Import aus Bündel von {bundle.publisher_name}"[:200]
            # each checked, compiled and tested as by process_version_publish; written at once
            created = process_versions_publish_new(
                docs=[p.doc for p in ordered if p.key in new_versions],
                publisher=publisher,
                by=by,
                note=note,
            )
            record.created = len(created) + len(new_shared)
            record.unchanged = plan.count("unchanged")
            record.save(update_fields=["created", "unchanged"])
            audit_log(
                actor=by,
                action="library.bundle_imported",
                data={
                    "publisher": publisher.slug,
                    "manifest_sha256": bundle.manifest_sha256,
                    "signed": plan.key is not None,
                    "created": [f"{v.process.identifier} {v.version}" for v in created],
                },
            )
            result = ImportResult(plan=plan, record=record, created=created)
            if after is not None:
                after(result)
    except BundleRefused:
        raise
    except DefinitionError as exc:
        raise _refuse(
            "invalid_definition",
            f"Eine Definition ist fehlerhaft: {exc}",
            "A definition is invalid.",
        ) from None
    except (CatalogError, IntegrityError) as exc:  # publish refused (a designer test fails), …
        logger.info("bundle import rolled back: %s", exc)
        message = getattr(exc, "message", "") or str(exc)
        message_en = getattr(exc, "message_en", "") or type(exc).__name__
        problems = getattr(exc, "problems", None) or []
        detail = "; ".join(str(p) for p in problems[:5])
        raise _refuse(
            "import_failed",
            f"Der Import wurde vollständig zurückgenommen: {message}"
            + (f" ({detail})" if detail else ""),
            f"The import was rolled back completely: {message_en}",
        ) from exc
    return result


# --- single shared items (FIM code lists) ----------------------------------------------------


class SharedItemConflict(CatalogError):
    """A shared item file cannot be installed (invalid, or its id and version are taken by
    other content)."""


def shared_item_install(*, publisher: Publisher, doc: dict) -> tuple[SharedItem, bool]:
    """Install one shared item file (`urn:ozg-engine:shared-item:1`) for `publisher`.

    The same kind, id and version with the same content (`sha256` of `schema`) is
    recognised and reused (`created` False); the same id and version with other content is
    refused (`SharedItemConflict`): a version number always names the same content, as in a
    bundle import. Call inside the caller's transaction."""
    problems = check_shared_item(doc)
    if problems:
        detail = "; ".join(f"{p.pointer or '/'}: {p.message}" for p in problems[:5])
        detail_en = "; ".join(f"{p.pointer or '/'}: {p.message_en}" for p in problems[:5])
        raise SharedItemConflict(
            f"Die geteilte Vorlage „{doc.get('id', '?')}“ ist fehlerhaft: {detail}",
            f"The shared item '{doc.get('id', '?')}' is invalid: {detail_en}",
        )
    sha = schema_sha256(doc["schema"])
    existing = SharedItem.objects.filter(
        kind=doc["kind"], identifier=doc["id"], version=doc["version"]
    ).first()
    if existing is not None:
        if existing.sha256 != sha:
            kind_de, kind_en = KIND_LABELS[doc["kind"]]
            raise SharedItemConflict(
                f"Die {kind_de} „{doc['id']}“ {doc['version']} ist hier schon mit anderem "
                "Inhalt installiert. Eine Versionsnummer bezeichnet immer denselben Inhalt.",
                f"The {kind_en} '{doc['id']}' {doc['version']} is already installed here "
                "with other content. A version number always names the same content.",
            )
        return existing, False
    item = SharedItem.objects.create(
        publisher=publisher,
        kind=doc["kind"],
        identifier=doc["id"],
        version=doc["version"],
        title=str(doc["title"]["de"])[:300],
        document=doc,
        sha256=sha,
    )
    return item, True
