"""The summary of a draft: every applicable step with its labelled answers."""

from __future__ import annotations

from django.urls import reverse

from .formatting import display_value, i18n


def summary_sections(definition, draft, lang: str, uploads: dict) -> list[dict]:
    answers = definition.prune(draft.answers or {})
    sections = []
    for number, step in enumerate(definition.applicable_steps(answers), start=1):
        data = answers.get(step.id) or {}
        names = definition.applicable_fields(step, answers)
        rows = [_row(f, data.get(f.name), lang, uploads) for f in step.fields() if f.name in names]
        sections.append(
            {
                "number": number,
                "id": step.id,
                "title": i18n(step.title, lang),
                "rows": rows,
                "edit_url": reverse("citizen:step", args=[draft.pk, step.id]) + "?return=summary",
            }
        )
    return sections


def _row(f, value, lang: str, uploads: dict) -> dict:
    row = {"label": f.label(lang), "kind": f.type, "value": "", "rows": [], "entries": []}
    if f.type == "group":
        value = value if isinstance(value, dict) else {}
        row["rows"] = [_row(c, value.get(c.name), lang, uploads) for c in f.children]
    elif f.type == "repeat":
        entries = value if isinstance(value, list) else []
        items = f.schema.get("items", {}) if isinstance(f.schema, dict) else {}
        title = (items.get("x-en") or {}).get("title") if lang != "de" else None
        title = title or items.get("title") or f.label(lang)
        for i, entry in enumerate(entries, start=1):
            entry = entry if isinstance(entry, dict) else {}
            row["entries"].append(
                {
                    "legend": f"{title} {i}",
                    "rows": [_row(c, entry.get(c.name), lang, uploads) for c in f.children],
                }
            )
        if not entries:
            row["value"] = "–"
    else:
        row["value"] = display_value(f, value, lang, uploads)
    return row
