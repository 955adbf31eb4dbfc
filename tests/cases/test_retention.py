"""Retention with a frozen clock: nothing goes a day early, everything a day late.

Hundesteuer keeps drafts 30 days (after their last change) and closed cases 3650 days
(after `closed_at`); then drafts are deleted and cases reduced to reference, dates, hashes.
"""

import datetime

import pytest
import time_machine
from django.utils import timezone

from forms_engine.cases.casefile import casefile_render
from forms_engine.cases.models import Case, CaseDocument, CaseNote, CaseStatusChange
from forms_engine.cases.retention import retention_purge
from forms_engine.cases.status import case_status_url
from forms_engine.catalog.selectors import version_definition
from forms_engine.citizen.models import Draft, Upload
from forms_engine.citizen.uploads import upload_store
from forms_engine.core.answer_fields import upload_spec_for
from forms_engine.core.models import AuditEntry
from forms_engine.core.storage import file_storage
from tests.cases.test_case_submit import listenhund, make_draft, submit
from tests.conftest import stored_files, upload_file

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def hundesteuer(published_processes):
    return published_processes["hundesteuer-anmeldung"]


@pytest.fixture
def purge(django_capture_on_commit_callbacks):
    """`retention_purge` with its after-commit file deletions run (tests hold a transaction)."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return retention_purge(**kwargs)

    return run


def upload_stored(upload) -> bool:
    """Whether the upload's bytes are still in the uploads storage."""
    return file_storage("uploads").exists(upload.storage_name)


def test_an_unsubmitted_draft_goes_with_its_uploads_after_draft_days(
    hundesteuer, musterstadt, purge
):
    with time_machine.travel(START, tick=False):
        draft = make_draft(hundesteuer, musterstadt)
        listenhund(hundesteuer, musterstadt, draft)
        Draft.objects.filter(pk=draft.pk).update(answers={"halter": {"vorname": "Erika"}})
    upload = Upload.objects.get(draft=draft)
    assert upload_stored(upload)

    early = purge(now=START + 29 * DAY)
    assert early.drafts_deleted == 0
    assert Draft.objects.filter(pk=draft.pk).exists() and upload_stored(upload)

    report = purge(now=START + 31 * DAY)

    assert (report.drafts_deleted, report.uploads_deleted) == (1, 1)
    assert not Draft.objects.filter(pk=draft.pk).exists()
    assert not Upload.objects.filter(pk=upload.pk).exists()
    assert not upload_stored(upload)
    entry = AuditEntry.objects.get(action="retention.draft_deleted")
    assert entry.actor_label == "system"
    assert entry.data["uploads"] == [upload.sha256]
    assert entry.data["upload_count"] == 1
    assert len(entry.data["answers_sha256"]) == 64


def test_the_draft_period_counts_from_the_last_change(hundesteuer, musterstadt, purge):
    with time_machine.travel(START, tick=False):
        draft = make_draft(hundesteuer, musterstadt)
    with time_machine.travel(START + 20 * DAY, tick=False):
        draft.save()  # the citizen came back

    assert purge(now=START + 31 * DAY).drafts_deleted == 0
    assert purge(now=START + 51 * DAY).drafts_deleted == 1


def test_the_purge_runs_on_the_real_clock_too(hundesteuer, musterstadt, purge):
    with time_machine.travel(START, tick=False):
        make_draft(hundesteuer, musterstadt)
    with time_machine.travel(START + 29 * DAY):
        assert purge().drafts_deleted == 0
    with time_machine.travel(START + 31 * DAY):
        assert purge().drafts_deleted == 1


def test_an_api_upload_that_never_became_a_case_goes_when_its_token_expires(hundesteuer, purge):
    pointer = "/sachkunde/nachweis"
    with time_machine.travel(START, tick=False):
        upload, _token = upload_store(
            file=upload_file("sachkunde.pdf"),
            process_version=hundesteuer,
            field_pointer=pointer,
            upload_spec=upload_spec_for(version_definition(hundesteuer), pointer),
        )

    hour = datetime.timedelta(hours=1)
    assert purge(now=START + 1 * hour).uploads_deleted == 0
    assert purge(now=START + 2 * hour).uploads_deleted == 1  # FORMS_API_UPLOAD_TOKEN_HOURS
    assert not upload_stored(upload)
    assert AuditEntry.objects.filter(action="retention.upload_deleted").count() == 1


def closed_case(hundesteuer, musterstadt, status=Case.Status.APPROVED):
    with time_machine.travel(START, tick=False):
        draft = make_draft(hundesteuer, musterstadt)
        data, _ = listenhund(hundesteuer, musterstadt, draft)
        case = submit(hundesteuer, musterstadt, data, upload_owner=draft)
        casefile_render(case_id=case.pk)
        CaseStatusChange.objects.create(
            case=case,
            from_status="received",
            to_status=status,
            message="Bewilligt für Bello, Halterin Erika Mustermann.",
            changed_at=timezone.now(),
        )
        CaseNote.objects.create(case=case, text="Halterin telefonisch erreicht")
        Case.objects.filter(pk=case.pk).update(status=status, closed_at=timezone.now())
    return Case.objects.get(pk=case.pk)


def test_a_closed_case_is_reduced_to_reference_dates_and_hashes_after_case_days(
    hundesteuer, musterstadt, client, purge
):
    case = closed_case(hundesteuer, musterstadt)
    upload = Upload.objects.get(case=case)
    document = CaseDocument.objects.get(case=case)
    assert case.answers and case.applicant_name and upload_stored(upload)

    assert purge(now=START + 3649 * DAY).cases_reduced == 0
    assert Case.objects.get(pk=case.pk).answers == case.answers

    report = purge(now=START + 3651 * DAY)

    assert report.cases_reduced == 1
    reduced = Case.objects.get(pk=case.pk)
    assert reduced.reference == case.reference
    assert reduced.submitted_at == case.submitted_at and reduced.closed_at == case.closed_at
    assert reduced.definition_sha256 == case.definition_sha256
    assert reduced.answers == {}
    assert (reduced.applicant_name, reduced.applicant_email) == ("", "")
    assert reduced.reduced_at == START + 3651 * DAY
    assert not Upload.objects.filter(case=case).exists()
    assert not CaseDocument.objects.filter(case=case).exists()
    assert not Draft.objects.filter(submitted_case=case).exists()
    assert stored_files("uploads") == []
    assert stored_files("casefiles") == []
    assert set(CaseStatusChange.objects.filter(case=case).values_list("message", flat=True)) == {""}
    assert set(CaseNote.objects.filter(case=case).values_list("text", flat=True)) == {""}
    entry = AuditEntry.objects.get(action="retention.case_reduced", case_id=case.pk)
    assert entry.data["uploads"] == [upload.sha256]
    assert entry.data["documents"] == [{"kind": "casefile", "sha256": document.sha256}]
    assert entry.data["upload_count"] == 1 and entry.data["document_count"] == 1
    # The citizen's link still opens: reference and dates, nothing else.
    page = client.get(case_status_url(reduced))
    assert page.status_code == 200 and case.reference in page.content.decode()


def test_a_rejected_case_is_reduced_the_same_way(hundesteuer, musterstadt, purge):
    case = closed_case(hundesteuer, musterstadt, Case.Status.REJECTED)

    assert purge(now=START + 3651 * DAY).cases_reduced == 1
    assert Case.objects.get(pk=case.pk).answers == {}


def test_open_cases_and_submitted_drafts_are_kept(hundesteuer, musterstadt, purge):
    case = closed_case(hundesteuer, musterstadt)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.IN_PROGRESS, closed_at=None)

    report = purge(now=START + 10000 * DAY)

    assert (report.cases_reduced, report.drafts_deleted) == (0, 0)
    assert Case.objects.get(pk=case.pk).answers
    assert Draft.objects.filter(submitted_case=case).exists()


def test_a_second_purge_finds_nothing_more(hundesteuer, musterstadt, purge):
    closed_case(hundesteuer, musterstadt)
    with time_machine.travel(START, tick=False):
        make_draft(hundesteuer, musterstadt)
    moment = START + 3651 * DAY

    first = purge(now=moment)
    second = purge(now=moment)

    assert (first.cases_reduced, first.drafts_deleted) == (1, 1)
    assert second.as_dict() == {
        "drafts_deleted": 0,
        "uploads_deleted": 0,
        "cases_reduced": 0,
        "files_deleted": 0,
    }
    assert AuditEntry.objects.filter(action="retention.case_reduced").count() == 1


def test_the_periodic_task_purges_and_reports(hundesteuer, musterstadt, eager_celery):
    from forms_engine.cases.tasks import retention_purge as purge_task

    with time_machine.travel(START, tick=False):
        make_draft(hundesteuer, musterstadt)
    with time_machine.travel(START + 31 * DAY):
        result = purge_task.apply().get()

    assert result["drafts_deleted"] == 1
