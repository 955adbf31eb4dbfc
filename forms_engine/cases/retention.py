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
written to the audit log with the hashes and counts of what went. Files are deleted from
their storage (`core.storage`: the shared volume or the bucket) after the database commit,
so a rolled back reduction never points to missing bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from forms_engine.catalog.models import ProcessVersion
from forms_engine.catalog.selectors import version_definition
from forms_engine.citizen.models import Draft, Upload
from forms_engine.core.audit import audit_log
from forms_engine.core.storage import CASEFILES, UPLOADS, file_delete
from forms_engine.definitions import canonical_json

from .models import Case, CaseDocument, CaseNote, CaseStatusChange

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


# A stored file: (storage alias, name in that storage).
StoredFile = tuple[str, str]


def _upload_files(upload: Upload) -> list[StoredFile]:
    return [(UPLOADS, upload.storage_name)] if upload.storage_name else []


def _document_files(document: CaseDocument) -> list[StoredFile]:
    return [(CASEFILES, document.storage_name)] if document.storage_name else []


def _delete_files_after_commit(files: list[StoredFile], report: RetentionReport) -> None:
    def delete() -> None:
        for alias, name in files:
            # A missing file is skipped, a failing storage logged (core.storage.file_delete).
            if file_delete(alias, name):
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
    files = [f for u in uploads for f in _upload_files(u)]
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
    _delete_files_after_commit(files, report)


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
            _delete_files_after_commit(_upload_files(upload), report)


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
    files = [f for u in uploads for f in _upload_files(u)]
    files += [f for d in documents for f in _document_files(d)]
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
    _delete_files_after_commit(files, report)
