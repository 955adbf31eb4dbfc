"""Documented limits of the process language and the structural check of a definition.

Contract (docs/process-format.md, "Limits"): a definition larger, deeper or wider than
these limits, or holding values JSON cannot carry faithfully (NaN/Infinity, huge numbers,
NUL characters, lone surrogates, non-JSON Python objects), is refused with `Problem`s
before any other check runs, so no later step (meta-schema, compile, hash, database,
terminal output) ever sees it. `structure_problems(doc)` never raises.
"""

from __future__ import annotations

import math
from typing import Any

from . import pointers
from .errors import Problem

# --- definitions --------------------------------------------------------------------------
MAX_FILE_BYTES = 2 * 1024 * 1024
"""Largest definition file (UTF-8 bytes); the shipped ones are below 50 KB."""
MAX_DEPTH = 64
"""Deepest nesting of JSON objects/arrays in a definition; the shipped ones reach 12."""
MAX_FIELDS = 2_000
"""Most `properties` entries in one definition (all steps, groups and `$defs` together)."""
MAX_OPTIONS = 5_000
"""Most entries of one `oneOf`, `anyOf` or `enum` (a choice's options)."""
MAX_NUMBER_LENGTH = 30
"""Most characters of one number literal in a definition file."""
MAX_INTEGER_BITS = 100
"""Largest integer magnitude (2**100, about 30 digits) in a definition given as Python data."""
MAX_PATTERN_LENGTH = 1_000
"""Longest regular expression (`pattern`) in characters."""
MAX_PATTERNS = 100
"""Most distinct patterns in one definition: compiling one can take ~0.1 s, so this bounds
the time of a check (the shipped definitions have at most 2)."""
MAX_PATTERN_WEIGHT = 500
"""Most character positions a pattern may describe, repetitions expanded (`a{3}` is 3,
`(ab){10}` is 20, `*`, `+` and `?` count once): large counted repetitions like `.{5000}`
are linear but slow on long answers (see bench/adversarial_pattern.py)."""
MAX_LENGTH_CEILING = 100_000
"""Highest `maxLength` a field may declare."""
MAX_PROBLEMS = 50
"""At most this many structural problems are reported (a hostile file could have millions)."""

# --- answers ------------------------------------------------------------------------------
TEXT_MAX_LENGTH = 10_000
"""Default length cap of a string answer whose field declares no `maxLength`."""
TEXTAREA_MAX_LENGTH = 100_000
"""Default length cap of a long-text (`widget: textarea`) answer without `maxLength`."""
ANSWER_MAX_LENGTH = max(TEXTAREA_MAX_LENGTH, MAX_LENGTH_CEILING)
"""No string answer, wherever it stands, is ever longer; conditions never see more."""
ANSWER_MAX_DEPTH = 32
"""Deepest nesting inside one step's answers that is examined."""

_OPTION_LISTS = ("oneOf", "anyOf", "enum")


def pattern_weight(pattern: str) -> int:
    """Character positions `pattern` describes with counted repetitions expanded.

    A small scanner for ECMAScript patterns (escapes, classes, groups, `{n}`, `{n,}`,
    `{n,m}`); alternatives are added up. Never raises; a malformed pattern gets some number.
    """
    frames: list[list[int]] = [[0, 0]]  # per group: [total weight, weight of last item]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            i += 2
            if i - 1 < n and pattern[i - 1] in "pPu" and i < n and pattern[i] == "{":
                end = pattern.find("}", i)
                i = n if end < 0 else end + 1
            frames[-1][0] += 1
            frames[-1][1] = 1
            continue
        if ch == "[":
            i += 1
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
            i += 1
            frames[-1][0] += 1
            frames[-1][1] = 1
            continue
        if ch == "(":
            frames.append([0, 0])
            i += 1
            continue
        if ch == ")":
            if len(frames) > 1:
                total = max(frames.pop()[0], 1)
                frames[-1][0] += total
                frames[-1][1] = total
            i += 1
            continue
        if ch == "{":
            end = pattern.find("}", i)
            body = pattern[i + 1 : end] if end > 0 else ""
            low, _, high = body.partition(",")
            if low.isdigit() and (high.isdigit() or high == ""):
                count = int(high or low) if len(high or low) < 7 else 10**6
                last = frames[-1][1]
                frames[-1][0] += last * (count - 1) if count else -last
                frames[-1][1] = last * count
                i = end + 1
                continue
        if ch in "|*+?^$":
            i += 1
            continue
        frames[-1][0] += 1
        frames[-1][1] = 1
        i += 1
    while len(frames) > 1:
        total = frames.pop()[0]
        frames[-1][0] += total
    return max(frames[0][0], 0)


def string_defect(text: str) -> str | None:
    """`"nul"` if `text` holds a NUL character, `"surrogate"` for a lone surrogate, else None."""
    if "\x00" in text:
        return "nul"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "surrogate"
    return None


def _string_problem(pointer: str, defect: str, *, key: bool) -> Problem:
    where_de, where_en = ("Der Schlüssel", "The key") if key else ("Der Text", "The text")
    if defect == "nul":
        return Problem(
            pointer,
            f"{where_de} enthält ein NUL-Zeichen (\\u0000); das ist nicht erlaubt.",
            f"{where_en} contains a NUL character (\\u0000); this is not allowed.",
        )
    return Problem(
        pointer,
        f"{where_de} enthält ein einzelnes Surrogat (ungültiges Unicode); das ist nicht erlaubt.",
        f"{where_en} contains a lone surrogate (invalid Unicode); this is not allowed.",
    )


def structure_problems(doc: Any) -> list[Problem]:
    """Problems with the shape of a definition as data (limits and non-JSON values).

    Walks iteratively (no recursion, so any depth is safe); reports at most MAX_PROBLEMS.
    """
    problems: list[Problem] = []
    fields = 0
    fields_reported = False
    patterns: set[str] = set()
    patterns_reported = False
    stack: list[tuple[Any, tuple, int]] = [(doc, (), 0)]
    while stack and len(problems) < MAX_PROBLEMS:
        node, path, depth = stack.pop()
        if isinstance(node, str):
            defect = string_defect(node)
            if defect:
                problems.append(_string_problem(pointers.join(path), defect, key=False))
            elif path and path[-1] == "pattern" and not patterns_reported:
                patterns.add(node)
                if len(patterns) > MAX_PATTERNS:
                    patterns_reported = True
                    problems.append(
                        Problem(
                            pointers.join(path),
                            f"Zu viele verschiedene reguläre Ausdrücke: höchstens {MAX_PATTERNS} je Definition.",
                            f"Too many distinct regular expressions: at most {MAX_PATTERNS} per definition.",
                        )
                    )
            continue
        if node is None or isinstance(node, bool):
            continue
        if isinstance(node, int):
            if node.bit_length() > MAX_INTEGER_BITS:
                problems.append(
                    Problem(
                        pointers.join(path),
                        f"Die Zahl ist zu groß (höchstens {MAX_NUMBER_LENGTH} Stellen).",
                        f"The number is too large (at most {MAX_NUMBER_LENGTH} digits).",
                    )
                )
            continue
        if isinstance(node, float):
            if not math.isfinite(node):
                problems.append(
                    Problem(
                        pointers.join(path),
                        "NaN und Infinity sind in JSON nicht erlaubt.",
                        "NaN and Infinity are not allowed in JSON.",
                    )
                )
            continue
        if not isinstance(node, dict | list):
            problems.append(
                Problem(
                    pointers.join(path),
                    f"Kein JSON-Wert ({type(node).__name__}).",
                    f"Not a JSON value ({type(node).__name__}).",
                )
            )
            continue
        if depth >= MAX_DEPTH:
            problems.append(
                Problem(
                    pointers.join(path),
                    f"Zu tief verschachtelt: höchstens {MAX_DEPTH} Ebenen sind erlaubt.",
                    f"Nested too deeply: at most {MAX_DEPTH} levels are allowed.",
                )
            )
            # one report is enough: whatever lies deeper is not examined
            return problems
        if isinstance(node, list):
            if len(path) and path[-1] in _OPTION_LISTS and len(node) > MAX_OPTIONS:
                problems.append(
                    Problem(
                        pointers.join(path),
                        f"Zu viele Auswahlmöglichkeiten ({len(node)}); höchstens {MAX_OPTIONS} sind erlaubt.",
                        f"Too many options ({len(node)}); at most {MAX_OPTIONS} are allowed.",
                    )
                )
                continue
            for index in range(len(node) - 1, -1, -1):
                stack.append((node[index], (*path, index), depth + 1))
            continue
        if path and path[-1] == "properties" and isinstance(node, dict):
            fields += len(node)
            if fields > MAX_FIELDS and not fields_reported:
                fields_reported = True
                problems.append(
                    Problem(
                        pointers.join(path),
                        f"Zu viele Felder: höchstens {MAX_FIELDS} sind je Definition erlaubt.",
                        f"Too many fields: at most {MAX_FIELDS} are allowed per definition.",
                    )
                )
        children = []
        for key, value in node.items():
            if not isinstance(key, str):
                problems.append(
                    Problem(
                        pointers.join(path),
                        "Schlüssel müssen Texte sein.",
                        "Keys must be strings.",
                    )
                )
                continue
            defect = string_defect(key)
            if defect:
                # the key itself cannot be shown safely: report at its object
                problems.append(_string_problem(pointers.join(path), defect, key=True))
                continue
            children.append((value, (*path, key), depth + 1))
        stack.extend(reversed(children))
    return problems[:MAX_PROBLEMS]


# --- rules and computed values (docs/process-format.md, "Rules and computed values") -----
MAX_RULES = 100
"""Most entries of `rules` in one definition."""
MAX_COMPUTED = 50
"""Most entries of `computed` in one definition."""
MAX_EXPRESSION_LENGTH = 1_000
"""Longest CEL expression (`check`, `expression`) in characters."""
MAX_EXPRESSION_NESTING = 24
"""Deepest nesting of brackets ((), [], {}) in one expression; CEL's own parser stops near 100."""
MAX_COMPREHENSIONS = 0
"""Comprehension macros (all, exists, exists_one, map, filter) allowed in one expression:
none. The CEL library builds their results by copying (`x.map(v, v * 2)` takes 0.1 s for
1,000 items and 10 s for 10,000), so without them an expression cannot loop at all."""
MAX_EXPRESSION_REFERENCES = 20
"""Most uses of `answers.…`, `params.…` and `computed.…` in one expression (each use copies
the value it reads; `+` chains of long texts cost the square of their length)."""
MAX_RULE_VALUE_WEIGHT = 2_000
"""Largest answer an expression may read: JSON nodes, a string counting 1 per started 1,000
characters. A rule reading a larger answer reports it as too large to check (fail closed);
a computed value reading one has no value."""
RULE_SLOW_SECONDS = 0.05
"""An evaluation slower than this is logged (the limits above keep it far below)."""
