"""Saving a draft from a studio page: one place for the revision check and its messages.

Every editing form carries the revision it was loaded at (`<input type="hidden"
name="revision" value="{{ version.revision }}">`); `document_save` passes it on, so a draft
saved by someone else in between is refused with a clear message and nothing is lost."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import get_language

from forms_engine.catalog.exceptions import CatalogError, EditConflict
from forms_engine.catalog.models import ProcessVersion
from forms_engine.catalog.services import process_version_update_draft


def posted_revision(request) -> int | None:
    """The revision an editing form was loaded at, or None when it sent none (or garbage)."""
    raw = request.POST.get("revision", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def catalog_error_text(exc: CatalogError) -> str:
    return exc.message if (get_language() or "de").startswith("de") else exc.message_en


def document_save(request, version: ProcessVersion, doc: dict, *, note: str = ""):
    """Save `doc` as the draft's new state. Returns the saved version, or None after putting
    the refusal (conflict, published version, wrong id) into the messages."""
    try:
        return process_version_update_draft(
            version=version,
            doc=doc,
            by=request.user,
            expected_revision=posted_revision(request),
            note=note,
        )
    except EditConflict as exc:
        messages.error(request, catalog_error_text(exc))
    except CatalogError as exc:
        messages.error(request, catalog_error_text(exc))
    return None


def place_url(version: ProcessVersion, pointer: str) -> str:
    """Where the editor shows the place a JSON pointer into the definition names (a problem,
    a warning, an authoring finding, a diff entry): the editor resolves `?pointer=` to the
    page and anchor of that step, field, fee, rule or setting."""
    url = reverse("studio:editor", args=[version.pk])
    return f"{url}?{urlencode({'pointer': pointer or '/'})}"
