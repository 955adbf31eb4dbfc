"""Shared field groups and code lists (contract: docs/process-format.md, "Shared field groups
and code lists").

A shared item is a versioned, immutable schema that many processes embed: a field group
(an object schema such as an address) or a code list (a string schema whose `oneOf` lists
the codes with their labels). A definition that embeds one names it in `uses`:

    "uses": {"anschrift": {"kind": "fieldgroup", "id": "anschrift-inland",
                           "version": "1.0.0", "sha256": "…"}},
    "$defs": {"anschrift": {…the shared item's schema, unchanged…}}

so the definition stays self-contained (its sha256 pins what the citizen sees) while the
shared item it came from is named and its exact content pinned. Shared item files:

    {"$schema": "urn:ozg-engine:shared-item:1", "kind": "codelist", "id": "…",
     "version": "…", "title": {"de": "…"}, "changelog": {"de": "…"}?, "schema": {…}}
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema

from .canonical import canonical_json
from .errors import Problem
from .limits import structure_problems

SHARED_ITEM_FORMAT = "urn:ozg-engine:shared-item:1"
KINDS = ("fieldgroup", "codelist")
KIND_LABELS = {"fieldgroup": ("Feldgruppe", "field group"), "codelist": ("Codeliste", "code list")}


@dataclass(frozen=True)
class SharedUse:
    """One entry of a definition's `uses`: `$defs/<name>` is shared item kind/id@version."""

    name: str
    kind: str
    id: str
    version: str
    sha256: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.id, self.version)


def schema_sha256(schema: Any) -> str:
    """Hex sha256 of the canonical JSON of a shared item's `schema` (what `uses` pins)."""
    return hashlib.sha256(canonical_json(schema)).hexdigest()


def shared_uses(doc: Any) -> list[SharedUse]:
    """The well-formed entries of `doc["uses"]` (malformed ones are `check_definition`'s)."""
    uses = doc.get("uses") if isinstance(doc, dict) else None
    if not isinstance(uses, dict):
        return []
    out = []
    for name, entry in uses.items():
        if not isinstance(entry, dict):
            continue
        values = [entry.get(k) for k in ("kind", "id", "version", "sha256")]
        if all(isinstance(v, str) for v in values):
            out.append(SharedUse(name, *values))
    return out


def uses_problems(doc: dict) -> list[Problem]:
    """Every `uses` entry names a `$defs` entry whose content is exactly the pinned item."""
    problems: list[Problem] = []
    defs = doc.get("$defs") if isinstance(doc.get("$defs"), dict) else {}
    for use in shared_uses(doc):
        pointer = f"/uses/{use.name}"
        kind_de, kind_en = KIND_LABELS.get(use.kind, (use.kind, use.kind))
        if use.name not in defs:
            problems.append(
                Problem(
                    pointer,
                    f"Die {kind_de} „{use.id}“ {use.version} ist unter '$defs/{use.name}' "
                    "nicht eingebettet.",
                    f"The {kind_en} '{use.id}' {use.version} is not embedded at "
                    f"'$defs/{use.name}'.",
                )
            )
            continue
        if schema_sha256(defs[use.name]) != use.sha256:
            problems.append(
                Problem(
                    f"/$defs/{use.name}",
                    f"'$defs/{use.name}' weicht von der {kind_de} „{use.id}“ {use.version} ab "
                    "(SHA-256 passt nicht). Geteilte Inhalte werden nicht lokal geändert: "
                    "nehmen Sie eine neue Version der geteilten Vorlage.",
                    f"'$defs/{use.name}' differs from the {kind_en} '{use.id}' {use.version} "
                    "(SHA-256 mismatch). Shared content is not changed locally: use a new "
                    "version of the shared item.",
                )
            )
            continue
        problems += _kind_problems(use.kind, defs[use.name], f"/$defs/{use.name}")
    return problems


def _kind_problems(kind: str, schema: Any, pointer: str) -> list[Problem]:
    if not isinstance(schema, dict):
        return [
            Problem(pointer, "Erwartet wird ein Schema-Objekt.", "A schema object is expected.")
        ]
    if kind == "fieldgroup" and (schema.get("type") != "object" or "properties" not in schema):
        return [
            Problem(
                pointer,
                "Eine Feldgruppe ist ein Objekt-Schema mit 'properties'.",
                "A field group is an object schema with 'properties'.",
            )
        ]
    if kind == "codelist":
        options = schema.get("oneOf")
        if (
            schema.get("type") != "string"
            or not isinstance(options, list)
            or not options
            or not all(isinstance(o, dict) and isinstance(o.get("const"), str) for o in options)
        ):
            return [
                Problem(
                    pointer,
                    "Eine Codeliste ist ein Text-Schema, dessen 'oneOf' die Codes als "
                    "{'const': Code, 'title': Bezeichnung} aufzählt.",
                    "A code list is a string schema whose 'oneOf' lists the codes as "
                    "{'const': code, 'title': label}.",
                )
            ]
        codes = [o["const"] for o in options]
        if len(set(codes)) != len(codes):
            return [
                Problem(
                    f"{pointer}/oneOf",
                    "Ein Code kommt in der Codeliste mehrfach vor.",
                    "A code occurs more than once in the code list.",
                )
            ]
    return []


@cache
def _item_validator() -> jsonschema.Draft202012Validator:
    from .check import metaschema

    meta = metaschema()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["$schema", "kind", "id", "version", "title", "schema"],
        "additionalProperties": False,
        "properties": {
            "$schema": {"const": SHARED_ITEM_FORMAT},
            "$comment": {"type": "string"},
            "kind": {"enum": list(KINDS)},
            "id": meta["$defs"]["sharedUse"]["properties"]["id"],
            "version": meta["$defs"]["sharedUse"]["properties"]["version"],
            "title": {"$ref": "#/$defs/i18n"},
            "changelog": {"$ref": "#/$defs/i18n"},
            "schema": {"$ref": "#/$defs/schema"},
        },
        "$defs": meta["$defs"],
    }
    return jsonschema.Draft202012Validator(schema)


def check_shared_item(doc: Any) -> list[Problem]:
    """All problems of a shared item file; `[]` means valid. Never raises.

    The item's schema must be self-contained (no `$ref`) and pass every check a process's
    `$defs` entry passes (patterns, formats, labels), so embedding it never breaks a process.
    """
    if not isinstance(doc, dict):
        return [
            Problem(
                "",
                "Eine geteilte Vorlage muss ein JSON-Objekt sein.",
                "A shared item must be a JSON object.",
            )
        ]
    structural = structure_problems(doc)
    if structural:
        return structural
    problems = []
    for error in sorted(_item_validator().iter_errors(doc), key=lambda e: list(e.path)):
        pointer = "".join(f"/{p}" for p in error.absolute_path)
        problems.append(
            Problem(
                pointer,
                f"Ungültige geteilte Vorlage: {error.message}",
                f"Invalid shared item: {error.message}",
            )
        )
        if len(problems) >= 20:
            break
    if problems:
        return problems
    schema = doc["schema"]
    if '"$ref"' in canonical_json(schema).decode("utf-8"):
        return [
            Problem(
                "/schema",
                "Eine geteilte Vorlage ist in sich geschlossen: '$ref' ist nicht erlaubt.",
                "A shared item is self-contained: '$ref' is not allowed.",
            )
        ]
    problems += _kind_problems(doc["kind"], schema, "/schema")
    if problems:
        return problems
    return _embedded_problems(schema)


def _embedded_problems(schema: dict) -> list[Problem]:
    """The checks a process runs on its `$defs`, run on a minimal process embedding `schema`."""
    from .check import FORMAT_URI, check_definition

    probe = {
        "$schema": FORMAT_URI,
        "id": "shared-item-probe",
        "version": "1.0.0",
        "title": {"de": "Probe"},
        "reference_prefix": "XX",
        "$defs": {"item": copy.deepcopy(schema)},
        "steps": [
            {
                "id": "s",
                "title": {"de": "Probe"},
                "schema": {"type": "object", "properties": {"f": {"$ref": "#/$defs/item"}}},
            }
        ],
    }
    out = []
    for problem in check_definition(probe):
        if problem.pointer.startswith("/$defs/item"):
            pointer = "/schema" + problem.pointer[len("/$defs/item") :]
            out.append(Problem(pointer, problem.message, problem.message_en))
    return out


def shared_item_use(doc: dict) -> dict:
    """The `uses` entry a definition writes to embed shared item `doc`."""
    return {
        "kind": doc["kind"],
        "id": doc["id"],
        "version": doc["version"],
        "sha256": schema_sha256(doc["schema"]),
    }
