"""The citizen's status page `/status/<token>/`: reference, process, history; nothing internal."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language

from forms_engine.cases.models import Case
from forms_engine.cases.status import case_for_status_token, case_status_history
from forms_engine.catalog.selectors import version_definition

from .formatting import i18n


def status(request, token: str):
    case = case_for_status_token(token)
    if case is None:
        raise Http404
    lang = (get_language() or "de")[:2]
    lang = lang if lang in ("de", "en") else "de"
    history = [
        {
            "label": _label(change.to_status),
            "changed_at": change.changed_at,
            "message": change.message,
        }
        for change in reversed(case_status_history(case))
    ]
    response = render(
        request,
        "citizen/status.html",
        {
            "case": case,
            "process_title": i18n(version_definition(case.process_version).title, lang),
            "current": _label(case.status),
            "history": history,
            "site_name": case.municipality.name,
        },
    )
    # The token is the only key to this page: keep it out of caches, referrers and indexes.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _label(status: str) -> str:
    try:
        return str(Case.Status(status).label)
    except ValueError:
        return status
