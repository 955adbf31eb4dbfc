"""The citizen's summary page: the shared answer presenter plus an edit link per step."""

from __future__ import annotations

from django.urls import reverse

from forms_engine.core.summary import answer_sections


def summary_sections(definition, draft, lang: str, uploads: dict) -> list[dict]:
    """The citizen summary of a draft: `answer_sections` plus an edit link per step."""
    sections = answer_sections(definition, draft.answers, lang, uploads)
    for section in sections:
        section["edit_url"] = (
            reverse("citizen:step", args=[draft.pk, section["id"]]) + "?return=summary"
        )
    return sections
