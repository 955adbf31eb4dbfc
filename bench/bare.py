"""The floor every other figure is compared with: a bare Django view over HTTP.

The same gunicorn as the engine (gunicorn.conf.py: 2 sync workers, preloaded), DEBUG off,
on the run's PostgreSQL database; `/_bench/bare/` returns a small HTML page without
session, database or template (routed only with FORMS_BENCH_VIEWS=1). Serial requests on a
new connection each (median, p90, server CPU per request from /proc), then 10 concurrent
clients in a closed loop for requests per second.
"""

from __future__ import annotations

import threading
import time

from common import (
    BARE_CPU,
    BARE_RATE,
    BARE_WALL,
    Client,
    Context,
    Figure,
    Server,
    median_ms,
    p_ms,
    standalone,
    timed_loop,
)

PATH = "/_bench/bare/"


def closed_loop(port: int, path: str, users: int, seconds: float) -> float:
    """Requests per second of `users` threads each GETting `path` for `seconds`."""
    done = [0] * users
    stop = time.monotonic() + seconds

    def user(i):
        client = Client(port)
        while time.monotonic() < stop:
            assert client.request("GET", path)[0] == 200
            done[i] += 1

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.monotonic() - began)


def main(ctx: Context) -> list[Figure]:
    n = ctx.scale(500, 100)
    with Server(ctx) as server:
        client = Client(server.port)
        for _ in range(30):
            assert client.request("GET", PATH)[0] == 200
        cpu_start = server.cpu_seconds()
        samples = timed_loop(lambda: client.request("GET", PATH), n)
        cpu_end = server.cpu_seconds()
        rate = closed_loop(server.port, PATH, users=10, seconds=ctx.scale(5, 2))
    figures = [
        Figure(BARE_WALL, median_ms(samples)),
        Figure("bare view GET, serial, p90", p_ms(samples, 0.9)),
    ]
    if cpu_start is not None and cpu_end is not None:
        figures.append(Figure(BARE_CPU, (cpu_end - cpu_start) / n * 1000, "ms CPU", "cpu"))
    figures.append(Figure(BARE_RATE, rate, "req/s", "rate"))
    return figures


if __name__ == "__main__":
    standalone("bare")
