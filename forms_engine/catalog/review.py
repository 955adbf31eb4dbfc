"""The studio's way to publication: readiness, four-eyes approval, publish now or later.

Writes go through here (and `catalog.services` for the life cycle itself); reads that only
answer a question (`publish_readiness`, roles) never write. Every step is audited
(`process.approval_requested`, `process.approved`, `process.rejected`,
`process.approval_withdrawn`, `process.publish_scheduled`, `process.publish_unscheduled`,
`process.published`, `process.retired`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from forms_engine.definitions import (
    DefinitionError,
    Problem,
    check_definition,
    compile_definition,
    definition_diff,
    definition_warnings,
    publish_version_problems,
    required_bump,
    version_step,
)

from .exceptions import ApprovalRequired, InvalidTransition, PublishRefused
from .models import ProcessVersion, PublishApproval, Publisher
from .selectors import current_version
from .services import _audit_version, process_version_publish, process_version_retire

logger = logging.getLogger(__name__)


# --- roles ---------------------------------------------------------------------------------


def studio_publishers(user) -> QuerySet[Publisher]:
    """The publishers whose processes `user` may see in the studio (designer or reviewer;
    superusers: all)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Publisher.objects.none()
    if user.is_superuser:
        return Publisher.objects.all()
    return Publisher.objects.filter(Q(designers=user) | Q(reviewers=user)).distinct()


def can_design(user, publisher: Publisher) -> bool:
    """Designer of `publisher` (superusers: every publisher), except an external one: its
    processes are maintained by their publisher and arrive as signed bundles."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if publisher.external:
        return False
    return user.is_superuser or publisher.designers.filter(pk=user.pk).exists()


def can_review(user, publisher: Publisher) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or publisher.reviewers.filter(pk=user.pk).exists()


def can_see(user, publisher: Publisher) -> bool:
    return can_design(user, publisher) or can_review(user, publisher)


def process_audit_trail(process, *, limit: int = 200):
    """The studio's audit entries of a process (drafts saved, approvals, publications),
    newest first."""
    from forms_engine.core.models import AuditEntry

    return list(
        AuditEntry.objects.filter(data__process_id=process.pk, action__startswith="process.")
        .select_related("actor")
        .order_by("-pk")[:limit]
    )


# --- readiness -----------------------------------------------------------------------------


@dataclass
class Readiness:
    """What stands between a draft and its publication. `ok` when nothing does."""

    version: ProcessVersion
    problems: list[Problem] = field(default_factory=list)
    failed_tests: list = field(default_factory=list)  # DesignerTestResult
    test_results: list = field(default_factory=list)
    version_problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    previous: ProcessVersion | None = None
    changes: list = field(default_factory=list)  # definitions.Change against `previous`
    bump: str = "none"
    step: str = "unknown"
    approval_required: bool = False
    approval: PublishApproval | None = None  # the approval valid for the draft as it is

    @property
    def ok(self) -> bool:
        return not (self.problems or self.failed_tests or self.version_problems)

    @property
    def approved(self) -> bool:
        return not self.approval_required or self.approval is not None


def publish_readiness(version: ProcessVersion) -> Readiness:
    """Check a draft as publishing would: definition problems, designer tests, the version
    number against the current published version (the diff's required step), warnings and
    whether a four-eyes approval is needed and given. Never raises for a broken document."""
    readiness = Readiness(version=version)
    doc = version.definition
    readiness.problems = list(check_definition(doc))
    if not readiness.problems:
        try:
            compiled = compile_definition(doc)
        except DefinitionError as exc:
            readiness.problems = list(exc.problems) or [
                Problem("", "Die Definition lässt sich nicht übersetzen.", "It does not compile.")
            ]
        else:
            readiness.test_results = compiled.run_tests()
            readiness.failed_tests = [r for r in readiness.test_results if not r.passed]
        readiness.warnings = list(definition_warnings(doc))
    previous = current_version(version.process)
    if previous is not None and previous.pk != version.pk:
        readiness.previous = previous
        readiness.changes = definition_diff(previous.definition, doc)
        readiness.bump = required_bump(readiness.changes)
        readiness.step = version_step(previous.version, version.version)
        readiness.version_problems = publish_version_problems(previous.definition, doc)
    else:
        readiness.version_problems = [
            p for p in publish_version_problems(None, doc) if p.pointer == "/version"
        ]
    publisher = version.process.publisher
    readiness.approval_required = publisher.four_eyes
    readiness.approval = valid_approval(version)
    return readiness


def valid_approval(version: ProcessVersion) -> PublishApproval | None:
    """The approval given for the draft exactly as it is now (same sha256), if any."""
    return (
        version.approvals.filter(status=PublishApproval.Status.APPROVED, sha256=version.sha256)
        .select_related("decided_by", "requested_by")
        .first()
    )


def _refusal(readiness: Readiness) -> PublishRefused:
    reasons, reasons_en, problems = [], [], []
    if readiness.problems:
        reasons.append(f"{len(readiness.problems)} Problem(e) in der Definition")
        reasons_en.append(f"{len(readiness.problems)} problem(s) in the definition")
        problems += readiness.problems
    if readiness.failed_tests:
        names = ", ".join(r.name for r in readiness.failed_tests)
        reasons.append(f"Designer-Tests schlagen fehl: {names}")
        reasons_en.append(f"designer tests fail: {names}")
        problems += [f"{r.name}: {'; '.join(r.failures)}" for r in readiness.failed_tests]
    if readiness.version_problems:
        reasons += [p.message for p in readiness.version_problems]
        reasons_en += [p.message_en for p in readiness.version_problems]
        problems += readiness.version_problems
    return PublishRefused(
        "Die Version wird nicht veröffentlicht: " + "; ".join(reasons) + ".",
        "The version is not published: " + "; ".join(reasons_en) + ".",
        problems=problems,
    )


# --- approval ------------------------------------------------------------------------------


def _require_draft(version: ProcessVersion) -> None:
    if version.status != ProcessVersion.Status.DRAFT:
        raise InvalidTransition(
            "Das geht nur mit einem Entwurf.", "This is only possible with a draft."
        )


@transaction.atomic
def approval_request(*, version: ProcessVersion, by, comment: str = "") -> PublishApproval:
    """Ask a second person to approve the draft as it is now. An open request for an
    older state is withdrawn; one for the same state is returned as it is."""
    version = ProcessVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    open_requests = version.approvals.filter(status=PublishApproval.Status.OPEN)
    same = open_requests.filter(sha256=version.sha256).first()
    if same is not None:
        return same
    open_requests.update(status=PublishApproval.Status.WITHDRAWN, decided_at=timezone.now())
    approval = PublishApproval.objects.create(
        version=version, sha256=version.sha256, requested_by=by, comment=(comment or "")[:2000]
    )
    _audit_version(by, "process.approval_requested", version, approval=approval.pk)
    return approval


@transaction.atomic
def approval_decide(
    *, approval: PublishApproval, by, approve: bool, comment: str = ""
) -> PublishApproval:
    """A reviewer approves or rejects. Refused (`InvalidTransition`): the requester
    deciding on their own request, someone without the reviewer role, a request that is not
    open, or a draft changed since the request (the approval would not cover it)."""
    approval = (
        PublishApproval.objects.select_for_update().select_related("version").get(pk=approval.pk)
    )
    version = approval.version
    if approval.status != PublishApproval.Status.OPEN:
        raise InvalidTransition(
            "Über diese Anfrage ist bereits entschieden.", "This request was already decided."
        )
    if not can_review(by, version.process.publisher):
        raise InvalidTransition(
            "Sie haben keine Freigabe-Rolle für diesen Herausgeber.",
            "You do not have the reviewer role for this publisher.",
        )
    if approval.requested_by_id == getattr(by, "pk", None):
        raise InvalidTransition(
            "Eine zweite Person muss freigeben: Ihre eigene Anfrage können Sie nicht freigeben.",
            "A second person must approve: you cannot approve your own request.",
        )
    if approval.sha256 != version.sha256 or version.status != ProcessVersion.Status.DRAFT:
        raise InvalidTransition(
            "Der Entwurf wurde nach der Anfrage geändert; bitte eine neue Freigabe anfragen.",
            "The draft changed after the request; please ask for a new approval.",
        )
    if not approve and not (comment or "").strip():
        raise InvalidTransition(
            "Bitte begründen Sie die Ablehnung.", "Please give a reason for the rejection."
        )
    approval.status = (
        PublishApproval.Status.APPROVED if approve else PublishApproval.Status.REJECTED
    )
    approval.decided_by = by
    approval.decided_at = timezone.now()
    approval.decision_comment = (comment or "")[:2000]
    approval.save()
    _audit_version(
        by, "process.approved" if approve else "process.rejected", version, approval=approval.pk
    )
    return approval


# --- publish -------------------------------------------------------------------------------


def _check_may_publish(version: ProcessVersion, by) -> Readiness:
    _require_draft(version)
    if by is not None and not can_design(by, version.process.publisher):
        raise InvalidTransition(
            "Sie haben keine Design-Rolle für diesen Herausgeber.",
            "You do not have the designer role for this publisher.",
        )
    readiness = publish_readiness(version)
    if not readiness.ok:
        raise _refusal(readiness)
    if not readiness.approved:
        raise ApprovalRequired(
            "Dieser Herausgeber verlangt eine Freigabe durch eine zweite Person "
            "(Vier-Augen-Prinzip); für den Entwurf, wie er jetzt ist, gibt es keine.",
            "This publisher requires approval by a second person (four-eyes); there is none "
            "for the draft as it is now.",
        )
    return readiness


def studio_publish(
    *, version: ProcessVersion, by, at: dt.datetime | None = None, now=None
) -> ProcessVersion:
    """Publish a draft from the studio or the API: refused with reasons (`PublishRefused`:
    problems, failing tests, a version number lower than the diff requires;
    `ApprovalRequired`; `InvalidTransition`) and nothing changed. With `at` in the future
    the draft is scheduled (`publish_at`) and published by `scheduled_publish_sweep` then,
    checked again; the draft stays editable, and a change drops a four-eyes approval."""
    now = now or timezone.now()
    with transaction.atomic():
        version = ProcessVersion.objects.select_for_update().get(pk=version.pk)
        _check_may_publish(version, by)
        if at is not None and at > now:
            ProcessVersion.objects.filter(pk=version.pk).update(publish_at=at)
            version.publish_at = at
            _audit_version(by, "process.publish_scheduled", version, at=at.isoformat())
            return version
        published = process_version_publish(version=version)
        _audit_version(by, "process.published", published)
        return published


@transaction.atomic
def publish_unschedule(*, version: ProcessVersion, by) -> ProcessVersion:
    version = ProcessVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    ProcessVersion.objects.filter(pk=version.pk).update(publish_at=None)
    version.publish_at = None
    _audit_version(by, "process.publish_unscheduled", version)
    return version


def scheduled_publish_sweep(*, now=None) -> list[ProcessVersion]:
    """Publish the drafts whose `publish_at` has come, each checked again as at the time of
    scheduling. One that no longer passes keeps its draft status, loses its date and gets
    the audit entry `process.publish_failed` with the reasons. Returns the published ones."""
    now = now or timezone.now()
    published = []
    due = ProcessVersion.objects.filter(
        status=ProcessVersion.Status.DRAFT, publish_at__isnull=False, publish_at__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due):
        version = ProcessVersion.objects.get(pk=pk)
        try:
            published.append(studio_publish(version=version, by=None, now=now))
        except (PublishRefused, ApprovalRequired, InvalidTransition) as exc:
            with transaction.atomic():
                ProcessVersion.objects.filter(pk=pk, status="draft").update(publish_at=None)
            _audit_version("system", "process.publish_failed", version, reason=exc.message_en[:500])
            logger.warning("Scheduled publication of %s refused: %s", version, exc)
    return published


def studio_retire(*, version: ProcessVersion, by, grace_days: int = 14) -> ProcessVersion:
    """Retire a published version (see `process_version_retire`), audited."""
    if by is not None and not can_design(by, version.process.publisher):
        raise InvalidTransition(
            "Sie haben keine Design-Rolle für diesen Herausgeber.",
            "You do not have the designer role for this publisher.",
        )
    retired = process_version_retire(version=version, grace_days=grace_days)
    _audit_version(by, "process.retired", retired, grace_days=grace_days)
    return retired
