"""Loading definitions and their canonical form (contract: docs/process-format.md, "Canonical hash")."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from . import pointers
from .errors import DefinitionError, Problem
from .limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_NUMBER_LENGTH, structure_problems


class _Refused(Exception):
    """Raised from inside json.loads hooks; carries the Problem."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.message)


def _refuse_constant(name: str) -> Any:
    raise _Refused(
        Problem(
            "",
            f"{name} ist in JSON nicht erlaubt (nur endliche Zahlen).",
            f"{name} is not allowed in JSON (finite numbers only).",
        )
    )


def _check_number_length(literal: str) -> None:
    if len(literal) > MAX_NUMBER_LENGTH:
        raise _Refused(
            Problem(
                "",
                f"Eine Zahl mit {len(literal)} Zeichen ist zu lang (höchstens {MAX_NUMBER_LENGTH}).",
                f"A number of {len(literal)} characters is too long (at most {MAX_NUMBER_LENGTH}).",
            )
        )


def _parse_int(literal: str) -> int:
    _check_number_length(literal)
    return int(literal)


def _parse_float(literal: str) -> float:
    _check_number_length(literal)
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        _refuse_constant(literal)
    return value


def load_definition(text: str | bytes) -> dict:
    """Parse a definition from JSON text.

    Contract: returns the parsed dict; anything else raises `DefinitionError` and never
    another exception: invalid JSON or a document that is not a JSON object (the
    `Problem` names line and column), a file over `MAX_FILE_BYTES`, NaN/Infinity, a number
    literal over `MAX_NUMBER_LENGTH` characters, and whatever `structure_problems` finds
    (nesting over `MAX_DEPTH`, NUL characters, lone surrogates, too many fields/options).
    Does not check the definition otherwise (see `check_definition`).
    """
    if not isinstance(text, str | bytes | bytearray):
        raise DefinitionError([Problem("", "Erwartet wird JSON-Text.", "JSON text is expected.")])
    if isinstance(text, bytes | bytearray) or len(text) > MAX_FILE_BYTES:
        size = len(text)  # a character is at least one byte: no need to encode a huge text
    else:
        size = len(text.encode("utf-8", "replace"))
    if size > MAX_FILE_BYTES:
        raise DefinitionError(
            [
                Problem(
                    "",
                    f"Die Datei ist zu groß ({size} Bytes; höchstens {MAX_FILE_BYTES}).",
                    f"The file is too large ({size} bytes; at most {MAX_FILE_BYTES}).",
                )
            ]
        )
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
        doc = json.loads(
            text,
            object_pairs_hook=pairs_hook,
            parse_constant=_refuse_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except _Refused as exc:
        raise DefinitionError([exc.problem]) from None
    except RecursionError:
        raise DefinitionError(
            [
                Problem(
                    "",
                    f"Zu tief verschachtelt: höchstens {MAX_DEPTH} Ebenen sind erlaubt.",
                    f"Nested too deeply: at most {MAX_DEPTH} levels are allowed.",
                )
            ]
        ) from None
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
    problems = structure_problems(doc)
    if problems:
        raise DefinitionError(problems)
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
