"""Turn a case's answers, status history and audit trail into rows for the case page."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from forms_engine.cases.models import Case, CaseMessage, IdentityLevel, PaymentStatus
from forms_engine.catalog.selectors import bound_definition
from forms_engine.core.summary import answer_sections

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
    "message.sent": _("Nachricht an Antragsteller/in gesendet"),
    "message.replied": _("Antwort der Antragstellerin / des Antragstellers eingegangen"),
    "message.read": _("Nachrichten gelesen"),
    "supplement.rendered": _("Nachtrag zur Fallakte erstellt"),
    "supplement.downloaded": _("Nachtrag heruntergeladen"),
    "pipeline.citizen_notified": _("Eingangsbestätigung per E-Mail gesendet"),
    "citizen.not_notified": _("Nicht per E-Mail benachrichtigt (keine Adresse)"),
}

# What a `citizen.not_notified` entry was about.
NOT_NOTIFIED_WHAT = {
    "receipt": _("Eingangsbestätigung"),
    "status_change": _("Statusänderung"),
    "message": _("Nachricht"),
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
    """The labelled answers of `case` by step, as the citizen's summary shows them (fields
    imported from FIM with their output label, `x-fim.output_label`)."""
    definition = bound_definition(case.process_version, case.parameter_values)
    by_ref = {u.ref: u for u in uploads}
    return answer_sections(definition, case.answers or {}, lang, by_ref, output=True)


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
            "notice": change.citizen_notice,
            "notice_label": change.get_citizen_notice_display(),
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
        elif entry.action == "citizen.not_notified":
            what = data.get("what", "")
            detail = str(NOT_NOTIFIED_WHAT.get(what, what))
            if data.get("to_status"):
                detail += f": {_status_label(data['to_status'])}"
        rows.append(
            {
                "at": entry.at,
                "actor": entry.actor_label,
                "action": AUDIT_ACTIONS.get(entry.action, entry.action),
                "detail": detail,
            }
        )
    return rows


def identity_rows(case: Case) -> dict:
    """Identity as the case page shows it: level (+ required), means, confirmed attributes."""
    from forms_engine.cases.casefile import (
        ATTRIBUTE_LABELS,
        bpk2_fingerprint,
        identity_attribute_value,
        identity_confirmed_attributes,
    )

    definition = bound_definition(case.process_version, case.parameter_values)
    required = (getattr(definition, "identity", None) or {}).get("level", "none")
    attributes = [
        (ATTRIBUTE_LABELS.get(key, key), identity_attribute_value(value))
        for key, value in identity_confirmed_attributes(case.identity_attributes)
    ]
    return {
        "level": case.get_identity_level_display(),
        "identified": case.identity_level not in ("", "none"),
        "required": _choice_label(IdentityLevel, required) if required != "none" else "",
        "means": case.identity_means,
        "pseudonym": bpk2_fingerprint(case.identity_bpk2),
        "attributes": attributes,
    }


def payment_rows(case: Case) -> dict:
    from forms_engine.core.formatting import money

    lang = (get_language() or "de")[:2]
    return {
        "status": case.get_payment_status_display(),
        "status_code": case.payment_status,
        "required": case.payment_status != PaymentStatus.NOT_REQUIRED,
        "amount": money(case.payment_amount, lang) if case.payment_amount is not None else "",
        "reference": case.payment_reference,
        "method": case.payment_method,
        "transaction_id": case.payment_transaction_id,
    }


def _choice_label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def message_rows(messages) -> list[dict]:
    """The postbox thread for the case page, oldest first; `new` marks unread answers."""
    rows = []
    for message in messages:
        incoming = message.direction == CaseMessage.Direction.FROM_CITIZEN
        rows.append(
            {
                "id": message.pk,
                "incoming": incoming,
                "new": incoming and message.read_at is None,
                "at": message.created_at,
                "who": _("Antragsteller/in") if incoming else _person(message.author),
                "subject": message.subject,
                "body": message.body,
                "requests_documents": message.requests_documents,
                "read_at": message.read_at,
                "uploads": list(message.uploads.all()),
            }
        )
    return rows
