"""The demo data (issue 8, part 8): two municipalities of different kinds offer the same shared
dog-tax version at different rates, each with its own profile, logo, legal pages,
authorities, clerks and administrator; one process is offered by only one of them. The
shipped library carries none of their local facts (part 2)."""

from __future__ import annotations

import copy
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from forms_engine.cases.casefile import casefile_html
from forms_engine.cases.models import Case, PaymentStatus
from forms_engine.catalog.demo import MUNICIPALITY_ADMIN_GROUP
from forms_engine.catalog.letterhead import municipality_logo
from forms_engine.catalog.models import (
    Activation,
    Authority,
    LegalPage,
    Municipality,
    ProcessVersion,
)
from forms_engine.catalog.services import DemoSetupError, demo_setup, process_sync
from forms_engine.citizen.selectors import offers
from forms_engine.core.colors import contrast_ratio
from tests.api.helpers import submission_body, version_url
from tests.citizen.flow import Flow
from tests.conftest import ANSWER_FIXTURES, FIXTURES, load_sample

pytestmark = pytest.mark.django_db

DEMO = FIXTURES / "demo.json"
DOG = "hundesteuer-anmeldung"
PARKING = "anwohnerparkausweis"
PROCESSES = Path(settings.FORMS_PROCESS_LIBRARY)
# Published before processes had parameters: immutable and hash-pinned, so they keep the
# Musterstadt amounts and zones they were published with. No demo activation offers them,
# and none is the current version of its process. This list may only ever shrink.
PRE_PARAMETER_VERSIONS = {
    "anwohnerparkausweis/1.0.0.json",
    "gewerbeanmeldung/1.0.0.json",
    "hundesteuer-anmeldung/1.0.0.json",
    "hundesteuer-anmeldung/1.1.0.json",
    "meldebescheinigung/1.0.0.json",
}


def demo_doc() -> dict:
    return json.loads(DEMO.read_text("utf-8"))


def spec_of(municipality: dict, process_id: str) -> dict:
    spec = municipality["activations"][process_id]
    return {"authority": spec} if isinstance(spec, str) else spec


def semver(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in path.stem.split("."))


def state() -> dict:
    """Everything demo_setup writes, with timestamps that change on any save."""
    User = get_user_model()
    return {
        "municipalities": list(
            Municipality.objects.order_by("slug").values(
                "slug",
                "name",
                "ars",
                "kind",
                "parent__slug",
                "postcodes",
                "places",
                "host",
                "logo",
                "primary_color",
                "address",
                "phone",
                "email",
                "website",
            )
        ),
        "administrators": sorted(
            Municipality.administrators.through.objects.values_list(
                "municipality__slug", "user__username"
            )
        ),
        "legal_pages": list(
            LegalPage.objects.order_by("municipality__slug", "kind").values(
                "municipality__slug", "kind", "url", "body", "body_en", "updated_at"
            )
        ),
        "authorities": list(
            Authority.objects.order_by("municipality__slug", "slug").values(
                "municipality__slug", "slug", "name", "email"
            )
        ),
        "clerks": sorted(
            Authority.clerks.through.objects.values_list("authority__slug", "user__username")
        ),
        "activations": list(
            Activation.objects.order_by("municipality__slug", "process__identifier").values(
                "municipality__slug",
                "process__identifier",
                "authority__slug",
                "version__version",
                "parameter_values",
                "contact_text",
                "contact_text_en",
                "follow_patches",
                "is_active",
                "updated_at",
            )
        ),
        "users": list(
            User.objects.order_by("username").values(
                "username", "is_staff", "is_superuser", "password"
            )
        ),
        "logo_files": sorted(default_storage.listdir("logos")[1])
        if default_storage.exists("logos")
        else [],
    }


# --- demo_setup: idempotent, complete ---------------------------------------------------------


def test_demo_setup_twice_gives_the_same_state(empty_catalog):
    process_sync(directory=PROCESSES)
    first = demo_setup(path=DEMO)
    assert first.created
    before = state()
    second = demo_setup(path=DEMO)
    assert second.created == []
    assert state() == before
    assert len(before["municipalities"]) == 2
    assert before["logo_files"] == ["beispieltal.svg", "musterstadt.svg"]


def test_two_municipalities_of_different_kinds_with_their_own_profile(published_processes):
    stadt = Municipality.objects.get(slug="musterstadt")
    vg = Municipality.objects.get(slug="beispieltal")
    assert (stadt.kind, vg.kind) == ("stadt", "verbandsgemeinde")
    assert stadt.name == "Stadt Musterstadt" and vg.name == "Verbandsgemeinde Beispieltal"
    assert "99990" in vg.postcodes and "Oberbach" in vg.places
    assert "99999" in stadt.postcodes
    for municipality in (stadt, vg):
        assert municipality.address and municipality.phone
        assert municipality.email.endswith(".example")
        assert municipality.website.startswith("https://")
        assert contrast_ratio(municipality.primary_color) >= 4.5
        # The logo went through the default storage and is the shipped file.
        with default_storage.open(municipality.logo.name, "rb") as stored:
            assert stored.read() == (FIXTURES / "logos" / f"{municipality.slug}.svg").read_bytes()
        logo = municipality_logo(municipality)  # what case files print: accepted
        assert logo is not None and logo.media_type == "image/svg+xml"
    assert stadt.primary_color != vg.primary_color
    assert stadt.ars != vg.ars and stadt.ars[2:5] == vg.ars[2:5] == "999"


def test_the_logos_are_small_plain_svgs():
    for path in sorted((FIXTURES / "logos").glob("*.svg")):
        data = path.read_text("utf-8")
        assert len(data) < 4096
        assert data.startswith("<svg") and "<title" in data
        assert not re.search(r"<script|\bon[a-z]+=|href=|<image|<foreignObject", data, re.I)


def test_each_municipality_has_three_legal_pages_and_both_modes_are_shown(published_processes):
    pages = {
        (p.municipality.slug, p.kind): p for p in LegalPage.objects.select_related("municipality")
    }
    for slug in ("musterstadt", "beispieltal"):
        assert {kind for (s, kind) in pages if s == slug} == set(LegalPage.Kind.values)
    with_url = [p for p in pages.values() if p.url]
    assert [(p.municipality.slug, p.kind) for p in with_url] == [("beispieltal", "datenschutz")]
    assert with_url[0].url.startswith("https://") and not with_url[0].body
    for page in pages.values():
        if not page.url:
            assert page.body and page.body_en, page
    assert "§ 12b" in pages["musterstadt", "barrierefreiheit"].body
    assert "BITV 2.0" in pages["beispieltal", "barrierefreiheit"].body
    assert "Medienstaatsvertrag" in pages["musterstadt", "impressum"].body
    assert "DSGVO" in pages["musterstadt", "datenschutz"].body
    assert "Accessibility statement" in pages["musterstadt", "barrierefreiheit"].body_en


def test_authorities_clerks_and_administrators_belong_to_their_municipality(published_processes):
    User = get_user_model()
    steuer, ordnung = User.objects.get(username="steuer"), User.objects.get(username="ordnung")
    assert {a.municipality.slug for a in steuer.authorities.all()} == {"musterstadt"}
    assert {a.municipality.slug for a in ordnung.authorities.all()} == {"musterstadt"}
    for username in ("vg-steuer", "vg-ordnung"):
        user = User.objects.get(username=username)
        assert {a.municipality.slug for a in user.authorities.all()} == {"beispieltal"}
        assert not user.is_staff
    for slug in ("musterstadt", "beispieltal"):
        admin = User.objects.get(username=f"admin-{slug}")
        assert admin.is_staff and not admin.is_superuser
        assert list(admin.administered_municipalities.values_list("slug", flat=True)) == [slug]
        assert not admin.has_usable_password()  # DEMO_ADMIN_PASSWORD not set in tests


def test_municipality_administrators_get_the_admin_password_and_join_the_group(
    published_processes,
):
    User = get_user_model()
    assert not Group.objects.filter(name=MUNICIPALITY_ADMIN_GROUP).exists()
    demo_setup(path=DEMO)  # without the group: no failure, no group made
    assert not Group.objects.filter(name=MUNICIPALITY_ADMIN_GROUP).exists()

    group = Group.objects.create(name=MUNICIPALITY_ADMIN_GROUP)
    demo_setup(path=DEMO, admin_password="demo-admin-pw")
    for slug in ("musterstadt", "beispieltal"):
        admin = User.objects.get(username=f"admin-{slug}")
        assert admin.check_password("demo-admin-pw")
        assert list(admin.groups.all()) == [group]
    assert not User.objects.get(username="steuer").groups.exists()


# --- the same dog-tax version at different rates ----------------------------------------------


def test_both_offer_the_same_dog_tax_version_with_their_own_rates(published_processes):
    stadt = Activation.objects.get(process__identifier=DOG, municipality__slug="musterstadt")
    vg = Activation.objects.get(process__identifier=DOG, municipality__slug="beispieltal")
    assert stadt.version == vg.version == published_processes[DOG]
    assert stadt.version.definition.get("parameters")
    assert stadt.parameter_values["steuer_hund"] != vg.parameter_values["steuer_hund"]
    assert stadt.authority.municipality.slug == "musterstadt"
    assert vg.authority.municipality.slug == "beispieltal"


def _dog_sample_for(municipality_slug: str, name: str = "valid-normaler-hund") -> dict:
    """The sample answers, with the citizen living in the municipality."""
    sample = copy.deepcopy(load_sample(ANSWER_FIXTURES / DOG / f"{name}.json"))
    if municipality_slug == "beispieltal":
        sample["answers"]["halter"]["anschrift"].update(
            {"strasse": "Mühlweg", "hausnummer": "3", "plz": "99991", "ort": "Oberbach"}
        )
    return sample


@pytest.mark.parametrize(
    ("slug", "name", "shown", "amount"),
    [
        ("musterstadt", "valid-normaler-hund", "96,00 €", "96.00"),
        ("beispieltal", "valid-normaler-hund", "60,00 €", "60.00"),
        ("musterstadt", "valid-listenhund-mit-lastschrift", "600,00 €", "600.00"),
        ("beispieltal", "valid-listenhund-mit-lastschrift", "480,00 €", "480.00"),
    ],
)
def test_a_citizen_of_each_municipality_sees_and_is_assessed_its_own_amount(
    client, published_processes, slug, name, shown, amount
):
    sample = _dog_sample_for(slug, name)
    result = Flow(client, DOG, municipality_slug=slug).run(sample, submit=False)
    assert result.pointers == []
    draft = result.draft
    assert draft.process_version == published_processes[DOG]
    summary = client.get(reverse("citizen:summary", args=[draft.pk])).content.decode()
    assert shown in summary.replace("\xa0", " ")

    submit_url = reverse("citizen:submit", args=[draft.pk])
    assert client.get(submit_url).status_code == 200
    response = client.post(submit_url, {"declaration": sample["declarations"]})
    assert response.status_code == 302
    draft.refresh_from_db()
    case = Case.objects.get(pk=draft.submitted_case_id)
    assert case.municipality.slug == slug
    assert case.authority.municipality.slug == slug
    assert case.process_version == published_processes[DOG]
    assert case.payment_status == PaymentStatus.INVOICE  # the dog tax follows by notice
    assert case.payment_amount == Decimal(amount)
    # The case file carries its own municipality's letterhead, not the other's.
    own, other = ("Rathausplatz 1", "Talstraße 14")
    if slug == "beispieltal":
        own, other = other, own
    html = casefile_html(case)
    assert own in html and other not in html


def test_each_binding_names_its_own_creditor_and_leaves_no_reference(published_processes):
    from forms_engine.catalog.selectors import bound_definition

    for slug, creditor in (
        ("musterstadt", "Stadt Musterstadt"),
        ("beispieltal", "Verbandsgemeindekasse Beispieltal"),
    ):
        activation = Activation.objects.get(process__identifier=DOG, municipality__slug=slug)
        definition = bound_definition(activation.version, activation.parameter_values)
        assert creditor in definition.step("hund").description["de"]
        assert creditor in definition.step("hund").description["en"]
        assert "{{param:" not in json.dumps(definition.bound_doc, ensure_ascii=False)


# --- a process only one of them offers --------------------------------------------------------


def test_the_parking_permit_is_offered_by_the_town_only(api_client, published_processes):
    stadt = Municipality.objects.get(slug="musterstadt")
    vg = Municipality.objects.get(slug="beispieltal")
    assert PARKING in {o.process.identifier for o in offers(stadt)}
    assert PARKING not in {o.process.identifier for o in offers(vg)}
    assert DOG in {o.process.identifier for o in offers(vg)}

    sample = load_sample(ANSWER_FIXTURES / PARKING / "valid-ein-fahrzeug-12-monate.json")
    version = published_processes[PARKING].version
    body = submission_body(api_client, PARKING, sample, version)
    body["municipality"] = vg.ars
    response = api_client.post(version_url(PARKING, version) + "submissions/", body, format="json")
    assert response.status_code in (400, 403, 404), response.json()
    assert [e["code"] for e in response.json()["errors"]] == ["not_offered"]
    assert not Case.objects.exists()


# --- the shipped library ----------------------------------------------------------------------


def test_every_shipped_process_version_passes_process_check():
    out = io.StringIO()
    call_command("process_check", str(PROCESSES), stdout=out)
    files = sorted(PROCESSES.glob("*/*.json"))
    assert f"{len(files)} Datei(en) in Ordnung." in out.getvalue()


def _demo_facts() -> set[str]:
    """Names, places, streets, e-mail and web domains, zones and creditor ids of the demo
    municipalities (from fixtures/demo.json)."""
    facts: set[str] = set()
    for municipality in demo_doc()["municipalities"]:
        facts.add(municipality["name"])
        facts.add(municipality["name"].split(" ", 1)[-1])  # "Musterstadt", "Beispieltal"
        facts.update(re.split(r"\s*,\s*", ", ".join(municipality.get("places", []))))
        for line in municipality.get("address", "").splitlines():
            street = re.match(r"^(\D+?)\s+\d+\w?$", line)
            if street:
                facts.add(street[1])  # "Rathausplatz", "Talstraße"
        for key in ("email", "website"):
            facts.add(re.sub(r"^(https://|[^@]*@)(www\.)?", "", municipality[key]).split("/")[0])
        for authority in municipality["authorities"]:
            facts.add(authority["email"].split("@")[1])
            facts.add(authority["name"])
        for process_id in municipality["activations"]:
            for name, value in (spec_of(municipality, process_id).get("parameters") or {}).items():
                if isinstance(value, list):  # choices: the zone names
                    facts.update(option["label"]["de"] for option in value)
                elif name in ("steuerglaeubiger", "glaeubiger_id", "abholstelle"):
                    facts.add(value)
    return {fact for fact in facts if len(fact) >= 5}


def test_the_demo_facts_are_found_at_all():
    facts = _demo_facts()
    for expected in (
        "Musterstadt",
        "Beispieltal",
        "Oberbach",
        "Rathausplatz",
        "Talstraße",
        "musterstadt.example",
        "vg-beispieltal.example",
        "Zone D – Hafen",
        "DE85ZZZ00000099901",
    ):
        assert expected in facts


def test_no_shipped_process_carries_a_fact_of_a_demo_municipality():
    facts = _demo_facts()
    newest = {}
    for path in PROCESSES.glob("*/*.json"):
        if path.parent.name not in newest or semver(path) > semver(newest[path.parent.name]):
            newest[path.parent.name] = path
    for path in sorted(PROCESSES.glob("*/*.json")):
        name = f"{path.parent.name}/{path.name}"
        text = path.read_text("utf-8")
        found = sorted(fact for fact in facts if fact in text)
        if name in PRE_PARAMETER_VERSIONS:
            assert newest[path.parent.name] != path, f"{name} must not be the current version"
            continue
        assert found == [], f"{name} carries demo facts: {found}"


def test_no_demo_activation_offers_a_version_from_before_parameters():
    for municipality in demo_doc()["municipalities"]:
        for process_id in municipality["activations"]:
            spec = spec_of(municipality, process_id)
            # Without "version" the activation pins the current (newest) version.
            number = spec.get("version") or max(
                (p.stem for p in PROCESSES.glob(f"{process_id}/*.json")),
                key=lambda stem: tuple(int(x) for x in stem.split(".")),
            )
            assert f"{process_id}/{number}.json" not in PRE_PARAMETER_VERSIONS


# --- bad demo files: a clear message naming the place, nothing changed -------------------------


def _write(tmp_path, doc) -> Path:
    for municipality in doc["municipalities"]:
        if municipality.get("logo"):
            municipality["logo"] = str(FIXTURES / municipality["logo"])
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return path


def _dog(doc, slug="beispieltal") -> dict:
    municipality = next(m for m in doc["municipalities"] if m["slug"] == slug)
    return municipality["activations"][DOG]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda doc: _dog(doc).update(version="9.9.9"),
            ["Verbandsgemeinde Beispieltal", DOG, "9.9.9", "1.2.0"],
        ),
        (
            lambda doc: _dog(doc)["parameters"].update(steuer_hund="5000.00"),
            ["Verbandsgemeinde Beispieltal", DOG, "/steuer_hund", "1500.00"],
        ),
        (
            lambda doc: _dog(doc)["parameters"].pop("glaeubiger_id"),
            ["Verbandsgemeinde Beispieltal", DOG, "/glaeubiger_id", "Pflicht"],
        ),
        (
            lambda doc: _dog(doc)["parameters"].update(steuersatz="96.00"),
            ["Verbandsgemeinde Beispieltal", DOG, "/steuersatz", "nicht"],
        ),
        (
            lambda doc: _dog(doc).update(authority="kaemmerei"),
            ["Verbandsgemeinde Beispieltal", DOG, "kaemmerei"],
        ),
        (
            lambda doc: _dog(doc).update(versoin="1.2.0"),
            ["Verbandsgemeinde Beispieltal", DOG, "versoin"],
        ),
        (
            lambda doc: doc["municipalities"][1].update(kind="dorf"),
            ["Verbandsgemeinde Beispieltal", "dorf", "verbandsgemeinde"],
        ),
        (
            lambda doc: doc["municipalities"][1].update(primary_color="#7fbf7f"),
            ["Verbandsgemeinde Beispieltal", "#7fbf7f", "4.5"],
        ),
        (
            lambda doc: doc["municipalities"][1]["legal_pages"].update(datenschutz={}),
            ["Verbandsgemeinde Beispieltal", "datenschutz", "url"],
        ),
        (
            lambda doc: doc["municipalities"][0].update(email="keine-adresse"),
            ["Stadt Musterstadt", "email"],
        ),
    ],
    ids=[
        "unknown-version",
        "rate-above-maximum",
        "required-parameter-missing",
        "undeclared-parameter",
        "unknown-authority",
        "misspelt-key",
        "unknown-kind",
        "low-contrast-colour",
        "legal-page-without-content",
        "bad-email",
    ],
)
def test_a_bad_demo_file_is_refused_clearly_and_changes_nothing(
    tmp_path, published_processes, change, expected
):
    doc = demo_doc()
    change(doc)
    before = state()
    with pytest.raises(DemoSetupError) as refused:
        demo_setup(path=_write(tmp_path, doc))
    message = str(refused.value)
    assert message.startswith("demo.json, ")
    for part in expected:
        assert part in message, (part, message)
    assert state() == before


def test_the_short_form_still_works_and_pins_the_current_version(tmp_path, empty_catalog):
    process_sync(directory=PROCESSES)
    doc = demo_doc()
    stadt = doc["municipalities"][0]
    stadt["activations"] = {"auskunftssperre": "ordnungsamt"}
    doc["municipalities"] = [stadt]
    doc["clerks"] = [c for c in doc["clerks"] if c["authority"].startswith("musterstadt/")]
    demo_setup(path=_write(tmp_path, doc))
    activation = Activation.objects.get()
    assert activation.process.identifier == "auskunftssperre"
    assert activation.version == ProcessVersion.objects.get(
        process__identifier="auskunftssperre", version="1.0.0"
    )
    assert activation.parameter_values == {}


def test_the_short_form_of_a_new_activation_needs_no_parameters_only_where_none_are_required(
    tmp_path, empty_catalog
):
    process_sync(directory=PROCESSES)
    doc = demo_doc()
    vg = doc["municipalities"][1]
    vg["activations"] = {DOG: "finanzen"}  # pins the current version, whose rates are required
    doc["municipalities"] = [vg]
    doc["clerks"] = []
    with pytest.raises(DemoSetupError) as refused:
        demo_setup(path=_write(tmp_path, doc))
    message = str(refused.value)
    for part in ("Verbandsgemeinde Beispieltal", DOG, "/steuer_hund", "Pflicht", "required"):
        assert part in message, (part, message)
    assert not Municipality.objects.exists()  # nothing of the run is left


def test_the_demo_setup_command_reports_a_bad_file_without_a_traceback(
    tmp_path, published_processes
):
    from django.core.management.base import CommandError

    doc = demo_doc()
    _dog(doc).update(version="0.0.1")
    with pytest.raises(CommandError, match="Beispieltal.*hundesteuer-anmeldung.*0.0.1"):
        call_command("demo_setup", file=str(_write(tmp_path, doc)))


def test_the_shared_start_page_shows_no_placeholder_amount(client, published_processes):
    """Two municipalities offer the dog tax at different rates: the shared page names the
    fees without amounts; each municipality's own page shows its own."""
    page = client.get(reverse("citizen:start", args=[DOG])).content.decode()
    assert "0,00 €" not in page.replace("\xa0", " ")
    assert "je nach Kommune" in page
    own = client.get(reverse("citizen:municipality_start", args=["beispieltal", DOG]))
    assert "60,00" in own.content.decode()
