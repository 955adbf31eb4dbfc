"""A citizen step over HTTP: GET the first step of Hundesteuer and POST its valid answers.

gunicorn as deployed (gunicorn.conf.py: 2 sync workers, preloaded and warmed master, DEBUG
off) on the run's PostgreSQL database with the shipped library and demo data; serially, one
request at a time on a new connection each, like a browser without JavaScript (CSRF token
and `_fields` taken from the page): the step GET, the step POST (302 on) and the round
trip; server CPU per request (/proc); a static page from the site template
(`/seite/impressum/`); and 10 concurrent citizens in a closed loop for requests per second.
run.py relates each to the bare view measured in the same run.
"""

from __future__ import annotations

import json
import re
import threading
import time

from common import (
    ROOT,
    Client,
    Context,
    Figure,
    Server,
    median_ms,
    p_ms,
    standalone,
    timed_loop,
)

PROCESS = "hundesteuer-anmeldung"
SAMPLE = ROOT / "fixtures/answers/hundesteuer-anmeldung/valid-normaler-hund.json"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FIELDS_INPUT = re.compile(r'name="_fields" value="([^"]*)"')


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


def start_draft(port: int) -> tuple[Client, str]:
    client = Client(port)
    status, _, content = client.request("GET", f"/leistungen/{PROCESS}/")
    assert status == 200, status
    token = CSRF_INPUT.search(content)[1]
    status, location, _ = client.request(
        "POST",
        f"/leistungen/{PROCESS}/",
        # two demo municipalities offer the dog tax: the citizen chooses Musterstadt
        {"csrfmiddlewaretoken": token, "municipality": "musterstadt"},
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


def closed_loop(port: int, data: dict, users: int, seconds: float) -> tuple[float, list]:
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


def main(ctx: Context) -> list[Figure]:
    n = ctx.scale(200, 60)
    data = step_post_data()
    with Server(ctx) as server:
        client, step_url = start_draft(server.port)
        for _ in range(10):  # warm both workers
            step_round_trip(client, step_url, data)
        split: list[tuple[float, float]] = []
        cpu_start = server.cpu_seconds()
        step = timed_loop(lambda: step_round_trip(client, step_url, data, split), n)
        cpu_step = server.cpu_seconds()
        page = timed_loop(lambda: client.request("GET", "/seite/impressum/"), n)
        rate, _lat = closed_loop(server.port, data, users=10, seconds=ctx.scale(5, 2))
    figures = [
        Figure("step GET, serial, median", median_ms([g for g, _ in split])),
        Figure("step POST (302 on), serial, median", median_ms([p for _, p in split])),
        Figure("step round trip GET + POST, median", median_ms(step)),
        Figure("step round trip GET + POST, p90", p_ms(step, 0.9)),
        Figure("static page from the site template, median", median_ms(page)),
    ]
    if cpu_start is not None and cpu_step is not None:
        figures.append(
            Figure(
                "step request (GET or POST), server CPU",
                (cpu_step - cpu_start) / (2 * n) * 1000,
                "ms CPU",
                "cpu",
            )
        )
    figures.append(Figure("step requests, 10 concurrent citizens", 2 * rate, "req/s", "rate"))
    return figures


if __name__ == "__main__":
    standalone("http_steps")
