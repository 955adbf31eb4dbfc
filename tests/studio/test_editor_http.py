"""The structured editor over HTTP: steps, every field type, options, order, conditions, fees,
the JSON view and its live validation, problems at their place, conflicts, history, read-only
versions and access."""

import json

import pytest
from django.urls import reverse
from django.utils.html import escape

from forms_engine.catalog.models import ProcessVersion
from forms_engine.catalog.services import process_version_publish, process_version_update_draft
from forms_engine.definitions import check_definition, compile_definition
from forms_engine.definitions.field_types import FIELD_KINDS

from .conftest import base_doc

pytestmark = pytest.mark.django_db


def url(name, version, *args):
    return reverse(f"studio:{name}", args=[version.pk, *args])


def fresh(version) -> ProcessVersion:
    return ProcessVersion.objects.get(pk=version.pk)


def post(client, address, version, **data):
    """POST with the current revision; `new_x` keys are the new-field form's `new-x`."""
    data.setdefault("revision", fresh(version).revision)
    data = {(f"new-{k[4:]}" if k.startswith("new_") else k): v for k, v in data.items()}
    return client.post(address, data)


def steps(version):
    return fresh(version).definition["steps"]


def test_overview_lists_steps_and_fields(client_for, designer, draft):
    response = client_for(designer).get(url("editor", draft))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Ihr Antrag" in text and "Zweck" in text
    assert 'name="revision"' in text
    assert "Die Definition hat keine Probleme." in text


def test_add_rename_move_and_delete_steps(client_for, designer, draft):
    client = client_for(designer)
    response = post(
        client,
        url("editor", draft),
        draft,
        action="step-add",
        title="Angaben zum Hund",
        title_en="About the dog",
    )
    assert response.status_code == 302
    assert [s["id"] for s in steps(draft)] == ["antrag", "angaben_zum_hund"]
    assert response.url == url("editor-step", draft, 1)
    response = post(
        client,
        url("editor-step", draft, 1),
        draft,
        action="step-save",
        title="Der Hund",
        title_en="The dog",
        description="Bitte beschreiben Sie den Hund.",
        description_en="",
    )
    assert response.status_code == 302
    step = steps(draft)[1]
    assert step["title"] == {"de": "Der Hund", "en": "The dog"}
    assert step["description"] == {"de": "Bitte beschreiben Sie den Hund."}
    post(client, url("editor", draft), draft, action="step-up", step="1")
    assert [s["id"] for s in steps(draft)] == ["angaben_zum_hund", "antrag"]
    post(client, url("editor", draft), draft, action="step-down", step="1")  # last: no move
    assert [s["id"] for s in steps(draft)] == ["angaben_zum_hund", "antrag"]
    confirm = client.get(url("editor-step-delete", draft, 0))
    assert confirm.status_code == 200 and "Ja, löschen" in confirm.content.decode()
    post(client, url("editor-step-delete", draft, 0), draft)
    assert [s["id"] for s in steps(draft)] == ["antrag"]
    post(client, url("editor-step-delete", draft, 0), draft)
    assert [s["id"] for s in steps(draft)] == ["antrag"], "the last step stays"


@pytest.mark.parametrize("type_id", list(FIELD_KINDS))
def test_add_each_field_type(client_for, designer, draft, type_id):
    client = client_for(designer)
    response = post(
        client,
        url("editor-step", draft, 0),
        draft,
        action="field-add",
        new_type=type_id,
        new_title="Neues Feld",
        new_title_en="New field",
        new_required="on",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    step = steps(draft)[0]
    assert "neues_feld" in step["schema"]["properties"]
    assert "neues_feld" in step["schema"]["required"]
    page = client.get(response.url)
    assert page.status_code == 200
    assert FIELD_KINDS[type_id].label in page.content.decode()
    doc = fresh(draft).definition
    problems = check_definition(doc)
    if type_id in ("group", "repeat"):
        assert problems == [] or all(
            "properties" in p.pointer or "items" in p.pointer for p in problems
        )
    else:
        assert problems == []


def _add(client, draft, type_id, title, **extra):
    response = post(
        client,
        url("editor-step", draft, 0),
        draft,
        action="field-add",
        new_type=type_id,
        new_title=title,
        **extra,
    )
    assert response.status_code == 302
    return response.url.split("#")[0]


def test_edit_options_of_text_choice_upload_and_repeat(client_for, designer, draft):
    client = client_for(designer)
    address = url("editor-field", draft, 0, "name")
    response = post(
        client,
        address,
        draft,
        action="field-save",
        type="text",
        title="Vollständiger Name",
        title_en="Full name",
        help="Wie im Ausweis",
        help_en="As in your ID",
        required="on",
        min_length="2",
        max_length="80",
        pattern="^[A-Za-z ]+$",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    name = steps(draft)[0]["schema"]["properties"]["name"]
    assert name == {
        "type": "string",
        "title": "Vollständiger Name",
        "description": "Wie im Ausweis",
        "x-en": {"title": "Full name", "description": "As in your ID"},
        "minLength": 2,
        "maxLength": 80,
        "pattern": "^[A-Za-z ]+$",
    }
    # A minimum above the maximum is refused with a message; nothing changes.
    before = fresh(draft).revision
    response = post(
        client,
        address,
        draft,
        action="field-save",
        type="text",
        title="X",
        min_length="9",
        max_length="3",
    )
    assert response.status_code == 400
    assert "Der größte Wert ist kleiner als der kleinste." in response.content.decode()
    assert fresh(draft).revision == before

    choice = _add(client, draft, "choice", "Geschlecht")
    response = post(
        client,
        choice,
        draft,
        action="field-save",
        type="choice",
        title="Geschlecht",
        widget="radio",
        **{
            "choice-count": "4",
            "choice-1-value": "option_1",
            "choice-1-label": "Option 1",
            "choice-1-remove": "1",
            "choice-2-value": "w",
            "choice-2-label": "weiblich",
            "choice-2-label_en": "female",
            "choice-2-position": "2",
            "choice-3-value": "",
            "choice-3-label": "männlich",
            "choice-3-position": "1",
            "choice-4-value": "",
            "choice-4-label": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    step = steps(draft)[0]
    assert step["schema"]["properties"]["geschlecht"]["oneOf"] == [
        {"const": "maennlich", "title": "männlich"},
        {"const": "w", "title": "weiblich", "x-en": {"title": "female"}},
    ]
    assert step["ui"]["fields"]["geschlecht"] == {"widget": "radio"}
    # No choice left is refused.
    response = post(
        client,
        choice,
        draft,
        action="field-save",
        type="choice",
        title="G",
        **{"choice-count": "0"},
    )
    assert response.status_code == 400
    assert "mindestens eine Antwortmöglichkeit" in response.content.decode()

    upload = _add(client, draft, "upload", "Nachweis")
    response = post(
        client,
        upload,
        draft,
        action="field-save",
        type="upload",
        title="Nachweis",
        media_types=["application/pdf", "image/png"],
        max_mb="2,5",
    )
    assert response.status_code == 302
    assert steps(draft)[0]["schema"]["properties"]["nachweis"]["x-upload"] == {
        "media_types": ["application/pdf", "image/png"],
        "max_bytes": 2621440,
    }

    repeat = _add(client, draft, "repeat", "Fahrzeuge")
    response = post(
        client,
        repeat,
        draft,
        action="field-save",
        type="repeat",
        title="Fahrzeuge",
        min_items="1",
        max_items="3",
        add_label="Weiteres Fahrzeug",
        add_label_en="Another vehicle",
        remove_label="Entfernen",
    )
    assert response.status_code == 302
    response = post(
        client,
        repeat,
        draft,
        action="child-add",
        new_type="text",
        new_title="Kennzeichen",
        new_required="on",
    )
    assert response.status_code == 302
    assert response.url.startswith(url("editor-field", draft, 0, "fahrzeuge/kennzeichen"))
    post(client, repeat, draft, action="child-add", new_type="date", new_title="Zulassung")
    post(client, repeat, draft, action="child-up", field="fahrzeuge/zulassung")
    step = steps(draft)[0]
    fahrzeuge = step["schema"]["properties"]["fahrzeuge"]
    assert fahrzeuge["minItems"] == 1 and fahrzeuge["maxItems"] == 3
    assert list(fahrzeuge["items"]["properties"]) == ["zulassung", "kennzeichen"]
    assert fahrzeuge["items"]["required"] == ["kennzeichen"]
    assert step["ui"]["fields"]["fahrzeuge"]["add_label"] == {
        "de": "Weiteres Fahrzeug",
        "en": "Another vehicle",
    }
    assert check_definition(fresh(draft).definition) == []
    # A child's page, then deleting it returns to the group.
    child = client.get(url("editor-field", draft, 0, "fahrzeuge/kennzeichen"))
    assert child.status_code == 200
    response = post(client, url("editor-field-delete", draft, 0, "fahrzeuge/kennzeichen"), draft)
    assert response.url == url("editor-field", draft, 0, "fahrzeuge")
    assert list(steps(draft)[0]["schema"]["properties"]["fahrzeuge"]["items"]["properties"]) == [
        "zulassung"
    ]


def test_change_field_type_and_reorder_and_delete(client_for, designer, draft):
    client = client_for(designer)
    post(
        client, url("editor-field", draft, 0, "zweck"), draft, action="field-type", type="textarea"
    )
    step = steps(draft)[0]
    assert step["ui"]["fields"]["zweck"] == {"widget": "textarea"}
    assert step["schema"]["properties"]["zweck"]["title"] == "Zweck"
    post(client, url("editor-step", draft, 0), draft, action="field-up", field="zweck")
    assert list(steps(draft)[0]["schema"]["properties"]) == ["zweck", "name"]
    post(client, url("editor-field-delete", draft, 0, "zweck"), draft)
    step = steps(draft)[0]
    assert list(step["schema"]["properties"]) == ["name"] and "ui" not in step


def test_conditions_for_step_and_field_write_when_and_read_back(client_for, designer, draft):
    client = client_for(designer)
    _add(client, draft, "boolean", "Listenhund")
    _add(client, draft, "integer", "Anzahl")
    post(client, url("editor", draft), draft, action="step-add", title="Sachkunde")
    response = post(
        client,
        url("editor-step", draft, 1),
        draft,
        action="condition",
        **{
            "cond-count": "3",
            "cond-combine": "any",
            "cond-1-field": "antrag/listenhund",
            "cond-1-op": "checked",
            "cond-2-field": "antrag/anzahl",
            "cond-2-op": "gt",
            "cond-2-value": "2",
            "cond-3-field": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    when = steps(draft)[1]["when"]
    assert when == {
        "anyOf": [
            {
                "properties": {
                    "antrag": {
                        "properties": {"listenhund": {"const": True}},
                        "required": ["listenhund"],
                    }
                },
                "required": ["antrag"],
            },
            {
                "properties": {
                    "antrag": {
                        "properties": {"anzahl": {"type": "number", "exclusiveMinimum": 2}},
                        "required": ["anzahl"],
                    }
                },
                "required": ["antrag"],
            },
        ]
    }
    page = client.get(url("editor-step", draft, 1)).content.decode()
    assert "„Antrag" not in page  # labels are "Ihr Antrag › Listenhund"
    assert "nur wenn" in page and "Listenhund" in page and 'value="any" checked' in page
    # A field condition inside the step; an operator that does not fit is refused.
    bad = post(
        client,
        url("editor-field", draft, 0, "zweck"),
        draft,
        action="condition",
        **{
            "cond-count": "1",
            "cond-1-field": "antrag/listenhund",
            "cond-1-op": "gt",
            "cond-1-value": "1",
        },
    )
    assert bad.status_code == 400 and "passt nicht" in bad.content.decode()
    response = post(
        client,
        url("editor-field", draft, 0, "zweck"),
        draft,
        action="condition",
        **{"cond-count": "1", "cond-1-field": "antrag/name", "cond-1-op": "empty"},
    )
    assert response.status_code == 302
    assert steps(draft)[0]["ui"]["fields"]["zweck"]["when"] == {
        "not": {"properties": {"antrag": {"required": ["name"]}}, "required": ["antrag"]}
    }
    # Removing the row removes the condition.
    post(
        client,
        url("editor-step", draft, 1),
        draft,
        action="condition",
        **{
            "cond-count": "2",
            "cond-1-field": "antrag/listenhund",
            "cond-1-op": "checked",
            "cond-1-remove": "1",
            "cond-2-field": "antrag/anzahl",
            "cond-2-op": "gt",
            "cond-2-value": "2",
            "cond-2-remove": "1",
        },
    )
    assert "when" not in steps(draft)[1]
    assert check_definition(fresh(draft).definition) == []


def test_a_condition_that_is_no_rows_is_json_only(client_for, designer, draft):
    doc = base_doc()
    doc["steps"][0]["ui"] = {
        "fields": {"zweck": {"when": {"properties": {"antrag": {"minProperties": 1}}}}}
    }
    doc["steps"][0]["ui"]["fields"]["zweck"]["when"] = {
        "not": {"anyOf": [{"required": ["antrag"]}]}
    }
    process_version_update_draft(version=draft, doc=doc, by=designer)
    page = client_for(designer).get(url("editor-field", draft, 0, "zweck")).content.decode()
    assert "Bedingung nur im JSON-Modus bearbeitbar" in page
    assert 'name="cond-count"' not in page


def test_fees_with_condition_and_german_amounts(client_for, designer, draft):
    client = client_for(designer)
    _add(client, draft, "boolean", "Listenhund")
    response = post(
        client,
        url("editor-fee-new", draft),
        draft,
        fee_id="zuschlag",
        label="Zuschlag",
        label_en="Surcharge",
        amount="1.504,5",
        **{"cond-count": "1", "cond-1-field": "antrag/listenhund", "cond-1-op": "checked"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    payment = fresh(draft).definition["payment"]
    assert payment["policy"] == "optional"
    assert payment["fees"] == [
        {
            "id": "zuschlag",
            "label": {"de": "Zuschlag", "en": "Surcharge"},
            "amount": "1504.50",
            "when": {
                "properties": {
                    "antrag": {
                        "properties": {"listenhund": {"const": True}},
                        "required": ["listenhund"],
                    }
                },
                "required": ["antrag"],
            },
        }
    ]
    post(
        client,
        url("editor-fee-new", draft),
        draft,
        fee_id="grund",
        label="Grundgebühr",
        amount="12,50",
        **{"cond-count": "0"},
    )
    bad = post(client, url("editor-fee-new", draft), draft, fee_id="x1", label="X", amount="12,505")
    assert bad.status_code == 400 and "z. B. 12,50" in bad.content.decode()
    dup = post(client, url("editor-fee-new", draft), draft, fee_id="grund", label="X", amount="1")
    assert dup.status_code == 400 and "schon eine Gebühr" in dup.content.decode()
    post(client, url("editor-fees", draft), draft, action="fee-up", fee="1")
    assert [f["id"] for f in fresh(draft).definition["payment"]["fees"]] == ["grund", "zuschlag"]
    post(client, url("editor-fees", draft), draft, action="policy", policy="deferred")
    assert fresh(draft).definition["payment"]["policy"] == "deferred"
    page = client.get(url("editor-fees", draft)).content.decode()
    assert "1504,50 €" in page and "Listenhund" in page
    post(client, url("editor-fee-delete", draft, 0), draft)
    assert [f["id"] for f in fresh(draft).definition["payment"]["fees"]] == ["zuschlag"]
    definition = compile_definition(fresh(draft).definition)
    assert definition is not None
    assert check_definition(fresh(draft).definition) == []


def test_json_view_saves_validates_and_refuses_broken_json(client_for, designer, draft):
    client = client_for(designer)
    page = client.get(url("editor-json", draft))
    assert page.status_code == 200 and "studio-json.js" in page.content.decode()
    doc = base_doc()
    doc["title"]["de"] = "Neu aus JSON"
    response = post(client, url("editor-json", draft), draft, definition=json.dumps(doc))
    assert response.status_code == 302
    assert fresh(draft).definition["title"]["de"] == "Neu aus JSON"
    # A draft may be saved with problems: every problem is shown.
    doc["steps"][0]["schema"]["required"] = ["fehlt"]
    response = post(client, url("editor-json", draft), draft, definition=json.dumps(doc))
    assert response.status_code == 302
    page = client.get(url("editor-json", draft)).content.decode()
    assert "/steps/0/schema/required" in page
    # Invalid JSON is refused with line and column; nothing changes.
    revision = fresh(draft).revision
    response = post(client, url("editor-json", draft), draft, definition='{\n  "id": ')
    assert response.status_code == 400
    text = response.content.decode()
    assert "Zeile 2" in text or "line 2" in text.lower()
    assert fresh(draft).revision == revision
    # NUL bytes and huge input are refused cleanly.
    response = post(
        client,
        url("editor-json", draft),
        draft,
        definition=json.dumps(base_doc(title={"de": "a\u0000b"})),
    )
    assert response.status_code == 400 and fresh(draft).revision == revision
    response = post(client, url("editor-json", draft), draft, definition="[" * 3_000_000)
    assert response.status_code == 400 and fresh(draft).revision == revision


def test_validate_endpoint(client_for, designer, draft):
    client = client_for(designer)
    address = url("editor-validate", draft)
    ok = client.post(address, {"definition": json.dumps(base_doc())}).json()
    assert ok == {"ok": True, "parsed": True, "problems": [], "count": 0}
    doc = base_doc()
    doc["steps"][0]["schema"]["properties"]["name"].pop("title")
    result = client.post(address, {"definition": json.dumps(doc)}).json()
    assert result["ok"] is False and result["parsed"] is True
    problem = result["problems"][0]
    assert problem["pointer"].startswith("/steps/0/schema/properties/name")
    assert problem["message"] and problem["message_en"]
    assert problem["url"].startswith(url("editor-field", draft, 0, "name"))
    broken = client.post(address, {"definition": "{"}).json()
    assert broken["parsed"] is False and broken["problems"][0]["url"] == ""
    assert "Zeile" in broken["problems"][0]["message"]
    nul = client.post(address, {"definition": '{"a": "\\u0000"}'}).json()
    assert nul["ok"] is False
    huge = client.post(address, {"definition": " " * (3 * 1024 * 1024)}).json()
    assert huge["ok"] is False and "zu groß" in huge["problems"][0]["message"]
    assert client.get(address).status_code == 405
    assert fresh(draft).revision == 1, "validating changes nothing"


def test_every_problem_is_shown_at_its_place(client_for, designer, draft):
    doc = base_doc()
    doc["steps"][0]["schema"]["properties"]["name"].pop("title")  # field problem
    doc["steps"][0]["when"] = "kaputt"  # step problem
    doc["payment"] = {
        "policy": "optional",
        "fees": [{"id": "g", "label": {"de": "G"}, "amount": "1,5"}],
    }
    process_version_update_draft(version=draft, doc=doc, by=designer)
    problems = check_definition(doc)
    assert len(problems) >= 3
    client = client_for(designer)
    overview = client.get(url("editor", draft)).content.decode()
    assert f"Die Definition hat {len(problems)} Probleme" in overview
    step_page = client.get(url("editor-step", draft, 0)).content.decode()
    field_page = client.get(url("editor-field", draft, 0, "name")).content.decode()
    fee_page = client.get(url("editor-fee", draft, 0)).content.decode()
    json_page = client.get(url("editor-json", draft)).content.decode()
    for problem in problems:
        message = escape(problem.message)
        assert message in json_page
        if "/schema/properties/name" in problem.pointer:
            assert message in field_page and message in step_page
        elif problem.pointer.startswith("/steps/0"):
            assert message in step_page
        elif problem.pointer.startswith("/payment"):
            assert message in fee_page
        assert message in overview


@pytest.mark.parametrize(
    ("pointer", "target"),
    [
        ("/steps/0", "editor-step:0#schritt"),
        ("/steps/0/when/properties", "editor-step:0#bedingung"),
        ("/steps/0/schema/properties/name/title", "editor-field:0:name#feld"),
        ("/steps/0/schema/required/0", "editor-field:0:name#feld"),
        ("/steps/0/ui/fields/zweck/when", "editor-field:0:zweck#bedingung"),
        ("/steps/9", "editor-json#json"),
        ("/payment/fees/0/amount", "editor-fee:0#gebuehr"),
        ("/payment/policy", "editor-fees#zahlung"),
        ("/$defs/x", "editor-json#json"),
        ("/parameters/gebuehr", "parameters#param-form"),
        ("/title", "settings#setting-title"),
        ("/computed/gebuehr", "rules#computed-title"),
        ("", "editor-json#json"),
        ("kaputt", "editor-json#json"),
    ],
)
def test_pointer_resolves_to_its_place(client_for, designer, draft, pointer, target):
    name, _, anchor = target.partition("#")
    name, *args = name.split(":")
    args = [int(a) if a.isdigit() else a for a in args]
    response = client_for(designer).get(url("editor", draft), {"pointer": pointer})
    assert response.status_code == 302
    assert response.url == url(name, draft, *args) + "#" + anchor


def test_two_designers_never_overwrite_each_other(client_for, designer, designer2, draft, client):
    from django.test import Client

    first, second = Client(), Client()
    first.force_login(designer)
    second.force_login(designer2)
    loaded = fresh(draft).revision
    response = first.post(
        url("editor", draft), {"action": "step-add", "title": "Von Eins", "revision": loaded}
    )
    assert response.status_code == 302
    response = second.post(
        url("editor", draft),
        {"action": "step-add", "title": "Von Zwei", "revision": loaded},
        follow=True,
    )
    assert "inzwischen von designerin geändert" in response.content.decode()
    assert [s["title"]["de"] for s in steps(draft)] == ["Ihr Antrag", "Von Eins"], "nothing lost"
    # Without a revision nothing is saved either.
    response = second.post(
        url("editor", draft), {"action": "step-add", "title": "Ohne"}, follow=True
    )
    assert "ohne Bearbeitungsstand" in response.content.decode()
    assert len(steps(draft)) == 2
    # JSON view: the same check.
    response = second.post(
        url("editor-json", draft), {"definition": json.dumps(base_doc()), "revision": loaded}
    )
    assert response.status_code == 409
    assert len(steps(draft)) == 2


def test_history_lists_saves_with_changes_and_restores(client_for, designer, draft):
    client = client_for(designer)
    post(client, url("editor", draft), draft, action="step-add", title="Zweiter Schritt")
    page = client.get(url("history", draft))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Stand 2" in text and "Stand 1" in text and "designerin" in text
    assert "Zweiter Schritt" in text, "the change in words"
    view = client.get(url("history-revision", draft, 1)).content.decode()
    assert "Diesen Stand wiederherstellen" in view and "sondernutzung" in view
    stale = client.post(url("history-revision", draft, 1), {"revision": 1}, follow=True)
    assert "inzwischen" in stale.content.decode()
    assert len(steps(draft)) == 2
    response = post(client, url("history-revision", draft, 1), draft)
    assert response.status_code == 302
    assert len(steps(draft)) == 1 and fresh(draft).revision == 3
    assert client.get(url("history-revision", draft, 99)).status_code == 404


def test_published_version_is_read_only(client_for, designer, draft):
    process_version_publish(version=draft)
    client = client_for(designer)
    for address in (
        url("editor", draft),
        url("editor-step", draft, 0),
        url("editor-field", draft, 0, "name"),
        url("editor-fees", draft),
        url("editor-json", draft),
    ):
        page = client.get(address)
        assert page.status_code == 200
        text = page.content.decode()
        assert "Neuen Entwurf aus dieser Version" in text
        assert 'name="action"' not in text and "json-save" not in text
    response = post(client, url("editor", draft), draft, action="step-add", title="X")
    assert response.status_code == 302
    assert len(steps(draft)) == 1
    response = post(client, url("editor-json", draft), draft, definition=json.dumps(base_doc()))
    assert fresh(draft).revision == 1


def test_access(client_for, other_designer, reviewer, outsider, draft):
    client = client_for(other_designer)
    assert client.get(url("editor", draft)).status_code == 404
    assert client.get(url("editor-json", draft)).status_code == 404
    assert client.post(url("editor-validate", draft), {"definition": "{}"}).status_code == 404
    assert client.get(url("history", draft)).status_code == 404
    client = client_for(reviewer)
    page = client.get(url("editor-step", draft, 0))
    assert page.status_code == 200 and 'name="action"' not in page.content.decode()
    assert (
        client.post(
            url("editor", draft), {"action": "step-add", "title": "X", "revision": 1}
        ).status_code
        == 403
    )
    assert (
        client.post(url("editor-json", draft), {"definition": "{}", "revision": 1}).status_code
        == 403
    )
    assert len(steps(draft)) == 1
    client = client_for(outsider)
    assert client.get(url("editor", draft)).status_code == 403


def test_unknown_places_are_404(client_for, designer, draft):
    client = client_for(designer)
    assert client.get(url("editor-step", draft, 5)).status_code == 404
    assert client.get(url("editor-field", draft, 0, "gibtsnicht")).status_code == 404
    assert client.get(url("editor-field", draft, 0, "na-me")).status_code == 404
    assert client.get(url("editor-fee", draft, 0)).status_code == 404


def test_pages_in_english(client_for, designer, draft):
    from django.conf import settings

    client = client_for(designer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    _add(client, draft, "choice", "Farbe")
    post(
        client,
        url("editor-fee-new", draft),
        draft,
        fee_id="g",
        label="G",
        label_en="Fee",
        amount="3",
    )
    for address in (
        url("editor", draft),
        url("editor-step", draft, 0),
        url("editor-field", draft, 0, "farbe"),
        url("editor-fees", draft),
        url("editor-fee", draft, 0),
        url("editor-json", draft),
        url("history", draft),
        url("history-revision", draft, 1),
    ):
        page = client.get(address)
        assert page.status_code == 200, address
        text = page.content.decode()
        assert 'lang="en"' in text
    field = client.get(url("editor-field", draft, 0, "farbe")).content.decode()
    assert "Single choice" in field and "Answers to choose from" in field and "is ticked" in field
    step = client.get(url("editor-step", draft, 0)).content.decode()
    assert "Add field" in step and "There are no fields yet" in step


def test_odd_documents_never_break_the_pages(client_for, designer, draft):
    """A draft saved from the JSON view may be anything that parses: the pages still answer."""
    odd = base_doc()
    odd["steps"][0]["title"] = "kein i18n"
    odd["steps"][0]["description"] = ["x"]
    odd["steps"][0]["ui"] = "kaputt"
    odd["steps"][0]["schema"]["properties"]["name"] = "kein Schema"
    odd["steps"][0]["schema"]["required"] = "name"
    odd["steps"].append("kein Schritt")
    odd["steps"].append({"id": "zwei", "title": {"de": "Zwei"}, "schema": []})
    odd["payment"] = {"policy": "optional", "fees": ["keine Gebühr", {"id": "g", "amount": 5}]}
    process_version_update_draft(version=draft, doc=odd, by=designer)
    client = client_for(designer)
    for address in (
        url("editor", draft),
        url("editor-step", draft, 0),
        url("editor-step", draft, 2),
        url("editor-field", draft, 0, "zweck"),
        url("editor-fees", draft),
        url("editor-fee", draft, 1),
        url("editor-json", draft),
        url("history", draft),
    ):
        assert client.get(address).status_code == 200, address
    assert client.get(url("editor-step", draft, 1)).status_code == 404
    assert client.get(url("editor-field", draft, 0, "name")).status_code == 200
    assert client.get(url("editor-fee", draft, 0)).status_code == 404
    response = post(
        client,
        url("editor-step", draft, 2),
        draft,
        action="field-add",
        new_type="text",
        new_title="A",
    )
    assert response.status_code in (302, 400)
    response = post(client, url("editor", draft), draft, action="step-up", step="x")
    assert response.status_code == 302


def test_a_fee_amount_from_a_parameter_or_a_computed_value_is_kept(client_for, designer, draft):
    """A fee's amount can be a money parameter (each municipality sets it) or a computed
    money value; editing such a fee keeps the reference, never turns it into a number."""
    doc = base_doc()
    doc["steps"][0]["schema"]["properties"]["flaeche"] = {"type": "number", "title": "Fläche"}
    doc["parameters"] = {
        "satz": {"type": "money", "label": {"de": "Satz je m²"}, "default": "1.50"}
    }
    doc["computed"] = {
        "gebuehr": {
            "expression": "answers.antrag.flaeche * params.satz",
            "type": "money",
            "label": {"de": "Gebühr nach Fläche"},
        }
    }
    process_version_update_draft(version=draft, doc=doc, by=designer)
    client = client_for(designer)
    page = client.get(url("editor-fee-new", draft)).content.decode()
    assert "Parameter „Satz je m²“" in page and "Berechneter Betrag „Gebühr nach Fläche“" in page
    for fee_id, source in (("grund", "param:satz"), ("flaeche", "computed:gebuehr")):
        response = post(
            client,
            url("editor-fee-new", draft),
            draft,
            fee_id=fee_id,
            label=fee_id,
            amount_source=source,
            amount="",
            **{"cond-count": "0"},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    fees = fresh(draft).definition["payment"]["fees"]
    assert [f["amount"] for f in fees] == [{"$param": "satz"}, {"$computed": "gebuehr"}]
    # Renaming the fee leaves its amount's reference as it is.
    post(
        client,
        url("editor-fee", draft, 1),
        draft,
        fee_id="flaeche",
        label="Nach Fläche",
        amount_source="computed:gebuehr",
        **{"cond-count": "0"},
    )
    assert fresh(draft).definition["payment"]["fees"][1]["amount"] == {"$computed": "gebuehr"}
    assert check_definition(fresh(draft).definition) == []
    total = compile_definition(fresh(draft).definition).fee_total(
        {"antrag": {"name": "A", "flaeche": 10}}
    )
    assert str(total) == "16.50"
    listed = client.get(url("editor-fees", draft)).content.decode()
    assert "Berechneter Betrag „Gebühr nach Fläche“" in listed
    unknown = post(
        client,
        url("editor-fee-new", draft),
        draft,
        fee_id="x",
        label="X",
        amount_source="param:fehlt",
        **{"cond-count": "0"},
    )
    assert unknown.status_code == 400
    fixed_missing = post(
        client, url("editor-fee-new", draft), draft, fee_id="y", label="Y", amount_source="fixed"
    )
    assert fixed_missing.status_code == 400 and "z. B. 12,50" in fixed_missing.content.decode()
