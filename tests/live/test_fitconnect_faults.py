"""FIT-Connect delivery with real worker processes and the stand-in Zustelldienst as its own
process (`python -m forms_engine.transports.fitconnect.standin`): a case is delivered
exactly once although the stand-in is down at delivery time or a worker is killed between
announce and submit.

Each test runs its own redis-server and stand-in on spare ports (the machine's Redis and
PostgreSQL are never stopped). What arrived is read from the stand-in's state file and by
the demo receiver with the destination's private key.
"""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from forms_engine.cases.models import Case, CaseDelivery, PipelineState
from forms_engine.cases.pipeline import pipeline_sweep
from forms_engine.catalog.models import Activation, Municipality

from .conftest import ROOT, _free_port, wait_for, worker_start, worker_stop
from .test_faults import SAMPLE, after_stuck, library

SECRET_ENV = "FORMS_TEST_FITCONNECT_SECRET"


class StandInProcess:
    """The stand-in as a process of this test; `stop()` and `start()` keep port and state."""

    def __init__(self, tmp_path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state = tmp_path / "standin.sqlite3"
        self.setup_dir = tmp_path / "standin-setup"
        self.log = tmp_path / "standin.log"
        self.proc = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [
                    sys.executable,
                    "-m",
                    "forms_engine.transports.fitconnect.standin",
                    "--port",
                    str(self.port),
                    "--state",
                    str(self.state),
                    "--setup",
                    str(self.setup_dir),
                    "--key-size",
                    "2048",
                ],
                cwd=ROOT,
                env=dict(os.environ, FITCONNECT_STANDIN_ADMIN_SECRET="live-test-admin"),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    if (self.setup_dir / "setup.json").exists():
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"stand-in did not start:\n{self.log.read_text(errors='replace')}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    @property
    def setup(self) -> dict:
        return json.loads((self.setup_dir / "setup.json").read_text(encoding="utf-8"))

    def submissions(self) -> list[dict]:
        with sqlite3.connect(self.state) as db:
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute("SELECT * FROM submissions")]


@pytest.fixture
def standin(own_redis, tmp_path, monkeypatch):
    """The stand-in process, its demo destination as the Musterstadt dog tax's transport,
    the sender's secret in the environment of the workers this test starts."""
    process = StandInProcess(tmp_path)
    process.start()
    setup = process.setup
    monkeypatch.setenv(SECRET_ENV, setup["sender"]["clientSecret"])
    monkeypatch.setenv("FORMS_TEST_FITCONNECT_MIN_KEY_BITS", "2048")
    library()
    Activation.objects.filter(
        process__identifier="hundesteuer-anmeldung", municipality__ars="099990000000"
    ).update(
        transport="fitconnect",
        transport_options={
            "submission_api": process.url,
            "token_url": f"{process.url}/token",
            "client_id": setup["sender"]["clientId"],
            "client_secret_env": SECRET_ENV,
            "leika_key": setup["leikaKey"],
            "destination_id": setup["destinationId"],
        },
    )
    yield process
    process.stop()


def file_case(key: str) -> Case:
    from forms_engine.cases.services import case_submit

    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return case_submit(
        process_version=Activation.objects.get(
            process__identifier="hundesteuer-anmeldung", municipality__ars="099990000000"
        ).version,
        municipality=Municipality.objects.get(ars="099990000000"),
        answers=sample["answers"],
        declarations=sample["declarations"],
        submission_key=key,
    )  # transactional test: committed at once, enqueued to our Redis


def assert_delivered_once(case_id, standin, tmp_path) -> None:
    from forms_engine.transports.fitconnect import receiver

    case = Case.objects.get(pk=case_id)
    assert case.pipeline_state == PipelineState.DONE
    delivery = CaseDelivery.objects.get(case=case)
    assert delivery.status == "delivered" and delivery.state["submitted"] is True
    rows = standin.submissions()
    assert [row["status"] for row in rows] == ["submitted"], rows
    assert rows[0]["submission_id"] == delivery.state["submission_id"]
    key_dir = standin.setup_dir
    setup = standin.setup
    (received,) = receiver.receive_all(
        url=standin.url,
        client_id=setup["subscriber"]["clientId"],
        client_secret=setup["subscriber"]["clientSecret"],
        destination_id=setup["destinationId"],
        encryption_key=json.loads((key_dir / "encryption.private.jwk.json").read_text()),
        signature_key=json.loads((key_dir / "signature.private.jwk.json").read_text()),
        output_dir=tmp_path / "received",
        decision="accept",
    )
    assert received.ok, received.problems
    assert received.metadata["additionalReferenceInfo"]["senderReference"] == case.reference
    assert [a.purpose for a in received.attachments] == ["form"]


def test_the_stand_in_down_at_delivery_time_is_retried_and_delivers_once(
    standin, live_dirs, tmp_path, own_redis, settings
):
    standin.stop()
    worker = worker_start(tmp_path, live_dirs, name="fc-down", broker_url=own_redis.url)
    try:
        case = file_case("fc-live-down-1")
        # The worker tried, failed transiently and keeps retrying with backoff.
        assert wait_for(
            lambda: CaseDelivery.objects.filter(case=case, attempts__gte=2).exists(), 90
        ), worker.log.read_text(errors="replace")
        stored = Case.objects.get(pk=case.pk)
        assert stored.pipeline_state == PipelineState.CASEFILE
        assert "transient" in stored.pipeline_error

        standin.start()
        done = wait_for(lambda: Case.objects.filter(pk=case.pk, pipeline_state="done").first(), 120)
        if done is None:  # retries used up while it was down: the sweeper hands it on
            pipeline_sweep(now=after_stuck(settings))
            done = wait_for(
                lambda: Case.objects.filter(pk=case.pk, pipeline_state="done").first(), 60
            )
        assert done is not None, worker.log.read_text(errors="replace")
        assert_delivered_once(case.pk, standin, tmp_path)
    finally:
        worker_stop(worker)


def test_a_worker_killed_between_announce_and_submit_leaves_one_delivery(
    standin, live_dirs, tmp_path, own_redis, settings, monkeypatch
):
    # The first worker sleeps 30 s after uploading the attachments, before the submit.
    monkeypatch.setenv("FORMS_TEST_DELIVERY_PAUSE", "30")
    first = worker_start(tmp_path, live_dirs, name="fc-first", broker_url=own_redis.url)
    monkeypatch.setenv("FORMS_TEST_DELIVERY_PAUSE", "0")
    second = None
    try:
        case = file_case("fc-live-kill-1")

        def uploaded():
            state = CaseDelivery.objects.filter(case=case).values_list("state", flat=True).first()
            return bool(
                state
                and state.get("attachments")
                and len(state.get("uploaded") or []) == len(state["attachments"])
            )

        assert wait_for(uploaded, 90), first.log.read_text(errors="replace")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)

        half = CaseDelivery.objects.get(case=case)
        assert half.status == "pending" and not half.state.get("submit_sent")
        assert [row["status"] for row in standin.submissions()] == ["incomplete"]

        second = worker_start(tmp_path, live_dirs, name="fc-second", broker_url=own_redis.url)
        # The dead worker's lease runs out (FORMS_REMOTE_DELIVERY_LEASE; here: at once).
        CaseDelivery.objects.filter(pk=half.pk).update(claimed_until=None)
        assert pipeline_sweep(now=after_stuck(settings)) == 1
        done = wait_for(lambda: Case.objects.filter(pk=case.pk, pipeline_state="done").first(), 90)
        assert done is not None, second.log.read_text(errors="replace")
        assert pipeline_sweep(now=after_stuck(settings)) == 0
        assert_delivered_once(case.pk, standin, tmp_path)
        assert CaseDelivery.objects.get(case=case).attempts == 2
    finally:
        worker_stop(first)
        if second is not None:
            worker_stop(second)
