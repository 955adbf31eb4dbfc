"""Faults with a real Redis and real worker processes: a case is never lost nor duplicated.

Each test runs its own redis-server on a spare port and its own workers pointed at it
(the machine's Redis and PostgreSQL are never stopped). E-mails of the workers are
written as files (tests/live/worker_settings.py) and counted.
"""

import datetime
import json
import os
import signal
from pathlib import Path

from django.utils import timezone

from forms_engine.cases.models import Case, CaseDelivery, CaseDocument, PipelineState
from forms_engine.cases.pipeline import pipeline_sweep
from forms_engine.catalog.models import Activation, Municipality
from forms_engine.catalog.services import demo_setup, process_sync

from .conftest import ROOT, wait_for, worker_start, worker_stop
from .test_worker import musterstadt_dog_tax

SAMPLE = ROOT / "fixtures/answers/hundesteuer-anmeldung/valid-normaler-hund.json"


def library():
    from django.conf import settings

    process_sync(directory=settings.FORMS_PROCESS_LIBRARY)
    demo_setup(path=ROOT / "fixtures" / "demo.json")


def receipts(emails: Path, reference: str) -> int:
    """How many receipt e-mails for `reference` the workers wrote."""
    count = 0
    for path in emails.glob("*.log"):
        text = path.read_text(errors="replace")
        count += text.count(f"Subject: =?utf-8?q?Ihr_Antrag_ist_eingegangen=3A_{reference}")
        count += text.count(f"Subject: Ihr Antrag ist eingegangen: {reference}")
    return count


def after_stuck(settings) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=settings.FORMS_PIPELINE_STUCK_AFTER + 1)


def assert_done_once(case_id, live_dirs):
    case = Case.objects.get(pk=case_id)
    assert case.pipeline_state == PipelineState.DONE
    assert CaseDocument.objects.filter(case=case, kind="casefile").count() == 1
    assert len(list(live_dirs["casefiles"].rglob("*.pdf"))) == 1
    assert CaseDelivery.objects.filter(case=case).count() == 1
    assert CaseDelivery.objects.get(case=case).attempts == 1
    assert receipts(live_dirs["emails"], case.reference) == 1
    return case


def test_a_worker_killed_in_the_middle_leaves_the_case_to_the_next_once(
    own_redis, live_dirs, tmp_path, settings, django_capture_on_commit_callbacks
):
    from forms_engine.cases.services import case_submit

    library()
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    # The first worker sleeps 30 s after the case file step: we kill it while it does.
    first = worker_start(tmp_path, live_dirs, name="first", broker_url=own_redis.url, pause=30)
    second = None
    try:
        case = case_submit(
            # The dog tax version Musterstadt offers (fixtures/demo.json).
            process_version=Activation.objects.get(
                process__identifier="hundesteuer-anmeldung", municipality__ars="099990000000"
            ).version,
            municipality=Municipality.objects.get(ars="099990000000"),
            answers=sample["answers"],
            declarations=sample["declarations"],
            submission_key="fault-kill-1",
        )  # transactional test: committed at once, enqueued to our Redis
        assert wait_for(
            lambda: Case.objects.filter(pk=case.pk, casefile_rendered_at__isnull=False).exists(),
            60,
        ), first.log.read_text(errors="replace")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)

        half = Case.objects.get(pk=case.pk)
        assert half.pipeline_state == PipelineState.CASEFILE
        assert half.routed_at is None and half.citizen_notified_at is None

        second = worker_start(tmp_path, live_dirs, name="second", broker_url=own_redis.url)
        # The killed worker's message waits for Redis' visibility timeout; the sweeper
        # does not wait that long.
        assert pipeline_sweep(now=after_stuck(settings)) == 1
        done = wait_for(lambda: Case.objects.filter(pk=case.pk, pipeline_state="done").first(), 60)
        assert done is not None, second.log.read_text(errors="replace")
        # A second sweep (or the redelivered message) changes nothing.
        assert pipeline_sweep(now=after_stuck(settings)) == 0
        case = assert_done_once(case.pk, live_dirs)
        assert case.pipeline_attempts == 2
    finally:
        worker_stop(first)
        if second is not None:
            worker_stop(second)


def test_a_broker_down_at_submit_time_loses_nothing_and_duplicates_nothing(
    own_redis, live_dirs, tmp_path, settings, client
):
    library()
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    worker = worker_start(tmp_path, live_dirs, name="outage", broker_url=own_redis.url)
    try:
        own_redis.stop()

        response = client.post(
            f"/api/processes/hundesteuer-anmeldung/versions/{musterstadt_dog_tax()}/submissions/",
            data={
                "municipality": "099990000000",
                "answers": sample["answers"],
                "declarations": sample["declarations"],
            },
            content_type="application/json",
            headers={"Idempotency-Key": "fault-broker-down-1"},
        )

        assert response.status_code == 201, response.content
        case = Case.objects.get(reference=response.json()["reference"])
        assert case.pipeline_state == PipelineState.PENDING
        assert case.pipeline_enqueued_at is None

        own_redis.start()
        assert pipeline_sweep(now=after_stuck(settings)) == 1
        done = wait_for(lambda: Case.objects.filter(pk=case.pk, pipeline_state="done").first(), 90)
        assert done is not None, worker.log.read_text(errors="replace")
        assert pipeline_sweep(now=after_stuck(settings)) == 0
        assert_done_once(case.pk, live_dirs)
        assert Case.objects.count() == 1  # one case for the one submission
    finally:
        worker_stop(worker)
