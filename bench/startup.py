"""Start-up: time to the first 200 and the first request each fresh worker serves.

gunicorn (gunicorn.conf.py, 2 sync workers, preloaded master) is started with the warm-up in
the master off (FORMS_WARM_UP=0) and on, alternately; right after it answers /healthz two
concurrent GETs of a citizen page that needs a compiled definition and templates
(`/leistungen/hundesteuer-anmeldung/`) reach the two fresh workers (a sync worker takes one
request at a time). Reported: the slower of the two, median over the rounds.
"""

from __future__ import annotations

import statistics
import threading
import time

from common import Client, Context, Figure, Server, standalone

PAGE = "/leistungen/hundesteuer-anmeldung/"


def first_requests(ctx: Context, warm_up: bool) -> tuple[float, float]:
    """(seconds to the first /healthz 200, slowest first page request of the 2 workers)."""
    with Server(ctx, warm_up=warm_up) as server:
        took = [0.0, 0.0]

        def get(i):
            start = time.perf_counter()
            status = Client(server.port).request("GET", PAGE)[0]
            assert status == 200, status
            took[i] = time.perf_counter() - start

        threads = [threading.Thread(target=get, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return server.started_in, max(took)


def main(ctx: Context) -> list[Figure]:
    rounds = ctx.scale(2, 1)
    results: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for _ in range(rounds):
        for warm in (False, True):
            results[warm].append(first_requests(ctx, warm))
    figures = []
    for warm, label in ((False, "without warm-up"), (True, "with warm-up in the master")):
        starts = [s for s, _ in results[warm]]
        firsts = [f for _, f in results[warm]]
        figures.append(
            Figure(f"start to first 200 (/healthz), {label}", statistics.median(starts) * 1000)
        )
        figures.append(
            Figure(
                f"first citizen page per fresh worker, {label}",
                statistics.median(firsts) * 1000,
                note=f"slowest of 2 workers, median of {rounds} starts",
            )
        )
    return figures


if __name__ == "__main__":
    standalone("startup")
