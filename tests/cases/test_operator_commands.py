import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from forms_engine.cases.models import Case, PipelineState
from tests.cases.test_case_submit import sample, submit

pytestmark = pytest.mark.django_db


def test_pipeline_sweep_command_finishes_a_stuck_case(
    published_processes, musterstadt, capsys, eager_celery
):
    case = submit(
        published_processes["hundesteuer-anmeldung"],
        musterstadt,
        sample("hundesteuer-anmeldung", "valid-normaler-hund"),
    )
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    Case.objects.filter(pk=case.pk).update(pipeline_enqueued_at=long_ago, submitted_at=long_ago)

    call_command("pipeline_sweep")

    case.refresh_from_db()
    assert case.pipeline_state == PipelineState.DONE
    assert "1 case(s) re-enqueued" in capsys.readouterr().out


def test_retention_command_reports_what_it_did(published_processes, capsys):
    call_command("retention_purge")

    assert "drafts deleted: 0" in capsys.readouterr().out
