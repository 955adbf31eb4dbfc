"""The worst patterns `process_check` accepts, against adversarial answers.

Each candidate pattern is one that stalls a backtracking engine or strains a linear one
(nested quantifiers, large Unicode classes under bounded repetition, long alternations,
counted repetitions up to the MAX_PATTERN_WEIGHT the check allows).
Every candidate must pass `check_definition`; the field declares the highest `maxLength`
the check allows (MAX_LENGTH_CEILING), so the pattern really runs on long answers.

Two figures per pattern, each the worst over several adversarial inputs (ASCII, umlauts,
mixed 1–4 byte characters, alternating letters; all ending in a character that makes the
match fail late):

- `1 MB`: an answer of 1,000,000 characters, validated with `validate_step`; it is over
  every cap, so the length check refuses it before any pattern sees it;
- `at cap`: an answer exactly at the cap (MAX_LENGTH_CEILING characters), which the
  pattern must really match (the linear engine's worst case).

Both must stay under 50 ms. Runs standalone, no server or database:

    .venv/bin/python bench/adversarial_pattern.py
"""

from __future__ import annotations

import sys

from common import median_ms, timed

LIMIT_MS = 50.0

CANDIDATES = [
    r"^(a+)+$",
    r"^(a|a)*$",
    r"^(a|aa)+$",
    r"^(.*a){20}$",
    r"^(\w+\s?)*$",
    r"^[\p{L} .'-]+$",
    r"\p{L}{200}!x",
    r"[\p{L}\p{N}]{1,200}!x",
    r"(\p{L}|\p{N}|\p{P}){160}x",
    r".{499}x",
    r"(.*.{23}){20}x",
    r"(.{10}|a.{9}){24}x",
    r"(a|.){249}x",
    r"(?:[\p{L}][\p{Ll}]{0,20}[ -]?){1,10}x",
    "^(" + "|".join(f"w{i:03d}ort" for i in range(70)) + ")+$",
]


def _inputs(length: int) -> dict[str, str]:
    body = length - 1
    mixed = "aä€😀"
    return {
        "ascii": "a" * body + "!",
        "umlaut": "ä" * body + "!",
        "mixed": (mixed * (body // len(mixed) + 1))[:body] + "!",
        "alternating": ("ab" * (body // 2 + 1))[:body] + "!",
    }


def _definition(pattern: str, max_length: int) -> dict:
    return {
        "$schema": "urn:ozg-engine:process-format:1",
        "id": "bench-pattern",
        "version": "1.0.0",
        "title": {"de": "Muster"},
        "reference_prefix": "BEN",
        "steps": [
            {
                "id": "feld",
                "title": {"de": "Feld"},
                "schema": {
                    "type": "object",
                    "required": ["text"],
                    "properties": {
                        "text": {
                            "type": "string",
                            "title": "Text",
                            "maxLength": max_length,
                            "pattern": pattern,
                        }
                    },
                },
            }
        ],
    }


def main(repeat: int = 5) -> list[dict]:
    from forms_engine.definitions import check_definition, compile_definition
    from forms_engine.definitions.limits import MAX_LENGTH_CEILING

    huge = _inputs(1_000_000)
    at_cap = _inputs(MAX_LENGTH_CEILING)
    rows = []
    print(f"== Adversarial answers against the worst accepted patterns (median of {repeat})")
    print(f"{'pattern':44} {'1 MB ms':>9} {'at cap ms':>10}  worst input")
    for pattern in CANDIDATES:
        doc = _definition(pattern, MAX_LENGTH_CEILING)
        problems = check_definition(doc)
        assert problems == [], f"{pattern!r} should be accepted: {problems}"
        process = compile_definition(doc)
        worst_huge = max(
            median_ms(timed(lambda t=text, p=process: p.validate_step("feld", {"text": t}), repeat))
            for text in huge.values()
        )
        at_cap_figures = {
            name: median_ms(
                timed(lambda t=text, p=process: p.validate_step("feld", {"text": t}), repeat)
            )
            for name, text in at_cap.items()
        }
        worst_name = max(at_cap_figures, key=at_cap_figures.get)
        shown = pattern if len(pattern) <= 44 else pattern[:41] + "..."
        rows.append(
            {
                "pattern": pattern,
                "huge_ms": worst_huge,
                "at_cap_ms": at_cap_figures[worst_name],
                "worst_input": worst_name,
            }
        )
        print(f"{shown:44} {worst_huge:9.2f} {at_cap_figures[worst_name]:10.2f}  {worst_name}")
    worst = max(max(r["huge_ms"], r["at_cap_ms"]) for r in rows)
    verdict = "OK" if worst < LIMIT_MS else "TOO SLOW"
    print(f"worst validation: {worst:.2f} ms (limit {LIMIT_MS:.0f} ms) {verdict}")
    return rows


if __name__ == "__main__":
    import django

    django.setup()
    rows = main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
    if max(max(r["huge_ms"], r["at_cap_ms"]) for r in rows) >= LIMIT_MS:
        sys.exit(1)
