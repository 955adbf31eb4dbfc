"""Version numbers at publishing: the number must rise at least as far as the changes need.

Contract:
- `publish_version_problems(previous_doc, new_doc) -> list[Problem]`: `previous_doc` is the
  highest published version of the process (None for its first version). `[]` means the
  number of `new_doc` may be published. Otherwise each `Problem` (pointer `/version`, or
  `/id`) says in German and English what is wrong and which number would fit. Never raises.
- `suggested_version(previous_version, bump) -> str`: the next number for a step
  (`"1.2.3"`, `"minor"` → `"1.3.0"`); `"none"` counts as a patch; no previous (None or not
  `MAJOR.MINOR.PATCH`) → `"1.0.0"`. An unknown bump is a `ValueError` (a programming error).

Refused: a `version` that is not `MAJOR.MINOR.PATCH`; a different `id`; a number not higher
than the previous one; a number that rises less than `required_bump(definition_diff(...))`
asks (a removed or newly required field needs a new major version, an optional field a
minor, a text a patch), naming the step, the next valid number and the first changes that
force it; a new number for a document that is the previous one unchanged.

Enforced by the studio and the API publish path; `process_sync` of files does not call it
(the shipped library's files are published as they are).
"""

from __future__ import annotations

import json
import re
from typing import Any

from .diff import BUMPS, Change, definition_diff, required_bump, version_step
from .errors import Problem

_SEMVER = re.compile(r"^(\d{1,9})\.(\d{1,9})\.(\d{1,9})$")
_SHOWN_CHANGES = 3

_STEP_NAMES = {
    "major": ("eine neue Hauptversion (MAJOR)", "a new major version (MAJOR)"),
    "minor": ("mindestens eine neue Nebenversion (MINOR)", "at least a new minor version (MINOR)"),
    "patch": ("mindestens eine neue Korrekturversion (PATCH)", "at least a new patch (PATCH)"),
}


def suggested_version(previous_version: str | None, bump: str) -> str:
    """The next version number after `previous_version` for `bump` (module docstring)."""
    if bump not in (*BUMPS, "none"):
        raise ValueError(f"unknown version step: {bump!r}")
    match = _SEMVER.match(previous_version) if isinstance(previous_version, str) else None
    if match is None:
        return "1.0.0"
    major, minor, patch = (int(x) for x in match.groups())
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def publish_version_problems(previous_doc: Any, new_doc: Any) -> list[Problem]:
    """Why `new_doc`'s version number may not follow `previous_doc`'s (module docstring)."""
    try:
        return _problems(previous_doc, new_doc)
    except Exception:  # noqa: BLE001 - contract: never raises; refuse rather than guess
        return [
            Problem(
                "/version",
                "Die Versionsnummer lässt sich nicht prüfen.",
                "The version number cannot be checked.",
            )
        ]


def _problems(previous_doc: Any, new_doc: Any) -> list[Problem]:
    new = new_doc.get("version") if isinstance(new_doc, dict) else None
    if not isinstance(new, str) or not _SEMVER.match(new):
        return [
            Problem(
                "/version",
                f"{_shown(new)} ist keine Versionsnummer der Form MAJOR.MINOR.PATCH (etwa 1.0.0).",
                f"{_shown(new, 'en')} is not a version number of the form MAJOR.MINOR.PATCH "
                "(e.g. 1.0.0).",
            )
        ]
    if not isinstance(previous_doc, dict):
        return []
    old = previous_doc.get("version")
    if not isinstance(old, str) or not _SEMVER.match(old):
        return []  # nothing published to compare with in a usable form
    problems: list[Problem] = []
    if previous_doc.get("id") != new_doc.get("id"):
        problems.append(
            Problem(
                "/id",
                f"Die Kennung {_shown(new_doc.get('id'))} ist nicht die des Prozesses "
                f"({_shown(previous_doc.get('id'))}); eine neue Version behält die Kennung.",
                f"The id {_shown(new_doc.get('id'), 'en')} is not the process's "
                f"({_shown(previous_doc.get('id'), 'en')}); a new version keeps the id.",
            )
        )
        return problems
    changes = definition_diff(previous_doc, new_doc)
    need = required_bump(changes)
    step = version_step(old, new)
    unchanged = _without_version(previous_doc) == _without_version(new_doc)
    if step in ("same", "older"):
        suggestion = suggested_version(old, need)
        problems.append(
            Problem(
                "/version",
                f"Die Versionsnummer {new} ist nicht höher als die zuletzt veröffentlichte "
                f"{old}. Nächste passende Nummer: {suggestion}.",
                f"The version number {new} is not higher than the last published one, "
                f"{old}. Next fitting number: {suggestion}.",
            )
        )
    elif need in BUMPS and BUMPS.index(step) < BUMPS.index(need):
        suggestion = suggested_version(old, need)
        step_de, step_en = _STEP_NAMES[need]
        reasons = [c for c in changes if c.bump == need]
        problems.append(
            Problem(
                "/version",
                f"Die Versionsnummer {new} reicht nicht: die Änderungen gegenüber {old} "
                f"verlangen {step_de}, also {suggestion}. Grund: {_reasons(reasons, 'de')}",
                f"The version number {new} is not enough: the changes since {old} need "
                f"{step_en}, that is {suggestion}. Because: {_reasons(reasons, 'en')}",
            )
        )
    if unchanged:
        problems.append(
            Problem(
                "",
                f"Die Definition ist dieselbe wie Version {old}: es gibt nichts zu "
                "veröffentlichen.",
                f"The definition is the same as version {old}: there is nothing to publish.",
            )
        )
    return problems


def _reasons(changes: list[Change], lang: str) -> str:
    shown = [c.text(lang).rstrip(".") for c in changes[:_SHOWN_CHANGES]]
    more = len(changes) - len(shown)
    text = "; ".join(shown)
    if more > 0:
        text += f" (und {more} weitere)" if lang == "de" else f" (and {more} more)"
    return text + "."


def _without_version(doc: dict) -> str:
    rest = {k: v for k, v in doc.items() if k != "version"}
    return json.dumps(rest, sort_keys=True, ensure_ascii=False, default=str)


def _shown(value: Any, lang: str = "de") -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = text if len(text) <= 40 else text[:39] + "…"
    return f"„{text}“" if lang == "de" else f"'{text}'"
