"""The clerk inbox at 100,000 cases of one authority, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/inbox.py

Creates its own database `bench_inbox` on the server DATABASE_URL points to (dropped
afterwards, also on failure), migrates it, loads the shipped library and demo data, inserts
100,000 routed Hundesteuer cases for Musterstadt's Steueramt (plus 5,000 for the
Ordnungsamt, which the Steueramt clerk must never see), and prints the median of:
the inbox first page over HTTP (selector + template render, test client), the same page's
queries alone, a filtered page (status + process), a search by reference, a search by
applicant name (substring), a deep page, and the case page selector.
Options: --cases N (default 100000), --repeat N (default 25), --keep (do not drop).
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, median_ms, p_ms, timed  # noqa: E402

BENCH_DB = "bench_inbox"
FIRST_NAMES = [
    "Anna",
    "Bernd",
    "Clara",
    "Dieter",
    "Elif",
    "Frank",
    "Gisela",
    "Hans",
    "Ines",
    "Jürgen",
    "Katrin",
    "Lukas",
    "Maria",
    "Niklas",
    "Olga",
    "Paul",
    "Quirin",
    "Renate",
    "Sven",
    "Tanja",
    "Ute",
    "Volker",
    "Wiebke",
    "Xaver",
    "Yusuf",
    "Zoe",
    "Mehmet",
    "Ayşe",
    "Jan",
    "Lea",
    "Finn",
    "Mia",
    "Ben",
    "Emma",
    "Jonas",
    "Hannah",
    "Leon",
    "Sophie",
    "Noah",
    "Lina",
]
LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Schmitz",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Yılmaz",
    "Kaya",
    "Demir",
    "Nowak",
    "Kowalski",
    "Popescu",
    "Rossi",
    "Özdemir",
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    return parser.parse_args()


def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    scheme = urlparse(url).scheme
    if not url or scheme.startswith("sqlite") or not scheme.startswith("postgres"):
        sys.exit(
            "bench/inbox.py misst PostgreSQL, nicht SQLite: DATABASE_URL auf einen "
            "PostgreSQL-Server setzen. / This benchmark needs PostgreSQL: set DATABASE_URL "
            "(e.g. postgres://postgres@127.0.0.1:5432/postgres)."
        )
    return url


def with_db(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/" + name))


def admin_execute(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(with_db(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = with_db(url, BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forms_engine.settings")
    os.environ.setdefault("DJANGO_TESTING", "1")
    # Measures the inbox itself: the clerk is signed in with force_login, no TOTP code step.
    os.environ.setdefault("FORMS_STAFF_2FA_REQUIRED", "0")
    import django

    django.setup()


def load(n_cases: int) -> dict:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from forms_engine.cases.models import Case
    from forms_engine.catalog.models import Authority, ProcessVersion
    from forms_engine.catalog.services import demo_setup, process_sync

    call_command("migrate", verbosity=0)
    process_sync(directory=settings.FORMS_PROCESS_LIBRARY)
    demo_setup(path=ROOT / "fixtures" / "demo.json")
    import json

    answers = json.loads(
        (ROOT / "fixtures/answers/hundesteuer-anmeldung/valid-normaler-hund.json").read_text()
    )["answers"]
    park_answers = json.loads(
        (
            ROOT / "fixtures/answers/anwohnerparkausweis/valid-ein-fahrzeug-12-monate.json"
        ).read_text()
    )["answers"]
    hund = ProcessVersion.objects.get(process__identifier="hundesteuer-anmeldung", version="1.1.0")
    park = ProcessVersion.objects.get(process__identifier="anwohnerparkausweis")
    steuer = Authority.objects.get(slug="steueramt")
    ordnung = Authority.objects.get(slug="ordnungsamt")
    rng = random.Random(42)
    now = timezone.now()
    span = datetime.timedelta(days=730)
    statuses = (
        [Case.Status.RECEIVED] * 2
        + [Case.Status.IN_PROGRESS] * 2
        + [Case.Status.QUERY]
        + [Case.Status.APPROVED] * 4
        + [Case.Status.REJECTED]
    )

    def rows(version, authority, prefix, answers, count, start_key):
        moments = sorted(now - span * rng.random() for _ in range(count))
        counters: dict[int, int] = {}
        for i, moment in enumerate(moments):
            year = timezone.localtime(moment).year
            counters[year] = counters.get(year, 0) + 1
            status = rng.choice(statuses)
            yield Case(
                reference=f"{prefix}-{year}-{counters[year]:06d}",
                process_version=version,
                definition_sha256=version.sha256,
                municipality=authority.municipality,
                authority=authority,
                answers=answers,
                declarations=["wahrheit", "datenschutz"],
                status=status,
                submission_key=f"bench-{start_key + i}",
                submitted_at=moment,
                routed_at=moment,
                closed_at=moment if status in ("approved", "rejected") else None,
                applicant_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                applicant_email="antrag@example.org",
            )

    started = time.perf_counter()
    batch: list = []
    for source in (
        rows(hund, steuer, "HST", answers, n_cases, 0),
        rows(park, ordnung, "APA", park_answers, 5_000, n_cases),
    ):
        for case in source:
            batch.append(case)
            if len(batch) >= 5000:
                Case.objects.bulk_create(batch)
                batch = []
    if batch:
        Case.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    print(f"{n_cases:,} + 5,000 cases inserted in {time.perf_counter() - started:.1f} s")
    return {"hund": hund, "steuer": steuer}


def explain(qs) -> str:
    plan = qs.explain()
    used = [
        line.strip()
        for line in plan.splitlines()
        if "Index" in line and ("Scan" in line or "Cond" not in line)
    ]
    return "; ".join(used[:2]) or "sequential scan"


def measure(repeat: int, loaded: dict) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from forms_engine.cases import selectors
    from forms_engine.cases.models import Case

    clerk = get_user_model().objects.get(username="steuer")
    client = Client(HTTP_HOST="localhost")
    client.force_login(clerk)
    sample = Case.objects.filter(authority=loaded["steuer"]).order_by("?").first()
    # A name part that is neither first nor last name alone: a real substring search.
    name_part = sample.applicant_name.split()[-1][1:5].lower()

    def page(**filters):
        return lambda: selectors.inbox_page(selectors.inbox_cases(clerk, **filters))

    def http(query=""):
        def get():
            response = client.get("/sachbearbeitung/" + query)
            assert response.status_code == 200, response.status_code
            return response

        return get

    checks = [
        ("inbox first page, HTTP (selector + render)", http()),
        ("inbox first page, selector only", page()),
        (
            "filtered page (status + process), HTTP",
            http("?status=in_progress&process=hundesteuer-anmeldung"),
        ),
        ("search by reference (exact), HTTP", http(f"?q={sample.reference}")),
        ("search by reference (prefix, lower case)", page(q=sample.reference[:11].lower())),
        (f"search by applicant name substring '{name_part}', HTTP", http(f"?q={name_part}")),
        ("deep page (page 200, offset 4,975), selector", lambda: _deep(clerk, selectors)),
        ("case page selector (access + detail)", lambda: _detail(clerk, sample, selectors)),
        ("case page, HTTP (incl. audit write)", http_case(client, sample)),
    ]
    print(f"\nmedian / p90 of {repeat} runs (ms):")
    for label, fn in checks:
        samples = timed(fn, repeat)
        print(f"  {label:<58} {median_ms(samples):8.1f} {p_ms(samples, 0.9):8.1f}")

    print("\nplans:")
    print("  first page:  ", explain(selectors.inbox_cases(clerk)[:26]))
    print("  name search: ", explain(selectors.inbox_cases(clerk, q=name_part)[:26]))
    print("  reference:   ", explain(selectors.inbox_cases(clerk, q=sample.reference)[:26]))
    first = selectors.inbox_page(selectors.inbox_cases(clerk))
    print(f"  first page count shown: {first.count}{'+' if first.count_capped else ''}")


def _deep(clerk, selectors):
    return selectors.inbox_page(selectors.inbox_cases(clerk), number=200)


def _detail(clerk, case, selectors):
    found = selectors.access_case_for_clerk(clerk, case.pk)
    return selectors.case_detail(found)


def http_case(client, case):
    def get():
        response = client.get(f"/sachbearbeitung/faelle/{case.pk}/")
        assert response.status_code == 200, response.status_code
        return response

    return get


def main() -> None:
    args = parse_args()
    url = server_url()
    admin_execute(url, f"DROP DATABASE IF EXISTS {BENCH_DB}")
    admin_execute(url, f"CREATE DATABASE {BENCH_DB}")
    try:
        setup_django(url)
        loaded = load(args.cases)
        measure(args.repeat, loaded)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin_execute(url, f"DROP DATABASE IF EXISTS {BENCH_DB}")


if __name__ == "__main__":
    main()
