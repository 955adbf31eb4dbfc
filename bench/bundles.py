"""Process-library bundles at catalogue scale: 600 processes (the OZG catalogue has 575
services) exported on installation A and imported into a fresh installation B.

The 600 definitions are the shipped processes (processes/*/*.json, every version, 11–41 kB
each) under new ids (`<shipped id>-<nnn>`): each has its own title, an extra optional field
of its own in its last step, the shipped steps, fields, parameters and designer tests; every
fourth also embeds the shared field group `anschrift` 1.0.0 (library/starter) through `uses`
as an optional delivery address. Every definition is checked (`check_definition`) before it
is used.

Installation A (the run's database, shipped library and demo data loaded) installs the
starter library, the field group with it, from a signed bundle of library/starter (publisher
`bench-bund`), publishes the 600
under publisher `bench-land` (each checked, compiled and its designer tests run, as at
publication; written at once by `process_versions_publish_new`) and measures:

- export: `bundle_export` of the 600 (signed) and the bundle's size;
- verification only: `bundle_plan` on B (archive, manifest, signature, every file's
  SHA-256, every definition checked, compared with what B has) — nothing written;
- import into B: `bundle_import` of the whole bundle, wall and CPU time of this process
  (PostgreSQL's own CPU is not in it), the growth of the process's peak RSS, and the peak
  of the Python heap (`tracemalloc`, in a second, separate import of the same bundle into
  an emptied B, so that tracing does not slow the timed one; skipped when the module has
  run longer than TRACE_BUDGET, unless BENCH_BUNDLES_TRACE=1);
- re-import of the same bundle (all 600 unchanged);
- an update bundle: A publishes a new minor version of 60 of the 600 and exports again
  (660 versions); B imports it (60 updates with their changes listed, 600 unchanged).

B is the same PostgreSQL database emptied (`TRUNCATE` of every table of the project and of
auth, then `ANALYZE`): a fresh installation with an empty catalogue that trusts A's key.
The goal (issue 10): the import of 600 under 10 s on this machine. QUICK=1 uses 60
processes (the goal is stated for 600 only).
"""

from __future__ import annotations

import copy
import gc
import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PROCESSES, ROOT, Context, Figure, standalone  # noqa: E402

PUBLISHER = ("bench-land", "Land Benchmark")
STARTER = ("bench-bund", "Bund Benchmark (Startbibliothek)")
FIELDGROUP = ROOT / "library" / "starter" / "fieldgroups" / "anschrift" / "1.0.0.json"
GOAL_SECONDS = 10.0
UPDATED_SHARE = 10  # every tenth process gets a new version in the update bundle
#: seconds: the traced import runs only if the module got this far in less (BENCH_BUNDLES_TRACE=1:
#: always), so that `make bench` stays within run.py's time limit on a slow machine
TRACE_BUDGET = 100


def shipped() -> list[dict]:
    """Every shipped definition (all versions), in a stable order."""
    return [
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(PROCESSES.glob("*/*.json"))
    ]


def _last_step_add(doc: dict, name: str, schema: dict) -> None:
    step = doc["steps"][-1]
    step["schema"].setdefault("properties", {})[name] = schema


def generate(count: int) -> list[dict]:
    """`count` distinct, valid definitions derived from the shipped ones."""
    from forms_engine.definitions import check_definition, shared_item_use

    group = json.loads(FIELDGROUP.read_text(encoding="utf-8"))
    bases = shipped()
    docs = []
    for n in range(count):
        base = bases[n % len(bases)]
        doc = copy.deepcopy(base)
        doc["id"] = f"{base['id']}-{n:03d}"
        title = doc["title"]
        doc["title"] = {"de": f"{title['de']} (Muster {n})", "en": f"{title['en']} (sample {n})"}
        _last_step_add(
            doc,
            f"anmerkung_{n}",
            {
                "type": "string",
                "maxLength": 500,
                "title": f"Anmerkung zu Antrag {n}",
                "description": "Freiwillig: was die Behörde noch wissen sollte.",
                "x-en": {
                    "title": f"Note on application {n}",
                    "description": "Optional: anything the authority should know.",
                },
            },
        )
        if n % 4 == 0:
            doc.setdefault("$defs", {})["zustellanschrift"] = copy.deepcopy(group["schema"])
            doc["uses"] = {"zustellanschrift": shared_item_use(group)}
            _last_step_add(
                doc,
                "zustellanschrift",
                {
                    "$ref": "#/$defs/zustellanschrift",
                    "title": "Abweichende Zustellanschrift",
                    "x-en": {"title": "Different delivery address"},
                },
            )
        problems = check_definition(doc)
        assert not problems, (doc["id"], [str(p) for p in problems[:3]])
        docs.append(doc)
    return docs


def updated(doc: dict) -> dict:
    """The next minor version of `doc`: a new optional field and a changed title."""
    new = copy.deepcopy(doc)
    major, minor, _ = (int(x) for x in doc["version"].split("."))
    new["version"] = f"{major}.{minor + 1}.0"
    new["title"]["de"] += " – überarbeitet"
    new["title"]["en"] += " – revised"
    new.pop("changelog", None)
    _last_step_add(
        new,
        "rueckruf",
        {
            "type": "boolean",
            "title": "Rückruf erwünscht",
            "x-en": {"title": "Call back wanted"},
        },
    )
    return new


def wipe() -> None:
    """Empty every table of the project and of auth: a fresh installation B."""
    from django.apps import apps
    from django.db import connection

    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model.__module__.startswith("forms_engine.") or model._meta.app_label == "auth"
        }
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE " + ", ".join(connection.ops.quote_name(t) for t in tables) + " CASCADE"
        )
        cursor.execute("ANALYZE")


def trust(pair, publisher: tuple[str, str]) -> None:
    from forms_engine.library.services import trust_key_add

    trust_key_add(
        publisher_slug=publisher[0], publisher_name=publisher[1], public_key=pair.public_b64
    )


def installation_a(docs: list[dict], land_key, bund_key):
    """A: the field group from a signed starter bundle, then the 600 published."""
    from forms_engine.catalog.services import process_versions_publish_new, publisher_ensure
    from forms_engine.library.services import bundle_build_directory, bundle_import

    trust(bund_key, STARTER)
    bundle_import(
        bundle_build_directory(
            ROOT / "library" / "starter",
            publisher_id=STARTER[0],
            publisher_name=STARTER[1],
            key=bund_key,
        )
    )
    publisher = publisher_ensure(slug=PUBLISHER[0], name=PUBLISHER[1])
    # each checked, compiled and tested like a publication; written at once (setup only)
    process_versions_publish_new(docs=docs, publisher=publisher)
    return publisher


def clocked(fn):
    """(result, wall seconds, CPU seconds of this process)."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(ctx: Context) -> list[Figure]:
    import logging

    import django

    django.setup()
    # the dog tax's shipped payment-policy warning, once per published copy: not a figure
    logging.getLogger("forms_engine.catalog.services").setLevel(logging.ERROR)
    from forms_engine.catalog.models import ProcessVersion
    from forms_engine.catalog.services import process_version_create_draft, process_version_publish
    from forms_engine.definitions import clear_cache
    from forms_engine.library import signing
    from forms_engine.library.services import bundle_export, bundle_import, bundle_plan

    count = ctx.scale(600, 60)
    began = time.perf_counter()
    docs = generate(count)
    land_key, bund_key = signing.generate(), signing.generate()
    publisher = installation_a(docs, land_key, bund_key)
    setup_s = time.perf_counter() - began
    print(f"   A: {count} processes generated, checked and published in {setup_s:.1f} s")

    data, export_s, export_cpu = clocked(lambda: bundle_export(publisher=publisher, key=land_key))
    # A publishes a new version of every tenth process; the update bundle holds all versions.
    # (as a designer would: a draft, then its publication)
    for doc in docs[::UPDATED_SHARE]:
        process_version_publish(
            version=process_version_create_draft(doc=updated(doc), publisher=publisher)
        )
    update_data = bundle_export(publisher=publisher, key=land_key)
    n_updates = len(docs[::UPDATED_SHARE])

    # B: a fresh installation that trusts A's publisher key.
    # B is another machine: nothing A compiled is in B's compile cache.
    wipe()
    trust(land_key, PUBLISHER)
    clear_cache()
    plan, plan_s, plan_cpu = clocked(lambda: bundle_plan(data))
    assert plan.count("new") == count + 1, plan.lines()[-1]  # + the shared field group
    clear_cache()
    rss_before = peak_rss_mib()
    result, import_s, import_cpu = clocked(lambda: bundle_import(data))
    rss_growth = peak_rss_mib() - rss_before
    assert len(result.created) == count
    assert ProcessVersion.objects.filter(status=ProcessVersion.Status.PUBLISHED).count() == count
    again, reimport_s, _ = clocked(lambda: bundle_import(data))
    assert not again.created and again.plan.count("unchanged") == count + 1
    clear_cache()
    update, update_s, update_cpu = clocked(lambda: bundle_import(update_data))
    assert len(update.created) == n_updates, len(update.created)
    assert update.plan.count("update") == n_updates
    assert all(item.changes for item in update.plan.items if item.action == "update")

    # Peak memory of the Python heap during a whole import (traced, not timed): B emptied.
    traced_peak = None
    if os.environ.get("BENCH_BUNDLES_TRACE") == "1" or time.perf_counter() - began < TRACE_BUDGET:
        wipe()
        trust(land_key, PUBLISHER)
        clear_cache()
        gc.collect()
        tracemalloc.start()
        bundle_import(data)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    met = import_s < GOAL_SECONDS
    verdict = "met" if met else "NOT met"
    label = f"{count} processes"
    print(
        f"   import of {label}: {import_s:.2f} s wall, {import_cpu:.2f} s CPU — "
        f"goal < {GOAL_SECONDS:.0f} s {verdict}" + ("" if count == 600 else " (goal is for 600)")
    )
    figures = [
        Figure(
            f"bundle of {label}: export (signed)", export_s, "s", None, f"CPU {export_cpu:.2f} s"
        ),
        Figure(f"bundle of {label}: size", len(data) / 1024 / 1024, "MiB", None),
        Figure(
            f"bundle of {label}: verification only (bundle_plan)",
            plan_s,
            "s",
            None,
            f"CPU {plan_cpu:.2f} s",
        ),
        Figure(
            f"bundle of {label}: import into a fresh installation",
            import_s,
            "s",
            None,
            f"goal < {GOAL_SECONDS:.0f} s {verdict}",
        ),
        Figure(f"bundle of {label}: import, CPU of this process", import_cpu, "s", None),
        Figure(f"bundle of {label}: import per process", import_s * 1000 / count, "ms", "wall"),
        Figure(f"bundle of {label}: re-import, all unchanged", reimport_s, "s", None),
        Figure(
            f"bundle of {label}: update bundle, {n_updates} new versions + {count} unchanged",
            update_s,
            "s",
            None,
            f"CPU {update_cpu:.2f} s",
        ),
    ]
    if traced_peak is not None:
        figures.append(
            Figure(
                f"bundle of {label}: import, peak Python heap (tracemalloc)",
                traced_peak / 1024 / 1024,
                "MiB",
                None,
            )
        )
    else:
        print("   peak Python heap not measured: the module ran out of its time budget")
    figures += [
        Figure(f"bundle of {label}: import, growth of peak RSS", rss_growth, "MiB", None),
        Figure(f"bundle of {label}: A's setup (generate, check, publish)", setup_s, "s", None),
    ]
    return figures


if __name__ == "__main__":
    standalone("bundles")
