"""Studio writes that are more than one catalog call: creating a new process."""

from __future__ import annotations

from forms_engine.catalog.models import Publisher
from forms_engine.catalog.services import process_version_create_draft


def new_process_document(
    *, identifier: str, title_de: str, title_en: str = "", reference_prefix: str
) -> dict:
    """The smallest valid definition a designer starts from: one empty step."""
    title = {"de": title_de.strip()}
    if title_en.strip():
        title["en"] = title_en.strip()
    step_title = {"de": "Ihre Angaben"}
    if "en" in title:
        step_title["en"] = "Your details"
    return {
        "$schema": "urn:ozg-engine:process-format:1",
        "id": identifier,
        "version": "1.0.0",
        "title": title,
        "reference_prefix": reference_prefix,
        "steps": [
            {
                "id": "angaben",
                "title": step_title,
                "schema": {"type": "object", "properties": {}, "required": []},
            }
        ],
    }


def process_create(
    *,
    publisher: Publisher,
    identifier: str,
    title_de: str,
    title_en: str = "",
    reference_prefix: str,
    by,
):
    """A new process of `publisher` with its first draft 1.0.0 (`InvalidTransition` /
    `ImmutableVersionError` from the catalog when the id is taken)."""
    doc = new_process_document(
        identifier=identifier,
        title_de=title_de,
        title_en=title_en,
        reference_prefix=reference_prefix,
    )
    return process_version_create_draft(doc=doc, publisher=publisher, by=by, note="neu / new")
