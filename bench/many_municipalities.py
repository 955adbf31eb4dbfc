"""Catalog and step round trip with 500 municipalities and 5,000 activations (issue 8).

One installation serves many municipalities ("Einer für Alle"): the same shared process
versions, offered by each municipality with its own authority, pinned version and
parameter values. This module measures the citizen's pages first with ONE municipality,
then again after 499 more municipalities with 2 authorities and 10 activations each have
been bulk-inserted (500 municipalities, 5,000 activations), and prints the ratio many ÷ one
next to the usual ratio to the bare view.

Setup (on the run's database: shipped library and demo data, i.e. Musterstadt offering
the five shipped processes): a second publisher `bench-efa` publishes a copy of each
shipped process under the id `<id>-efa` with a declared text parameter `bench_ort`
(in the summary) — ten processes. Musterstadt offers all ten; the demo data's other
municipalities stop offering for the run (their activations inactive), so exactly one
municipality offers anything. Phase "one" measures; then municipalities are inserted
(`bulk_create`) until 500 offer, each the same ten (the
shared processes pinned to their current version, every other municipality's Hundesteuer
pinned to the older 1.0.0; each efa activation with its own `bench_ort` value), and phase
"many" measures the same pages again. Each phase has its own fresh gunicorn as deployed
(bench/common.py `Server`: 2 sync workers, preloaded and warmed master, DEBUG off).

Pages (serial, one request at a time on a new connection, medians):
- the shared catalog `/`;
- a municipality's catalog `/musterstadt/` (where the route exists; a tree without the
  municipality pages of issue 8 says "not measured");
- the start page of the shared Hundesteuer copy (`/leistungen/hundesteuer-anmeldung-efa/`),
  offered by every municipality in phase "many";
- starting a draft there (GET and POST of the start page, Musterstadt chosen);
- a step round trip: GET of the first step of a Musterstadt draft of the efa copy (with its
  parameter value bound) and POST of its valid answers (302 on).
Also the SQL statements each page runs (Django test client in this process), for one and
for many: a count that grows with the municipalities is an N+1.
"""

from __future__ import annotations

import copy
import json
import re
import time

from common import (
    ROOT,
    Client,
    Context,
    Figure,
    Server,
    latest_definitions,
    median_ms,
    p_ms,
    standalone,
    timed_loop,
)

MUNICIPALITIES = 500
PER_MUNICIPALITY = 10
HOME = "musterstadt"
PUBLISHER = ("bench-efa", "EfA-Bibliothek (Benchmark)")
SHARED = "hundesteuer-anmeldung-efa"
SAMPLE = ROOT / "fixtures/answers/hundesteuer-anmeldung/valid-normaler-hund.json"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FIELDS_INPUT = re.compile(r'name="_fields" value="([^"]*)"')


# --- setup ----------------------------------------------------------------------------------


def _filler(declaration: dict):
    """A valid value for a required parameter the copied definition may already declare."""
    kind = declaration.get("type")
    if kind == "money":
        return declaration.get("minimum") or "1.00"
    if kind == "date":
        return declaration.get("minimum") or "2027-01-01"
    if kind == "email":
        return "amt@bench.example"
    if kind == "url":
        return "https://bench.example/"
    if kind == "choices":
        return [{"value": "a", "label": {"de": "A", "en": "A"}}]
    return "Bench"


def efa_copies() -> dict[str, dict]:
    """`<id>-efa` copies of the shipped processes, each declaring `bench_ort` (a text in
    the summary, so the bound definition differs per municipality)."""
    out = {}
    for identifier, doc in latest_definitions().items():
        doc = copy.deepcopy(doc)
        doc["id"] = f"{identifier}-efa"
        parameters = doc.setdefault("parameters", {})
        parameters["bench_ort"] = {
            "type": "text",
            "label": {"de": "Name der Kommune", "en": "Name of the municipality"},
            "max_length": 200,
            "default": "Musterort",
        }
        summary = doc.get("summary") or {"de": doc["id"]}
        if isinstance(summary, str):
            summary = {"de": summary}
        doc["summary"] = {k: f"{v} ({{{{param:bench_ort}}}})" for k, v in summary.items()}
        out[doc["id"]] = doc
    return out


def values_for(version, ort: str) -> dict:
    """Parameter values of an activation of `version`: `bench_ort` and any required one."""
    from forms_engine.catalog.selectors import version_definition
    from forms_engine.definitions import parameter_values_check

    definition = version_definition(version)
    values = {
        name: _filler(declaration)
        for name, declaration in definition.parameters.items()
        if "default" not in declaration
    }
    if "bench_ort" in definition.parameters:
        values["bench_ort"] = ort
    problems = parameter_values_check(definition, values)
    assert not problems, problems
    return values


def publish_efa() -> None:
    """The second publisher's copies, published through the services; Musterstadt offers
    them (through `full_clean`, as an administrator would)."""
    from forms_engine.catalog.models import Activation, Authority, Municipality, Publisher
    from forms_engine.catalog.selectors import current_version
    from forms_engine.catalog.services import process_version_create_draft, process_version_publish

    publisher, _ = Publisher.objects.get_or_create(
        slug=PUBLISHER[0], defaults={"name": PUBLISHER[1]}
    )
    home = Municipality.objects.get(slug=HOME)
    authority = Authority.objects.filter(municipality=home).order_by("pk").first()
    for doc in efa_copies().values():
        version = process_version_publish(
            version=process_version_create_draft(doc=doc, publisher=publisher)
        )
        activation = Activation(
            process=version.process,
            version=current_version(version.process),
            municipality=home,
            authority=authority,
            parameter_values=values_for(version, home.name),
        )
        activation.full_clean()
        activation.save()


def populate(total: int) -> tuple[int, int, float]:
    """Bulk-insert municipalities (2 authorities each) up to `total`, each offering every
    process Musterstadt offers; returns (municipalities, activations, seconds)."""
    from django.db import connection, transaction

    from forms_engine.catalog.models import (
        Activation,
        Authority,
        Municipality,
        ProcessVersion,
    )
    from forms_engine.catalog.selectors import current_version, semver_key

    started = time.perf_counter()
    home_offers = list(
        Activation.objects.filter(municipality__slug=HOME).select_related("process", "version")
    )
    assert len(home_offers) == PER_MUNICIPALITY, len(home_offers)
    # The older published version of a process (if any): every other municipality stays on it.
    older = {}
    for activation in home_offers:
        published = list(
            ProcessVersion.objects.filter(
                process=activation.process, status=ProcessVersion.Status.PUBLISHED
            ).defer("definition")
        )
        published.sort(key=lambda v: semver_key(v.version))
        older[activation.process_id] = published[0]
    current = {a.process_id: current_version(a.process) for a in home_offers}
    with transaction.atomic():
        have = Municipality.objects.filter(activations__is_active=True).distinct().count()
        new = [
            Municipality(
                name=f"Bench-Gemeinde {i:03d}",
                ars=f"0888{i:08d}",
                slug=f"bench-gemeinde-{i:03d}",
                kind=Municipality.Kind.MUNICIPALITY,
                postcodes=f"{10000 + i:05d}",
            )
            for i in range(1, total - have + 1)
        ]
        Municipality.objects.bulk_create(new, batch_size=500)
        new = list(Municipality.objects.filter(slug__startswith="bench-gemeinde-").order_by("pk"))
        authorities = Authority.objects.bulk_create(
            [
                Authority(municipality=m, name=name, slug=slug, email=f"{slug}@{m.slug}.example")
                for m in new
                for slug, name in (("steueramt", "Steueramt"), ("ordnungsamt", "Ordnungsamt"))
            ],
            batch_size=1000,
        )
        by_muni = {}
        for authority in authorities:
            by_muni.setdefault(authority.municipality_id, []).append(authority)
        values_cache: dict = {}
        rows = []
        for n, muni in enumerate(new):
            for offer in home_offers:
                version = older[offer.process_id] if n % 2 else current[offer.process_id]
                key = (version.pk, muni.name)
                if key not in values_cache:
                    values_cache[key] = values_for(version, muni.name)
                rows.append(
                    Activation(
                        process_id=offer.process_id,
                        version=version,
                        municipality=muni,
                        authority=by_muni[muni.pk][
                            0 if "hundesteuer" in offer.process.identifier else 1
                        ],
                        parameter_values=values_cache[key],
                        transport="inbox",
                    )
                )
        Activation.objects.bulk_create(rows, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_municipality, catalog_authority, catalog_activation")
    return (
        Municipality.objects.filter(activations__is_active=True).distinct().count(),
        Activation.objects.filter(is_active=True).count(),
        time.perf_counter() - started,
    )


# --- measuring ------------------------------------------------------------------------------


def step_post_data() -> dict:
    from forms_engine.definitions import compile_definition
    from tests.citizen.flow import post_data

    definition = compile_definition(efa_copies()[SHARED])
    step = definition.steps[0]
    answers = json.loads(SAMPLE.read_text("utf-8"))["answers"][step.id]
    return post_data(step.fields(), answers, [])


def start_draft(port: int, process: str) -> tuple[Client, str]:
    client = Client(port)
    status, _, content = client.request("GET", f"/leistungen/{process}/")
    assert status == 200, status
    token = CSRF_INPUT.search(content)[1]
    status, location, _ = client.request(
        "POST",
        f"/leistungen/{process}/",
        {"csrfmiddlewaretoken": token, "municipality": HOME},
    )
    assert status == 302 and "/antrag/" in location, (status, location)
    return client, location


def round_trip(client: Client, url: str, data: dict) -> None:
    status, _, content = client.request("GET", url)
    assert status == 200, status
    body = dict(data)
    body["csrfmiddlewaretoken"] = CSRF_INPUT.search(content)[1]
    body["_fields"] = FIELDS_INPUT.search(content)[1]
    body["_action"] = "next"
    status, location, _ = client.request("POST", url, body)
    assert status == 302 and location != url, f"step POST answered {status}"


def get_ok(client: Client, path: str):
    def get():
        status, _, _content = client.request("GET", path)
        assert status == 200, (path, status)

    return get


def pages(port: int) -> dict[str, str]:
    """The pages to measure; the municipality catalog only where the route exists."""
    out = {
        "shared catalog /": "/",
        f"start page, offered everywhere (/leistungen/{SHARED}/)": f"/leistungen/{SHARED}/",
    }
    # The municipality's own catalog (issue 8's municipality pages); a tree without that
    # route answers 404 and the run says "not measured".
    status = Client(port).request("GET", f"/{HOME}/")[0]
    if status == 200:
        out[f"municipality catalog /{HOME}/"] = f"/{HOME}/"
    else:
        print(f"   municipality catalog /{HOME}/ answers {status}: not measured")
    return out


def query_counts(data: dict) -> dict[str, int]:
    """SQL statements per page (Django test client in this process)."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    client = DjangoClient(HTTP_HOST="127.0.0.1")
    counts = {}
    for label, path in (
        ("shared catalog /", "/"),
        ("start page (efa copy)", f"/leistungen/{SHARED}/"),
        (f"municipality catalog /{HOME}/", f"/{HOME}/"),
    ):
        client.get(path)  # the first request of the process compiles and caches
        with CaptureQueriesContext(connection) as queries:
            status = client.get(path).status_code
        if status == 200:
            counts[label] = len(queries)
    response = client.post(f"/leistungen/{SHARED}/", {"municipality": HOME})
    assert response.status_code == 302, response.status_code
    url = response["Location"]
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    counts["step GET"] = len(queries)
    body = {**data, "_action": "next"}
    body["_fields"] = FIELDS_INPUT.search(client.get(url).content.decode())[1]
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, body)
    assert response.status_code == 302, response.status_code
    counts["step POST"] = len(queries)
    return counts


def measure(ctx: Context, phase: str, data: dict) -> tuple[dict[str, float], dict[str, int]]:
    n = ctx.scale(100, 20)
    figures: dict[str, float] = {}
    with Server(ctx) as server:
        client = Client(server.port)
        for label, path in pages(server.port).items():
            get = get_ok(client, path)
            for _ in range(5):
                get()
            cpu = server.cpu_seconds()
            samples = timed_loop(get, n)
            figures[f"{label}, median"] = median_ms(samples)
            figures[f"{label}, p90"] = p_ms(samples, 0.9)
            if cpu is not None:
                figures[f"{label}, server CPU"] = (server.cpu_seconds() - cpu) / n * 1000
        start = timed_loop(lambda: start_draft(server.port, SHARED), ctx.scale(30, 10))
        figures["start a draft (GET + POST start page)"] = median_ms(start)
        walker, url = start_draft(server.port, SHARED)
        for _ in range(5):
            round_trip(walker, url, data)
        cpu = server.cpu_seconds()
        step = timed_loop(lambda: round_trip(walker, url, data), n)
        figures["step round trip GET + POST, median"] = median_ms(step)
        figures["step round trip GET + POST, p90"] = p_ms(step, 0.9)
        if cpu is not None:
            figures["step request (GET or POST), server CPU"] = (
                (server.cpu_seconds() - cpu) / (2 * n) * 1000
            )
    counts = query_counts(data)
    print(f"   [{phase}] SQL statements per page: {counts}")
    return figures, counts


def main(ctx: Context) -> list[Figure]:
    import django

    django.setup()
    from forms_engine.catalog.models import Activation, Municipality

    publish_efa()
    # One offering municipality: the demo data's others (if any) stop offering for the run.
    Activation.objects.exclude(municipality__slug=HOME).update(is_active=False)
    data = step_post_data()
    print(
        f"   one: {Municipality.objects.filter(activations__is_active=True).distinct().count()}"
        f" offering municipality, {Activation.objects.filter(is_active=True).count()} active"
        f" activations ({Municipality.objects.count()} municipalities in the database)"
    )
    one, one_counts = measure(ctx, "one", data)
    municipalities, activations, seconds = populate(MUNICIPALITIES)
    print(
        f"   many: {municipalities} offering municipalities, {activations} active activations"
        f" ({Municipality.objects.count()} municipalities in the database; inserted in"
        f" {seconds:.1f} s)"
    )
    many, many_counts = measure(ctx, "many", data)
    result = []
    for name, value in one.items():
        is_cpu = name.endswith("server CPU")
        unit, compare = ("ms CPU", "cpu") if is_cpu else ("ms", "wall")
        result.append(Figure(f"one: {name}", value, unit, compare))
        if name in many:
            result.append(Figure(f"many: {name}", many[name], unit, compare))
            result.append(Figure(f"many ÷ one: {name}", many[name] / value, "×", None))
    for name, count in one_counts.items():
        result.append(
            Figure(
                f"SQL statements: {name}",
                many_counts.get(name, 0),
                "stmts",
                None,
                note=f"one municipality: {count}",
            )
        )
    return result


if __name__ == "__main__":
    standalone("many_municipalities")
