"""Loading definitions and their canonical form (contract: docs/process-format.md, "Canonical hash")."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from . import pointers
from .errors import DefinitionError, Problem


def load_definition(text: str | bytes) -> dict:
    """Parse a definition from JSON text.

    Contract: returns the parsed dict; invalid JSON, or a document that is not a JSON
    object, raises `DefinitionError` whose single `Problem` names line and column.
    Does not check the definition (see `check_definition`).
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DefinitionError(
                [
                    Problem(
                        "",
                        f"Die Datei ist nicht UTF-8-kodiert (Byte {exc.start}).",
                        f"The file is not UTF-8 encoded (byte {exc.start}).",
                    )
                ]
            ) from exc
    duplicates: list[tuple[int, str]] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict:
        result: dict = {}
        for key, value in pairs:
            if key in result:
                duplicates.append((id(result), key))
            result[key] = value
        return result

    try:
        doc = json.loads(text, object_pairs_hook=pairs_hook)
    except json.JSONDecodeError as exc:
        raise DefinitionError(
            [
                Problem(
                    "",
                    f"Kein gültiges JSON in Zeile {exc.lineno}, Spalte {exc.colno}: {exc.msg}.",
                    f"Invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.",
                )
            ]
        ) from exc
    if not isinstance(doc, dict):
        raise DefinitionError(
            [
                Problem(
                    "",
                    "Eine Prozessdefinition muss ein JSON-Objekt sein.",
                    "A process definition must be a JSON object.",
                )
            ]
        )
    if duplicates:
        raise DefinitionError(_duplicate_key_problems(doc, duplicates))
    return doc


def _duplicate_key_problems(doc: Any, duplicates: list[tuple[int, str]]) -> list[Problem]:
    """Problems for keys that occur twice in one JSON object (json.loads would keep the last)."""
    wanted = {}
    for object_id, key in duplicates:
        wanted.setdefault(object_id, []).append(key)
    problems: list[Problem] = []

    def walk(node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            for key in wanted.get(id(node), []):
                where = f"{pointer}/{pointers.escape(key)}"
                problems.append(
                    Problem(
                        where,
                        f"Der Schlüssel '{key}' kommt im selben Objekt doppelt vor.",
                        f"The key '{key}' occurs twice in the same object.",
                    )
                )
            for key, value in node.items():
                walk(value, f"{pointer}/{pointers.escape(key)}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{pointer}/{index}")

    walk(doc, "")
    return problems


def canonical_json(doc: Any) -> bytes:
    """Canonical JSON: keys sorted, separators `,`/`:`, UTF-8, no insignificant whitespace."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def definition_sha256(doc: Any) -> str:
    """Hex sha256 of `canonical_json(doc)`; identifies a published version."""
    return hashlib.sha256(canonical_json(doc)).hexdigest()
