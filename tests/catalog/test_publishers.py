"""Issue 8, part 1: a process belongs to a publisher; two publishers may use the same id.

The session library (processes/, demo_setup) belongs to the installation's own publisher
(settings FORMS_DEFAULT_PUBLISHER). Here a second publisher, "Kreis Nord", syncs its own
`hundesteuer-anmeldung` (same id, other content) with `process_sync --publisher`, and a second
municipality offers it. Every lookup by id alone is then either taken from its context
(activation, draft, case) or refused with the candidates named; with the publisher named
it finds the right one. Both published versions stay immutable and hash-pinned.
"""

from __future__ import annotations

import io
import json
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from forms_engine.catalog.exceptions import AmbiguousProcess, ImmutableVersionError
from forms_engine.catalog.models import (
    Activation,
    Authority,
    Municipality,
    Process,
    ProcessVersion,
    Publisher,
)
from forms_engine.catalog.selectors import process_resolve, shared_catalog, version_get
from forms_engine.catalog.services import (
    demo_setup,
    process_sync,
    process_version_create_draft,
)
from forms_engine.definitions import definition_sha256
from tests.conftest import ANSWER_FIXTURES, MUSTERSTADT_ARS

pytestmark = pytest.mark.django_db

PID = "hundesteuer-anmeldung"
# the shipped current version (the highest file of the library)
VERSION = max(
    (p.stem for p in (settings.FORMS_PROCESS_LIBRARY / PID).glob("*.json")),
    key=lambda v: tuple(int(x) for x in v.split(".")),
)
NORD = "kreis-nord"
NORD_NAME = "Kreis Nord"
NORD_ARS = "099990010000"
NORD_TITLE = "Hundesteuer anmelden (Kreis Nord)"


def nord_doc() -> dict:
    """The shipped definition with its own title: same id and version, other content."""
    doc = json.loads((settings.FORMS_PROCESS_LIBRARY / PID / f"{VERSION}.json").read_text("utf-8"))
    doc["title"] = {"de": NORD_TITLE, "en": "Register a dog (Kreis Nord)"}
    return doc


def nord_library(tmp_path, doc=None):
    library = tmp_path / "nord"
    (library / PID).mkdir(parents=True, exist_ok=True)
    (library / PID / f"{VERSION}.json").write_text(json.dumps(doc or nord_doc()), "utf-8")
    return library


def sync_nord(tmp_path, doc=None) -> str:
    out = io.StringIO()
    call_command(
        "process_sync",
        str(nord_library(tmp_path, doc)),
        "--publisher",
        NORD,
        "--publisher-name",
        NORD_NAME,
        stdout=out,
    )
    return out.getvalue()


@pytest.fixture
def two_publishers(published_processes, tmp_path):
    """Kreis Nord's Hundesteuer synced, and offered by the municipality Nordheim
    (Musterstadt offers the installation's own)."""
    sync_nord(tmp_path)
    nordheim = Municipality.objects.create(name="Nordheim", ars=NORD_ARS, slug="nordheim")
    office = Authority.objects.create(municipality=nordheim, name="Steueramt", slug="steueramt")
    process = Process.objects.get(publisher__slug=NORD, identifier=PID)
    # the shared definition declares the rates as parameters: Nordheim sets Musterstadt's
    values = Activation.objects.get(
        process=published_processes[PID].process, municipality__ars=MUSTERSTADT_ARS
    ).parameter_values
    activation = Activation(
        process=process, municipality=nordheim, authority=office, parameter_values=values
    )
    activation.full_clean()
    activation.save()
    return {
        "own": published_processes[PID],
        "nord": ProcessVersion.objects.get(process=process, version=VERSION),
        "nordheim": nordheim,
        "activation": activation,
    }


# --- identity: same id, two publishers, two processes -----------------------------------


def test_two_publishers_syncing_the_same_id_get_two_processes_each_hash_pinned(
    published_processes, tmp_path
):
    output = sync_nord(tmp_path)

    assert f"Herausgeber / publisher: {NORD} ({NORD_NAME})" in output
    processes = Process.objects.filter(identifier=PID).select_related("publisher")
    assert sorted(p.publisher.slug for p in processes) == sorted(
        [settings.FORMS_DEFAULT_PUBLISHER[0], NORD]
    )
    own = published_processes[PID]
    nord = ProcessVersion.objects.get(process__publisher__slug=NORD, process__identifier=PID)
    assert nord.status == ProcessVersion.Status.PUBLISHED
    assert nord.sha256 == definition_sha256(nord_doc()) == definition_sha256(nord.definition)
    assert own.sha256 == definition_sha256(own.definition) != nord.sha256
    assert nord.title == NORD_TITLE and own.title != NORD_TITLE
    assert str(nord.process) == f"{NORD}/{PID}"


def test_process_sync_with_a_publisher_is_idempotent_and_leaves_the_own_library_alone(
    published_processes, tmp_path
):
    own = published_processes[PID]
    sync_nord(tmp_path)
    output = sync_nord(tmp_path)

    assert "0 neu, 1 unverändert" in output
    assert ProcessVersion.objects.get(pk=own.pk).sha256 == own.sha256
    assert Publisher.objects.get(slug=NORD).name == NORD_NAME


def test_process_sync_without_publisher_syncs_into_the_default_publisher(empty_catalog, tmp_path):
    call_command("process_sync", str(nord_library(tmp_path)), stdout=io.StringIO())

    process = Process.objects.get(identifier=PID)
    assert process.publisher.slug == settings.FORMS_DEFAULT_PUBLISHER[0]
    assert process.publisher.name == settings.FORMS_DEFAULT_PUBLISHER[1]


def test_process_sync_refuses_a_publisher_slug_that_is_no_slug(published_processes, tmp_path):
    with pytest.raises(CommandError, match="keine gültige Herausgeber-Kennung"):
        call_command("process_sync", str(nord_library(tmp_path)), "--publisher", "Kreis Nord!")
    assert not Publisher.objects.filter(name__contains="Nord").exists()


def test_shipped_library_and_demo_data_belong_to_the_default_publisher(published_processes):
    default = settings.FORMS_DEFAULT_PUBLISHER[0]
    assert {v.process.publisher.slug for v in published_processes.values()} == {default}
    offered = Activation.objects.filter(municipality__ars=MUSTERSTADT_ARS)
    assert offered.exists()
    assert {a.process.publisher.slug for a in offered} == {default}


def test_demo_setup_offers_another_publishers_process_when_named(two_publishers, tmp_path):
    demo = tmp_path / "demo.json"
    demo.write_text(
        json.dumps(
            {
                "municipalities": [
                    {
                        "name": "Südheim",
                        "ars": "099990020000",
                        "slug": "suedheim",
                        "authorities": [{"slug": "amt", "name": "Amt"}],
                        "activations": {
                            PID: {
                                "authority": "amt",
                                "publisher": NORD,
                                "parameters": two_publishers["activation"].parameter_values,
                            }
                        },
                    }
                ]
            }
        ),
        "utf-8",
    )
    demo_setup(path=demo)

    offered = Activation.objects.filter(municipality__slug="suedheim").select_related(
        "process__publisher"
    )
    assert [a.process for a in offered] == [two_publishers["nord"].process]


# --- immutability holds for both -------------------------------------------------------


def test_both_published_versions_stay_immutable_on_every_path(two_publishers, tmp_path):
    own, nord = two_publishers["own"], two_publishers["nord"]
    for version in (own, nord):
        stored_sha = version.sha256
        changed = ProcessVersion.objects.get(pk=version.pk)
        changed.definition = {**changed.definition, "title": {"de": "geändert"}}
        with pytest.raises(ImmutableVersionError):
            changed.save()
        with pytest.raises(ImmutableVersionError):
            ProcessVersion.objects.filter(pk=version.pk).update(title="geändert")
        with pytest.raises(ImmutableVersionError):
            ProcessVersion.objects.filter(pk=version.pk).delete()
        with pytest.raises(ImmutableVersionError):
            version.delete()
        with pytest.raises(ImmutableVersionError):
            process_version_create_draft(
                doc=dict(version.definition), publisher=version.process.publisher
            )
        assert ProcessVersion.objects.get(pk=version.pk).sha256 == stored_sha

    # A changed file for Kreis Nord's published number is refused; nothing changes.
    doc = nord_doc()
    doc["title"]["de"] = "Noch einmal anders"
    report = process_sync(
        directory=nord_library(tmp_path / "x", doc), publisher=nord.process.publisher
    )
    assert [e.identifier for e in report.refused] == [PID]
    assert ProcessVersion.objects.get(pk=nord.pk).sha256 == nord.sha256
    assert ProcessVersion.objects.get(pk=own.pk).sha256 == own.sha256


def test_a_new_draft_of_one_publisher_does_not_touch_the_other(two_publishers):
    doc = nord_doc()
    doc["version"] = "9.0.0"
    draft = process_version_create_draft(
        doc=doc, publisher=two_publishers["nord"].process.publisher
    )

    assert draft.process == two_publishers["nord"].process
    own_process = two_publishers["own"].process
    assert not own_process.versions.filter(version="9.0.0").exists()


# --- lookups by id: resolved from context, or refused with the candidates ----------------


def test_resolving_an_id_two_publishers_use_needs_the_publisher(two_publishers):
    with pytest.raises(AmbiguousProcess) as refused:
        process_resolve(identifier=PID)
    assert [slug for slug, _name in refused.value.candidates] == sorted(
        [NORD, settings.FORMS_DEFAULT_PUBLISHER[0]]
    )
    assert "mehrere Herausgeber" in refused.value.message
    assert NORD in refused.value.message_en

    assert process_resolve(identifier=PID, publisher=NORD) == two_publishers["nord"].process
    assert version_get(identifier=PID, version=VERSION, publisher=NORD) == two_publishers["nord"]
    assert version_get(identifier=PID, version=VERSION, publisher="unbekannt") is None
    # An id only one publisher uses needs no publisher.
    assert process_resolve(identifier="gewerbeanmeldung") is not None


def test_a_process_with_drafts_only_is_no_candidate_for_published_lookups(published_processes):
    other = Publisher.objects.create(slug="entwurf", name="Nur Entwürfe")
    process_version_create_draft(doc=nord_doc(), publisher=other)

    visible = (ProcessVersion.Status.PUBLISHED, ProcessVersion.Status.RETIRED)
    found = version_get(identifier=PID, version=VERSION, statuses=visible)
    assert found == published_processes[PID]
    with pytest.raises(AmbiguousProcess):
        version_get(identifier=PID, version=VERSION)


def test_a_municipality_offers_one_of_them_and_drafts_start_on_its_publishers_version(
    client, two_publishers
):
    nord = two_publishers["nord"]
    start = f"/leistungen/{PID}/?herausgeber={NORD}"

    page = client.get(start)
    assert page.status_code == 200
    assert NORD_TITLE in page.content.decode()
    response = client.post(start, {"municipality": "nordheim"})
    assert response.status_code == 302

    from forms_engine.citizen.models import Draft

    draft = Draft.objects.get()
    assert draft.process_version == nord
    assert draft.definition_sha256 == nord.sha256
    assert draft.municipality == two_publishers["nordheim"]
    # The first step's back link names the publisher: right whatever else uses the id.
    step = client.get(response["Location"]).content.decode()
    assert f'href="/nordheim/leistungen/{PID}/?herausgeber={NORD}"' in step


def test_the_start_page_without_publisher_lets_the_citizen_choose(client, two_publishers):
    page = client.get(f"/leistungen/{PID}/")

    content = page.content.decode()
    assert page.status_code == 200
    assert f"/leistungen/{PID}/?herausgeber={NORD}" in content
    default = settings.FORMS_DEFAULT_PUBLISHER[0]
    assert f"/leistungen/{PID}/?herausgeber={default}" in content
    assert f"– {NORD_NAME}" in content
    # a POST without the publisher starts nothing
    from forms_engine.citizen.models import Draft

    client.post(f"/leistungen/{PID}/", {"municipality": "nordheim"})
    assert not Draft.objects.exists()


def test_the_shared_catalog_lists_both_with_their_publishers(client, two_publishers):
    listing = shared_catalog()
    mine = [e for e in listing.entries if e.process.identifier == PID]
    assert sorted(e.process.publisher.slug for e in mine) == sorted(
        [NORD, settings.FORMS_DEFAULT_PUBLISHER[0]]
    )
    assert listing.only_municipality is None

    content = client.get("/").content.decode()
    assert content.count(f"/leistungen/{PID}/?herausgeber=") == 2
    assert f'id="leistung-{NORD}-{PID}"' in content
    # other processes keep their plain links
    assert 'href="/leistungen/gewerbeanmeldung/"' in content


def test_the_start_page_with_an_unknown_publisher_is_not_found(client, two_publishers):
    assert client.get(f"/leistungen/{PID}/?herausgeber=unbekannt").status_code == 404


# --- the API ------------------------------------------------------------------------------


def test_api_process_list_names_each_processes_publisher(api_client, two_publishers):
    items = api_client.get("/api/processes/").json()

    mine = sorted(
        (i["publisher"]["slug"], i["publisher"]["name"], i["sha256"])
        for i in items
        if i["id"] == PID
    )
    default_slug, _name = settings.FORMS_DEFAULT_PUBLISHER
    own_publisher = Publisher.objects.get(slug=default_slug)
    assert mine == sorted(
        [
            (NORD, NORD_NAME, two_publishers["nord"].sha256),
            (default_slug, own_publisher.name, two_publishers["own"].sha256),
        ]
    )
    nord = next(i for i in items if i["id"] == PID and i["publisher"]["slug"] == NORD)
    assert nord["municipalities"] == [
        {
            "ars": NORD_ARS,
            "name": "Nordheim",
            "slug": "nordheim",
            "version": VERSION,
            "sha256": two_publishers["nord"].sha256,
        }
    ]


@pytest.mark.parametrize("suffix", ["", "data-schema/"])
def test_api_lookup_of_an_ambiguous_id_answers_409_naming_the_candidates(
    api_client, two_publishers, suffix
):
    response = api_client.get(f"/api/processes/{PID}/versions/{VERSION}/{suffix}")

    assert response.status_code == 409
    [problem] = response.json()["errors"]
    assert problem["code"] == "process_ambiguous"
    assert NORD in problem["message"] and NORD in problem["message_en"]
    assert settings.FORMS_DEFAULT_PUBLISHER[0] in problem["message"]
    assert "publisher" in problem["message_en"]


def test_api_lookup_with_the_publisher_finds_the_right_one(api_client, two_publishers):
    nord = api_client.get(f"/api/processes/{PID}/versions/{VERSION}/?publisher={NORD}").json()
    own = api_client.get(
        f"/api/processes/{PID}/versions/{VERSION}/?publisher={settings.FORMS_DEFAULT_PUBLISHER[0]}"
    ).json()

    assert nord["sha256"] == two_publishers["nord"].sha256
    assert nord["publisher"] == {"slug": NORD, "name": NORD_NAME}
    assert nord["definition"]["title"]["de"] == NORD_TITLE
    assert own["sha256"] == two_publishers["own"].sha256
    schema = api_client.get(
        f"/api/processes/{PID}/versions/{VERSION}/data-schema/?publisher={NORD}"
    )
    assert schema.status_code == 200


def test_api_unknown_or_malformed_publisher(api_client, two_publishers):
    unknown = api_client.get(f"/api/processes/{PID}/versions/{VERSION}/?publisher=niemand")
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["code"] == "not_found"
    bad = api_client.get(f"/api/processes/{PID}/versions/{VERSION}/?publisher={quote('a b/c')}")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["code"] == "invalid_publisher"
    empty = api_client.get(f"/api/processes/{PID}/versions/{VERSION}/?publisher=")
    assert empty.status_code == 400


def _sample_answers() -> dict:
    sample = json.loads((ANSWER_FIXTURES / PID / "valid-normaler-hund.json").read_text("utf-8"))
    return {"answers": sample["answers"], "declarations": sample.get("declarations", [])}


def test_api_submission_to_an_ambiguous_id_is_refused_and_with_publisher_lands_right(
    api_client, two_publishers
):
    from forms_engine.cases.models import Case

    body = {"municipality": NORD_ARS, **_sample_answers()}
    url = f"/api/processes/{PID}/versions/{VERSION}/submissions/"

    refused = api_client.post(url, body, format="json")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "process_ambiguous"
    assert not Case.objects.exists()

    created = api_client.post(f"{url}?publisher={NORD}", body, format="json")
    assert created.status_code == 201, created.json()
    case = Case.objects.get()
    assert case.process_version == two_publishers["nord"]
    assert case.authority.municipality == two_publishers["nordheim"]

    # Kreis Nord's process is not offered in Musterstadt: refused, nothing stored.
    elsewhere = api_client.post(
        f"{url}?publisher={NORD}", {**body, "municipality": MUSTERSTADT_ARS}, format="json"
    )
    assert elsewhere.status_code == 400
    assert elsewhere.json()["errors"][0]["code"] == "not_offered"
    assert Case.objects.count() == 1


def test_api_upload_to_an_ambiguous_id_answers_409_and_with_publisher_is_stored(
    api_client, two_publishers, upload_file
):
    url = f"/api/processes/{PID}/versions/{VERSION}/uploads/"

    def upload(query=""):
        return api_client.post(
            url + query,
            {"file": upload_file("sachkunde.pdf"), "field": "/sachkunde/nachweis"},
            format="multipart",
        )

    refused = upload()
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "process_ambiguous"
    assert upload("?publisher=niemand").status_code == 404
    stored = upload(f"?publisher={NORD}")
    assert stored.status_code == 201, stored.json()

    from forms_engine.citizen.models import Upload

    assert (
        Upload.objects.get(pk=stored.json()["ref"].removeprefix("upload:")).process_version
        == two_publishers["nord"]
    )


def test_openapi_schema_documents_the_publisher(api_client):
    schema = api_client.get("/api/schema/?format=json").json()

    item = schema["components"]["schemas"]["ProcessListItem"]
    assert "publisher" in item["required"]
    version_get_op = schema["paths"]["/api/processes/{process_id}/versions/{version}/"]["get"]
    assert any(
        p["name"] == "publisher" and p["in"] == "query" for p in version_get_op["parameters"]
    )
    assert "409" in version_get_op["responses"]


# --- the clerk's inbox filter and the admin -----------------------------------------------


def test_inbox_filter_names_the_publisher_where_a_clerk_has_both(two_publishers, clerk_steuer):
    from forms_engine.cases import selectors

    # Musterstadt's Steueramt offers Kreis Nord's Hundesteuer too.
    steueramt = Authority.objects.get(municipality__ars=MUSTERSTADT_ARS, slug="steueramt")
    Activation.objects.create(
        process=two_publishers["nord"].process,
        municipality=steueramt.municipality,
        authority=steueramt,
    )

    choices = dict(selectors.inbox_processes(clerk_steuer))
    own = f"{settings.FORMS_DEFAULT_PUBLISHER[0]}/{PID}"
    assert set(choices) == {own, f"{NORD}/{PID}"}
    assert choices[f"{NORD}/{PID}"].endswith(f"– {NORD_NAME}")
    assert list(selectors.inbox_cases(clerk_steuer, process=f"{NORD}/{PID}")) == []


def test_publisher_admin_is_for_superusers_and_the_process_list_filters_by_publisher(
    client, admin_user, two_publishers
):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    client.force_login(admin_user)
    assert client.get("/admin/catalog/publisher/").status_code == 200
    nord = Publisher.objects.get(slug=NORD)
    listing = client.get(f"/admin/catalog/process/?publisher__id__exact={nord.pk}")
    assert listing.status_code == 200
    content = listing.content.decode()
    assert NORD_NAME in content
    assert content.count(f">{PID}<") == 1

    staff = get_user_model().objects.create_user(
        "redaktion", password="x-redaktion-pw", is_staff=True
    )
    staff.user_permissions.add(*Permission.objects.filter(codename__endswith="_publisher"))
    client.force_login(staff)
    assert client.get("/admin/catalog/publisher/").status_code == 403


def test_admin_creates_a_draft_for_the_chosen_publisher(client, admin_user, two_publishers):
    client.force_login(admin_user)
    doc = nord_doc()
    doc["version"] = "2.0.0"
    nord = Publisher.objects.get(slug=NORD)
    response = client.post(
        "/admin/catalog/processversion/add/",
        {"publisher": nord.pk, "definition": json.dumps(doc)},
    )
    assert response.status_code == 302
    draft = ProcessVersion.objects.get(version="2.0.0", process__identifier=PID)
    assert draft.process.publisher == nord
    assert draft.status == ProcessVersion.Status.DRAFT


def test_a_municipality_offering_both_lets_the_citizen_choose_on_its_own_path(
    client, two_publishers
):
    musterstadt = Municipality.objects.get(ars=MUSTERSTADT_ARS)
    Activation.objects.create(
        process=two_publishers["nord"].process,
        municipality=musterstadt,
        authority=Authority.objects.get(municipality=musterstadt, slug="steueramt"),
        parameter_values=two_publishers["activation"].parameter_values,
    )
    path = f"/musterstadt/leistungen/{PID}/"

    choice = client.get(path).content.decode()
    assert f"{path}?herausgeber={NORD}" in choice
    assert f"{path}?herausgeber={settings.FORMS_DEFAULT_PUBLISHER[0]}" in choice
    assert NORD_TITLE in client.get(f"{path}?herausgeber={NORD}").content.decode()
    catalog = client.get("/musterstadt/").content.decode()
    assert catalog.count(f"{path}?herausgeber=") == 2
    assert f"– {NORD_NAME}" in catalog
    # Nordheim offers only Kreis Nord's: its own path needs no choice.
    assert NORD_TITLE in client.get(f"/nordheim/leistungen/{PID}/").content.decode()


def test_the_finder_passes_the_publisher_on(client, two_publishers):
    response = client.get(
        "/kommune-finden/", {"q": "Nordheim", "leistung": PID, "herausgeber": NORD}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/nordheim/leistungen/{PID}/?herausgeber={NORD}"
    # Without the publisher the finder still answers (never a 500).
    assert client.get("/kommune-finden/", {"q": "Nordheim", "leistung": PID}).status_code in (
        200,
        302,
    )
