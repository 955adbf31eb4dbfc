"""The clerk inbox at 100,000 cases of one authority, on PostgreSQL.

Run by bench/run.py (`make bench`) on the run's database (migrated, shipped library and
demo data); inserts 100,000 routed Hundesteuer cases for Musterstadt's Steueramt (plus
5,000 for the Ordnungsamt, which the Steueramt clerk must never see) in one SQL statement
each (copies of one submitted case with generated references, names and dates; seeded),
and measures the median of:
the inbox first page over HTTP (selector + template render, test client), the same page's
queries alone, a filtered page (status + process), a search by reference, a search by
applicant name (substring, a common and a rare one), a deep page, and the case page
selector; and prints the plans of the searches.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, Context, Figure, median_ms, p_ms, standalone, timed  # noqa: E402

# Measures the inbox itself: the clerk is signed in with force_login, without the TOTP step.
os.environ.setdefault("FORMS_STAFF_2FA_REQUIRED", "0")

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


def _pg_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def load(n_cases: int) -> dict:
    """Insert the cases with INSERT … SELECT generate_series (seconds, not minutes)."""
    import json

    from django.db import connection

    from forms_engine.cases.models import Case
    from forms_engine.catalog.models import Activation, Authority

    # The versions Musterstadt offers, with its parameter values (fixtures/demo.json).
    hund, park = (
        Activation.objects.select_related("version").get(
            process__identifier=process_id, municipality__slug="musterstadt"
        )
        for process_id in ("hundesteuer-anmeldung", "anwohnerparkausweis")
    )
    steuer = Authority.objects.get(slug="steueramt")
    ordnung = Authority.objects.get(slug="ordnungsamt")
    statuses = [
        Case.Status.RECEIVED,
        Case.Status.RECEIVED,
        Case.Status.IN_PROGRESS,
        Case.Status.IN_PROGRESS,
        Case.Status.QUERY,
        Case.Status.APPROVED,
        Case.Status.APPROVED,
        Case.Status.APPROVED,
        Case.Status.APPROVED,
        Case.Status.REJECTED,
    ]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'cases_case'"
        )
        columns = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT setseed(0.42)")
        for activation, authority, prefix, sample, count in (
            (hund, steuer, "HST", "hundesteuer-anmeldung/valid-normaler-hund", n_cases),
            (park, ordnung, "APA", "anwohnerparkausweis/valid-ein-fahrzeug-12-monate", 5_000),
        ):
            answers = json.loads((ROOT / f"fixtures/answers/{sample}.json").read_text())
            version = activation.version
            template = Case.objects.create(
                reference=f"{prefix}-TEMPLATE",
                process_version=version,
                definition_sha256=version.sha256,
                parameter_values=activation.parameter_values,
                municipality=authority.municipality,
                authority=authority,
                answers=answers["answers"],
                declarations=answers["declarations"],
                status=Case.Status.RECEIVED,
                submission_key=f"bench-template-{prefix}",
                submitted_at=datetime.datetime.now(datetime.UTC),
                applicant_email="antrag@example.org",
            )
            generated = {
                "id": "gen_random_uuid()",
                "reference": f"'{prefix}-' || to_char(s.at, 'YYYY') || '-' || lpad(g::text, 6, '0')",
                "submission_key": f"'bench-{prefix}-' || g",
                "applicant_name": (
                    f"({_pg_array(FIRST_NAMES)})[1 + floor(random() * {len(FIRST_NAMES)})::int]"
                    f" || ' ' || ({_pg_array(LAST_NAMES)})[1 + floor(random() * "
                    f"{len(LAST_NAMES)})::int]"
                ),
                "status": "s.status",
                "submitted_at": "s.at",
                "routed_at": "s.at",
                "closed_at": "CASE WHEN s.status IN ('approved', 'rejected') THEN s.at END",
            }
            select = ", ".join(generated.get(c, f"t.{c}") for c in columns)
            cursor.execute(
                f"INSERT INTO cases_case ({', '.join(columns)}) SELECT {select} "  # noqa: S608 - our own identifiers
                "FROM cases_case t, generate_series(1, %s) g, LATERAL (SELECT "
                "now() - random() * interval '730 days' + g * interval '0 s' AS at, "
                f"({_pg_array(statuses)})[1 + floor(random() * {len(statuses)})::int] "
                "AS status) s WHERE t.id = %s",
                [count, template.pk],
            )
            Case.objects.filter(pk=template.pk).delete()
        cursor.execute("ANALYZE cases_case")
    seconds = time.perf_counter() - started
    print(f"{n_cases:,} + 5,000 cases inserted in {seconds:.1f} s")
    return {"hund": hund, "steuer": steuer}


def explain(qs) -> str:
    plan = qs.explain()
    used = [
        line.strip()
        for line in plan.splitlines()
        if "Index" in line and ("Scan" in line or "Cond" not in line)
    ]
    return "; ".join(used[:2]) or "sequential scan"


def measure(repeat: int, loaded: dict) -> list:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from forms_engine.cases import selectors
    from forms_engine.cases.models import Case

    clerk = get_user_model().objects.get(username="steuer")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(clerk)
    # A fixed case (the data are seeded): the same searches in every run.
    sample = Case.objects.filter(authority=loaded["steuer"]).order_by("submission_key")[4321]
    # A name part that is neither first nor last name alone: a real substring search.
    name_part = sample.applicant_name.split()[-1][1:5].lower()
    rare = sample.applicant_name[:-2]  # first name and most of the last: a few dozen cases

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
        (f"search by a rare name '{rare}', HTTP", http(f"?q={quote(rare)}")),
        ("deep page (page 200, offset 4,975), selector", lambda: _deep(clerk, selectors)),
        ("case page selector (access + detail)", lambda: _detail(clerk, sample, selectors)),
        ("case page, HTTP (incl. audit write)", http_case(client, sample)),
    ]
    figures = []
    for label, fn in checks:
        samples = timed(fn, repeat)
        figures.append(Figure(label, median_ms(samples), note=f"p90 {p_ms(samples, 0.9):.1f} ms"))

    print("\nplans:")
    print("  first page:  ", explain(selectors.inbox_cases(clerk)[:26]))
    print("  name search: ", explain(selectors.inbox_cases(clerk, q=name_part)[:26]))
    print("  rare name:   ", explain(selectors.inbox_cases(clerk, q=rare)[:26]))
    print("  reference:   ", explain(selectors.inbox_cases(clerk, q=sample.reference)[:26]))
    prefix = sample.reference[:11].lower()
    print(f"  prefix {prefix}:", explain(selectors.inbox_cases(clerk, q=prefix)[:26]))
    counted = selectors.inbox_cases(clerk, q=prefix).order_by().values("pk")[:1001]
    print("  prefix count:", explain(counted))
    first = selectors.inbox_page(selectors.inbox_cases(clerk))
    print(f"  first page count shown: {first.count}{'+' if first.count_capped else ''}")
    return figures


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


def main(ctx: Context) -> list[Figure]:
    import django

    django.setup()
    loaded = load(ctx.scale(100_000, 20_000))
    return measure(ctx.scale(15, 5), loaded)


if __name__ == "__main__":
    standalone("inbox")
