"""A submitted case goes through the broker to a real worker process, exactly once."""

import json
from pathlib import Path

from django.core.management import call_command

from forms_engine.cases.models import Case, CaseDelivery, CaseDocument, PipelineState

from .conftest import wait_for

SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "fixtures/answers/hundesteuer-anmeldung/valid-normaler-hund.json"
)


def musterstadt_dog_tax() -> str:
    """The dog tax version Musterstadt offers (fixtures/demo.json): the API takes
    submissions without a draft for that version only."""
    from forms_engine.catalog.models import Activation

    return Activation.objects.get(
        process__identifier="hundesteuer-anmeldung", municipality__ars="099990000000"
    ).version.version


def test_submitted_case_is_processed_by_a_real_worker(live_worker, client):
    call_command("process_sync", verbosity=0)
    call_command("demo_setup", verbosity=0)
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    response = client.post(
        f"/api/processes/hundesteuer-anmeldung/versions/{musterstadt_dog_tax()}/submissions/",
        data={
            "municipality": "099990000000",
            "answers": sample["answers"],
            "declarations": sample["declarations"],
        },
        content_type="application/json",
        headers={"Idempotency-Key": "live-worker-1"},
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()["reference"])

    processed = wait_for(
        lambda: Case.objects.filter(pk=case.pk, pipeline_done_at__isnull=False).first(), 60
    )

    assert processed is not None, "the worker did not process the case within 60 s"
    assert processed.pipeline_state == PipelineState.DONE
    assert processed.routed_at is not None and processed.citizen_notified_at is not None
    assert Case.objects.filter(submission_key=case.submission_key).count() == 1
    assert CaseDocument.objects.filter(case=case).count() == 1
    assert CaseDelivery.objects.filter(case=case, status="delivered").count() == 1
