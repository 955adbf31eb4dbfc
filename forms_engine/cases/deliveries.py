"""What the recipient of a remote delivery said: its event log, stored on the case.

`delivery_events_poll(*, delivery_id=None)` (the beat task `fitconnect_events_poll`, and
the clerk's "Zustellstatus aktualisieren") asks every remote transport (`Transport.remote`,
FIT-Connect) for the event log of each delivered case still waiting for an answer, with
no database transaction open, then stores every new entry as a `CaseDeliveryEvent`
(raw token, kind, issuer, time, problems, verified) in a short transaction.

Only verified entries change the case, the first accept or reject wins:
- accept: the delivery's outcome "angenommen"; a case still "Eingegangen" moves to
  "In Bearbeitung" with the message "Ihr Antrag wurde vom Fachverfahren angenommen."
  (a CaseStatusChange without a person: the citizen sees it on the status page and gets
  the status e-mail; the clerk sees it in the history);
- reject: the delivery's outcome "zurückgewiesen" with the recipient's problems, shown on
  the clerk's case page and the citizen's status page; the citizen gets one e-mail
  ("Ihr Antrag konnte nicht zugestellt werden …"); the audit log (`delivery.rejected`)
  and the error log tell operators.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from forms_engine.core.audit import audit_log
from forms_engine.transports import RemoteEvent, TransportError, registry

from .models import Case, CaseDelivery, CaseDeliveryEvent, CitizenNotice

logger = logging.getLogger(__name__)


@dataclass
class PollResult:
    deliveries: int = 0
    new_events: int = 0
    errors: int = 0


def _remote_transports() -> list[str]:
    return [pid for pid in registry if getattr(registry.get(pid), "remote", False)]


def waiting_deliveries(*, delivery_id=None, now=None):
    """Delivered remote deliveries without an answer yet (accept or reject), delivered
    within the last FORMS_FITCONNECT_POLL_DAYS days (FIT-Connect rejects what nobody
    fetched after 14 days and deletes its event logs later)."""
    days = getattr(settings, "FORMS_FITCONNECT_POLL_DAYS", 30)
    since = (now or timezone.now()) - datetime.timedelta(days=days)
    qs = CaseDelivery.objects.filter(
        transport__in=_remote_transports(),
        status=CaseDelivery.Status.DELIVERED,
        outcome="",
        delivered_at__gte=since,
    ).select_related("case", "case__process_version")
    if delivery_id is not None:
        qs = qs.filter(pk=delivery_id)
    return qs.order_by("events_polled_at", "pk")


def delivery_events_poll(*, delivery_id=None, limit: int = 200) -> PollResult:
    """Fetch and store the event logs of waiting remote deliveries; see the module doc.
    Never raises for one delivery's remote error (logged, counted, tried next time)."""
    from .pipeline import _transport_of

    result = PollResult()
    for delivery in list(waiting_deliveries(delivery_id=delivery_id)[:limit]):
        transport_id, options = _transport_of(delivery.case)
        if transport_id != delivery.transport:
            options = {}  # the activation changed its transport since: nothing to ask with
        result.deliveries += 1
        try:
            if not options:
                raise TransportError(
                    "Die Aktivierung nennt diesen Zustellweg nicht mehr. / "
                    "The activation no longer uses this transport.",
                    permanent=True,
                )
            transport = registry.get(delivery.transport)(options=options)
            events = transport.poll_events(state=dict(delivery.state or {}))
        except TransportError as error:
            result.errors += 1
            logger.warning("Event log of delivery %s not read: %s", delivery.pk, error.message)
            CaseDelivery.objects.filter(pk=delivery.pk).update(events_polled_at=timezone.now())
            continue
        result.new_events += delivery_events_store(delivery_id=delivery.pk, events=events)
    return result


@transaction.atomic
def delivery_events_store(*, delivery_id, events: list[RemoteEvent]) -> int:
    """Store the entries not stored yet and apply the first verified accept/reject;
    returns how many entries were new. Idempotent (one row per token)."""
    delivery = CaseDelivery.objects.select_for_update().get(pk=delivery_id)
    new = 0
    for event in events:
        digest = hashlib.sha256(event.token.encode("utf-8", "replace")).hexdigest()
        _, created = CaseDeliveryEvent.objects.get_or_create(
            delivery=delivery,
            token_sha256=digest,
            defaults={
                "token": event.token,
                "kind": (event.kind or "unknown")[:40],
                "event_uri": event.event_uri[:300],
                "issuer": event.issuer[:300],
                "issued_at": event.issued_at,
                "jti": event.jti[:100],
                "problems": event.problems,
                "verified": event.verified,
                "note": event.note[:2000],
            },
        )
        if not created:
            continue
        new += 1
        audit_log(
            actor="system",
            action="delivery.event",
            case_id=delivery.case_id,
            data={"kind": event.kind, "verified": event.verified, "jti": event.jti},
        )
        if event.verified and event.kind in ("accept", "reject") and not delivery.outcome:
            _apply_outcome(delivery, event)
    delivery.events_polled_at = timezone.now()
    delivery.save(update_fields=["events_polled_at"])
    return new


def _apply_outcome(delivery: CaseDelivery, event: RemoteEvent) -> None:
    now = timezone.now()
    delivery.outcome_at = now
    case = Case.objects.select_for_update().get(pk=delivery.case_id)
    if event.kind == "accept":
        delivery.outcome = CaseDelivery.Outcome.ACCEPTED
        delivery.outcome_notice = CitizenNotice.COVERED
        delivery.save(update_fields=["outcome", "outcome_at", "outcome_notice"])
        audit_log(
            actor="system",
            action="delivery.accepted",
            case_id=case.pk,
            data={"transport": delivery.transport, "jti": event.jti},
        )
        from .workflow import case_transition_by_system

        with translation.override(case.language or "de"):
            message = gettext("Ihr Antrag wurde vom Fachverfahren angenommen.")
        case_transition_by_system(
            case_id=case.pk,
            from_status=Case.Status.RECEIVED,
            to_status=Case.Status.IN_PROGRESS,
            message=message,
        )
        return
    delivery.outcome = CaseDelivery.Outcome.REJECTED
    delivery.outcome_problems = event.problems
    delivery.save(update_fields=["outcome", "outcome_at", "outcome_problems"])
    audit_log(
        actor="system",
        action="delivery.rejected",
        case_id=case.pk,
        data={"transport": delivery.transport, "jti": event.jti, "problems": event.problems},
    )
    logger.error(
        "Case %s: delivery through %s rejected by the recipient: %s",
        case.reference,
        delivery.transport,
        "; ".join(p.get("title") or p.get("type") or "" for p in event.problems),
    )
    delivery_pk = delivery.pk

    def enqueue() -> None:
        from .tasks import case_notify_delivery_rejected

        try:
            case_notify_delivery_rejected.delay(delivery_pk)
        except Exception:  # noqa: BLE001 - stored; the poll task sends it next time
            logger.exception("Could not enqueue the rejection e-mail of delivery %s", delivery_pk)

    transaction.on_commit(enqueue)


def rejection_notices_pending():
    """Rejected deliveries whose citizen e-mail is still to be sent (poll task resends)."""
    return CaseDelivery.objects.filter(
        outcome=CaseDelivery.Outcome.REJECTED, outcome_notice=CitizenNotice.PENDING
    )


def problem_lines(problems) -> list[str]:
    """The recipient's reasons as lines: "title: detail" (what the pages and e-mail show)."""
    lines = []
    for problem in problems or []:
        if not isinstance(problem, dict):
            continue
        title, detail = str(problem.get("title") or ""), str(problem.get("detail") or "")
        text = f"{title}: {detail}" if title and detail else (title or detail)
        if text:
            lines.append(text)
    return lines


def case_delivery_facts(case: Case) -> list[dict]:
    """What the clerk's case page and the citizen's status page show of remote deliveries:
    [{"transport", "label", "status", "outcome", "outcome_label", "outcome_at",
    "problems": [lines], "events": [CaseDeliveryEvent] }] (events for the clerk only)."""
    facts = []
    remote = set(_remote_transports())
    for delivery in case.deliveries.filter(transport__in=remote).prefetch_related("events"):
        cls = registry.get(delivery.transport) if delivery.transport in registry else None
        facts.append(
            {
                "transport": delivery.transport,
                "label": str(getattr(cls, "label", "") or delivery.transport),
                "status": delivery.status,
                "status_label": delivery.get_status_display(),
                "outcome": delivery.outcome,
                "outcome_label": delivery.get_outcome_display() if delivery.outcome else "",
                "outcome_at": delivery.outcome_at,
                "delivered_at": delivery.delivered_at,
                "problems": problem_lines(delivery.outcome_problems),
                "last_error": delivery.last_error,
                "remote_id": str((delivery.state or {}).get("submission_id") or ""),
                "events": list(delivery.events.all()),
                "delivery_id": delivery.pk,
                "notice": delivery.outcome_notice,
            }
        )
    return facts
