"""E-mails to the citizen about their case (status changes; the pipeline adds the receipt).

Contract: `status_change_enqueue(*, change_id)` is called by the workflow for every
CaseStatusChange after it is committed; the task `cases.tasks.case_notify_status` then calls
`status_change_notify(change_id=…)`, which sends at most one e-mail per change (guard:
`CaseStatusChange.citizen_notified_at`).
"""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import CaseStatusChange

logger = logging.getLogger(__name__)


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
    """Send the citizen the e-mail about one status change; True if one was sent now."""
    change = (
        CaseStatusChange.objects.select_for_update()
        .select_related("case")
        .filter(pk=change_id)
        .first()
    )
    if change is None or change.citizen_notified_at is not None:
        return False
    case = change.case
    if not case.applicant_email:
        change.citizen_notified_at = timezone.now()
        change.save(update_fields=["citizen_notified_at"])
        return False
    with translation.override(case.language or "de"):
        status = case.Status(change.to_status).label
        subject = _("Ihr Antrag %(reference)s: %(status)s") % {
            "reference": case.reference,
            "status": status,
        }
        lines = [
            _("Guten Tag,"),
            "",
            _("der Status Ihres Antrags %(reference)s hat sich geändert: %(status)s.")
            % {"reference": case.reference, "status": status},
        ]
        if change.message:
            lines += ["", change.message]
        lines += ["", _("Mit freundlichen Grüßen"), case.authority.name]
    send_mail(subject, "\n".join(lines), None, [case.applicant_email])
    change.citizen_notified_at = timezone.now()
    change.save(update_fields=["citizen_notified_at"])
    return True
