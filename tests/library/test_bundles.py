"""Signed bundles through the services: export, verify, plan, import, update, refusals.

Installation A and B are the same test database one after the other: A publishes and
exports; `wipe_installation()` turns the database into a fresh installation B (rolled back
after the test)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command

from forms_engine.catalog.models import (
    Activation,
    Authority,
    Municipality,
    ProcessVersion,
    Publisher,
)
from forms_engine.catalog.services import (
    activation_upgrade,
    process_version_create_draft,
    process_version_publish,
    publisher_ensure,
)
from forms_engine.definitions import shared_item_use
from forms_engine.library import signing
from forms_engine.library.bundle import BundleProcess, build_bundle, open_bundle
from forms_engine.library.models import BundleImport, SharedItem, TrustedKey
from forms_engine.library.services import (
    BundleRefused,
    bundle_export,
    bundle_import,
    bundle_plan,
    trust_key_add,
    trust_key_revoke,
)
from tests.conftest import stored_files
from tests.library.helpers import (
    database_state,
    definition,
    parking,
    trusted_publisher,
    wipe_installation,
)

pytestmark = pytest.mark.django_db

PUBLISHER = ("kreis-beispiel", "Landkreis Beispiel")


def _publish(doc: dict, publisher: Publisher) -> ProcessVersion:
    return process_version_publish(
        version=process_version_create_draft(doc=doc, publisher=publisher)
    )


def _bundle(docs, key, *, shared=(), publisher=PUBLISHER) -> bytes:
    return build_bundle(
        publisher_id=publisher[0],
        publisher_name=publisher[1],
        processes=[BundleProcess(doc=d) for d in docs],
        shared=list(shared),
        key=key,
    )


def _refused(data: bytes, code: str, **kwargs) -> BundleRefused:
    before = database_state()
    files = stored_files("uploads") + stored_files("casefiles")
    with pytest.raises(BundleRefused) as caught:
        bundle_import(data, **kwargs)
    assert caught.value.code == code, (caught.value.code, str(caught.value))
    assert caught.value.message and caught.value.message_en
    assert database_state() == before
    assert stored_files("uploads") + stored_files("casefiles") == files
    return caught.value


def _municipality_b():
    municipality = Municipality.objects.create(name="Gemeinde B", ars="099990000077", slug="gem-b")
    authority = Authority.objects.create(
        municipality=municipality, name="Ordnungsamt B", slug="ordnung"
    )
    return municipality, authority


def test_round_trip_export_in_a_import_in_b_keeps_bindings_and_moves_only_when_told():
    # Installation A: the publisher publishes 1.0.0 and exports a signed bundle.
    pair = signing.generate()
    publisher_a = publisher_ensure(slug=PUBLISHER[0], name=PUBLISHER[1])
    _publish(parking("1.0.0"), publisher_a)
    first = bundle_export(publisher=publisher_a, key=pair)
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(first)).read("manifest.json"))
    assert manifest["publisher"] == {"id": PUBLISHER[0], "name": PUBLISHER[1]}
    assert [(p["id"], p["version"]) for p in manifest["processes"]] == [
        ("parkausweis-parameter", "1.0.0")
    ]
    assert manifest["processes"][0]["parameters"]["ort"]["required"] is True
    assert manifest["processes"][0]["parameters"]["gebuehr"]["default"] == "30.70"
    _publish(parking("1.1.0", summary={"de": "Neu: gilt {{param:gueltig_ab}}."}), publisher_a)
    second = bundle_export(publisher=publisher_a, key=pair)

    # Installation B: fresh; trusts the publisher's key; imports; offers with own bindings.
    wipe_installation()
    trust_key_add(
        publisher_slug=PUBLISHER[0], publisher_name=PUBLISHER[1], public_key=pair.public_b64
    )
    result = bundle_import(first)
    assert [f"{v.process.identifier} {v.version}" for v in result.created] == [
        "parkausweis-parameter 1.0.0"
    ]
    version = result.created[0]
    assert version.status == ProcessVersion.Status.PUBLISHED
    assert version.process.publisher.slug == PUBLISHER[0]
    assert BundleImport.objects.get().signed
    municipality, authority = _municipality_b()
    values = {"ort": "Gemeinde B", "gebuehr": "45.00"}
    activation = Activation(
        process=version.process,
        version=version,
        municipality=municipality,
        authority=authority,
        parameter_values=values,
    )
    activation.full_clean()
    activation.save()

    # A's next version arrives: the plan shows what changed and who offers it.
    plan = bundle_plan(second)
    by_version = {i.version: i for i in plan.processes}
    assert by_version["1.0.0"].action == "unchanged"
    assert by_version["1.1.0"].action == "update"
    assert by_version["1.1.0"].previous == "1.0.0"
    assert by_version["1.1.0"].changes
    assert by_version["1.1.0"].offered_in == ["Gemeinde B"]
    bundle_import(second)
    activation.refresh_from_db()
    assert activation.version == version  # B's offering did not move
    assert activation.parameter_values == values
    assert activation.authority == authority
    newer = ProcessVersion.objects.get(process=version.process, version="1.1.0")
    activation_upgrade(activation=activation, version=newer)
    activation.refresh_from_db()
    assert (activation.version, activation.parameter_values) == (newer, values)


def test_the_same_bundle_twice_is_recognised_never_duplicated():
    pair = trusted_publisher(*PUBLISHER)
    data = _bundle([definition("bib-a"), definition("bib-b")], pair)
    assert len(bundle_import(data).created) == 2
    before = database_state()
    again = bundle_import(data)
    assert again.created == [] and again.record is None
    assert again.plan.count("unchanged") == 2
    assert database_state() == before


def test_dry_run_plan_writes_nothing_and_names_every_item():
    pair = trusted_publisher(*PUBLISHER)
    data = _bundle([definition("bib-a")], pair)
    before = database_state()
    plan = bundle_plan(data)
    assert [(i.identifier, i.action) for i in plan.items] == [("bib-a", "new")]
    assert database_state() == before
    assert any("bib-a" in line for line in plan.lines())


def test_same_version_number_with_other_content_is_refused():
    pair = trusted_publisher(*PUBLISHER)
    bundle_import(_bundle([definition("bib-a")], pair))
    changed = definition("bib-a", summary={"de": "Anders."})
    error = _refused(_bundle([changed], pair), "version_conflict")
    assert "bib-a" in error.message


def test_unsigned_bundle_refused_unless_the_operator_allows_it(settings):
    data = _bundle([definition("bib-a")], None)
    _refused(data, "missing_signature")
    _refused(data, "missing_signature", allow_unsigned=True)  # setting off
    settings.FORMS_BUNDLES_ALLOW_UNSIGNED = True
    _refused(data, "missing_signature")  # the caller must ask explicitly
    result = bundle_import(data, allow_unsigned=True)
    assert result.record.signed is False
    assert any("WARNUNG" in line for line in result.lines())


def test_unknown_publisher_refused():
    _refused(_bundle([definition("bib-a")], signing.generate()), "unknown_publisher")


def test_key_trusted_for_another_publisher_refused():
    pair = trusted_publisher("anderer", "Anderer Herausgeber")
    _refused(_bundle([definition("bib-a")], pair), "unknown_publisher")


def test_revoked_key_refused():
    pair = trusted_publisher(*PUBLISHER)
    trust_key_revoke(
        key=TrustedKey.objects.get(fingerprint=pair.fingerprint), reason="kompromittiert"
    )
    _refused(_bundle([definition("bib-a")], pair), "revoked_key")


def _rezip(data: bytes, change) -> bytes:
    """The bundle with its members passed through `change(name, bytes) -> bytes | None`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info))
            if content is not None:
                target.writestr(info.filename, content)
    return out.getvalue()


def test_tampered_manifest_fails_the_signature():
    pair = trusted_publisher(*PUBLISHER)
    data = _bundle([definition("bib-a")], pair)

    def rename(name, content):
        if name == "manifest.json":
            return content.replace(b"Landkreis Beispiel", b"Landkreis Boeswillig")
        return content

    _refused(_rezip(data, rename), "bad_signature")


def test_signature_from_another_key_with_the_same_fingerprint_claim_fails():
    pair = trusted_publisher(*PUBLISHER)
    forger = signing.generate()
    data = _bundle([definition("bib-a")], forger)

    def claim(name, content):
        if name == "manifest.sig":
            doc = json.loads(content)
            doc["key"] = pair.fingerprint
            return json.dumps(doc).encode()
        return content

    _refused(_rezip(data, claim), "bad_signature")


def test_malformed_signature_file_refused():
    pair = trusted_publisher(*PUBLISHER)
    data = _bundle([definition("bib-a")], pair)
    _refused(
        _rezip(data, lambda n, c: b"\x00garbage" if n == "manifest.sig" else c), "bad_signature"
    )


def test_file_changed_after_signing_is_a_hash_mismatch():
    pair = trusted_publisher(*PUBLISHER)
    data = _bundle([definition("bib-a")], pair)

    def tamper(name, content):
        if name.startswith("processes/"):
            return content.replace(b"Hund zur Hundesteuer", b"Katze zur Hundesteuer")
        return content

    error = _refused(_rezip(data, tamper), "hash_mismatch")
    assert error.path == "processes/bib-a/1.0.0.json"


def test_extra_and_missing_files_refused():
    pair = trusted_publisher(*PUBLISHER)
    data = _bundle([definition("bib-a")], pair)
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        target.writestr("processes/extra/1.0.0.json", b"{}")
    _refused(out.getvalue(), "unlisted_file")
    _refused(_rezip(data, lambda n, c: None if n.startswith("processes/") else c), "missing_file")


def test_missing_manifest_refused():
    pair = trusted_publisher(*PUBLISHER)
    data = _bundle([definition("bib-a")], pair)
    _refused(_rezip(data, lambda n, c: None if n == "manifest.json" else c), "manifest_missing")


def test_invalid_definition_refused_with_its_problem():
    pair = trusted_publisher(*PUBLISHER)
    broken = definition("bib-a")
    broken["steps"][0]["schema"]["properties"]["vorname"]["pattern"] = "(unclosed"
    error = _refused(_bundle([broken], pair), "invalid_definition")
    assert "pattern" in error.message


def test_failing_designer_test_rolls_back_the_whole_import():
    pair = trusted_publisher(*PUBLISHER)
    failing = definition("bib-b")
    failing["tests"][1]["expect"]["fee_total"] = "1.00"
    _refused(_bundle([definition("bib-a"), failing], pair), "import_failed")
    assert not ProcessVersion.objects.filter(process__identifier="bib-a").exists()


def _codelist(version="1", codes=("a", "b")) -> dict:
    return {
        "$schema": "urn:ozg-engine:shared-item:1",
        "kind": "codelist",
        "id": "farben",
        "version": version,
        "title": {"de": "Farben", "en": "Colours"},
        "schema": {
            "type": "string",
            "title": "Farbe",
            "x-en": {"title": "Colour"},
            "oneOf": [{"const": c, "title": c.upper(), "x-en": {"title": c}} for c in codes],
        },
    }


def _using(item: dict, identifier="bib-farbe") -> dict:
    doc = definition(identifier)
    doc["$defs"]["farbe"] = item["schema"]
    doc["uses"] = {"farbe": shared_item_use(item)}
    doc["steps"][1]["schema"]["properties"]["farbe"] = {"$ref": "#/$defs/farbe"}
    return doc


def test_shared_items_travel_with_the_bundle_and_are_installed_once():
    pair = trusted_publisher(*PUBLISHER)
    item = _codelist()
    bundle_import(_bundle([_using(item)], pair, shared=[item]))
    stored = SharedItem.objects.get(identifier="farben")
    assert (stored.kind, stored.identifier, stored.version) == ("codelist", "farben", "1")
    # a later bundle may rely on the installed item without carrying it
    before = SharedItem.objects.count()
    bundle_import(_bundle([_using(item, "bib-zwei")], pair))
    assert SharedItem.objects.count() == before


def test_missing_dependency_refused():
    pair = trusted_publisher(*PUBLISHER)
    error = _refused(_bundle([_using(_codelist())], pair), "missing_dependency")
    assert "farben" in error.message and "bib-farbe" in error.message


def test_shared_item_version_with_other_content_refused():
    pair = trusted_publisher(*PUBLISHER)
    item = _codelist()
    bundle_import(_bundle([_using(item)], pair, shared=[item]))
    other = _codelist(codes=("a", "b", "c"))
    _refused(_bundle([_using(other, "bib-drei")], pair, shared=[other]), "version_conflict")


def test_a_locally_maintained_publisher_is_not_overwritten():
    pair = trusted_publisher(*PUBLISHER)
    _publish(definition("bib-lokal"), publisher_ensure(slug=PUBLISHER[0], name="Lokal"))
    _refused(_bundle([definition("bib-a")], pair), "publisher_conflict")


def test_nothing_municipality_specific_travels(published_processes):
    pair = signing.generate()
    standard = Publisher.objects.get(slug="standard")
    data = bundle_export(publisher=standard, key=pair)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert all(n.startswith(("manifest.", "processes/")) for n in names)
    text = b"".join(zipfile.ZipFile(io.BytesIO(data)).read(n) for n in names).decode()
    for local in Municipality.objects.all():
        assert local.ars not in text
    for value in Activation.objects.values_list("parameter_values", flat=True):
        for item in (value or {}).values():
            if isinstance(item, str) and len(item) > 6:
                assert item not in text
    opened = open_bundle(data)
    assert {p.doc["id"] for p in opened.processes} >= {"hundesteuer-anmeldung"}


def test_cli_keygen_trust_export_and_dry_run(tmp_path, capsys):
    key_file = tmp_path / "signing.pem"
    call_command("bundle_keygen", str(key_file))
    out = capsys.readouterr().out
    public = out.split("public key: ")[1].split()[0]
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    publisher = publisher_ensure(slug=PUBLISHER[0], name=PUBLISHER[1])
    _publish(definition("bib-cli"), publisher)
    bundle = tmp_path / "bundle.zip"
    call_command(
        "bundle_export", str(bundle), "--publisher", PUBLISHER[0], "--key-file", str(key_file)
    )
    wipe_installation()
    call_command("bundle_trust", "add", PUBLISHER[0], PUBLISHER[1], public)
    before = database_state()
    call_command("bundle_import", str(bundle), "--dry-run")
    out = capsys.readouterr().out
    assert "Probelauf" in out and "bib-cli 1.0.0" in out
    assert database_state() == before
    call_command("bundle_import", str(bundle))
    assert ProcessVersion.objects.filter(process__identifier="bib-cli").exists()


def test_an_imported_publisher_is_external_and_not_edited_here(admin_user):
    from forms_engine.catalog.review import can_design, can_see

    pair = trusted_publisher(*PUBLISHER)
    bundle_import(_bundle([definition("bib-a")], pair))
    publisher = Publisher.objects.get(slug=PUBLISHER[0])
    assert publisher.external
    assert not can_design(admin_user, publisher)
    assert can_see(admin_user, publisher)  # read, compare, offer: yes
