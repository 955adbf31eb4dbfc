"""E-mails to the citizen about their case: the receipt after submit and status changes.

Contracts:
- `case_receipt_send(*, case_id)` is step 3 of the pipeline (`cases.pipeline`): the
  confirmation with the reference, the status link, the case file PDF attached and, when
  a fee is invoiced, the amount and who sends the invoice; at most one per case (guard:
  `Case.citizen_notice` still "pending", under a row lock).
- `status_change_enqueue(*, change_id)` is called by the workflow for every
  CaseStatusChange after it is committed; the task `cases.tasks.case_notify_status` then
  calls `status_change_notify(change_id=…)`, which sends at most one e-mail per change
  (guard: `CaseStatusChange.citizen_notice` still "pending").
- `message_new_send(*, message_id)` is called by the postbox (`cases.postbox`) after a
  clerk's message is committed: "Sie haben eine neue Nachricht" with the status link; the
  message text itself is never e-mailed (it may be sensitive; the status link is the
  channel). Returns True if an e-mail was sent.

Honesty: `citizen_notified_at` (case, change, message) is set only when an e-mail really
went out, with `citizen_notice = "sent"`. Without an address the notice is "no_address"
and the audit log gets `citizen.not_notified` (`{"what": "receipt"|"status_change"|
"message", "reason": "no address"}`); the clerk's case page shows it, so the authority
can reach the citizen another way.

Texts: templates/email/ (plain text; German first, the English text below it when the
case was filed in English). Links are absolute: settings.FORMS_SITE_URL + the path.
Every e-mail goes out in the name of the case's municipality
(`catalog.letterhead.municipality_email`: From "<name> – Bürgerservice online",
Reply-To the authority, the municipality's signature with its legal pages).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from forms_engine.catalog.letterhead import municipality_email
from forms_engine.core.audit import audit_log

from .models import Case, CaseDocument, CaseMessage, CaseStatusChange, CitizenNotice
from .status import case_status_url

logger = logging.getLogger(__name__)


def site_url(path: str) -> str:
    """`path` made absolute with the public origin of the citizen site."""
    origin = getattr(settings, "FORMS_SITE_URL", "") or "http://127.0.0.1:8000"
    return origin.rstrip("/") + path


def _when(value, lang: str) -> str:
    local = timezone.localtime(value)
    return (
        local.strftime("%d.%m.%Y, %H:%M Uhr") if lang == "de" else local.strftime("%d %B %Y, %H:%M")
    )


def _status_label(status: str, lang: str) -> str:
    with translation.override(lang):
        try:
            return str(Case.Status(status).label)
        except ValueError:
            return status


def _context(case: Case) -> dict:
    from forms_engine.catalog.selectors import bound_definition
    from forms_engine.core.formatting import i18n

    title = bound_definition(case.process_version, case.parameter_values).title
    return {
        "case": case,
        "reference": case.reference,
        "english": case.language == "en",
        "title_de": i18n(title, "de"),
        "title_en": i18n(title, "en"),
        "authority": case.authority.name,
        "municipality": case.municipality.name,
        "received_de": _when(case.submitted_at, "de"),
        "received_en": _when(case.submitted_at, "en"),
        "status_url": site_url(case_status_url(case)),
    }


def _not_notified(case: Case, what: str, **data) -> None:
    audit_log(
        actor="system",
        action="citizen.not_notified",
        case_id=case.pk,
        data={"what": what, "reason": "no address", **data},
    )


def _invoice_context(case: Case) -> dict:
    """The fee still owed by invoice ("Rechnung folgt"), for the receipt's wording."""
    from forms_engine.core.formatting import money

    from .models import PaymentStatus

    if case.payment_status != PaymentStatus.INVOICE or not case.payment_amount:
        return {"invoice": False}
    return {
        "invoice": True,
        "invoice_amount_de": money(case.payment_amount, "de"),
        "invoice_amount_en": money(case.payment_amount, "en"),
    }


def _subject(template: str, context: dict) -> str:
    return " ".join(render_to_string(template, context).split())


def _email(case: Case, template: str, context: dict):
    """The e-mail `template` (and `<template>_subject`) in the name of the case's municipality."""
    return municipality_email(
        municipality=case.municipality,
        authority=case.authority,
        subject=_subject(f"email/{template}_subject.txt", context),
        body=render_to_string(f"email/{template}.txt", context),
        to=[case.applicant_email],
        english=case.language == "en",
    )


@transaction.atomic
def case_receipt_send(*, case_id) -> bool | None:
    """Send the receipt of a submitted case once.

    Returns True if the e-mail was sent now; False if the case has no e-mail address
    (recorded as `citizen_notice = "no_address"`, audit `citizen.not_notified`, never as
    notified); None if nothing was to do (already handled, or no such case). Needs the
    case file (pipeline step 1) for the attachment. An SMTP error propagates (the
    transaction rolls back; the pipeline retries).
    """
    case = (
        Case.objects.select_for_update()
        .select_related("process_version", "authority", "municipality")
        .filter(pk=case_id)
        .first()
    )
    if case is None or case.citizen_notice != CitizenNotice.PENDING:
        return None
    if not case.applicant_email:
        case.citizen_notice = CitizenNotice.NO_ADDRESS
        case.save(update_fields=["citizen_notice", "updated_at"])
        _not_notified(case, "receipt")
        return False
    from .casefile import casefile_open

    document = CaseDocument.objects.get(case=case, kind=CaseDocument.Kind.CASEFILE)
    context = {**_context(case), **_invoice_context(case)}
    message = _email(case, "receipt", context)
    message.attach(document.file_name, casefile_open(document), "application/pdf")
    message.send()
    case.citizen_notified_at = timezone.now()
    case.citizen_notice = CitizenNotice.SENT
    case.save(update_fields=["citizen_notified_at", "citizen_notice", "updated_at"])
    return True


def status_change_enqueue(*, change_id: int) -> None:
    """After commit, hand the status e-mail of `change_id` to a worker; never fails the caller."""

    def enqueue() -> None:
        from .tasks import case_notify_status

        try:
            case_notify_status.delay(change_id)
        except Exception:  # noqa: BLE001 - the change is stored; the e-mail can be sent later
            logger.exception("Could not enqueue the status e-mail of change %s", change_id)

    transaction.on_commit(enqueue)


@transaction.atomic
def status_change_notify(*, change_id: int) -> bool:
    """Send the citizen the e-mail about one status change; True if one was sent now.

    Without an address the change is recorded as `no_address` (audit
    `citizen.not_notified`), never as notified.
    """
    change = (
        CaseStatusChange.objects.select_for_update()
        .select_related("case", "case__authority", "case__municipality", "case__process_version")
        .filter(pk=change_id)
        .first()
    )
    if change is None or change.citizen_notice != CitizenNotice.PENDING:
        return False
    case = change.case
    if not case.applicant_email:
        change.citizen_notice = CitizenNotice.NO_ADDRESS
        change.save(update_fields=["citizen_notice"])
        _not_notified(case, "status_change", to_status=change.to_status)
        return False
    context = {
        **_context(case),
        "status_de": _status_label(change.to_status, "de"),
        "status_en": _status_label(change.to_status, "en"),
        "message": change.message,
        "changed_de": _when(change.changed_at, "de"),
        "changed_en": _when(change.changed_at, "en"),
    }
    _email(case, "status_change", context).send()
    change.citizen_notified_at = timezone.now()
    change.citizen_notice = CitizenNotice.SENT
    change.save(update_fields=["citizen_notified_at", "citizen_notice"])
    return True


@transaction.atomic
def message_new_send(*, message_id: int) -> bool:
    """Tell the citizen a new message of the authority waits on the status page.

    True if the e-mail was sent now; at most once per message (guard
    `CaseMessage.citizen_notice`). Without an address: `no_address`, audit
    `citizen.not_notified`.
    """
    message = (
        CaseMessage.objects.select_for_update()
        .select_related("case", "case__authority", "case__municipality", "case__process_version")
        .filter(pk=message_id, direction=CaseMessage.Direction.TO_CITIZEN)
        .first()
    )
    if message is None or message.citizen_notice != CitizenNotice.PENDING:
        return False
    case = message.case
    if not case.applicant_email:
        message.citizen_notice = CitizenNotice.NO_ADDRESS
        message.save(update_fields=["citizen_notice"])
        _not_notified(case, "message", message=message.pk)
        return False
    context = {
        **_context(case),
        "requests_documents": message.requests_documents,
        "sent_de": _when(message.created_at, "de"),
        "sent_en": _when(message.created_at, "en"),
    }
    _email(case, "message_new", context).send()
    message.citizen_notified_at = timezone.now()
    message.citizen_notice = CitizenNotice.SENT
    message.save(update_fields=["citizen_notified_at", "citizen_notice"])
    return True


@transaction.atomic
def delivery_rejected_notify(*, delivery_id: int) -> bool:
    """Tell the citizen once that the recipient rejected the delivery of their case
    (FIT-Connect reject event); True if an e-mail was sent now. Guard: the delivery's
    `outcome_notice` still "pending"; without an address it becomes "no_address"."""
    from .deliveries import problem_lines
    from .models import CaseDelivery

    delivery = (
        CaseDelivery.objects.select_for_update()
        .select_related("case", "case__authority", "case__municipality", "case__process_version")
        .filter(pk=delivery_id, outcome=CaseDelivery.Outcome.REJECTED)
        .first()
    )
    if delivery is None or delivery.outcome_notice != CitizenNotice.PENDING:
        return False
    case = delivery.case
    if not case.applicant_email:
        delivery.outcome_notice = CitizenNotice.NO_ADDRESS
        delivery.save(update_fields=["outcome_notice"])
        _not_notified(case, "delivery_rejected")
        return False
    context = {**_context(case), "problems": problem_lines(delivery.outcome_problems)}
    _email(case, "delivery_rejected", context).send()
    delivery.outcome_notice = CitizenNotice.SENT
    delivery.save(update_fields=["outcome_notice"])
    return True
