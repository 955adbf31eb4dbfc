"""Tests against a real broker and a real Celery worker process (run by .ci/run).

They need CELERY_BROKER_URL and a database a second process can see (PostgreSQL); with
the zero-service default (SQLite in memory, eager Celery) they are skipped.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = "/usr/bin/redis-server"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.live_services)


def _database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def needs_live_services() -> None:
    if not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("needs CELERY_BROKER_URL (a real broker); .ci/run sets it")
    if connection.vendor != "postgresql":
        pytest.skip("a worker process cannot share the in-memory SQLite test database")


@pytest.fixture
def live_dirs(tmp_path, settings):
    """The shared media directory (the "uploads" and "casefiles" storages, as a volume
    mounted on every node would be) and the e-mails of worker processes, in this test's
    directory; this test process uses the same storages."""
    from tests.conftest import storages_in

    media, emails = tmp_path / "media", tmp_path / "emails"
    (media / "casefiles").mkdir(parents=True)
    (media / "uploads").mkdir()
    emails.mkdir()
    settings.STORAGES = storages_in(media)
    return {
        "media": media,
        "casefiles": media / "casefiles",
        "uploads": media / "uploads",
        "emails": emails,
    }


def live_env(live_dirs, *, broker_url=None, pause: float = 0) -> dict:
    """The environment of a process this test starts: the test database, the shared media
    directory (DJANGO_MEDIA_ROOT), e-mails as files, the broker."""
    env = dict(
        os.environ,
        DATABASE_URL=_database_url(),
        DJANGO_TESTING="1",
        LOG_LEVEL="INFO",
        DJANGO_SETTINGS_MODULE="tests.live.worker_settings",
        FORMS_TEST_EMAIL_DIR=str(live_dirs["emails"]),
        DJANGO_MEDIA_ROOT=str(live_dirs["media"]),
        FORMS_TEST_PIPELINE_PAUSE=str(pause),
    )
    for name in ("FORMS_UPLOAD_ROOT", "FORMS_CASEFILE_ROOT", "FORMS_STORAGE_BACKEND"):
        env.pop(name, None)  # the shared directory above, whatever this shell had set
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    return env


def worker_start(tmp_path, live_dirs, *, name: str, broker_url=None, pause: float = 0):
    """Start a Celery worker process (solo pool) and wait until it is ready."""
    proc = worker_spawn(tmp_path, live_dirs, name=name, broker_url=broker_url, pause=pause)
    worker_wait_ready(proc)
    return proc


def worker_spawn(tmp_path, live_dirs, *, name: str, broker_url=None, pause: float = 0):
    """Start a Celery worker process (solo pool); `worker_wait_ready` waits for it."""
    log = tmp_path / f"worker-{name}.log"
    env = live_env(live_dirs, broker_url=broker_url, pause=pause)
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
                f"ci-{name}-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    proc.log = log
    return proc


def worker_wait_ready(proc) -> None:
    deadline = time.monotonic() + 60
    while b"ready." not in proc.log.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"Celery worker did not start:\n{proc.log.read_text(errors='replace')}")
        time.sleep(0.2)


def worker_stop(proc) -> None:
    """Stop a process this test started (a Celery worker or a gunicorn master): SIGTERM,
    then SIGKILL if it has not ended after 20 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def live_worker(transactional_db, tmp_path, live_dirs):
    """A Celery worker in its own process, on the test database, consuming the CI broker."""
    needs_live_services()
    proc = worker_start(tmp_path, live_dirs, name="ci")
    yield proc
    worker_stop(proc)


def web_spawn(tmp_path, live_dirs, *, name: str, broker_url=None):
    """Start a web node: gunicorn with the project's gunicorn.conf.py (two preloaded sync
    workers, warmed up) on a free port of 127.0.0.1; `web_wait_ready` waits for it.

    Plain-HTTP cookies (DJANGO_SECURE_COOKIES=0): the test's client speaks HTTP. Staff sign
    in with password and code, as in production."""
    port = _free_port()
    log = tmp_path / f"web-{name}.log"
    env = live_env(live_dirs, broker_url=broker_url)
    env.update(
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        DJANGO_SECURE_COOKIES="0",
        FORMS_SITE_URL=f"http://127.0.0.1:{port}",
        # As in production: staff sign in with a code (the test suite's default is off).
        FORMS_STAFF_2FA_REQUIRED="1",
    )
    command = [sys.executable, "-m", "gunicorn", "forms_engine.wsgi:application"]
    command += ["--graceful-timeout", "3"]  # idle at the end of a test: no need to wait 30 s
    if _gunicorn_knows("control_socket_disable"):
        command.append("--no-control-socket")  # one fixed socket path per machine otherwise
    with open(log, "wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed arguments
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    proc.log = log
    proc.url = f"http://127.0.0.1:{port}"
    proc.port = port
    return proc


def _gunicorn_knows(setting: str) -> bool:
    from gunicorn import config

    return any(known.name == setting for known in config.KNOWN_SETTINGS)


def web_wait_ready(proc) -> None:
    """Wait until the node answers its catalog page."""
    import urllib.request

    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(proc.url + "/", timeout=5) as response:  # noqa: S310 - our loopback node
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"web node did not start:\n{proc.log.read_text(errors='replace')}")
        time.sleep(0.2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A redis-server of this test alone, on a spare port (never the machine's 6379)."""

    def __init__(self, tmp_path):
        self.port = _free_port()
        self.dir = tmp_path
        self.proc = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - fixed binary and arguments
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("own redis-server did not start")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def own_redis(transactional_db, tmp_path, monkeypatch):
    """Our own Redis; this test process publishes to it (the app's broker switched at runtime).

    Celery reads CELERY_BROKER_URL from the environment before its configuration, so the
    switch sets that variable (restored by monkeypatch) and drops the cached pools.
    """
    needs_live_services()
    if not Path(REDIS_SERVER).exists():
        pytest.skip(f"{REDIS_SERVER} is not installed")
    from forms_engine.celery import app

    redis = OwnRedis(tmp_path)
    redis.start()
    _drop_pools(app)
    monkeypatch.setenv("CELERY_BROKER_URL", redis.url)
    assert app.connection_for_write().as_uri().endswith(f":{redis.port}/0")
    yield redis
    _drop_pools(app)
    monkeypatch.undo()
    _drop_pools(app)
    redis.stop()


def _drop_pools(app) -> None:
    """Forget every cached broker connection, so the next publish uses the current URL.

    The app's pool is an entry of kombu's global pool registry; closing it without clearing
    the registry would leave a closed pool behind for later tests ("Acquire on closed pool").
    """
    from kombu import pools

    pools.reset()
    app._pool = None  # noqa: SLF001 - Celery has no public way to drop its cached pool
    app.amqp._producer_pool = None  # noqa: SLF001 - what Celery itself does after a fork


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()
