"""The library catalog's reads: every publisher's published processes (own and imported),
filters by topic, LeiKa key, publisher and title, changelogs (definition, else the bundle's
manifest), offering municipalities and where a user may still offer; the trust store's
check before adding a key; what a designer may export."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from forms_engine.catalog.models import Activation, Authority, Municipality, Publisher
from forms_engine.catalog.services import (
    process_version_create_draft,
    process_version_publish,
)
from forms_engine.library import selectors, signing
from forms_engine.library.bundle import BundleProcess, build_bundle
from forms_engine.library.models import TrustedKey
from forms_engine.library.services import bundle_import
from tests.library.helpers import definition, trusted_publisher

pytestmark = pytest.mark.django_db

LEIKA_DOG = "99108011000000"
LEIKA_TREE = "99035005000000"
MINE = {"hund-eigen", "baumfaellung"}


def _publish(doc: dict, publisher: Publisher):
    return process_version_publish(
        version=process_version_create_draft(doc=doc, publisher=publisher)
    )


@pytest.fixture
def library():
    """Own publisher "Stadt Eigen" (a dog process 1.0.0 and 1.1.0 with changelog, a draft
    only process) and an imported publisher "Landkreis Beispiel" (a tree process 1.0.0
    and 1.1.0; changelogs only in the manifest)."""
    own = Publisher.objects.create(name="Stadt Eigen", slug="stadt-eigen")
    dog_title = {"de": "Hund anmelden (Eigen)", "en": "Register a dog (own)"}
    dog1 = _publish(
        definition("hund-eigen", "1.0.0", title=dog_title, topic="tiere", leika=[LEIKA_DOG]),
        own,
    )
    dog2 = _publish(
        definition(
            "hund-eigen",
            "1.1.0",
            title=dog_title,
            topic="tiere",
            leika=[LEIKA_DOG],
            changelog={"de": "Neue Rasseliste.", "en": "New list of breeds."},
        ),
        own,
    )
    process_version_create_draft(
        doc=definition("nur-entwurf", "1.0.0", title={"de": "Nur ein Entwurf"}), publisher=own
    )
    pair = trusted_publisher()
    tree_title = {"de": "Baumfällgenehmigung beantragen", "en": "Apply to fell a tree"}
    tree = [
        definition("baumfaellung", v, title=tree_title, topic="umwelt-abfall", leika=[LEIKA_TREE])
        for v in ("1.0.0", "1.1.0")
    ]
    data = build_bundle(
        publisher_id="kreis-beispiel",
        publisher_name="Landkreis Beispiel",
        processes=[
            BundleProcess(doc=tree[0], changelog={"de": "Erste Fassung.", "en": "First draft."}),
            BundleProcess(doc=tree[1], changelog={"de": "Mit Fotos.", "en": "With photos."}),
        ],
        key=pair,
    )
    result = bundle_import(data)
    return {"own": own, "dog1": dog1, "dog2": dog2, "imported": result.created, "pair": pair}


def _entries(**filters):
    return {e.process.identifier: e for e in selectors.library_catalog(**filters)}


def _municipality(name: str, slug: str, ars: str):
    municipality = Municipality.objects.create(name=name, slug=slug, ars=ars)
    authority = Authority.objects.create(municipality=municipality, name="Amt", slug="amt")
    return municipality, authority


def test_catalog_lists_own_and_imported_published_processes_never_drafts(library):
    entries = _entries()
    assert {"hund-eigen", "baumfaellung"} <= set(entries)
    assert "nur-entwurf" not in entries
    dog, tree = entries["hund-eigen"], entries["baumfaellung"]
    assert dog.publisher.slug == "stadt-eigen" and not dog.imported
    assert tree.publisher.slug == "kreis-beispiel" and tree.imported
    assert [v.version for v in dog.versions] == ["1.1.0", "1.0.0"]
    assert dog.title_text("de") == "Hund anmelden (Eigen)"
    assert dog.title_text("en") == "Register a dog (own)"
    assert dog.topic == "tiere" and dog.topic_label("de") == "Tiere"
    assert dog.topic_label("en") == "Animals"
    assert tree.leika == [LEIKA_TREE]
    # the shipped library's publisher is one of the installation's own, listed as well
    assert any(not e.imported and e.publisher.slug != "stadt-eigen" for e in entries.values())


def test_filters_topic_leika_title_publisher(library):
    # (the starter library of the test database has processes with topics as well)
    animals = _entries(topic="tiere")
    assert set(animals) & MINE == {"hund-eigen"}
    assert all(e.topic == "tiere" for e in animals.values())
    assert set(_entries(topic="umwelt-abfall")) & MINE == {"baumfaellung"}
    assert set(_entries(leika=LEIKA_TREE)) == {"baumfaellung"}
    assert set(_entries(leika="99108")) == {"hund-eigen"}  # the beginning of a key
    assert set(_entries(leika="9910 8011")) == {"hund-eigen"}  # spaces ignored
    assert _entries(leika="12345") == {}
    assert set(_entries(q="baumFÄLL")) == {"baumfaellung"}
    assert set(_entries(q="fell tree")) & MINE == {"baumfaellung"}  # English title, all words
    assert set(_entries(q="hund eigen")) == {"hund-eigen"}
    assert _entries(q="hund baum") == {}
    assert set(_entries(publisher="kreis-beispiel")) == {"baumfaellung"}
    assert set(_entries(topic="tiere", publisher="kreis-beispiel")) == set()
    assert set(_entries(topic="tiere", publisher="stadt-eigen")) == {"hund-eigen"}


def test_changelog_from_definition_else_manifest_else_none(library):
    entries = _entries()
    dog = {v.version: v for v in entries["hund-eigen"].versions}
    assert dog["1.1.0"].changelog_text("de") == "Neue Rasseliste."
    assert dog["1.1.0"].changelog_text("en") == "New list of breeds."
    assert dog["1.0.0"].changelog == {} and dog["1.0.0"].changelog_text() == ""
    tree = {v.version: v for v in entries["baumfaellung"].versions}
    assert tree["1.0.0"].changelog_text("de") == "Erste Fassung."
    assert tree["1.1.0"].changelog_text("en") == "With photos."
    assert entries["hund-eigen"].has_changelog


def test_offerings_with_version_and_newer_one(library):
    first, _ = _municipality("Gemeinde Alt", "gem-alt", "099990000011")
    second, second_authority = _municipality("Gemeinde Neu", "gem-neu", "099990000022")
    first_authority = first.authorities.get()
    dog = library["dog1"].process
    Activation.objects.create(
        process=dog, version=library["dog1"], municipality=first, authority=first_authority
    )
    Activation.objects.create(
        process=dog, version=library["dog2"], municipality=second, authority=second_authority
    )
    entry = selectors.library_entry(dog)
    offered = {o.municipality_name: o for o in entry.offerings}
    assert offered["Gemeinde Alt"].version == "1.0.0"
    assert offered["Gemeinde Alt"].newer.version == "1.1.0"
    assert offered["Gemeinde Neu"].version == "1.1.0" and offered["Gemeinde Neu"].newer is None
    assert [o.municipality_name for o in entry.offerings] == ["Gemeinde Alt", "Gemeinde Neu"]


def test_offer_in_lists_administered_municipalities_not_offering_yet(library):
    first, authority = _municipality("Gemeinde Alt", "gem-alt", "099990000011")
    second, _ = _municipality("Gemeinde Neu", "gem-neu", "099990000022")
    admin = get_user_model().objects.create_user("kommunal", password=None, is_staff=True)
    first.administrators.add(admin)
    second.administrators.add(admin)
    dog = library["dog1"].process
    Activation.objects.create(
        process=dog, version=library["dog2"], municipality=first, authority=authority
    )
    entry = selectors.library_entry(dog, user=admin)
    assert [m.name for m in entry.offer_in] == ["Gemeinde Neu"]
    catalog = {e.process.identifier: e for e in selectors.library_catalog(admin)}
    assert [m.name for m in catalog["baumfaellung"].offer_in] == ["Gemeinde Alt", "Gemeinde Neu"]
    clerk = get_user_model().objects.create_user("sachbearbeitung", password=None)
    assert selectors.library_entry(dog, user=clerk).offer_in == []


def test_library_entry_none_for_a_process_with_drafts_only(library):
    from forms_engine.catalog.models import Process

    draft_only = Process.objects.get(identifier="nur-entwurf")
    assert selectors.library_entry(draft_only) is None
    assert selectors.library_entry(library["dog1"].process.pk).process.identifier == "hund-eigen"


def test_publishers_and_their_keys(library):
    slugs = [p.slug for p in selectors.library_publishers()]
    assert "stadt-eigen" in slugs and "kreis-beispiel" in slugs
    tree = Publisher.objects.get(slug="kreis-beispiel")
    keys = selectors.publisher_keys(tree)
    assert [k.fingerprint for k in keys] == [library["pair"].fingerprint]
    assert selectors.publisher_keys(library["own"]) == []


def test_trust_key_check_writes_nothing_and_refuses_like_the_service(library):
    pair = signing.generate()
    before = TrustedKey.objects.count()
    candidate = selectors.trust_key_check(
        publisher_slug=" land-x ", publisher_name="Land X", public_key=pair.public_b64
    )
    assert candidate.fingerprint == pair.fingerprint
    assert candidate.publisher_slug == "land-x"
    assert candidate.short_fingerprint == signing.display_fingerprint(pair.fingerprint)
    assert candidate.fingerprint_groups.replace(" ", "") == pair.fingerprint
    assert TrustedKey.objects.count() == before
    with pytest.raises(selectors.KeyCheckError) as bad:
        selectors.trust_key_check(publisher_slug="x", publisher_name="X", public_key="abc")
    assert bad.value.field == "public_key" and "Base64" in bad.value.message
    with pytest.raises(selectors.KeyCheckError) as slug:
        selectors.trust_key_check(
            publisher_slug="a b", publisher_name="X", public_key=pair.public_b64
        )
    assert slug.value.field == "publisher_slug"
    with pytest.raises(selectors.KeyCheckError) as known:
        selectors.trust_key_check(
            publisher_slug="kreis-beispiel",
            publisher_name="K",
            public_key=library["pair"].public_b64,
        )
    assert "schon im Vertrauensspeicher" in known.value.message


def test_export_choices_for_designers(library):
    designer = get_user_model().objects.create_user("export-design", password=None, is_staff=True)
    library["own"].designers.add(designer)
    assert selectors.export_publishers(designer) == [library["own"]]
    clerk = get_user_model().objects.create_user("niemand", password=None)
    assert selectors.export_publishers(clerk) == []
    processes = selectors.exportable_processes(library["own"])
    assert [p.process.identifier for p in processes] == ["hund-eigen"]  # no draft-only one
    assert [v.version for v in processes[0].versions] == ["1.1.0", "1.0.0"]
    other = Publisher.objects.get(slug="kreis-beispiel")
    foreign = other.processes.get().versions.first()
    chosen = selectors.export_versions(library["own"], [library["dog2"].pk, foreign.pk, "x"])
    assert chosen == [library["dog2"]]
