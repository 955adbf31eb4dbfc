"""A citizen step over HTTP against a bare Django view on the same server.

Starts gunicorn (2 sync workers, DEBUG off, like production) on a spare loopback port
with its own database (a temporary SQLite file, or DATABASE_URL if set), loads the shipped
library and demo data, then measures serially, one request at a time:
  - a step round trip: GET the first step of Hundesteuer + POST its valid answers (302 on);
  - the floor: a bare Django view (`/_bench/bare/`, routed only with FORMS_BENCH_VIEWS=1),
    two GETs per round trip so both sides make two requests.
Also a short closed-loop run with 10 concurrent citizens doing the same round trip, for
throughput. Prints medians, p90, and the ratios; then, to show where a step's time goes,
the step GET and POST on their own and a static page rendered from the site template
(`/seite/impressum/`: the page frame without session, database or form).

    .venv/bin/python bench/http_steps.py [round_trips]
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from common import ROOT, median_ms, p_ms

PROCESS = "hundesteuer-anmeldung"
SAMPLE = ROOT / "fixtures/answers/hundesteuer-anmeldung/valid-normaler-hund.json"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FIELDS_INPUT = re.compile(r'name="_fields" value="([^"]*)"')


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
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
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


def step_post_data() -> dict:
    """The first step's valid answers in the form's field naming (as the browser sends them)."""
    import django

    django.setup()
    from forms_engine.definitions import compile_definition
    from tests.citizen.flow import post_data

    doc = json.loads((ROOT / f"processes/{PROCESS}/1.0.0.json").read_text("utf-8"))
    definition = compile_definition(doc)
    step = definition.steps[0]
    answers = json.loads(SAMPLE.read_text("utf-8"))["answers"][step.id]
    return post_data(step.fields(), answers, [])


class Server:
    def __init__(self):
        self.port = free_port()
        self.tmp = tempfile.TemporaryDirectory(prefix="ozg-bench-")
        self.env = dict(
            os.environ,
            DJANGO_SECRET_KEY=secrets.token_urlsafe(40),
            DJANGO_DEBUG="0",
            DJANGO_TESTING="0",
            FORMS_BENCH_VIEWS="1",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            FORMS_UPLOAD_ROOT=str(Path(self.tmp.name) / "uploads"),
            LOG_LEVEL="WARNING",
        )
        self.env.setdefault("DATABASE_URL", f"sqlite:///{Path(self.tmp.name) / 'bench.sqlite3'}")
        self.proc = None
        self.log_path = Path(self.tmp.name) / "gunicorn.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in __exit__

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args, "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def __enter__(self):
        self.manage("migrate", "--noinput")
        self.manage("process_sync")
        self.manage("demo_setup")
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "forms_engine.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if Client(self.port).request("GET", "/healthz")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the gunicorn workers so far (Linux /proc), else None.

        Less sensitive to a busy machine than wall-clock time: what the server spent, not
        how long it waited for a core.
        """
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
        self.proc.wait(timeout=20)
        self.log.close()
        errors = self.log_path.read_text(errors="replace").count("Internal Server Error")
        if errors:
            print(f"!! the server logged {errors} internal server errors")
        self.tmp.cleanup()


def start_draft(port: int) -> tuple[Client, str]:
    client = Client(port)
    status, _, content = client.request("GET", f"/leistungen/{PROCESS}/")
    assert status == 200, status
    token = CSRF_INPUT.search(content)[1]
    status, location, _ = client.request(
        "POST", f"/leistungen/{PROCESS}/", {"csrfmiddlewaretoken": token}
    )
    assert status == 302 and "/antrag/" in location, (status, location)
    return client, location


def step_round_trip(client: Client, step_url: str, data: dict, split: list | None = None) -> None:
    """GET the step, POST its answers; `split` collects (GET seconds, POST seconds)."""
    start = time.perf_counter()
    status, _, content = client.request("GET", step_url)
    got = time.perf_counter()
    assert status == 200, status
    body = dict(data)
    body["csrfmiddlewaretoken"] = CSRF_INPUT.search(content)[1]
    body["_fields"] = FIELDS_INPUT.search(content)[1]
    body["_action"] = "next"
    posted = time.perf_counter()
    status, location, _ = client.request("POST", step_url, body)
    if split is not None:
        split.append((got - start, time.perf_counter() - posted))
    assert status == 302 and location != step_url, f"step POST answered {status}"


def bare_round_trip(client: Client) -> None:
    for _ in range(2):
        assert client.request("GET", "/_bench/bare/")[0] == 200


def timed_loop(fn, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def closed_loop(
    port: int, data: dict, users: int, seconds: float, bare: bool
) -> tuple[float, list]:
    """`users` threads each repeating a round trip for `seconds`; returns (round trips/s, latencies)."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def user():
        client, url = start_draft(port)
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                if bare:
                    bare_round_trip(client)
                else:
                    step_round_trip(client, url, data)
            except AssertionError as failure:
                with lock:
                    failures.append(str(failure))
                continue
            with lock:
                latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=user) for _ in range(users)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        print(f"!! {len(failures)} failed round trips, e.g. {failures[0]}")
    return len(latencies) / (time.monotonic() - began), latencies


def main(n: int = 200) -> dict:
    data = step_post_data()
    with Server() as server:
        client, step_url = start_draft(server.port)
        for _ in range(10):  # warm both workers
            step_round_trip(client, step_url, data)
            bare_round_trip(client)
        split: list[tuple[float, float]] = []
        cpu_start = server.cpu_seconds()
        step = timed_loop(lambda: step_round_trip(client, step_url, data, split), n)
        cpu_step = server.cpu_seconds()
        bare = timed_loop(lambda: bare_round_trip(client), n)
        cpu_bare = server.cpu_seconds()
        page = timed_loop(lambda: client.request("GET", "/seite/impressum/"), n)
        step_rps, step_lat = closed_loop(server.port, data, users=10, seconds=5, bare=False)
        bare_rps, bare_lat = closed_loop(server.port, data, users=10, seconds=5, bare=True)
    result = {
        "step_round_trip_ms": median_ms(step),
        "step_round_trip_p90_ms": p_ms(step, 0.9),
        "bare_round_trip_ms": median_ms(bare),
        "bare_round_trip_p90_ms": p_ms(bare, 0.9),
        "ratio": statistics.median(step) / statistics.median(bare),
        "step_round_trips_per_s_10_users": step_rps,
        "bare_round_trips_per_s_10_users": bare_rps,
        "step_p50_ms_10_users": median_ms(step_lat),
        "bare_p50_ms_10_users": median_ms(bare_lat),
        "database": server.env["DATABASE_URL"].split(":", 1)[0],
        "step_get_ms": median_ms([g for g, _ in split]),
        "step_post_ms": median_ms([p for _, p in split]),
        "bare_get_ms": median_ms(bare) / 2,
        "template_page_ms": median_ms(page),
        "step_server_cpu_ms": None,
        "bare_server_cpu_ms": None,
    }
    if None not in (cpu_start, cpu_step, cpu_bare):
        result["step_server_cpu_ms"] = (cpu_step - cpu_start) / n * 1000
        result["bare_server_cpu_ms"] = (cpu_bare - cpu_step) / n * 1000
    print(
        f"== Citizen step over HTTP (gunicorn, 2 sync workers, {result['database']}), {n} serial round trips"
    )
    print(
        f"step GET+POST   median {result['step_round_trip_ms']:7.2f} ms   p90 {result['step_round_trip_p90_ms']:7.2f} ms"
    )
    print(
        f"bare GET+GET    median {result['bare_round_trip_ms']:7.2f} ms   p90 {result['bare_round_trip_p90_ms']:7.2f} ms"
    )
    print(f"ratio step / bare floor: {result['ratio']:.2f}x")
    print(
        f"10 concurrent citizens, 5 s: {step_rps:.0f} step round trips/s "
        f"(p50 {result['step_p50_ms_10_users']:.1f} ms) vs bare {bare_rps:.0f}/s "
        f"(p50 {result['bare_p50_ms_10_users']:.1f} ms), ratio {bare_rps / step_rps:.2f}x"
    )
    print(
        f"where it goes: step GET {result['step_get_ms']:.2f} ms, step POST "
        f"{result['step_post_ms']:.2f} ms; bare GET {result['bare_get_ms']:.2f} ms, "
        f"static page from the site template {result['template_page_ms']:.2f} ms"
    )
    if result["step_server_cpu_ms"] is not None:
        print(
            f"server CPU per round trip: step {result['step_server_cpu_ms']:.2f} ms, "
            f"bare {result['bare_server_cpu_ms']:.2f} ms, ratio "
            f"{result['step_server_cpu_ms'] / max(result['bare_server_cpu_ms'], 1e-9):.2f}x"
        )
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
