"""The submission pipeline: cases per second through one real worker, and time per step.

Run by bench/run.py (`make bench`) on the run's PostgreSQL database:
1. in-process: the median time per step of `pipeline_run` (case file, routing, receipt)
   over a few cases, run directly (no Celery);
2. when run.py has a Redis broker (BENCH_REDIS_URL, a database of its own: the worker
   consumes whatever is queued there): one real Celery worker process (solo pool);
   Hundesteuer cases submitted with `case_submit` (enqueued after commit), timed from the
   first submit until every case is `done`; the figure is cases per second.
E-mails go to Django's dummy backend, case files to a temporary directory.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, Context, Figure, standalone  # noqa: E402

SAMPLE = ROOT / "fixtures/answers/hundesteuer-anmeldung/valid-normaler-hund.json"


def submitter():
    from forms_engine.cases.services import case_submit
    from forms_engine.catalog.models import Activation, Municipality

    municipality = Municipality.objects.get(ars="099990000000")
    # The dog tax version Musterstadt offers (fixtures/demo.json): API-style submissions
    # without a draft are taken for that version only.
    version = Activation.objects.get(
        process__identifier="hundesteuer-anmeldung", municipality=municipality
    ).version
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))

    def submit(key: str):
        return case_submit(
            process_version=version,
            municipality=municipality,
            answers=sample["answers"],
            declarations=sample["declarations"],
            submission_key=key,
        )

    return submit


def eager(n: int) -> dict[str, float]:
    from forms_engine.cases.pipeline import PipelineTimings, pipeline_run

    submit = submitter()
    steps: dict[str, list[float]] = {}
    totals = []
    with mock.patch("forms_engine.cases.pipeline.pipeline_enqueue", return_value=True):
        cases = [submit(f"eager-{i}") for i in range(n + 2)]
    for index, case in enumerate(cases):
        timings = PipelineTimings()
        start = time.perf_counter()
        pipeline_run(case_id=case.pk, timings=timings)
        if index < 2:
            continue  # warm-up: fonts, templates, compiled definition
        totals.append(time.perf_counter() - start)
        for name, seconds in timings.steps.items():
            steps.setdefault(name, []).append(seconds)
    medians = {name: statistics.median(steps[name]) * 1000 for name in steps}
    medians["total"] = statistics.median(totals) * 1000
    return medians


def worker_start(broker: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ, CELERY_BROKER_URL=broker, LOG_LEVEL="WARNING")
    with open(log, "wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "forms_engine",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                "--hostname",
                f"bench-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while b"ready." not in log.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"worker did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)
    return proc


def through_worker(n: int, broker: str, log: Path) -> tuple[float, float, int]:
    """(ms per submit, cases per second through the worker, cases run more than once)."""
    from forms_engine.cases.models import Case

    submit = submitter()
    proc = worker_start(broker, log)
    try:
        warm = [submit(f"warm-{i}").pk for i in range(2)]
        wait_done(warm, 120)
        start = time.perf_counter()
        ids = [submit(f"worker-{i}").pk for i in range(n)]
        submitted = time.perf_counter() - start
        wait_done(ids, 300)
        elapsed = time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    duplicates = Case.objects.filter(pk__in=ids).exclude(pipeline_attempts=1).count()
    return submitted / n * 1000, n / elapsed, duplicates


def wait_done(ids, timeout: float) -> None:
    from forms_engine.cases.models import Case

    deadline = time.monotonic() + timeout
    while Case.objects.filter(pk__in=ids, pipeline_state="done").count() < len(ids):
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not finish in time")
        time.sleep(0.05)


def main(ctx: Context) -> list[Figure]:
    os.environ["FORMS_CASEFILE_ROOT"] = str(Path(ctx.tmp) / "casefiles")
    os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    if ctx.redis_url:
        os.environ["CELERY_BROKER_URL"] = ctx.redis_url
    import django

    django.setup()
    steps = eager(ctx.scale(10, 3))
    figures = [
        Figure(f"pipeline step {name}, in-process", steps[name])
        for name in ("casefile", "route", "notify", "total")
        if name in steps
    ]
    if not ctx.redis_url:
        print("no BENCH_REDIS_URL: the run through a real worker is left out")
        return figures
    submit_ms, rate, duplicates = through_worker(
        ctx.scale(20, 6), ctx.redis_url, Path(ctx.tmp) / "worker.log"
    )
    figures += [
        Figure("submit (case_submit + enqueue), per case", submit_ms),
        Figure("whole pipeline through one worker (solo pool)", rate, "cases/s", None),
        Figure("cases run more than once", duplicates, "", None),
    ]
    return figures


if __name__ == "__main__":
    standalone("pipeline")
