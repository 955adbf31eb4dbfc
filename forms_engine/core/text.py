"""Input hygiene at the boundaries: text that no database column may hold.

PostgreSQL refuses NUL (U+0000) in `text` and `jsonb`, and a lone surrogate
(U+D800–U+DFFF, reachable through JSON `"\\ud800"` escapes) cannot be encoded as UTF-8 at
all. Every boundary that stores what a person typed (API bodies, wizard forms, drafts,
postbox answers, clerk texts) refuses such text with a field error before anything is
stored, using the codes and messages below.
"""

from __future__ import annotations

import re

from forms_engine.definitions.limits import string_defect

# NUL, or any surrogate code point (only lone surrogates survive decoding into a str).
_BAD = re.compile("[\x00\ud800-\udfff]")

CODES = {
    "nul_character": (
        "Die Eingabe enthält ein unzulässiges Steuerzeichen (NUL).",
        "The input contains a forbidden control character (NUL).",
    ),
    "invalid_unicode": (
        "Die Eingabe enthält ungültige Unicode-Zeichen.",
        "The input contains invalid Unicode characters.",
    ),
}


def text_problem(text: str) -> str | None:
    """The code (`nul_character` / `invalid_unicode`) of what is wrong with `text`, or None.

    The same test (and codes) as the answer validation of `definitions` uses."""
    defect = string_defect(text)
    if defect is None:
        return None
    return "nul_character" if defect == "nul" else "invalid_unicode"


def text_message(code: str) -> tuple[str, str]:
    """(German, English) message for a code from `text_problem`."""
    return CODES[code]


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def json_text_problems(value, pointer: str = "") -> list[tuple[str, str]]:
    """(JSON pointer, code) for every string value or object key in `value` that holds a NUL
    or a lone surrogate. Iterative, so any nesting depth is safe."""
    problems: list[tuple[str, str]] = []
    stack = [(value, pointer)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            code = text_problem(item)
            if code:
                problems.append((where, code))
        elif isinstance(item, dict):
            for key, child in item.items():
                key_text = str(key)
                code = text_problem(key_text)
                if code:
                    # The key itself is unusable; point at its parent with a safe rendering.
                    problems.append((f"{where}/{_escape(_BAD.sub('', key_text))}", code))
                    continue
                stack.append((child, f"{where}/{_escape(key_text)}"))
        elif isinstance(item, list | tuple):
            stack.extend((child, f"{where}/{index}") for index, child in enumerate(item))
    problems.sort()
    return problems


def scrub(text: str) -> str:
    """`text` with NUL and lone surrogates replaced by U+FFFD, for showing it back safely."""
    return _BAD.sub("\ufffd", text)
