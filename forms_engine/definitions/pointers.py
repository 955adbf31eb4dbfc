"""JSON pointer helpers (RFC 6901)."""

from __future__ import annotations

from collections.abc import Iterable


def escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(parts: Iterable[object]) -> str:
    """`["halter", "vorname"]` → `/halter/vorname`; `[]` → `""` (the whole document)."""
    return "".join("/" + escape(part) for part in parts)


def split(pointer: str) -> list[str]:
    """`/halter/vorname` → `["halter", "vorname"]`."""
    if not pointer:
        return []
    return [unescape(token) for token in pointer.split("/")[1:]]


def resolve(document: object, pointer: str) -> object | None:
    """The value at `pointer` in `document`, or None when any part of the path is missing."""
    current = document
    for part in split(pointer):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
        if current is None:
            return None
    return current
