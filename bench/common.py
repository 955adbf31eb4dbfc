"""Shared helpers for the benchmarks: the entry-point convention, a gunicorn server, timing,
medians, the shipped library and samples.

Every benchmark module in bench/ exposes `def main(ctx: Context) -> list[Figure]` and is run
by bench/run.py (`make bench`) in its own process with its own fresh PostgreSQL database
(migrated, shipped library and demo data loaded). run.py measures a bare Django view first
and prints every figure with its ratio to that floor. `python bench/<module>.py` runs one
module the same way (`standalone`).
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"
SAMPLES = ROOT / "fixtures" / "answers"
DUMMY_UPLOAD = "upload:00000000-0000-4000-8000-000000000001"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forms_engine.settings")
os.environ.setdefault("DJANGO_TESTING", "1")


def timed(fn: Callable[[], object], repeat: int, warmup: int = 3) -> list[float]:
    """Wall-clock seconds of `repeat` calls of `fn`, after `warmup` unmeasured calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p_ms(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct))] * 1000


def latest_definitions() -> dict[str, dict]:
    """process id → the definition dict of its highest shipped version."""
    out = {}
    for directory in sorted(p for p in PROCESSES.iterdir() if p.is_dir()):
        files = sorted(directory.glob("*.json"), key=lambda p: [int(x) for x in p.stem.split(".")])
        if files:
            out[directory.name] = json.loads(files[-1].read_text(encoding="utf-8"))
    return out


def substitute_uploads(value, ref: str = DUMMY_UPLOAD):
    if isinstance(value, str) and value.startswith("@file:"):
        return ref
    if isinstance(value, dict):
        return {k: substitute_uploads(v, ref) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute_uploads(v, ref) for v in value]
    return value


def sample_files(process_id: str, kind: str = "valid") -> list[Path]:
    return sorted((SAMPLES / process_id).glob(f"{kind}-*.json"))


def load_sample(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# --- the entry-point convention -----------------------------------------------------------

#: The floor figures bench/bare.py reports; run.py divides by them.
BARE_WALL = "bare view GET, serial, median"
BARE_CPU = "bare view, server CPU per request"
BARE_RATE = "bare view, 10 concurrent clients"


@dataclass
class Figure:
    """One measured figure. `compare` says how run.py relates it to the bare view measured
    in the same run: "wall" (value / bare request wall ms), "cpu" (value / bare server CPU
    ms per request), "rate" (bare requests/s / value, for per-second figures), or None
    (no ratio, e.g. a count or a ratio already)."""

    name: str
    value: float
    unit: str = "ms"
    compare: str | None = "wall"
    note: str = ""


@dataclass
class Context:
    """What run.py hands a benchmark: a fresh database and the run's scale."""

    database_url: str
    quick: bool = False
    tmp: str = ""
    redis_url: str = ""
    extra: dict = field(default_factory=dict)

    def scale(self, normal, quick):
        return quick if self.quick else normal

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Context:
        return cls(**json.loads(text))


def standalone(module_name: str) -> None:
    """`python bench/<module>.py`: run just this module through run.py."""
    run = str(ROOT / "bench" / "run.py")
    os.execv(sys.executable, [sys.executable, run, module_name])  # noqa: S606 - our own script


# --- a gunicorn server on the bench database ------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """A tiny cookie-keeping HTTP client (one new connection per request, like gunicorn sync)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None):
        from urllib.parse import urlencode

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        content = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response.status, response.getheader("Location"), content


class Server:
    """gunicorn as deployed (gunicorn.conf.py: 2 sync workers, preloaded and warmed master,
    DEBUG off, shared database cache) on a spare loopback port and `ctx`'s database."""

    def __init__(self, ctx: Context, *, warm_up: bool = True, workers: int = 2):
        self.port = free_port()
        self.tmp = tempfile.TemporaryDirectory(prefix="ozg-bench-")
        self.env = dict(
            os.environ,
            DATABASE_URL=ctx.database_url,
            DJANGO_SECRET_KEY=secrets.token_urlsafe(40),
            DJANGO_DEBUG="0",
            DJANGO_TESTING="0",
            FORMS_BENCH_VIEWS="1",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            FORMS_UPLOAD_ROOT=str(Path(self.tmp.name) / "uploads"),
            LOG_LEVEL="WARNING",
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            WEB_CONCURRENCY=str(workers),
            FORMS_WARM_UP="1" if warm_up else "0",
        )
        self.env.pop("REDIS_CACHE_URL", None)
        self.proc = None
        self.log_path = Path(self.tmp.name) / "gunicorn.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in __exit__
        self.started_in: float | None = None

    def __enter__(self):
        began = time.monotonic()
        self.proc = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "forms_engine.wsgi",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if Client(self.port).request("GET", "/healthz")[0] == 200:
                    self.started_in = time.monotonic() - began
                    return self
            except OSError:
                time.sleep(0.05)
        self.proc.kill()
        raise RuntimeError(f"gunicorn did not start:\n{self.log_path.read_text(errors='replace')}")

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the gunicorn workers so far (Linux /proc), else None."""
        ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        total = 0
        try:
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                fields = stat.rsplit(")", 1)[1].split()
                if int(fields[1]) == self.proc.pid:  # a worker: its parent is the master
                    total += int(fields[11]) + int(fields[12])
        except OSError:
            return None
        return total / ticks

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()
        errors = self.log_path.read_text(errors="replace").count("Internal Server Error")
        if errors:
            print(f"!! the server logged {errors} internal server errors")
        self.tmp.cleanup()


def timed_loop(fn, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples
