"""The submission pipeline as a service (no Celery), then its task wiring (eager Celery).

Idempotency is shown by running steps and whole runs more than once, and by "racing
workers": a run that died half way followed by others, in every order.
"""

import datetime
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from forms_engine.cases.models import Case, CaseDelivery, CaseDocument, PipelineState
from forms_engine.cases.notifications import case_receipt_send
from forms_engine.cases.pipeline import (
    PIPELINE_MAX_ATTEMPTS,
    PipelineTimings,
    pipeline_run,
    pipeline_sweep,
)
from forms_engine.cases.status import case_status_url
from forms_engine.catalog.models import Activation
from forms_engine.core.models import AuditEntry
from forms_engine.transports import Transport, TransportError, registry
from tests.cases.test_case_submit import sample, submit

pytestmark = pytest.mark.django_db


class ScriptedTransport(Transport):
    """Test transport: fails as `script` says (one entry per call), then delivers."""

    options_schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "additionalProperties": False,
    }
    script: list = []
    delivered: list = []

    def deliver(self, *, case, casefile):
        if self.script:
            outcome = self.script.pop(0)
            if outcome is not None:
                raise outcome
        self.delivered.append((case.reference, casefile.sha256))


if "test-scripted" not in registry:
    registry("test-scripted")(ScriptedTransport)


@pytest.fixture
def case(published_processes, musterstadt):
    return submit(
        published_processes["hundesteuer-anmeldung"],
        musterstadt,
        sample("hundesteuer-anmeldung", "valid-normaler-hund"),
    )


@pytest.fixture
def scripted(case):
    ScriptedTransport.script = []
    ScriptedTransport.delivered = []
    Activation.objects.filter(
        process=case.process_version.process, municipality=case.municipality
    ).update(transport="test-scripted", transport_options={})
    return ScriptedTransport


def actions(case):
    return list(AuditEntry.objects.filter(case_id=case.pk).values_list("action", flat=True))


def test_a_run_renders_routes_and_notifies_once_and_marks_the_case_done(case):
    done = pipeline_run(case_id=case.pk)

    assert done.pipeline_state == PipelineState.DONE
    assert done.pipeline_attempts == 1
    assert done.pipeline_error == ""
    assert done.casefile_rendered_at and done.routed_at and done.citizen_notified_at
    assert done.pipeline_done_at is not None
    assert CaseDocument.objects.filter(case=case, kind="casefile").count() == 1
    delivery = CaseDelivery.objects.get(case=case)
    assert (delivery.transport, delivery.status, delivery.attempts) == ("inbox", "delivered", 1)
    assert len(mail.outbox) == 1
    assert actions(case) == [
        "pipeline.casefile_rendered",
        "pipeline.routed",
        "pipeline.citizen_notified",
        "pipeline.done",
    ]


def test_the_receipt_carries_reference_status_link_and_the_case_file(case):
    pipeline_run(case_id=case.pk)

    message = mail.outbox[0]
    assert message.to == [case.applicant_email]
    assert case.reference in message.subject
    assert case.reference in message.body
    assert settings.FORMS_SITE_URL + case_status_url(case) in message.body
    ((name, content, media_type),) = message.attachments
    document = CaseDocument.objects.get(case=case)
    assert name == document.file_name and media_type == "application/pdf"
    assert content.startswith(b"%PDF")


def test_a_second_run_changes_nothing(case):
    first = pipeline_run(case_id=case.pk)
    second = pipeline_run(case_id=case.pk)

    assert second.pipeline_done_at == first.pipeline_done_at
    assert second.pipeline_attempts == 1  # a finished case is not started again
    assert CaseDocument.objects.filter(case=case).count() == 1
    assert CaseDelivery.objects.filter(case=case).count() == 1
    assert len(mail.outbox) == 1


def test_each_step_run_twice_produces_one_result(case):
    from forms_engine.cases.casefile import casefile_render
    from forms_engine.cases.pipeline import _step_casefile, _step_notify, _step_route

    for step in (_step_casefile, _step_casefile, _step_route, _step_route):
        step(case.pk)
    assert casefile_render(case_id=case.pk).pk == CaseDocument.objects.get(case=case).pk
    _step_notify(case.pk)
    _step_notify(case.pk)
    assert case_receipt_send(case_id=case.pk) is None

    assert CaseDocument.objects.filter(case=case).count() == 1
    assert CaseDelivery.objects.get(case=case).attempts == 1
    assert len(mail.outbox) == 1
    assert actions(case).count("pipeline.casefile_rendered") == 1
    assert actions(case).count("pipeline.routed") == 1


def test_a_worker_that_died_after_routing_leaves_the_rest_to_the_next_run(case):
    # Worker A rendered and delivered, then died before the e-mail (mail server down).
    with (
        mock.patch(
            "django.core.mail.EmailMessage.send",
            side_effect=ConnectionRefusedError("smtp down"),
        ),
        pytest.raises(ConnectionRefusedError),
    ):
        pipeline_run(case_id=case.pk)
    half = Case.objects.get(pk=case.pk)
    assert half.pipeline_state == PipelineState.ROUTED
    assert "smtp down" in half.pipeline_error
    assert half.citizen_notified_at is None

    # Workers B and C pick it up (redelivered message and the sweeper's copy).
    pipeline_run(case_id=case.pk)
    pipeline_run(case_id=case.pk)

    done = Case.objects.get(pk=case.pk)
    assert done.pipeline_state == PipelineState.DONE and done.pipeline_error == ""
    assert CaseDocument.objects.filter(case=case).count() == 1
    assert CaseDelivery.objects.get(case=case).attempts == 1
    assert len(mail.outbox) == 1


def test_a_transient_transport_error_is_recorded_and_raised_for_a_retry(case, scripted):
    scripted.script = [TransportError("Gegenstelle antwortet nicht", permanent=False)]

    with pytest.raises(TransportError):
        pipeline_run(case_id=case.pk)

    stuck = Case.objects.get(pk=case.pk)
    assert stuck.pipeline_state == PipelineState.CASEFILE
    assert "Gegenstelle antwortet nicht" in stuck.pipeline_error
    delivery = CaseDelivery.objects.get(case=case)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert mail.outbox == []

    done = pipeline_run(case_id=case.pk)

    assert done.pipeline_state == PipelineState.DONE
    assert CaseDelivery.objects.get(case=case).attempts == 2
    assert len(scripted.delivered) == 1
    assert len(mail.outbox) == 1


def test_a_permanent_transport_error_fails_the_case_for_operators(case, scripted):
    scripted.script = [TransportError("Empfänger unbekannt", permanent=True)]

    failed = pipeline_run(case_id=case.pk)

    assert failed.pipeline_state == PipelineState.FAILED
    assert failed.pipeline_error == "Empfänger unbekannt"
    delivery = CaseDelivery.objects.get(case=case)
    assert (delivery.status, delivery.last_error) == ("failed", "Empfänger unbekannt")
    assert pipeline_run(case_id=case.pk).pipeline_attempts == 1  # not started again
    assert mail.outbox == []
    assert "pipeline.failed" in actions(case)


def test_invalid_transport_options_fail_the_case_without_a_delivery(case, scripted):
    Activation.objects.update(transport_options={"unknown": 1})

    failed = pipeline_run(case_id=case.pk)

    assert failed.pipeline_state == PipelineState.FAILED
    assert "unknown" in failed.pipeline_error
    assert not CaseDelivery.objects.filter(case=case).exists()


def test_an_unknown_transport_fails_the_case(case):
    Activation.objects.update(transport="gibt-es-nicht")

    failed = pipeline_run(case_id=case.pk)

    assert failed.pipeline_state == PipelineState.FAILED
    assert "gibt-es-nicht" in failed.pipeline_error


def test_the_activation_options_reach_the_transport(case, scripted, monkeypatch):
    seen = []
    monkeypatch.setattr(
        ScriptedTransport,
        "deliver",
        lambda self, *, case, casefile: seen.append(self.options),
    )
    Activation.objects.update(transport_options={"name": "Postfach 7"})

    pipeline_run(case_id=case.pk)

    assert seen == [{"name": "Postfach 7"}]


def test_a_case_whose_activation_is_gone_still_reaches_its_authoritys_inbox(case):
    Activation.objects.all().delete()

    done = pipeline_run(case_id=case.pk)

    assert done.pipeline_state == PipelineState.DONE and done.routed_at is not None


def test_a_case_that_keeps_failing_is_given_up_after_the_maximum_attempts(case, scripted):
    Case.objects.filter(pk=case.pk).update(pipeline_attempts=PIPELINE_MAX_ATTEMPTS - 1)
    scripted.script = [TransportError("weiterhin nicht erreichbar")]

    with pytest.raises(TransportError):
        pipeline_run(case_id=case.pk)

    failed = Case.objects.get(pk=case.pk)
    assert failed.pipeline_state == PipelineState.FAILED
    assert "weiterhin nicht erreichbar" in failed.pipeline_error


def test_an_applicant_without_e_mail_is_notified_by_nothing_but_the_case_completes(case):
    Case.objects.filter(pk=case.pk).update(applicant_email="")

    done = pipeline_run(case_id=case.pk)

    assert done.pipeline_state == PipelineState.DONE
    # Honest record: no e-mail went out, so the case is not "notified".
    assert done.citizen_notified_at is None
    assert done.citizen_notice == "no_address"
    assert "pipeline.citizen_notified" not in actions(case)
    assert "citizen.not_notified" in actions(case)
    assert mail.outbox == []


def test_an_unknown_case_is_nothing_to_do():
    assert pipeline_run(case_id="00000000-0000-0000-0000-000000000000") is None


def test_the_run_reports_its_time_per_step(case):
    timings = PipelineTimings()

    pipeline_run(case_id=case.pk, timings=timings)

    assert set(timings.steps) == {"casefile", "route", "notify"}


# --- the sweeper -----------------------------------------------------------------------------


def later(seconds):
    return timezone.now() + datetime.timedelta(seconds=seconds)


def test_the_sweeper_enqueues_a_case_the_broker_never_got_once(case, settings):
    assert case.pipeline_enqueued_at is None
    with mock.patch("forms_engine.cases.tasks.case_process.delay") as delay:
        assert pipeline_sweep(now=later(settings.FORMS_PIPELINE_STUCK_AFTER - 5)) == 0
        moment = later(settings.FORMS_PIPELINE_STUCK_AFTER + 5)
        assert pipeline_sweep(now=moment) == 1
        assert pipeline_sweep(now=moment) == 0  # a second sweeper at the same time

    delay.assert_called_once_with(str(case.pk))
    assert Case.objects.get(pk=case.pk).pipeline_enqueued_at == moment


def test_the_sweeper_enqueues_a_case_stuck_since_its_last_enqueue(case, settings):
    Case.objects.filter(pk=case.pk).update(pipeline_enqueued_at=later(100))
    stuck_after = settings.FORMS_PIPELINE_STUCK_AFTER
    with mock.patch("forms_engine.cases.tasks.case_process.delay") as delay:
        assert pipeline_sweep(now=later(100 + stuck_after - 5)) == 0
        assert pipeline_sweep(now=later(100 + stuck_after + 5)) == 1
    assert delay.call_count == 1


def test_the_sweeper_leaves_done_and_failed_cases_alone(case, settings):
    pipeline_run(case_id=case.pk)
    other = submit(
        case.process_version,
        case.municipality,
        sample("hundesteuer-anmeldung", "valid-normaler-hund"),
        key="k2",
    )
    Case.objects.filter(pk=other.pk).update(pipeline_state=PipelineState.FAILED)

    with mock.patch("forms_engine.cases.tasks.case_process.delay") as delay:
        assert pipeline_sweep(now=later(settings.FORMS_PIPELINE_STUCK_AFTER * 10)) == 0
    delay.assert_not_called()


def test_a_sweep_while_the_broker_is_still_down_tries_again_next_time(case, settings):
    from kombu.exceptions import OperationalError

    moment = later(settings.FORMS_PIPELINE_STUCK_AFTER + 5)
    with mock.patch(
        "forms_engine.cases.tasks.case_process.delay", side_effect=OperationalError("down")
    ):
        assert pipeline_sweep(now=moment) == 0
    assert Case.objects.get(pk=case.pk).pipeline_enqueued_at is None
    with mock.patch("forms_engine.cases.tasks.case_process.delay") as delay:
        assert pipeline_sweep(now=moment) == 1
    delay.assert_called_once()


# --- task wiring (eager Celery) --------------------------------------------------------------


def test_submit_runs_the_whole_pipeline_after_commit(
    published_processes, musterstadt, django_capture_on_commit_callbacks, eager_celery
):
    with django_capture_on_commit_callbacks(execute=True):
        case = submit(
            published_processes["hundesteuer-anmeldung"],
            musterstadt,
            sample("hundesteuer-anmeldung", "valid-normaler-hund"),
        )

    case.refresh_from_db()
    assert case.pipeline_state == PipelineState.DONE
    assert case.pipeline_enqueued_at is not None
    assert len(mail.outbox) == 1


def test_the_task_retries_a_transient_error_until_it_is_delivered(case, scripted, eager_celery):
    from forms_engine.cases.tasks import case_process

    scripted.script = [TransportError("kurz weg")]

    # throw=False: eager Celery runs the retry in place instead of raising `Retry`.
    case_process.apply(args=[str(case.pk)], throw=False)

    done = Case.objects.get(pk=case.pk)
    assert done.pipeline_state == PipelineState.DONE
    assert done.pipeline_attempts == 2
    assert len(scripted.delivered) == 1
    assert len(mail.outbox) == 1


def test_the_periodic_sweep_task_runs_the_stuck_case(case, settings, eager_celery):
    from forms_engine.cases.tasks import pipeline_sweep as sweep_task

    settings.FORMS_PIPELINE_STUCK_AFTER = 0

    assert sweep_task.apply().get() == 1

    assert Case.objects.get(pk=case.pk).pipeline_state == PipelineState.DONE
    assert len(mail.outbox) == 1
