"""The citizen's catalog and start page read the same number of SQL statements with one
municipality and with many (issue 8: 500 municipalities, 5,000 activations; the timing is
bench/many_municipalities.py, this is the N+1 guard without any time measurement)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forms_engine.catalog.models import Activation, Authority, Municipality, ProcessVersion
from forms_engine.catalog.selectors import current_version, shared_catalog
from forms_engine.citizen.selectors import offer_get, offers

pytestmark = pytest.mark.django_db

PID = "hundesteuer-anmeldung"


def statements(fn) -> int:
    fn()  # compiled definitions and templates cached, as in a warm worker
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def add_municipalities(count: int) -> None:
    """`count` municipalities offering every process Musterstadt offers; every other one
    pinned to the oldest published version of it (1.0.0 of Hundesteuer)."""
    home = list(Activation.objects.filter(municipality__slug="musterstadt"))
    munis = Municipality.objects.bulk_create(
        Municipality(name=f"Gemeinde {i:03d}", ars=f"0777{i:08d}", slug=f"gemeinde-{i:03d}")
        for i in range(count)
    )
    offices = Authority.objects.bulk_create(
        Authority(municipality=m, name="Amt", slug="amt") for m in munis
    )
    oldest = {
        a.process_id: ProcessVersion.objects.filter(
            process_id=a.process_id, status=ProcessVersion.Status.PUBLISHED
        )
        .order_by("published_at")
        .first()
        for a in home
    }
    Activation.objects.bulk_create(
        Activation(
            process_id=a.process_id,
            version=oldest[a.process_id] if n % 2 else current_version(a.process),
            municipality=m,
            authority=office,
        )
        for n, (m, office) in enumerate(zip(munis, offices, strict=True))
        for a in home
    )


def test_catalog_and_start_page_statements_do_not_grow_with_the_municipalities(
    client, published_processes
):
    def catalog_page():
        assert client.get("/").status_code == 200

    def start_page():
        assert client.get(f"/leistungen/{PID}/").status_code == 200

    checks = {
        "catalog page": catalog_page,
        "start page": start_page,
        "shared_catalog": shared_catalog,
        "offer_get": lambda: offer_get(PID),
        "offers in one municipality": lambda: offers(Municipality.objects.get(slug="musterstadt")),
    }
    one = {name: statements(fn) for name, fn in checks.items()}
    offering_before = len(offer_get(PID).municipalities)
    add_municipalities(40)
    many = {name: statements(fn) for name, fn in checks.items()}

    # (with one municipality the catalog reads that municipality once more, for its name)
    assert {name: many[name] <= one[name] for name in checks} == dict.fromkeys(checks, True), (
        one,
        many,
    )
    listing = shared_catalog()
    hund = next(e for e in listing.entries if e.process.identifier == PID)
    assert hund.municipality_count == offering_before + 40
    assert hund.version == published_processes[PID]  # the highest offered version
    assert listing.only_municipality is None
    assert len(offer_get(PID).municipalities) == offering_before + 40


def test_shared_catalog_names_the_only_municipality_when_there_is_one(published_processes):
    Activation.objects.exclude(municipality__slug="musterstadt").update(is_active=False)
    listing = shared_catalog()

    assert listing.only_municipality.slug == "musterstadt"
    assert {e.process.identifier for e in listing.entries} == set(published_processes)
    assert all(e.municipality_count == 1 for e in listing.entries)


def test_catalog_and_start_page_build_no_activation_per_municipality(
    client, published_processes, monkeypatch
):
    add_municipalities(40)
    built = []
    original = Activation.from_db.__func__

    def counting_from_db(cls, *args, **kwargs):
        built.append(cls)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(Activation, "from_db", classmethod(counting_from_db))

    assert client.get("/").status_code == 200
    assert client.get(f"/leistungen/{PID}/").status_code == 200
    # Aggregated in SQL (catalog) and read as light rows (start page): no model per row.
    assert built == []
