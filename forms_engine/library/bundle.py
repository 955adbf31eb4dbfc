"""Bundle format v1: build a signed bundle, open and check one (contract: docs/bundle-format.md).

No Django and no database here: `open_bundle` checks everything a bundle can be checked for
on its own (archive safety, manifest shape, every file's SHA-256, every definition and shared
item, dependencies inside the bundle); trust (is the signer's key trusted?) and the
comparison with what is installed are `library.services`'.

Layout of the zip:

    manifest.json                    what the bundle holds (signed)
    manifest.sig                     Ed25519 signature over the exact bytes of manifest.json
    processes/<id>/<version>.json    definitions
    fieldgroups/<id>/<version>.json  shared field groups
    codelists/<id>/<version>.json    shared code lists
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import jsonschema

from forms_engine.definitions import (
    DefinitionError,
    check_definition,
    check_shared_item,
    definition_sha256,
    load_definition,
    schema_sha256,
    shared_uses,
)

from . import signing
from .archive import ArchiveLimits, BundleRefused, read_archive

BUNDLE_FORMAT = "urn:ozg-engine:bundle:1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
KIND_DIRS = {"fieldgroup": "fieldgroups", "codelist": "codelists"}
_PATH = re.compile(r"^(processes|fieldgroups|codelists)/([a-z][a-z0-9-]{1,63})/([^/]{1,40})\.json$")
MAX_MANIFEST_BYTES = 8 * 1024 * 1024

_I18N = {
    "type": "object",
    "required": ["de"],
    "additionalProperties": False,
    "properties": {"de": {"type": "string", "minLength": 1}, "en": {"type": "string"}},
}
_SHA = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_ITEM = {
    "type": "object",
    "required": ["id", "version", "sha256", "path", "title"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^[a-z][a-z0-9-]{1,63}$"},
        "version": {"type": "string", "pattern": "^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$"},
        "sha256": _SHA,
        "path": {"type": "string"},
        "title": _I18N,
        "changelog": _I18N,
    },
}
MANIFEST_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": BUNDLE_FORMAT,
    "type": "object",
    "required": ["format", "publisher", "created", "processes", "files"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": BUNDLE_FORMAT},
        "publisher": {
            "type": "object",
            "required": ["id", "name"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,99}$"},
                "name": {"type": "string", "minLength": 1, "maxLength": 200},
            },
        },
        "created": {"type": "string", "minLength": 10, "maxLength": 40},
        "title": _I18N,
        "processes": {
            "type": "array",
            "maxItems": 5000,
            "items": {
                "type": "object",
                "required": ["id", "version", "sha256", "path", "title", "changelog"],
                "additionalProperties": False,
                "properties": {
                    **_ITEM["properties"],
                    "version": {"type": "string", "pattern": r"^\d{1,9}\.\d{1,9}\.\d{1,9}$"},
                    "leika": {"type": "array", "items": {"type": "string"}},
                    "topic": {"type": "string"},
                    "parameters": {"type": "object"},
                    "uses": {"type": "array"},
                },
            },
        },
        "fieldgroups": {"type": "array", "maxItems": 5000, "items": _ITEM},
        "codelists": {"type": "array", "maxItems": 5000, "items": _ITEM},
        "files": {
            "type": "object",
            "maxProperties": 20000,
            "additionalProperties": _SHA,
        },
    },
}


@cache
def _manifest_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(MANIFEST_SCHEMA)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json_bytes(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


# --- building --------------------------------------------------------------------------------


@dataclass
class BundleProcess:
    """A definition to put into a bundle and its changelog (i18n)."""

    doc: dict
    changelog: dict | None = None


def process_entry(doc: dict, path: str, changelog: dict | None) -> dict:
    """The manifest entry of one definition."""
    entry: dict[str, Any] = {
        "id": doc["id"],
        "version": doc["version"],
        "sha256": definition_sha256(doc),
        "path": path,
        "title": doc["title"],
        "changelog": changelog
        or doc.get("changelog")
        or {"de": "Keine Angaben zu Änderungen.", "en": "No change notes."},
    }
    if doc.get("leika"):
        entry["leika"] = list(doc["leika"])
    if doc.get("topic"):
        entry["topic"] = doc["topic"]
    params = {}
    for name, decl in (doc.get("parameters") or {}).items():
        if isinstance(decl, dict):
            params[name] = {
                "type": decl.get("type"),
                "label": decl.get("label"),
                "required": "default" not in decl,
                **({"default": decl["default"]} if "default" in decl else {}),
            }
    if params:
        entry["parameters"] = params
    uses = [
        {"kind": u.kind, "id": u.id, "version": u.version, "sha256": u.sha256}
        for u in shared_uses(doc)
    ]
    if uses:
        entry["uses"] = uses
    return entry


def build_bundle(
    *,
    publisher_id: str,
    publisher_name: str,
    processes: list[BundleProcess],
    shared: list[dict] = (),
    key: signing.KeyPair | None,
    title: dict | None = None,
    created: datetime | None = None,
) -> bytes:
    """A bundle zip (bytes) of `processes` and `shared` items, signed with `key`
    (None: unsigned, for local tests only; importing it needs the operator's consent)."""
    files: dict[str, bytes] = {}
    manifest: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "publisher": {"id": publisher_id, "name": publisher_name},
        "created": (created or datetime.now(UTC)).replace(microsecond=0).isoformat(),
    }
    if title:
        manifest["title"] = title
    entries = []
    for item in processes:
        path = f"processes/{item.doc['id']}/{item.doc['version']}.json"
        files[path] = _json_bytes(item.doc)
        entries.append(process_entry(item.doc, path, item.changelog))
    manifest["processes"] = entries
    for kind, directory in KIND_DIRS.items():
        items = []
        for doc in shared:
            if doc.get("kind") != kind:
                continue
            path = f"{directory}/{doc['id']}/{doc['version']}.json"
            files[path] = _json_bytes(doc)
            entry = {
                "id": doc["id"],
                "version": doc["version"],
                "sha256": schema_sha256(doc["schema"]),
                "path": path,
                "title": doc["title"],
            }
            if doc.get("changelog"):
                entry["changelog"] = doc["changelog"]
            items.append(entry)
        manifest[directory] = items
    manifest["files"] = {path: _sha(data) for path, data in sorted(files.items())}
    manifest_bytes = _json_bytes(manifest)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, manifest_bytes)
        if key is not None:
            archive.writestr(SIGNATURE, signing.signature_document(key, manifest_bytes))
        for path, data in files.items():
            archive.writestr(path, data)
    return out.getvalue()


# --- opening -------------------------------------------------------------------------------


@dataclass
class OpenedProcess:
    entry: dict
    doc: dict

    @property
    def key(self) -> tuple[str, str]:
        return (self.doc["id"], self.doc["version"])


@dataclass
class OpenedShared:
    kind: str
    entry: dict
    doc: dict

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.doc["id"], self.doc["version"])


@dataclass
class OpenedBundle:
    """A bundle that passed every check it can pass on its own (not yet: trust)."""

    manifest: dict
    manifest_bytes: bytes
    signature: signing.Signature | None
    processes: list[OpenedProcess] = field(default_factory=list)
    shared: list[OpenedShared] = field(default_factory=list)

    @property
    def manifest_sha256(self) -> str:
        return _sha(self.manifest_bytes)

    @property
    def publisher_id(self) -> str:
        return self.manifest["publisher"]["id"]

    @property
    def publisher_name(self) -> str:
        return self.manifest["publisher"]["name"]

    def needed_shared(self) -> dict[tuple[str, str, str], str]:
        """Every shared item a process uses and the bundle does not hold: key → sha256."""
        held = {item.key for item in self.shared}
        needed = {}
        for process in self.processes:
            for use in shared_uses(process.doc):
                if use.key not in held:
                    needed[use.key] = use.sha256
        return needed


def _refuse(code: str, message: str, message_en: str, path: str = "") -> BundleRefused:
    return BundleRefused(code, message, message_en, path=path)


def _listed_twice(entry: dict) -> BundleRefused:
    return _refuse(
        "duplicate_entry",
        f"„{entry['id']}“ {entry['version']} steht zweimal im Manifest.",
        f"'{entry['id']}' {entry['version']} is listed twice in the manifest.",
        entry["path"],
    )


def open_bundle(data: bytes, limits: ArchiveLimits | None = None) -> OpenedBundle:
    """Read and check a bundle. Raises `BundleRefused` (code, German and English message)
    on the first problem; never another exception for any input."""
    files = read_archive(data, limits or ArchiveLimits())
    manifest_bytes = files.pop(MANIFEST, None)
    if manifest_bytes is None:
        raise _refuse(
            "manifest_missing",
            "Das Bündel enthält kein manifest.json.",
            "The bundle holds no manifest.json.",
        )
    signature_bytes = files.pop(SIGNATURE, None)
    signature = None
    if signature_bytes is not None:
        try:
            signature = signing.read_signature(signature_bytes)
        except signing.KeyError_ as exc:
            raise _refuse("bad_signature", exc.message, exc.message_en, SIGNATURE) from None
    manifest = _read_manifest(manifest_bytes)
    _check_files(manifest, files)
    bundle = OpenedBundle(manifest=manifest, manifest_bytes=manifest_bytes, signature=signature)
    seen: set = set()
    for entry in manifest["processes"]:
        process = OpenedProcess(entry=entry, doc=_read_process(entry, files))
        if process.key in seen:
            raise _listed_twice(entry)
        seen.add(process.key)
        bundle.processes.append(process)
    for kind, directory in KIND_DIRS.items():
        for entry in manifest.get(directory, []):
            item = OpenedShared(kind=kind, entry=entry, doc=_read_shared(kind, entry, files))
            if item.key in seen:
                raise _listed_twice(entry)
            seen.add(item.key)
            bundle.shared.append(item)
    held = {item.key: item.entry["sha256"] for item in bundle.shared}
    for process in bundle.processes:
        for use in shared_uses(process.doc):
            if use.key in held and held[use.key] != use.sha256:
                raise _refuse(
                    "hash_mismatch",
                    f"„{process.doc['id']}“ verlangt {use.id} {use.version} mit anderem Inhalt, "
                    "als das Bündel enthält.",
                    f"'{process.doc['id']}' needs {use.id} {use.version} with other content "
                    "than the bundle holds.",
                    process.entry["path"],
                )
    return bundle


def _read_manifest(data: bytes) -> dict:
    if len(data) > MAX_MANIFEST_BYTES:
        raise _refuse(
            "manifest_invalid",
            "Das Manifest ist zu groß.",
            "The manifest is too large.",
            MANIFEST,
        )
    try:
        manifest = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _refuse(
            "manifest_invalid",
            f"Das Manifest ist kein gültiges JSON ({type(exc).__name__}).",
            f"The manifest is not valid JSON ({type(exc).__name__}).",
            MANIFEST,
        ) from None
    if _has_bad_text(manifest):
        raise _refuse(
            "manifest_invalid",
            "Das Manifest enthält NUL-Zeichen oder ungültige Unicode-Zeichen.",
            "The manifest contains NUL characters or invalid Unicode characters.",
            MANIFEST,
        )
    error = next(iter(_manifest_validator().iter_errors(manifest)), None)
    if error is not None:
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        raise _refuse(
            "manifest_invalid",
            f"Das Manifest entspricht nicht dem Bündelformat 1 (bei {where}): {error.message}",
            f"The manifest does not follow bundle format 1 (at {where}): {error.message}",
            MANIFEST,
        )
    return manifest


def _has_bad_text(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or any(0xD800 <= ord(c) <= 0xDFFF for c in item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _check_files(manifest: dict, files: dict[str, bytes]) -> None:
    listed = manifest["files"]
    for path, data in files.items():
        if path not in listed:
            raise _refuse(
                "unlisted_file",
                f"Die Datei „{path}“ steht nicht im Manifest.",
                f"The file '{path}' is not listed in the manifest.",
                path,
            )
        if _sha(data) != listed[path]:
            raise _refuse(
                "hash_mismatch",
                f"Die Prüfsumme (SHA-256) von „{path}“ stimmt nicht mit dem Manifest überein.",
                f"The checksum (SHA-256) of '{path}' does not match the manifest.",
                path,
            )
    for path in listed:
        if path not in files:
            raise _refuse(
                "missing_file",
                f"Die im Manifest genannte Datei „{path}“ fehlt im Bündel.",
                f"The file '{path}' named in the manifest is missing from the bundle.",
                path,
            )


def _entry_file(entry: dict, directory: str, files: dict[str, bytes]) -> bytes:
    path = entry["path"]
    match = _PATH.match(path)
    if not match or match.groups() != (directory, entry["id"], entry["version"]):
        raise _refuse(
            "manifest_invalid",
            f"Der Pfad „{path}“ passt nicht zu {entry['id']} {entry['version']} "
            f"({directory}/<id>/<version>.json erwartet).",
            f"The path '{path}' does not match {entry['id']} {entry['version']} "
            f"(expected {directory}/<id>/<version>.json).",
            path,
        )
    if path not in files:
        raise _refuse(
            "missing_file",
            f"Die Datei „{path}“ fehlt im Bündel.",
            f"The file '{path}' is missing from the bundle.",
            path,
        )
    return files[path]


def _problems_text(problems) -> tuple[str, str]:
    shown = problems[:5]
    return (
        "; ".join(f"{p.pointer or '/'}: {p.message}" for p in shown),
        "; ".join(f"{p.pointer or '/'}: {p.message_en}" for p in shown),
    )


def _read_process(entry: dict, files: dict[str, bytes]) -> dict:
    path = entry["path"]
    try:
        doc = load_definition(_entry_file(entry, "processes", files))
    except DefinitionError as exc:
        de, en = _problems_text(exc.problems)
        raise _refuse(
            "invalid_definition",
            f"„{path}“ ist keine lesbare Prozessdefinition: {de}",
            f"'{path}' is not a readable process definition: {en}",
            path,
        ) from None
    if (doc.get("id"), doc.get("version")) != (entry["id"], entry["version"]):
        raise _refuse(
            "manifest_invalid",
            f"„{path}“ enthält {doc.get('id')} {doc.get('version')}, das Manifest nennt "
            f"{entry['id']} {entry['version']}.",
            f"'{path}' holds {doc.get('id')} {doc.get('version')}, the manifest names "
            f"{entry['id']} {entry['version']}.",
            path,
        )
    problems = check_definition(doc)
    if problems:
        de, en = _problems_text(problems)
        raise _refuse(
            "invalid_definition",
            f"„{entry['id']}“ {entry['version']} ist fehlerhaft: {de}",
            f"'{entry['id']}' {entry['version']} is invalid: {en}",
            path,
        )
    if definition_sha256(doc) != entry["sha256"]:
        raise _refuse(
            "hash_mismatch",
            f"Der Inhalt von „{entry['id']}“ {entry['version']} passt nicht zur Prüfsumme im "
            "Manifest.",
            f"The content of '{entry['id']}' {entry['version']} does not match the checksum "
            "in the manifest.",
            path,
        )
    return doc


def _read_shared(kind: str, entry: dict, files: dict[str, bytes]) -> dict:
    path = entry["path"]
    try:
        doc = load_definition(_entry_file(entry, KIND_DIRS[kind], files))
    except DefinitionError as exc:
        de, en = _problems_text(exc.problems)
        raise _refuse(
            "invalid_definition",
            f"„{path}“ ist nicht lesbar: {de}",
            f"'{path}' is not readable: {en}",
            path,
        ) from None
    problems = check_shared_item(doc)
    if not problems and (doc["kind"], doc["id"], doc["version"]) != (
        kind,
        entry["id"],
        entry["version"],
    ):
        raise _refuse(
            "manifest_invalid",
            f"„{path}“ passt nicht zum Eintrag im Manifest.",
            f"'{path}' does not match its manifest entry.",
            path,
        )
    if problems:
        de, en = _problems_text(problems)
        raise _refuse(
            "invalid_definition",
            f"„{path}“ ist fehlerhaft: {de}",
            f"'{path}' is invalid: {en}",
            path,
        )
    if schema_sha256(doc["schema"]) != entry["sha256"]:
        raise _refuse(
            "hash_mismatch",
            f"Der Inhalt von „{path}“ passt nicht zur Prüfsumme im Manifest.",
            f"The content of '{path}' does not match the checksum in the manifest.",
            path,
        )
    return doc
