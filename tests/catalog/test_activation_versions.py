"""Moving an offering to a newer version is an explicit act per municipality.

A municipality moves to a new version while drafts are open on the old one: those drafts
finish on the old version and its parameter values, new drafts start on the new one. Two
municipalities offer different versions of one process at the same time. `follow_patches`
takes patch releases over (not minor ones) when the values fit; values that do not fit are
refused and nothing changes; retiring a version moves its offerings where the values fit.
Through the admin page "Version wechseln", the citizen pages and the API.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from forms_engine.cases.models import Case
from forms_engine.catalog.exceptions import InvalidTransition
from forms_engine.catalog.models import Activation, Authority, Municipality, ProcessVersion
from forms_engine.catalog.selectors import activation_upgrade_preview, bound_definition
from forms_engine.catalog.services import (
    activation_upgrade,
    process_version_create_draft,
    process_version_publish,
    process_version_retire,
)
from forms_engine.citizen.models import Draft
from forms_engine.core.models import AuditEntry
from tests.citizen.flow import Flow

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).parents[1] / "definitions" / "examples" / "parkausweis-parameter.json"
PROCESS_ID = "parkausweis-efa"
HAFEN_ARS, BERG_ARS = "099990000101", "099990000102"
HAFEN_VALUES = {
    "ort": "Hafenstadt",
    "gebuehr": "120.00",
    "zonen": [{"value": "d", "label": {"de": "Zone D – Hafen", "en": "Zone D – harbour"}}],
}
BERG_VALUES = {"ort": "Bergdorf", "gebuehr": "45.50"}
SAMPLES = {
    "hafenstadt": {"answers": {"antrag": {"zone": "d", "kennzeichen": "HS-X 1"}}},
    "bergdorf": {"answers": {"antrag": {"zone": "a", "kennzeichen": "BD-Y 2"}}},
}


def _doc(version: str) -> dict:
    doc = json.loads(EXAMPLE.read_text("utf-8"))
    doc["id"] = PROCESS_ID
    doc["version"] = version
    return doc


def _publish(doc: dict) -> ProcessVersion:
    return process_version_publish(version=process_version_create_draft(doc=doc))


def _minor_doc() -> dict:
    """1.1.0: a new required parameter (the office's name), a wider fee range, a new
    optional field and a renamed fee."""
    doc = _doc("1.1.0")
    doc["parameters"]["amt"] = {
        "type": "text",
        "label": {"de": "Zuständiges Amt", "en": "Responsible office"},
        "max_length": 120,
    }
    doc["parameters"]["gebuehr"]["maximum"] = "300.00"
    doc["steps"][0]["description"]["de"] = "Zuständig: {{param:amt}}."
    doc["steps"][0]["schema"]["properties"]["hinweis"] = {
        "type": "string",
        "title": "Hinweis an das Amt",
        "maxLength": 500,
    }
    doc["payment"]["fees"][0]["label"] = {"de": "Gebühr für ein Jahr"}
    for test in doc["tests"]:
        test["parameters"]["amt"] = "Ordnungsamt"
    return doc


def _patch_doc(**gebuehr) -> dict:
    """1.0.1: a corrected text; `gebuehr` overrides the fee parameter's declaration."""
    doc = _doc("1.0.1")
    doc["steps"][0]["schema"]["properties"]["kennzeichen"]["title"] = "Kfz-Kennzeichen"
    doc["parameters"]["gebuehr"].update(gebuehr)
    for test in doc["tests"]:  # the designer tests stay within the new limits
        if "gebuehr" in test.get("parameters", {}):
            test["parameters"]["gebuehr"] = test["expect"]["fee_total"] = "90.00"
    return doc


@pytest.fixture
def v1(published_processes):
    return _publish(_doc("1.0.0"))


@pytest.fixture
def towns(v1):
    result = {}
    for slug, name, ars, values in (
        ("hafenstadt", "Hafenstadt", HAFEN_ARS, HAFEN_VALUES),
        ("bergdorf", "Bergdorf", BERG_ARS, BERG_VALUES),
    ):
        municipality = Municipality.objects.create(name=name, ars=ars, slug=slug)
        authority = Authority.objects.create(
            municipality=municipality, name=f"Ordnungsamt {name}", slug="ordnungsamt"
        )
        activation = Activation(
            process=v1.process,
            municipality=municipality,
            authority=authority,
            parameter_values=copy.deepcopy(values),
        )
        activation.full_clean()
        activation.save()
        result[slug] = activation
    return result


@pytest.fixture
def v11(towns):
    return _publish(_minor_doc())


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("chef", "chef@example.org", "x-chef-pw")


@pytest.fixture
def hafen_admin(towns):
    """Administrator of Hafenstadt (staff, no superuser): may move Hafenstadt's offerings."""
    user = get_user_model().objects.create_user("hafen-admin", password="x-pw", is_staff=True)
    towns["hafenstadt"].municipality.administrators.add(user)
    return user


def change_version_url(activation) -> str:
    return reverse("admin:catalog_activation_change_version", args=[activation.pk])


def move_values(**extra) -> dict:
    return {
        "ort": "Hafenstadt",
        "gebuehr": "150,00",
        "zonen": "d | Zone D – Hafen | Zone D – harbour\ne | Zone E – Altstadt",
        "amt": "Ordnungsamt Hafenstadt",
        **extra,
    }


def filled_draft(client, slug) -> Draft:
    result = Flow(client, PROCESS_ID, municipality_slug=slug).run(SAMPLES[slug], submit=False)
    assert result.pointers == []
    result.draft.refresh_from_db()
    return result.draft


def submit_draft(client, draft) -> Case:
    submit_url = reverse("citizen:submit", args=[draft.pk])
    assert client.get(submit_url).status_code == 200
    response = client.post(submit_url, {"declaration": []})
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    return draft.submitted_case


# --- the acceptance scenario -------------------------------------------------------------


def test_open_drafts_finish_on_the_old_version_and_values_new_drafts_start_on_the_new(
    client, superuser, towns, v1, v11
):
    citizen = Client()
    old_draft = filled_draft(citizen, "hafenstadt")
    assert old_draft.process_version == v1

    admin = Client()
    admin.force_login(superuser)
    page = admin.get(change_version_url(towns["hafenstadt"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Parameter „amt“ neu (Pflicht, ohne Vorgabe): Text „Zuständiges Amt“" in text
    assert "Parameter „gebuehr“: Höchstwert 200,00 € → 300,00 €" in text
    assert "Nebenversion" in text
    assert "1 begonnener Antrag auf Version 1.0.0" in text
    # the stored values lack the new required parameter: said before anything is posted
    assert 'id="value-problems"' in text and "amt:" in text

    response = admin.post(
        change_version_url(towns["hafenstadt"]), {"version": v11.pk, **move_values()}
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    activation = Activation.objects.get(pk=towns["hafenstadt"].pk)
    assert activation.version == v11
    assert activation.parameter_values["gebuehr"] == "150.00"
    assert activation.parameter_values["amt"] == "Ordnungsamt Hafenstadt"
    assert [z["value"] for z in activation.parameter_values["zonen"]] == ["d", "e"]
    entry = AuditEntry.objects.get(action="activation.version_changed")
    assert entry.actor == superuser
    assert entry.data["from"] == "1.0.0" and entry.data["to"] == "1.1.0"
    assert entry.data["reason"] == "admin"
    assert entry.data["changed_parameters"] == ["amt", "gebuehr", "zonen"]

    # the draft started before the move finishes on 1.0.0 with its own values
    summary = citizen.get(reverse("citizen:summary", args=[old_draft.pk])).content.decode()
    assert "120,00 €" in summary and "150,00 €" not in summary
    case = submit_draft(citizen, old_draft)
    assert case.process_version == v1
    assert case.parameter_values == HAFEN_VALUES
    assert bound_definition(case.process_version, case.parameter_values).fee_total(
        case.answers
    ) == Decimal("120.00")

    # a new draft starts on 1.1.0 with the new values
    new_draft = filled_draft(Client(), "hafenstadt")
    assert new_draft.process_version == v11
    assert new_draft.parameter_values == activation.parameter_values


def test_a_new_draft_after_the_move_is_filed_with_the_new_version_and_values(
    client, superuser, towns, v11
):
    activation_upgrade(
        activation=towns["hafenstadt"],
        version=v11,
        parameter_values={**HAFEN_VALUES, "gebuehr": "150.00", "amt": "Ordnungsamt Hafenstadt"},
        by=superuser,
    )

    result = Flow(client, PROCESS_ID, municipality_slug="hafenstadt").run(SAMPLES["hafenstadt"])

    assert result.case_reference, result.pointers
    case = result.draft.submitted_case
    assert case.process_version == v11
    assert case.parameter_values["amt"] == "Ordnungsamt Hafenstadt"
    definition = bound_definition(case.process_version, case.parameter_values)
    assert definition.fee_total(case.answers) == Decimal("150.00")


def test_two_municipalities_offer_different_versions_at_the_same_time(
    client, api_client, towns, v1, v11
):
    activation_upgrade(
        activation=towns["hafenstadt"],
        version=v11,
        parameter_values={**HAFEN_VALUES, "amt": "Ordnungsamt Hafenstadt"},
    )

    cases = {}
    for slug in ("hafenstadt", "bergdorf"):
        result = Flow(Client(), PROCESS_ID, municipality_slug=slug).run(SAMPLES[slug])
        assert result.case_reference, result.pointers
        cases[slug] = result.draft.submitted_case
    assert cases["hafenstadt"].process_version == v11
    assert cases["bergdorf"].process_version == v1
    assert cases["bergdorf"].parameter_values == BERG_VALUES

    items = {item["id"]: item for item in api_client.get("/api/processes/").json()}
    offers = {m["slug"]: m for m in items[PROCESS_ID]["municipalities"]}
    assert items[PROCESS_ID]["version"] == "1.1.0"
    assert (offers["hafenstadt"]["version"], offers["hafenstadt"]["sha256"]) == (
        "1.1.0",
        v11.sha256,
    )
    assert (offers["bergdorf"]["version"], offers["bergdorf"]["sha256"]) == ("1.0.0", v1.sha256)


# --- refusals ---------------------------------------------------------------------------


def test_values_that_do_not_fit_are_refused_with_a_clear_message_and_nothing_changes(towns, v11):
    activation = towns["hafenstadt"]

    with pytest.raises(InvalidTransition) as refused:
        activation_upgrade(
            activation=activation,
            version=v11,
            parameter_values={**HAFEN_VALUES, "gebuehr": "500.00", "amt": "Ordnungsamt"},
        )
    with pytest.raises(InvalidTransition) as missing:
        activation_upgrade(activation=activation, version=v11)

    assert refused.value.message.startswith("Die Parameterwerte passen nicht zur Version 1.1.0:")
    assert "/gebuehr" in refused.value.message
    assert "/gebuehr" in refused.value.message_en
    assert "/amt" in missing.value.message
    activation.refresh_from_db()
    assert activation.version.version == "1.0.0"
    assert activation.parameter_values == HAFEN_VALUES
    assert not AuditEntry.objects.filter(action="activation.version_changed").exists()


def test_the_admin_page_refuses_values_that_do_not_fit_at_the_field(superuser, towns, v11):
    admin = Client()
    admin.force_login(superuser)

    response = admin.post(
        change_version_url(towns["hafenstadt"]),
        {"version": v11.pk, **move_values(gebuehr="5000,00", amt="")},
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert "gebuehr" in form.errors and "amt" in form.errors
    assert 'class="errornote"' in response.content.decode()
    activation = Activation.objects.get(pk=towns["hafenstadt"].pk)
    assert activation.version.version == "1.0.0"
    assert activation.parameter_values == HAFEN_VALUES


@pytest.mark.parametrize("version", ["", "x", "999999", "-1"])
def test_the_admin_page_refuses_a_version_it_does_not_offer(superuser, towns, v11, version):
    admin = Client()
    admin.force_login(superuser)

    response = admin.post(change_version_url(towns["hafenstadt"]), {"version": version})

    assert response.status_code == 400
    assert "Bitte wählen Sie eine der angebotenen neueren Versionen." in response.content.decode()
    assert Activation.objects.get(pk=towns["hafenstadt"].pk).version.version == "1.0.0"


def test_an_older_or_foreign_version_is_not_offered_on_the_page(superuser, towns, v1, v11):
    activation_upgrade(
        activation=towns["hafenstadt"],
        version=v11,
        parameter_values={**HAFEN_VALUES, "amt": "Ordnungsamt"},
    )
    foreign = ProcessVersion.objects.exclude(process=v1.process).filter(status="published")[0]
    admin = Client()
    admin.force_login(superuser)

    for version in (v1, foreign):
        response = admin.post(
            change_version_url(towns["hafenstadt"]), {"version": version.pk, **move_values()}
        )
        assert response.status_code == 400
    page = admin.get(change_version_url(towns["hafenstadt"])).content.decode()
    assert "Es gibt keine neuere veröffentlichte Version dieser Leistung." in page
    assert Activation.objects.get(pk=towns["hafenstadt"].pk).version == v11


def test_the_service_refuses_another_process_a_draft_and_the_same_version(towns, v1):
    activation = towns["bergdorf"]
    foreign = ProcessVersion.objects.exclude(process=v1.process).filter(status="published")[0]
    draft = process_version_create_draft(doc=_doc("2.0.0"))

    for version, text in (
        (foreign, "anderen Verwaltungsleistung"),
        (draft, "Nur veröffentlichte Versionen"),
        (v1, "wird bereits angeboten"),
    ):
        with pytest.raises(InvalidTransition) as refused:
            activation_upgrade(activation=activation, version=version)
        assert text in refused.value.message


# --- who may --------------------------------------------------------------------------------


def test_a_municipality_administrator_moves_only_own_offerings(hafen_admin, towns, v11):
    admin = Client()
    admin.force_login(hafen_admin)

    assert admin.get(change_version_url(towns["hafenstadt"])).status_code == 200
    assert admin.get(change_version_url(towns["bergdorf"])).status_code == 404
    response = admin.post(
        change_version_url(towns["bergdorf"]),
        {"version": v11.pk, **move_values(ort="Bergdorf", zonen="")},
    )
    assert response.status_code == 404
    assert Activation.objects.get(pk=towns["bergdorf"].pk).version.version == "1.0.0"

    response = admin.post(
        change_version_url(towns["hafenstadt"]), {"version": v11.pk, **move_values()}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="activation.version_changed")
    assert entry.actor == hafen_admin


def test_anonymous_and_non_staff_users_get_the_login(towns, v11):
    clerk = get_user_model().objects.create_user("jemand", password="x-pw")
    towns["hafenstadt"].municipality.administrators.add(clerk)  # but not staff
    signed_in = Client()
    signed_in.force_login(clerk)

    for client in (Client(), signed_in):
        response = client.post(
            change_version_url(towns["hafenstadt"]), {"version": v11.pk, **move_values()}
        )
        assert response.status_code == 302
        assert "login" in response["Location"]
    assert Activation.objects.get(pk=towns["hafenstadt"].pk).version.version == "1.0.0"


def test_confirming_needs_the_csrf_token(superuser, towns, v11):
    admin = Client(enforce_csrf_checks=True)
    admin.force_login(superuser)

    response = admin.post(
        change_version_url(towns["hafenstadt"]), {"version": v11.pk, **move_values()}
    )

    assert response.status_code == 403
    assert Activation.objects.get(pk=towns["hafenstadt"].pk).version.version == "1.0.0"


def test_an_unknown_activation_is_404(superuser, towns):
    admin = Client()
    admin.force_login(superuser)
    assert admin.get("/admin/catalog/activation/999999/version/").status_code == 404
    assert admin.get("/admin/catalog/activation/abc/version/").status_code == 404


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_and_filters_newer_versions(superuser, towns, v11):
    activation_upgrade(
        activation=towns["hafenstadt"],
        version=v11,
        parameter_values={**HAFEN_VALUES, "amt": "Ordnungsamt"},
    )
    admin = Client()
    admin.force_login(superuser)
    url = reverse("admin:catalog_activation_changelist")

    page = admin.get(url)
    newer = admin.get(url, {"neuere_version": "ja"})
    current = admin.get(url, {"neuere_version": "nein"})

    assert page.status_code == newer.status_code == current.status_code == 200
    assert "neuere Version verfügbar" in page.content.decode()
    assert [a.pk for a in newer.context["cl"].result_list] == [towns["bergdorf"].pk]
    assert towns["hafenstadt"].pk in [a.pk for a in current.context["cl"].result_list]
    assert change_version_url(towns["bergdorf"]) in newer.content.decode()


def test_the_change_form_shows_the_pinned_version_read_only(superuser, towns, v11):
    admin = Client()
    admin.force_login(superuser)

    page = admin.get(reverse("admin:catalog_activation_change", args=[towns["bergdorf"].pk]))

    assert page.status_code == 200
    assert "version" not in page.context["adminform"].form.fields
    assert change_version_url(towns["bergdorf"]) in page.content.decode()


# --- follow patches -----------------------------------------------------------------------


def test_follow_patches_moves_on_a_patch_but_not_on_a_minor(towns, v1):
    Activation.objects.filter(pk=towns["hafenstadt"].pk).update(follow_patches=True)

    patch = _publish(_patch_doc())
    minor = _publish(_minor_doc())

    hafen = Activation.objects.get(pk=towns["hafenstadt"].pk)
    berg = Activation.objects.get(pk=towns["bergdorf"].pk)
    assert hafen.version == patch  # followed 1.0.1, not 1.1.0
    assert hafen.parameter_values == HAFEN_VALUES
    assert berg.version == v1  # does not follow
    assert [(m.activation.pk, m.moved) for m in patch.offering_moves] == [(hafen.pk, True)]
    assert minor.offering_moves == []
    entry = AuditEntry.objects.get(action="activation.version_changed")
    assert entry.actor is None and entry.actor_label == "system"
    assert entry.data["reason"] == "follow_patches"


def test_follow_patches_leaves_an_offering_whose_values_do_not_fit(superuser, towns, v1, caplog):
    Activation.objects.filter(pk__in=[a.pk for a in towns.values()]).update(follow_patches=True)

    with caplog.at_level(logging.WARNING, logger="forms_engine.catalog.services"):
        patch = _publish(_patch_doc(maximum="100.00"))  # Hafenstadt charges 120.00

    moves = {m.activation.municipality.slug: m for m in patch.offering_moves}
    assert moves["bergdorf"].moved and not moves["hafenstadt"].moved
    assert "/gebuehr" in moves["hafenstadt"].message
    assert Activation.objects.get(pk=towns["hafenstadt"].pk).version == v1
    assert Activation.objects.get(pk=towns["bergdorf"].pk).version == patch
    assert any("stays on 1.0.0" in r.getMessage() for r in caplog.records)
    # the administrator sees it in the list
    admin = Client()
    admin.force_login(superuser)
    newer = admin.get(reverse("admin:catalog_activation_changelist"), {"neuere_version": "ja"})
    assert [a.pk for a in newer.context["cl"].result_list] == [towns["hafenstadt"].pk]


def test_the_admin_publish_action_says_which_offerings_followed(superuser, towns, v1):
    Activation.objects.filter(pk__in=[a.pk for a in towns.values()]).update(follow_patches=True)
    draft = process_version_create_draft(doc=_patch_doc(maximum="100.00"))
    admin = Client()
    admin.force_login(superuser)

    response = admin.post(
        reverse("admin:catalog_processversion_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )

    texts = [str(m) for m in response.context["messages"]]
    assert any("Bergdorf" in t and "1.0.1" in t for t in texts), texts
    assert any("Hafenstadt" in t and "/gebuehr" in t for t in texts), texts


# --- retire ---------------------------------------------------------------------------------


def test_retiring_moves_offerings_to_the_current_version_where_values_fit(client, towns, v1):
    patch = _publish(_patch_doc(maximum="100.00"))  # current; Hafenstadt's 120.00 does not fit
    citizen = Client()
    open_draft = filled_draft(citizen, "hafenstadt")

    retired = process_version_retire(version=v1, grace_days=3)

    moves = {m.activation.municipality.slug: m.moved for m in retired.offering_moves}
    assert moves == {"hafenstadt": False, "bergdorf": True}
    assert Activation.objects.get(pk=towns["bergdorf"].pk).version == patch
    hafen = Activation.objects.get(pk=towns["hafenstadt"].pk)
    assert hafen.version == v1  # stays pinned to the retired version: offers nothing new
    # no new drafts in Hafenstadt: only Bergdorf offers the process now
    client.post(reverse("citizen:start", args=[PROCESS_ID]), {"municipality": "hafenstadt"})
    new_drafts = Draft.objects.filter(municipality=hafen.municipality).exclude(pk=open_draft.pk)
    assert not new_drafts.exists()
    # the draft started before finishes in its grace period, on 1.0.0 with its values
    case = submit_draft(citizen, open_draft)
    assert case.process_version == v1 and case.parameter_values == HAFEN_VALUES
    assert [
        e.data["reason"] for e in AuditEntry.objects.filter(action="activation.version_changed")
    ] == ["retire"]


def test_after_retire_the_administrator_moves_with_fitting_values(superuser, towns, v1):
    patch = _publish(_patch_doc(maximum="100.00"))
    process_version_retire(version=v1)
    admin = Client()
    admin.force_login(superuser)

    page = admin.get(change_version_url(towns["hafenstadt"])).content.decode()
    response = admin.post(
        change_version_url(towns["hafenstadt"]),
        {"version": patch.pk, **move_values(gebuehr="99,00")},
    )

    assert "Diese Version ist zurückgezogen" in page
    assert "gebuehr:" in page  # 120.00 is above the new maximum: said before posting
    assert response.status_code == 302
    hafen = Activation.objects.get(pk=towns["hafenstadt"].pk)
    assert hafen.version == patch and hafen.parameter_values["gebuehr"] == "99.00"


# --- the API ----------------------------------------------------------------------------------


def _api_body(ars: str, slug: str) -> dict:
    return {"municipality": ars, **SAMPLES[slug], "declarations": []}


def test_the_api_submits_only_on_the_version_the_municipality_offers(api_client, towns, v1, v11):
    activation_upgrade(
        activation=towns["hafenstadt"],
        version=v11,
        parameter_values={**HAFEN_VALUES, "amt": "Ordnungsamt Hafenstadt"},
    )
    base = f"/api/processes/{PROCESS_ID}/versions"

    old = api_client.post(
        f"{base}/1.0.0/submissions/", _api_body(HAFEN_ARS, "hafenstadt"), format="json"
    )
    assert old.status_code == 409
    error = old.json()["errors"][0]
    assert error["code"] == "version_not_offered"
    assert "Angeboten wird Version 1.1.0." in error["message"]
    assert "It offers version 1.1.0." in error["message_en"]
    assert not Case.objects.filter(municipality__slug="hafenstadt").exists()

    new = api_client.post(
        f"{base}/1.1.0/submissions/", _api_body(HAFEN_ARS, "hafenstadt"), format="json"
    )
    assert new.status_code == 201, new.json()
    case = Case.objects.get(pk=new.json()["case_id"])
    assert case.process_version == v11
    assert case.parameter_values["amt"] == "Ordnungsamt Hafenstadt"

    berg = api_client.post(
        f"{base}/1.0.0/submissions/", _api_body(BERG_ARS, "bergdorf"), format="json"
    )
    assert berg.status_code == 201, berg.json()
    berg_new = api_client.post(
        f"{base}/1.1.0/submissions/", _api_body(BERG_ARS, "bergdorf"), format="json"
    )
    assert berg_new.status_code == 409
    assert "Angeboten wird Version 1.0.0." in berg_new.json()["errors"][0]["message"]


def test_the_preview_names_the_step_the_changes_and_the_problems(towns, v11):
    preview = activation_upgrade_preview(towns["bergdorf"], v11)

    assert preview.step == "minor"
    assert preview.required_bump == "major"  # a new required parameter
    assert [p.pointer for p in preview.parameter_problems] == ["/amt"]
    assert not preview.allowed
    fitting = activation_upgrade_preview(
        towns["bergdorf"], v11, parameter_values={**BERG_VALUES, "amt": "Amt"}
    )
    assert fitting.allowed and fitting.parameter_problems == []
    assert re.search(r"Hinweis an das Amt", " ".join(c.message for c in preview.changes))


def test_the_page_speaks_english_too(superuser, towns, v11):
    admin = Client()
    admin.force_login(superuser)
    admin.cookies["django_language"] = "en"

    page = admin.get(change_version_url(towns["hafenstadt"]), HTTP_ACCEPT_LANGUAGE="en")

    text = page.content.decode()
    assert "What changes from version 1.0.0 to version 1.1.0" in text
    assert "Parameter “amt” added (required, no default): text “Responsible office”" in text
    assert "Minor version" in text
    assert "Change to version 1.1.0" in text
