"""Labelled answers: one presenter for the citizen summary and the case file.

`answer_sections` is pure (definition + answers in, plain dicts out); the citizen summary
(`citizen/summary.py`) adds its "Ändern" links, the case file (`cases/casefile.py`)
renders the same rows in PDF.

A row: `label`, `kind` (the field type), `value` (display text), `rows` (children of a
group), `entries` (a repeatable group's items: `legend` and `rows`, aligned with
`columns`, the child labels).
"""

from __future__ import annotations

from .formatting import display_value, i18n


def answer_sections(
    definition, answers: dict, lang: str, uploads: dict, *, output: bool = False
) -> list[dict]:
    """Every applicable step of `answers` with its labelled, formatted answers.

    `uploads` maps `upload:<uuid>` references to Upload objects (their file names are
    shown). Inapplicable steps and fields are left out. `output=True` (case file, clerk)
    labels a field imported from FIM with its output label (`x-fim.output_label`, the FIM
    bezeichnungAusgabe) in German, where it has one.
    """
    answers = definition.prune(answers or {})
    sections = []
    for number, step in enumerate(definition.applicable_steps(answers), start=1):
        data = answers.get(step.id) or {}
        names = definition.applicable_fields(step, answers)
        rows = [
            _row(f, data.get(f.name), lang, uploads, output)
            for f in step.fields()
            if f.name in names
        ]
        sections.append(
            {"number": number, "id": step.id, "title": i18n(step.title, lang), "rows": rows}
        )
    return sections


def _label(f, lang: str, output: bool) -> str:
    if output and lang == "de" and isinstance(f.schema, dict):
        fim = f.schema.get("x-fim")
        if isinstance(fim, dict) and isinstance(fim.get("output_label"), str):
            return fim["output_label"] or f.label(lang)
    return f.label(lang)


def _row(f, value, lang: str, uploads: dict, output: bool = False) -> dict:
    row = {"label": _label(f, lang, output), "kind": f.type, "value": "", "rows": [], "entries": []}
    if f.type == "group":
        value = value if isinstance(value, dict) else {}
        row["rows"] = [_row(c, value.get(c.name), lang, uploads, output) for c in f.children]
    elif f.type == "repeat":
        entries = value if isinstance(value, list) else []
        items = f.schema.get("items", {}) if isinstance(f.schema, dict) else {}
        title = (items.get("x-en") or {}).get("title") if lang != "de" else None
        title = title or items.get("title") or f.label(lang)
        row["columns"] = [_label(c, lang, output) for c in f.children]
        for i, entry in enumerate(entries, start=1):
            entry = entry if isinstance(entry, dict) else {}
            row["entries"].append(
                {
                    "legend": f"{title} {i}",
                    "number": i,
                    "rows": [_row(c, entry.get(c.name), lang, uploads, output) for c in f.children],
                }
            )
        if not entries:
            row["value"] = "–"
    else:
        row["value"] = display_value(f, value, lang, uploads)
    return row
