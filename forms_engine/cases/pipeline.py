"""The submission pipeline: case file → routing to the authority → citizen notified.

`pipeline_run(case_id=)` is the one service the task `cases.tasks.case_process` calls.
Every step has its own guard here (not in Celery), so any number of runs of the same
case, one after another or racing on two workers, produce one case file, one delivery
per transport and one confirmation e-mail:

1. case file: `casefile.casefile_render` (idempotent; one CaseDocument per case by a
   unique constraint; sets `Case.casefile_rendered_at`).
2. routing: one CaseDelivery row per (case, transport) (unique); the row is locked while
   the transport delivers and marked `delivered` in the same transaction, so a second
   worker waits and then finds it delivered. Remote transports (`Transport.remote`,
   FIT-Connect) never run inside a transaction: the run claims the row (a lease), the
   transport talks to the remote system and saves its progress in `CaseDelivery.state`,
   and the outcome is recorded in a second short transaction (`_route_remote`).
3. notify: the confirmation e-mail (`notifications.case_receipt_send`), guarded by
   `Case.citizen_notice` under a row lock; audit `pipeline.citizen_notified` only when an
   e-mail was sent, `citizen.not_notified` when the case has no address.

State on the case: `pipeline_state` (pending → casefile → routed → done, or failed),
`pipeline_attempts` (runs started), `pipeline_error` (last error, for operators).
Transient failures (`TransportError(permanent=False)`, broken connections, OSError) are
recorded and raised again: the task retries with backoff, and the sweeper re-enqueues
what is left over. Permanent ones mark the case `failed` and are not raised.
A worker killed between "delivered/e-mail sent" and the commit makes the next run repeat
that one step (at least once, never lost); everything else is exactly once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from forms_engine.catalog.models import Activation
from forms_engine.core.audit import audit_log
from forms_engine.transports import TransportError, registry

from .models import Case, CaseDelivery, CaseDocument, PipelineState

logger = logging.getLogger(__name__)

# A case whose pipeline started this often without finishing is marked failed instead of
# being re-enqueued by the sweeper forever (a deterministic error, not a passing outage).
PIPELINE_MAX_ATTEMPTS = 25
FINISHED = (PipelineState.DONE, PipelineState.FAILED)


@dataclass
class PipelineTimings:
    """Seconds spent per step in one `pipeline_run` (bench/pipeline.py prints them)."""

    steps: dict[str, float] = field(default_factory=dict)


def pipeline_enqueue(*, case_id) -> bool:
    """Hand a committed case to a worker; never raises (the case is stored already).

    Records `pipeline_enqueued_at` when the broker took the task. If the broker cannot be
    reached the error is logged and the case stays unfinished; `pipeline_sweep` enqueues
    it again later. In eager mode (no broker) the pipeline runs right here.
    """
    from .tasks import case_process

    try:
        case_process.delay(str(case_id))
    except Exception:  # noqa: BLE001 - a broker or eager-pipeline failure must not lose the case
        logger.exception("Could not enqueue case %s; the sweeper will enqueue it again", case_id)
        return False
    Case.objects.filter(pk=case_id, pipeline_enqueued_at__isnull=True).update(
        pipeline_enqueued_at=timezone.now()
    )
    return True


def pipeline_run(*, case_id, timings: PipelineTimings | None = None) -> Case | None:
    """Run the remaining steps of the pipeline of one case; safe to call any number of times.

    Returns the case (state as stored afterwards) or None if it does not exist.
    Raises the transient error of a step (the caller retries); a permanent error marks
    the case `failed` and returns it.
    """
    now = timezone.now()
    started = Case.objects.filter(pk=case_id).exclude(pipeline_state__in=FINISHED)
    if not started.update(pipeline_attempts=F("pipeline_attempts") + 1, updated_at=now):
        return Case.objects.filter(pk=case_id).first()
    try:
        _timed(timings, "casefile", _step_casefile, case_id)
        _test_pause()
        _timed(timings, "route", _step_route, case_id)
        _timed(timings, "notify", _step_notify, case_id)
    except TransportError as error:
        if error.permanent:
            _fail(case_id, error.message)
            return Case.objects.get(pk=case_id)
        _record_error(case_id, f"vorübergehend / transient: {error.message}")
        raise
    except Exception as error:
        _record_error(case_id, f"{type(error).__name__}: {error}")
        raise
    return _finish(case_id)


def _test_pause() -> None:
    """Test-only hook: the live fault test kills a worker while it sleeps here.

    `FORMS_TEST_PIPELINE_PAUSE` (seconds) is set only by tests/live/worker_settings.py,
    never in forms_engine/settings.py; unset it costs one getattr.
    """
    pause = getattr(settings, "FORMS_TEST_PIPELINE_PAUSE", 0)
    if pause:
        time.sleep(float(pause))


def _timed(timings, name, step, case_id) -> None:
    begin = time.perf_counter()
    step(case_id)
    if timings is not None:
        timings.steps[name] = timings.steps.get(name, 0.0) + time.perf_counter() - begin


def _advance(case_id, state: str) -> None:
    """Move the state forward only (a slower racing run never moves it back)."""
    order = [PipelineState.PENDING, PipelineState.CASEFILE, PipelineState.ROUTED]
    before = order[: order.index(state)]
    Case.objects.filter(pk=case_id, pipeline_state__in=before).update(
        pipeline_state=state, updated_at=timezone.now()
    )


def _step_casefile(case_id) -> None:
    from .casefile import casefile_render

    already = Case.objects.filter(pk=case_id, casefile_rendered_at__isnull=False).exists()
    document = casefile_render(case_id=case_id)
    _advance(case_id, PipelineState.CASEFILE)
    if not already:
        audit_log(
            actor="system",
            action="pipeline.casefile_rendered",
            case_id=case_id,
            data={"sha256": document.sha256, "size": document.size},
        )


def _transport_of(case: Case) -> tuple[str, dict]:
    """The transport id and options of the case's Activation (process, municipality).

    A case whose activation was removed since it was filed still belongs to its authority:
    it goes to the built-in inbox.
    """
    activation = Activation.objects.filter(
        process_id=case.process_version.process_id, municipality_id=case.municipality_id
    ).first()
    if activation is None:
        return "inbox", {}
    return activation.transport, activation.transport_options or {}


def _step_route(case_id) -> None:
    case = Case.objects.select_related("process_version").get(pk=case_id)
    transport_id, options = _transport_of(case)
    if transport_id not in registry:
        raise TransportError(f"Unbekannter Zustellweg „{transport_id}“.", permanent=True)
    problems = registry.validate_options(transport_id, options)
    if problems:
        raise TransportError("; ".join(p.message for p in problems), permanent=True)
    try:
        with transaction.atomic():
            CaseDelivery.objects.get_or_create(case_id=case_id, transport=transport_id)
    except IntegrityError:
        pass  # created by a racing run: it exists now
    if getattr(registry.get(transport_id), "remote", False):
        _route_remote(case, transport_id, options)
        return
    with transaction.atomic():
        delivery = CaseDelivery.objects.select_for_update().get(
            case_id=case_id, transport=transport_id
        )
        if delivery.status == CaseDelivery.Status.DELIVERED:
            _advance(case_id, PipelineState.ROUTED)
            return
        if delivery.status == CaseDelivery.Status.FAILED:
            raise TransportError(delivery.last_error, permanent=True)
        casefile = CaseDocument.objects.get(case_id=case_id, kind=CaseDocument.Kind.CASEFILE)
        transport = registry.get(transport_id)(options=options)
        delivery.attempts += 1
        try:
            transport.deliver(case=case, casefile=casefile)
        except TransportError as error:
            delivery.last_error = error.message
            if error.permanent:
                delivery.status = CaseDelivery.Status.FAILED
            # The row must keep the attempt and the error although the step failed: this
            # transaction commits; the error is raised after it.
            delivery.save(update_fields=["attempts", "last_error", "status"])
            failure = error
        else:
            failure = None
            delivery.status = CaseDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.last_error = ""
            delivery.save(update_fields=["attempts", "last_error", "status", "delivered_at"])
            _advance(case_id, PipelineState.ROUTED)
            audit_log(
                actor="system",
                action="pipeline.routed",
                case_id=case_id,
                data={"transport": transport_id, "attempts": delivery.attempts},
            )
    if failure is not None:
        raise failure


class LeaseLost(TransportError):
    """This run no longer holds the remote delivery (its lease ran out, another run took
    it over): stop without sending more; transient, the case's task retries."""


class _DeliveryStore:
    """The `transports.DeliveryStore` of one claimed remote delivery.

    `save` writes the whole state in one UPDATE (autocommit: no transaction is open
    while a remote transport runs), only while this run's claim token is on the row;
    every save extends the lease.
    """

    def __init__(self, delivery: CaseDelivery, token: str):
        self.delivery_id = delivery.pk
        self.token = token
        self.state = dict(delivery.state or {})

    def save(self, state: dict) -> None:
        now = timezone.now()
        updated = CaseDelivery.objects.filter(pk=self.delivery_id, claim_token=self.token).update(
            state=state, claimed_until=now + _lease()
        )
        if not updated:
            raise LeaseLost(
                "Die Zustellung wird inzwischen von einem anderen Lauf fortgesetzt. / "
                "Another run has taken over this delivery."
            )
        self.state = dict(state)


def _lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "FORMS_REMOTE_DELIVERY_LEASE", 300))


def _route_remote(case: Case, transport_id: str, options: dict) -> None:
    """Deliver through a remote transport: claim (short transaction) → `deliver` with no
    transaction open → record the outcome (short transaction).

    The claim is a lease: `claim_token` and `claimed_until` on the CaseDelivery row. A run
    that finds a live lease of another run raises a transient error (the task retries
    later); a run killed mid-delivery leaves a lease that runs out, and the next run
    continues from the saved `state` (the transport makes that exactly once).
    """
    import uuid

    now = timezone.now()
    token = str(uuid.uuid4())
    with transaction.atomic():
        delivery = CaseDelivery.objects.select_for_update().get(
            case_id=case.pk, transport=transport_id
        )
        if delivery.status == CaseDelivery.Status.DELIVERED:
            _advance(case.pk, PipelineState.ROUTED)
            return
        if delivery.status == CaseDelivery.Status.FAILED:
            raise TransportError(delivery.last_error, permanent=True)
        if delivery.claimed_until is not None and delivery.claimed_until > now:
            raise TransportError(
                "Die Zustellung läuft gerade in einem anderen Lauf. / "
                "The delivery is in progress in another run."
            )
        delivery.attempts += 1
        delivery.claim_token = token
        delivery.claimed_until = now + _lease()
        delivery.save(update_fields=["attempts", "claim_token", "claimed_until"])
    casefile = CaseDocument.objects.get(case_id=case.pk, kind=CaseDocument.Kind.CASEFILE)
    transport = registry.get(transport_id)(options=options)
    store = _DeliveryStore(delivery, token)
    try:
        transport.deliver(case=case, casefile=casefile, store=store)
    except LeaseLost:
        raise
    except TransportError as error:
        _remote_failed(delivery.pk, token, error)
        raise
    except Exception as error:
        # Not a transport's own error (a bug, a storage fault): release the lease so the
        # retry need not wait for it; the error is raised for the task as before.
        _remote_failed(delivery.pk, token, TransportError(f"{type(error).__name__}: {error}"))
        raise
    _remote_delivered(case.pk, delivery.pk, transport_id)


def _remote_failed(delivery_id, token: str, error: TransportError) -> None:
    fields = {"last_error": error.message[:2000], "claimed_until": None, "claim_token": ""}
    if error.permanent:
        fields["status"] = CaseDelivery.Status.FAILED
    updated = (
        CaseDelivery.objects.filter(pk=delivery_id, claim_token=token)
        .exclude(status=CaseDelivery.Status.DELIVERED)
        .update(**fields)
    )
    if updated and error.permanent:
        # The case cannot reach its recipient: the authority's clerks get it in their inbox
        # here, with the failed delivery and its error on the case page.
        now = timezone.now()
        case_id = CaseDelivery.objects.values_list("case_id", flat=True).get(pk=delivery_id)
        Case.objects.filter(pk=case_id, routed_at__isnull=True).update(
            routed_at=now, updated_at=now
        )


def _remote_delivered(case_id, delivery_id, transport_id: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        delivery = CaseDelivery.objects.select_for_update().get(pk=delivery_id)
        first = delivery.status != CaseDelivery.Status.DELIVERED
        if first:
            delivery.status = CaseDelivery.Status.DELIVERED
            delivery.delivered_at = now
            delivery.last_error = ""
        delivery.claimed_until = None
        delivery.claim_token = ""
        delivery.save(
            update_fields=["status", "delivered_at", "last_error", "claimed_until", "claim_token"]
        )
        # The authority's clerks see a case delivered elsewhere too (with its delivery
        # status and the recipient's answer) on their case page.
        Case.objects.filter(pk=case_id, routed_at__isnull=True).update(
            routed_at=now, updated_at=now
        )
        _advance(case_id, PipelineState.ROUTED)
        if first:
            audit_log(
                actor="system",
                action="pipeline.routed",
                case_id=case_id,
                data={
                    "transport": transport_id,
                    "attempts": delivery.attempts,
                    "remote_id": str((delivery.state or {}).get("submission_id") or ""),
                },
            )


def _step_notify(case_id) -> None:
    from .notifications import case_receipt_send

    sent = case_receipt_send(case_id=case_id)
    # Without an address `case_receipt_send` logs `citizen.not_notified` itself: the step is
    # done, but nobody may read "citizen notified" where no e-mail went out.
    if sent:
        audit_log(
            actor="system",
            action="pipeline.citizen_notified",
            case_id=case_id,
            data={"email_sent": sent},
        )


def _finish(case_id) -> Case:
    now = timezone.now()
    if Case.objects.filter(pk=case_id, pipeline_done_at__isnull=True).update(
        pipeline_state=PipelineState.DONE, pipeline_done_at=now, pipeline_error="", updated_at=now
    ):
        audit_log(actor="system", action="pipeline.done", case_id=case_id)
    return Case.objects.get(pk=case_id)


def _record_error(case_id, message: str) -> None:
    case = Case.objects.filter(pk=case_id).only("pipeline_attempts").first()
    if case is None:
        return
    if case.pipeline_attempts >= PIPELINE_MAX_ATTEMPTS:
        _fail(case_id, f"nach {case.pipeline_attempts} Versuchen / after attempts: {message}")
        return
    Case.objects.filter(pk=case_id).exclude(pipeline_state__in=FINISHED).update(
        pipeline_error=message[:2000], updated_at=timezone.now()
    )


def _fail(case_id, message: str) -> None:
    if (
        Case.objects.filter(pk=case_id)
        .exclude(pipeline_state__in=FINISHED)
        .update(
            pipeline_state=PipelineState.FAILED,
            pipeline_error=message[:2000],
            updated_at=timezone.now(),
        )
    ):
        logger.error("Pipeline of case %s failed permanently: %s", case_id, message)
        audit_log(
            actor="system", action="pipeline.failed", case_id=case_id, data={"error": message}
        )


def pipeline_stuck(*, now: datetime | None = None):
    """Cases whose pipeline should have finished by now: not done or failed, and enqueued
    (or, never enqueued, submitted) longer than FORMS_PIPELINE_STUCK_AFTER seconds ago."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.FORMS_PIPELINE_STUCK_AFTER)
    return Case.objects.exclude(pipeline_state__in=FINISHED).filter(
        Q(pipeline_enqueued_at__lt=cutoff)
        | Q(pipeline_enqueued_at__isnull=True, submitted_at__lt=cutoff)
    )


def pipeline_sweep(*, now: datetime | None = None) -> int:
    """Enqueue every stuck case again (crashed worker, broker down at submit); returns how many.

    Each case is claimed by a conditional update of `pipeline_enqueued_at`, so two sweepers
    at once enqueue it once; a duplicate task would be harmless anyway (step guards).
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.FORMS_PIPELINE_STUCK_AFTER)
    count = 0
    for case_id, enqueued_at in pipeline_stuck(now=now).values_list("pk", "pipeline_enqueued_at"):
        claim = Case.objects.filter(pk=case_id).exclude(pipeline_state__in=FINISHED)
        if enqueued_at is None:
            claim = claim.filter(pipeline_enqueued_at__isnull=True, submitted_at__lt=cutoff)
        else:
            claim = claim.filter(pipeline_enqueued_at=enqueued_at)
        if not claim.update(pipeline_enqueued_at=now):
            continue  # another sweeper took it
        from .tasks import case_process

        try:
            case_process.delay(str(case_id))
        except Exception:  # noqa: BLE001 - broker still down: try again next sweep
            logger.exception("Sweeper could not enqueue case %s", case_id)
            Case.objects.filter(pk=case_id, pipeline_enqueued_at=now).update(
                pipeline_enqueued_at=enqueued_at
            )
            continue
        count += 1
    return count
