"""Reads for the citizen pages: what is offered where, and a citizen's own drafts."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from forms_engine.catalog.models import Activation, Municipality, Process, ProcessVersion

from .models import Draft
from .services import session_has_draft


@dataclass(frozen=True)
class Offer:
    process: Process
    version: ProcessVersion
    municipalities: list[Municipality]


def _current_published(process: Process) -> ProcessVersion | None:
    return (
        ProcessVersion.objects.filter(process=process, status=ProcessVersion.Status.PUBLISHED)
        .order_by("-published_at", "-created_at")
        .first()
    )


def offers() -> list[Offer]:
    """Processes with a published version and at least one active activation."""
    result = []
    processes = (
        Process.objects.filter(activations__is_active=True).distinct().order_by("identifier")
    )
    for process in processes:
        version = _current_published(process)
        if version is None:
            continue
        result.append(Offer(process, version, municipalities_for(process)))
    return result


def offer_get(process_id: str) -> Offer:
    process = Process.objects.filter(identifier=process_id).first()
    if process is None:
        raise Http404
    version = _current_published(process)
    municipalities = municipalities_for(process)
    if version is None or not municipalities:
        raise Http404
    return Offer(process, version, municipalities)


def municipalities_for(process: Process) -> list[Municipality]:
    return list(
        Municipality.objects.filter(
            activations__process=process, activations__is_active=True
        ).order_by("name")
    )


def activation_exists(process: Process, municipality: Municipality) -> bool:
    return Activation.objects.filter(
        process=process, municipality=municipality, is_active=True
    ).exists()


def draft_for_session(request, draft_id) -> Draft:
    """The draft if this session created or resumed it; 404 for anything else."""
    if not session_has_draft(request.session, draft_id):
        raise Http404
    draft = (
        # The definition JSON is not read per request: the compiled form is cached by sha256.
        Draft.objects.select_related("process_version__process", "municipality")
        .defer("process_version__definition")
        .filter(pk=draft_id)
        .first()
    )
    if draft is None:
        raise Http404
    return draft
