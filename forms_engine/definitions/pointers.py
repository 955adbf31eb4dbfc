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
