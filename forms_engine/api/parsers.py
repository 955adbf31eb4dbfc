"""The API's JSON parser: strict JSON with documented limits.

- size: at most `DATA_UPLOAD_MAX_MEMORY_SIZE` bytes (Django's own limit, which DRF's
  parser does not apply to JSON bodies); more → 413 `too_large`, the rest never read.
- depth: at most `MAX_JSON_DEPTH` nested arrays/objects; deeper → 400 `too_deep`.
- no NaN / Infinity / numbers that overflow to infinity, no integers over 4,300 digits
  → 400 `parse_error`.
- NUL and lone surrogates in any string or key → 400 with a pointer into the body
  (`nul_character` / `invalid_unicode`), before any view runs.
"""

from __future__ import annotations

import json
import math

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from forms_engine.core.text import json_text_problems, text_message

from .errors import BodyRefused, PayloadTooLarge, error

MAX_JSON_DEPTH = 64


class _NotFinite(ValueError):
    pass


def _parse_constant(name):
    raise _NotFinite(name)


def _parse_float(text):
    number = float(text)
    if not math.isfinite(number):
        raise _NotFinite(text)
    return number


def json_depth_exceeds(value, limit: int) -> bool:
    """Whether arrays/objects in `value` nest deeper than `limit` (iterative)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _read_limited(stream, limit: int | None) -> bytes:
    if limit is None:
        return stream.read()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge()
    return data


class SafeJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise PayloadTooLarge()
        raw = _read_limited(stream, limit) if stream is not None else b""
        try:
            text = raw.decode("utf-8")
            data = json.loads(text, parse_constant=_parse_constant, parse_float=_parse_float)
        except (ValueError, RecursionError) as exc:
            raise ParseError() from exc
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise BodyRefused(
                [
                    error(
                        "",
                        f"Die Anfrage ist tiefer als {MAX_JSON_DEPTH} Ebenen verschachtelt.",
                        f"The request nests deeper than {MAX_JSON_DEPTH} levels.",
                        "too_deep",
                    )
                ]
            )
        problems = json_text_problems(data)
        if problems:
            raise BodyRefused(
                [error(pointer, *text_message(code), code) for pointer, code in problems]
            )
        return data
