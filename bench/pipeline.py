"""The submission pipeline: cases per second through one real worker, and time per step.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/pipeline.py

Creates its own database `bench_pipeline` on the server DATABASE_URL points to (dropped
afterwards, also on failure), migrates it and loads the shipped library and demo data.
Then prints:
1. in-process: the median time per step of `pipeline_run` (case file, routing, receipt)
   over --eager cases, run directly (no Celery);
2. one real Celery worker process (solo pool) on CELERY_BROKER_URL: --cases Hundesteuer
   cases submitted with `case_submit` (enqueued after commit), timed from the first submit
   until every case is `done`; the figure is cases per second.
The broker's database should be one of its own (the worker consumes whatever is queued).
E-mails go to Django's dummy backend, case files to a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT  # noqa: E402

BENCH_DB = "bench_pipeline"
SAMPLE = ROOT / "fixtures/answers/hundesteuer-anmeldung/valid-normaler-hund.json"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40, help="cases through the worker")
    parser.add_argument("--eager", type=int, default=15, help="cases run in-process")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    return parser.parse_args()


def urls() -> tuple[str, str]:
    database, broker = os.environ.get("DATABASE_URL", ""), os.environ.get("CELERY_BROKER_URL", "")
    if not urlparse(database).scheme.startswith("postgres") or not broker:
        sys.exit(
            "bench/pipeline.py braucht PostgreSQL (DATABASE_URL) und einen Broker "
            "(CELERY_BROKER_URL). / This benchmark needs DATABASE_URL (PostgreSQL) and "
            "CELERY_BROKER_URL, e.g. postgres://postgres@127.0.0.1:5432/postgres and "
            "redis://127.0.0.1:6379/13."
        )
    return database, broker


def with_db(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/" + name))


def admin_execute(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(with_db(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def setup(database: str, casefiles: str) -> None:
    os.environ["DATABASE_URL"] = with_db(database, BENCH_DB)
    os.environ["FORMS_CASEFILE_ROOT"] = casefiles
    os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forms_engine.settings")
    os.environ.setdefault("DJANGO_TESTING", "1")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from forms_engine.catalog.services import demo_setup, process_sync

    call_command("migrate", verbosity=0)
    process_sync(directory=settings.FORMS_PROCESS_LIBRARY)
    demo_setup(path=ROOT / "fixtures" / "demo.json")


def submitter():
    from forms_engine.cases.services import case_submit
    from forms_engine.catalog.models import Municipality, ProcessVersion

    version = ProcessVersion.objects.get(
        process__identifier="hundesteuer-anmeldung", version="1.1.0"
    )
    municipality = Municipality.objects.get(ars="099990000000")
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


def eager(n: int) -> None:
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
    print(f"in-process pipeline_run, median of {n} cases:")
    for name in ("casefile", "route", "notify"):
        print(f"  {name:9s} {statistics.median(steps[name]) * 1000:8.1f} ms")
    print(f"  {'total':9s} {statistics.median(totals) * 1000:8.1f} ms")


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
            sys.exit(f"worker did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)
    return proc


def through_worker(n: int, broker: str, log: Path) -> None:
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
    print(f"one worker (solo pool), {n} cases:")
    print(f"  submit (case_submit + enqueue): {submitted / n * 1000:.1f} ms per case")
    print(f"  submit → all done: {elapsed:.1f} s = {n / elapsed:.1f} cases/s")
    print(f"  cases run more than once: {duplicates}")


def wait_done(ids, timeout: float) -> None:
    from forms_engine.cases.models import Case

    deadline = time.monotonic() + timeout
    while Case.objects.filter(pk__in=ids, pipeline_state="done").count() < len(ids):
        if time.monotonic() > deadline:
            sys.exit("the worker did not finish in time")
        time.sleep(0.05)


def main() -> None:
    args = parse_args()
    database, broker = urls()
    admin_execute(database, f"DROP DATABASE IF EXISTS {BENCH_DB}")
    admin_execute(database, f"CREATE DATABASE {BENCH_DB}")
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        try:
            setup(database, str(Path(tmp) / "casefiles"))
            eager(args.eager)
            through_worker(args.cases, broker, Path(tmp) / "worker.log")
        finally:
            from django.db import connections

            connections.close_all()
            if not args.keep:
                admin_execute(database, f"DROP DATABASE IF EXISTS {BENCH_DB}")


if __name__ == "__main__":
    main()
