"""Retention: personal data is kept only as long as the process version allows.

`retention_purge(now=)` (task `cases.tasks.retention_purge`, hourly by beat):

- Unsubmitted drafts are deleted `retention.draft_days` after their last change
  (`Draft.updated_at`), with their uploads (rows and bytes). API uploads that never became
  part of a case (no draft, no case) go as soon as their owner token has expired
  (`owner_token_expires_at`, FORMS_API_UPLOAD_TOKEN_HOURS after the upload: hours, not days).
- Closed cases (`closed_at` set, status approved or rejected) are reduced
  `retention.case_days` after `closed_at` to reference, dates and hashes: answers `{}`,
  applicant fields cleared, messages and notes emptied, uploads and case documents deleted
  (rows and bytes), the submitted draft deleted, `reduced_at` set.

The periods come from the compiled definition of the pinned version (`.retention`).
"Older than N days" means `timestamp + N days <= now`. Every deletion and reduction is
written to the audit log with the hashes and counts of what went. Files are deleted after
the database commit, so a rolled back reduction never points to missing bytes.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from forms_engine.catalog.models import ProcessVersion
from forms_engine.catalog.selectors import version_definition
from forms_engine.citizen.models import Draft, Upload
from forms_engine.core.audit import audit_log
from forms_engine.definitions import canonical_json

from .models import Case, CaseDocument, CaseNote, CaseStatusChange

logger = logging.getLogger(__name__)
CLOSED = (Case.Status.APPROVED, Case.Status.REJECTED)


@dataclass
class RetentionReport:
    drafts_deleted: int = 0
    uploads_deleted: int = 0
    cases_reduced: int = 0
    files_deleted: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _retention(version: ProcessVersion) -> dict:
    return version_definition(version).retention


def _inside(root, relative: str) -> Path | None:
    base = Path(root).resolve()
    path = (base / relative).resolve()
    return path if base in path.parents else None


def _upload_paths(upload: Upload) -> list[Path]:
    path = _inside(settings.UPLOAD_ROOT, f"{upload.storage_name[:2]}/{upload.storage_name}")
    return [path] if path else []


def _document_paths(document: CaseDocument) -> list[Path]:
    # The case file module owns the layout; ask it when it says, else try both layouts
    # this project uses (flat, and sharded by the first two characters like uploads).
    try:
        from . import casefile
    except ImportError:
        casefile = None
    locate = getattr(casefile, "casefile_path", None)
    if locate is not None:
        return [Path(locate(document))]
    name = document.storage_name
    candidates = [
        _inside(settings.CASEFILE_ROOT, name),
        _inside(settings.CASEFILE_ROOT, f"{name[:2]}/{name}"),
    ]
    return [p for p in candidates if p is not None]


def _delete_files_after_commit(paths: list[Path], report: RetentionReport) -> None:
    def delete() -> None:
        for path in paths:
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError:
                logger.exception("Retention could not delete %s", path)
                continue
            report.files_deleted += 1

    transaction.on_commit(delete)


def retention_purge(*, now: datetime | None = None) -> RetentionReport:
    """Delete expired drafts and uploads, reduce expired closed cases; idempotent."""
    now = now or timezone.now()
    report = RetentionReport()
    versions = {}
    for version in ProcessVersion.objects.filter(
        pk__in=Draft.objects.filter(submitted_case__isnull=True).values("process_version")
    ):
        versions[version.pk] = version
    for version in versions.values():
        cutoff = now - timedelta(days=int(_retention(version)["draft_days"]))
        for draft_id in Draft.objects.filter(
            process_version=version, submitted_case__isnull=True, updated_at__lte=cutoff
        ).values_list("pk", flat=True):
            _draft_delete(draft_id=draft_id, cutoff=cutoff, report=report)
    _orphan_uploads_delete(now=now, report=report)
    candidates = Case.objects.filter(
        closed_at__isnull=False, status__in=CLOSED, reduced_at__isnull=True
    ).select_related("process_version")
    for case in candidates:
        days = int(_retention(case.process_version)["case_days"])
        if case.closed_at + timedelta(days=days) <= now:
            _case_reduce(case_id=case.pk, now=now, days=days, report=report)
    return report


@transaction.atomic
def _draft_delete(*, draft_id, cutoff, report: RetentionReport) -> None:
    draft = (
        Draft.objects.select_for_update()
        .filter(pk=draft_id, submitted_case__isnull=True, updated_at__lte=cutoff)
        .first()
    )
    if draft is None:
        return  # resumed or submitted meanwhile
    uploads = list(Upload.objects.filter(draft=draft, case__isnull=True))
    paths = [p for u in uploads for p in _upload_paths(u)]
    Upload.objects.filter(pk__in=[u.pk for u in uploads]).delete()
    draft.delete()
    report.drafts_deleted += 1
    report.uploads_deleted += len(uploads)
    audit_log(
        actor="system",
        action="retention.draft_deleted",
        data={
            "draft": str(draft_id),
            "process_version": draft.process_version_id,
            "updated_at": draft.updated_at.isoformat(),
            "answers_sha256": hashlib.sha256(canonical_json(draft.answers)).hexdigest(),
            "uploads": [u.sha256 for u in uploads],
            "upload_count": len(uploads),
        },
    )
    _delete_files_after_commit(paths, report)


def _orphan_uploads_delete(*, now, report: RetentionReport) -> None:
    # Uploads of no draft and no case: API uploads, useful only while their token lives.
    # Rows from before tokens expired count from `created_at`.
    from forms_engine.citizen.uploads import upload_token_lifetime

    expired = Q(owner_token_expires_at__lte=now) | Q(
        owner_token_expires_at__isnull=True, created_at__lte=now - upload_token_lifetime()
    )
    orphans = Upload.objects.filter(expired, draft__isnull=True, case__isnull=True)
    for upload in orphans.iterator():
        with transaction.atomic():
            gone = Upload.objects.filter(
                pk=upload.pk, draft__isnull=True, case__isnull=True
            ).delete()[0]
            if not gone:
                continue
            report.uploads_deleted += 1
            audit_log(
                actor="system",
                action="retention.upload_deleted",
                data={
                    "upload": str(upload.pk),
                    "sha256": upload.sha256,
                    "size": upload.size,
                    "reason": "owner_token_expired",
                },
            )
            _delete_files_after_commit(_upload_paths(upload), report)


@transaction.atomic
def _case_reduce(*, case_id, now, days: int, report: RetentionReport) -> None:
    case = (
        Case.objects.select_for_update()
        .filter(pk=case_id, closed_at__isnull=False, status__in=CLOSED, reduced_at__isnull=True)
        .first()
    )
    if case is None or case.closed_at + timedelta(days=days) > now:
        return  # reopened or reduced meanwhile
    uploads = list(Upload.objects.filter(case=case))
    documents = list(CaseDocument.objects.filter(case=case))
    paths = [p for u in uploads for p in _upload_paths(u)]
    paths += [p for d in documents for p in _document_paths(d)]
    data = {
        "answers_sha256": hashlib.sha256(canonical_json(case.answers)).hexdigest(),
        "uploads": [u.sha256 for u in uploads],
        "documents": [{"kind": d.kind, "sha256": d.sha256} for d in documents],
        "upload_count": len(uploads),
        "document_count": len(documents),
        "closed_at": case.closed_at.isoformat(),
        "case_days": days,
    }
    Upload.objects.filter(pk__in=[u.pk for u in uploads]).delete()
    CaseDocument.objects.filter(pk__in=[d.pk for d in documents]).delete()
    Draft.objects.filter(submitted_case=case).delete()
    CaseStatusChange.objects.filter(case=case).exclude(message="").update(message="")
    CaseNote.objects.filter(case=case).exclude(text="").update(text="")
    case.answers = {}
    case.applicant_name = ""
    case.applicant_email = ""
    case.reduced_at = now
    case.save(
        update_fields=["answers", "applicant_name", "applicant_email", "reduced_at", "updated_at"]
    )
    report.cases_reduced += 1
    report.uploads_deleted += len(uploads)
    audit_log(actor="system", action="retention.case_reduced", case_id=case.pk, data=data)
    _delete_files_after_commit(paths, report)
