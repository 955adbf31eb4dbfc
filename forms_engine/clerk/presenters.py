"""Turn a case's answers, status history and audit trail into rows for the case page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from forms_engine.cases.models import Case
from forms_engine.catalog.selectors import version_definition
from forms_engine.citizen.summary import answer_sections

AUDIT_ACTIONS = {
    "case.viewed": _("Antrag angesehen"),
    "case.status_changed": _("Status geändert"),
    "case.assigned": _("Zuweisung geändert"),
    "case.note_added": _("Notiz hinzugefügt"),
    "casefile.downloaded": _("Fallakte heruntergeladen"),
    "casefile.rendered": _("Fallakte erstellt"),
    "upload.downloaded": _("Datei heruntergeladen"),
    "pipeline.routed": _("Im Postfach eingegangen"),
    "case.submitted": _("Antrag eingereicht"),
}

# What a transition button says: the action, not only the status it leads to.
TRANSITION_ACTIONS = {
    Case.Status.IN_PROGRESS: _("In Bearbeitung nehmen"),
    Case.Status.QUERY: _("Rückfrage stellen"),
    Case.Status.APPROVED: _("Bewilligen und abschließen"),
    Case.Status.REJECTED: _("Ablehnen und abschließen"),
}


def transition_buttons(statuses) -> list[tuple[str, str]]:
    return [(s, TRANSITION_ACTIONS.get(s, Case.Status(s).label)) for s in statuses]


def answer_sections_for(case: Case, lang: str, uploads) -> list[dict]:
    """The labelled answers of `case` by step, as the citizen's summary shows them."""
    definition = version_definition(case.process_version)
    by_ref = {u.ref: u for u in uploads}
    return answer_sections(definition, case.answers or {}, lang, by_ref)


def _status_label(status: str) -> str:
    try:
        return str(Case.Status(status).label)
    except ValueError:
        return status or "–"


def status_rows(changes) -> list[dict]:
    return [
        {
            "at": change.changed_at,
            "from": _status_label(change.from_status) if change.from_status else "",
            "to": _status_label(change.to_status),
            "by": _person(change.changed_by),
            "message": change.message,
        }
        for change in changes
    ]


def _person(user) -> str:
    if user is None:
        return str(_("System"))
    return user.get_full_name() or user.get_username()


def audit_rows(entries) -> list[dict]:
    rows = []
    for entry in entries:
        data = entry.data if isinstance(entry.data, dict) else {}
        detail = ""
        if entry.action == "case.status_changed":
            detail = f"{_status_label(data.get('from', ''))} → {_status_label(data.get('to', ''))}"
        elif entry.action == "case.assigned":
            detail = f"{data.get('from') or '–'} → {data.get('to') or '–'}"
        rows.append(
            {
                "at": entry.at,
                "actor": entry.actor_label,
                "action": AUDIT_ACTIONS.get(entry.action, entry.action),
                "detail": detail,
            }
        )
    return rows
