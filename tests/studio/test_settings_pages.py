"""The settings pages: process settings, declarations, parameters (HTTP)."""

import pytest
from django.urls import reverse

from forms_engine.catalog.review import studio_publish
from forms_engine.catalog.services import process_version_update_draft
from forms_engine.definitions import check_definition

from .conftest import base_doc

pytestmark = pytest.mark.django_db


def _settings_post(draft, **changes):
    data = {
        "revision": str(draft.revision),
        "title_de": "Sondernutzung einer Straße",
        "title_en": "Special use of a street",
        "summary_de": "",
        "summary_en": "",
        "reference_prefix": "SNU",
        "leika": "",
        "identity_level": "none",
        "payment_policy": "none",
        "applicant_name_1": "",
        "applicant_name_2": "",
        "applicant_name_3": "",
        "applicant_email": "",
        "draft_days": "",
        "case_days": "",
        "version": "1.0.0",
    }
    data.update(changes)
    return data


def test_the_settings_page_shows_the_settings(draft, designer, client_for):
    response = client_for(designer).get(reverse("studio:settings", args=[draft.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Sondernutzung einer Straße"' in html
    assert 'id="setting-identity"' in html
    assert "Online-Ausweis" in html


def test_saving_settings_writes_the_document_and_keeps_a_revision(draft, designer, client_for):
    client = client_for(designer)
    data = _settings_post(
        draft,
        summary_de="Tische vor dem Café",
        leika="99000000000000\n99123456789012",
        identity_level="hoch",
        schriftform="on",
        payment_policy="optional",
        applicant_name_1="/antrag/name",
        draft_days="10",
        version="1.1.0",
        **{"prefill__antrag__name": "familyName"},
    )
    response = client.post(reverse("studio:settings", args=[draft.pk]), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    doc = draft.definition
    assert doc["summary"] == {"de": "Tische vor dem Café"}
    assert doc["leika"] == ["99000000000000", "99123456789012"]
    assert doc["identity"] == {"level": "hoch", "prefill": {"/antrag/name": "familyName"}}
    assert doc["schriftform"] is True
    assert doc["payment"] == {"policy": "optional"}
    assert doc["applicant"] == {"name": ["/antrag/name"]}
    assert doc["retention"] == {"draft_days": 10}
    assert draft.version == "1.1.0" and draft.revision == 2
    assert check_definition(doc) == []


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"leika": "12345"}, "leika", "kein LeiKa-Schlüssel"),
        ({"reference_prefix": "snu"}, "reference_prefix", "Großbuchstaben"),
        ({"schriftform": "on", "identity_level": "basis"}, "schriftform", "Online-Ausweis"),
        ({"version": "1.0"}, "version", "Drei Zahlen"),
        ({"draft_days": "0"}, "draft_days", "größer oder gleich 1"),
        ({"title_de": ""}, "title_de", "Dieses Feld ist zwingend erforderlich"),
        ({"prefill__antrag__name": "shoeSize"}, "prefill__antrag__name", "gültige Auswahl"),
    ],
)
def test_bad_settings_are_refused_at_their_field(
    draft, designer, client_for, changes, field, words
):
    response = client_for(designer).post(
        reverse("studio:settings", args=[draft.pk]), _settings_post(draft, **changes)
    )
    assert response.status_code == 400
    assert words in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}-error"' in response.content.decode()
    draft.refresh_from_db()
    assert draft.revision == 1, "nothing was saved"


def test_a_stale_revision_is_refused_and_the_typed_values_stay(draft, designer, client_for):
    process_version_update_draft(
        version=draft, doc=base_doc(reference_prefix="ABC"), by=designer, expected_revision=1
    )
    response = client_for(designer).post(
        reverse("studio:settings", args=[draft.pk]),
        _settings_post(draft, revision="1", title_de="Mein neuer Titel"),
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "inzwischen" in html
    assert 'value="Mein neuer Titel"' in html, "what was typed is not lost"
    draft.refresh_from_db()
    assert draft.revision == 2 and draft.definition["reference_prefix"] == "ABC"


def test_problems_of_the_saved_draft_show_at_their_field(studio_publisher, designer, client_for):
    from forms_engine.catalog.services import process_version_create_draft

    doc = base_doc(
        schriftform=True,
        identity={"level": "basis", "prefill": {"/antrag/weg": "givenName"}},
        applicant={"name": ["/antrag/fehlt"]},
    )
    version = process_version_create_draft(doc=doc, publisher=studio_publisher, by=designer)
    response = client_for(designer).get(reverse("studio:settings", args=[version.pk]))
    form = response.context["form"]
    assert "Vertrauensniveau" in form.errors["schriftform"][0]
    assert "/antrag/fehlt" in form.errors["applicant_name_1"][0]
    html = response.content.decode()
    assert 'id="stale-prefill"' in html and "/antrag/weg" in html
    # the prefill problem names a field that is gone: listed at the top, linked to its place
    assert "#setting-identity" in html


def test_problems_are_shown_in_english_for_english_pages(studio_publisher, designer, client_for):
    from forms_engine.catalog.services import process_version_create_draft

    version = process_version_create_draft(
        doc=base_doc(schriftform=True), publisher=studio_publisher, by=designer
    )
    client = client_for(designer)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("studio:settings", args=[version.pk]))
    assert "requires identity level" in response.context["form"].errors["schriftform"][0]
    html = response.content.decode()
    assert "Sign-in with BundID" in html and "Save settings" in html


def test_a_published_version_is_read_only(draft, designer, client_for):
    draft = studio_publish(version=draft, by=designer)
    client = client_for(designer)
    for name in ("studio:settings", "studio:declarations", "studio:parameters"):
        url = reverse(name, args=[draft.pk])
        page = client.get(url)
        assert page.status_code == 200
        assert 'id="read-only-note"' in page.content.decode()
        for button in ('id="settings-save"', 'id="decl-add"', 'id="param-save"'):
            assert button not in page.content.decode()
        response = client.post(url, _settings_post(draft), follow=True)
        assert "veröffentlicht" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "published" and draft.revision == 1


@pytest.mark.parametrize("name", ["studio:settings", "studio:declarations", "studio:parameters"])
def test_access_other_publisher_404_reviewer_reads_only(
    draft, other_designer, reviewer, client_for, client, name
):
    url = reverse(name, args=[draft.pk])
    assert client_for(other_designer).get(url).status_code == 404
    client.logout()
    reader = client_for(reviewer)
    page = reader.get(url)
    assert page.status_code == 200 and 'id="read-only-note"' in page.content.decode()
    assert reader.post(url, _settings_post(draft)).status_code == 403
    draft.refresh_from_db()
    assert draft.revision == 1


# --- declarations -------------------------------------------------------------------------


def _decl_url(draft):
    return reverse("studio:declarations", args=[draft.pk])


def test_declarations_add_edit_move_delete(draft, designer, client_for):
    client = client_for(designer)
    url = _decl_url(draft)
    add = {"action": "add", "neu-ident": "wahrheit", "neu-text_de": "Alles ist wahr."}
    response = client.post(url, {**add, "revision": "1"})
    assert response.status_code == 302 and response["Location"].endswith("#decl-wahrheit")
    add = {"action": "add", "neu-ident": "daten", "neu-text_de": "Daten", "neu-text_en": "Data"}
    client.post(url, {**add, "revision": "2"})
    draft.refresh_from_db()
    assert [d["id"] for d in draft.definition["declarations"]] == ["wahrheit", "daten"]
    client.post(url, {"action": "up", "index": "1", "revision": "3"})
    draft.refresh_from_db()
    assert [d["id"] for d in draft.definition["declarations"]] == ["daten", "wahrheit"]
    edit = {
        "action": "save",
        "index": "1",
        "revision": "4",
        "d1-ident": "wahr",
        "d1-text_de": "Meine Angaben sind wahr.",
        "d1-text_en": "My details are true.",
    }
    client.post(url, edit)
    draft.refresh_from_db()
    assert draft.definition["declarations"][1] == {
        "id": "wahr",
        "text": {"de": "Meine Angaben sind wahr.", "en": "My details are true."},
    }
    client.post(url, {"action": "delete", "index": "0", "revision": "5"})
    draft.refresh_from_db()
    assert [d["id"] for d in draft.definition["declarations"]] == ["wahr"]
    assert check_definition(draft.definition) == []
    page = client.get(url).content.decode()
    assert 'id="decl-wahr"' in page


def test_declaration_errors_and_bad_index(draft, designer, client_for):
    client = client_for(designer)
    url = _decl_url(draft)
    client.post(url, {"action": "add", "neu-ident": "wahr", "neu-text_de": "x", "revision": "1"})
    twice = client.post(
        url, {"action": "add", "neu-ident": "wahr", "neu-text_de": "y", "revision": "2"}
    )
    assert twice.status_code == 400
    assert "schon eine andere Erklärung" in twice.content.decode()
    bad = client.post(url, {"action": "add", "neu-ident": "Wahr!", "revision": "2"})
    assert bad.status_code == 400
    assert client.post(url, {"action": "delete", "index": "7", "revision": "2"}).status_code == 400
    assert client.post(url, {"action": "explode", "index": "0", "revision": "2"}).status_code == 400
    stale = client.post(url, {"action": "delete", "index": "0", "revision": "1"})
    assert stale.status_code == 409 and "inzwischen" in stale.content.decode()
    draft.refresh_from_db()
    assert draft.revision == 2 and len(draft.definition["declarations"]) == 1


# --- parameters ---------------------------------------------------------------------------


def _param_url(draft):
    return reverse("studio:parameters", args=[draft.pk])


def _param_post(revision, **changes):
    data = {
        "revision": str(revision),
        "action": "save",
        "option_rows": "3",
        "p-name": "gebuehr",
        "p-type": "money",
        "p-label_de": "Gebühr je Tag",
        "p-label_en": "Fee per day",
        "p-default": "12,50",
        "p-minimum": "1",
        "p-maximum": "100,00",
    }
    plain = ("revision", "action", "option_rows", "original")
    data.update({k if k in plain else f"p-{k}": v for k, v in changes.items()})
    return data


def test_a_money_parameter_is_added_and_edited(draft, designer, client_for):
    client = client_for(designer)
    response = client.post(_param_url(draft), _param_post(1))
    assert response.status_code == 302 and response["Location"].endswith("#param-gebuehr")
    draft.refresh_from_db()
    assert draft.definition["parameters"] == {
        "gebuehr": {
            "type": "money",
            "label": {"de": "Gebühr je Tag", "en": "Fee per day"},
            "minimum": "1.00",
            "maximum": "100.00",
            "default": "12.50",
        }
    }
    page = client.get(_param_url(draft) + "?name=gebuehr")
    assert page.context["form"]["default"].value() == "12.50"
    response = client.post(
        _param_url(draft), _param_post(2, original="gebuehr", required="on", default="")
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert "default" not in draft.definition["parameters"]["gebuehr"]
    assert check_definition(draft.definition) == []


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"default": "200.00"}, "default", "über dem Höchstbetrag"),
        ({"default": "zwölf"}, "default", "Kein Betrag"),
        ({"minimum": "50", "maximum": "10"}, "maximum", "unter dem Minimum"),
        ({"max_length": "20"}, "max_length", "nur bei Text"),
        ({"default": ""}, "default", "Standardwert"),
        ({"name": "Gebühr"}, "name", "Kleinbuchstaben"),
        (
            {"type": "date", "default": "31.02.2027", "minimum": "", "maximum": ""},
            "default",
            "Kein Datum",
        ),
        (
            {"type": "text", "default": "x", "minimum": "1", "maximum": ""},
            "minimum",
            "nur bei Geldbetrag",
        ),
    ],
)
def test_bad_parameters_are_refused_at_their_field(
    draft, designer, client_for, changes, field, words
):
    response = client_for(designer).post(_param_url(draft), _param_post(1, **changes))
    assert response.status_code == 400
    assert words in " ".join(response.context["form"].errors[field])
    draft.refresh_from_db()
    assert draft.revision == 1


def test_a_choices_parameter_with_option_rows(draft, designer, client_for):
    client = client_for(designer)
    data = _param_post(
        1,
        name="zonen",
        type="choices",
        default="",
        minimum="",
        maximum="",
        **{
            "option_0_value": "a",
            "option_0_label_de": "Zone A",
            "option_0_label_en": "Zone A",
            "option_1_value": "b",
            "option_1_label_de": "Zone B",
        },
    )
    assert client.post(_param_url(draft), data).status_code == 302
    draft.refresh_from_db()
    assert draft.definition["parameters"]["zonen"]["default"] == [
        {"value": "a", "label": {"de": "Zone A", "en": "Zone A"}},
        {"value": "b", "label": {"de": "Zone B"}},
    ]
    page = client.get(_param_url(draft) + "?name=zonen")
    assert page.context["form"].option_count == 5, "two options and three empty rows"
    twice = dict(data, revision="2", original="zonen", **{"p-option_1_value": "a"})
    response = client.post(_param_url(draft), twice)
    assert response.status_code == 400
    assert "doppelt" in " ".join(response.context["form"].errors["option_1_value"])


def _with_used_parameter(draft, designer):
    doc = base_doc(
        parameters={
            "gebuehr": {"type": "money", "label": {"de": "Gebühr"}, "default": "10.00"},
            "ort": {"type": "text", "label": {"de": "Ort"}, "default": "Teststadt"},
        },
        payment={
            "policy": "optional",
            "fees": [
                {"id": "tag", "label": {"de": "Tagesgebühr"}, "amount": {"$param": "gebuehr"}}
            ],
        },
    )
    doc["steps"][0]["title"] = {"de": "Ihr Antrag in {{param:ort}}"}
    return process_version_update_draft(version=draft, doc=doc, by=designer)


def test_a_used_parameter_cannot_be_deleted_and_says_where(draft, designer, client_for):
    draft = _with_used_parameter(draft, designer)
    client = client_for(designer)
    page = client.get(_param_url(draft)).content.decode()
    assert "Gebühr „Tagesgebühr“" in page and "Betrag einer Gebühr" in page
    assert "Schritt „Ihr Antrag in {{param:ort}}“" in page
    response = client.post(
        _param_url(draft), {"action": "delete", "original": "gebuehr", "revision": "2"}, follow=True
    )
    assert "wird noch verwendet" in response.content.decode()
    assert "Tagesgebühr" in response.content.decode()
    draft.refresh_from_db()
    assert "gebuehr" in draft.definition["parameters"] and draft.revision == 2
    # a type that does not fit where it is used, or a new name while used: refused
    wrong_type = _param_post(
        2, original="gebuehr", type="text", default="x", minimum="", maximum=""
    )
    response = client.post(_param_url(draft), wrong_type)
    assert response.status_code == 400
    assert "Geldbetrag" in " ".join(response.context["form"].errors["type"])
    renamed = _param_post(2, original="gebuehr", name="satz")
    response = client.post(_param_url(draft), renamed)
    assert response.status_code == 400
    assert "umbenennen" in " ".join(response.context["form"].errors["name"])


def test_an_unused_parameter_is_deleted(draft, designer, client_for):
    client = client_for(designer)
    client.post(_param_url(draft), _param_post(1))
    response = client.post(
        _param_url(draft), {"action": "delete", "original": "gebuehr", "revision": "2"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert "parameters" not in draft.definition


def test_parameter_problems_show_at_the_parameter(draft, designer, client_for):
    doc = base_doc(
        parameters={"satz": {"type": "money", "label": {"de": "Satz"}, "default": "abc"}}
    )
    draft = process_version_update_draft(version=draft, doc=doc, by=designer)
    client = client_for(designer)
    page = client.get(_param_url(draft))
    assert 'class="studio-item studio-item--problem" id="param-satz"' in page.content.decode()
    edit = client.get(_param_url(draft) + "?name=satz")
    assert "Euro-Betrag" in " ".join(edit.context["form"].errors["default"])


def test_a_name_field_of_another_type_is_kept_when_saving(studio_publisher, designer, client_for):
    from forms_engine.catalog.services import process_version_create_draft

    doc = base_doc(applicant={"name": ["/antrag/zweck"]})
    doc["steps"][0]["ui"] = {"fields": {"zweck": {"widget": "textarea"}}}
    version = process_version_create_draft(doc=doc, publisher=studio_publisher, by=designer)
    client = client_for(designer)
    page = client.get(reverse("studio:settings", args=[version.pk]))
    assert page.context["form"]["applicant_name_1"].value() == "/antrag/zweck"
    data = _settings_post(version, applicant_name_1="/antrag/zweck", summary_de="Neu")
    assert client.post(reverse("studio:settings", args=[version.pk]), data).status_code == 302
    version.refresh_from_db()
    assert version.definition["applicant"] == {"name": ["/antrag/zweck"]}


def test_pointers_lead_to_their_place(draft, designer):
    from urllib.parse import quote

    from forms_engine.studio.settings_places import settings_place_url

    doc = base_doc(
        parameters={"satz": {"type": "money", "label": {"de": "Satz"}, "default": "1.00"}},
        declarations=[{"id": "wahr", "text": {"de": "Wahr."}}],
        rules=[{"id": "r", "check": "true", "pointer": "/antrag", "message": {"de": "x"}}],
    )
    draft = process_version_update_draft(version=draft, doc=doc, by=designer)
    base = f"/studio/versionen/{draft.pk}"
    assert settings_place_url(draft, "/parameters/satz/default") == (
        f"{base}/parameter/?name=satz#param-form"
    )
    assert settings_place_url(draft, "/rules/0/check") == f"{base}/regeln/?regel=0#rule-form"
    assert settings_place_url(draft, "/declarations/0/text/de") == f"{base}/erklaerungen/#decl-wahr"
    assert settings_place_url(draft, "/identity/prefill/" + quote("~1antrag~1name")) == (
        f"{base}/einstellungen/#setting-prefill"
    )
    assert settings_place_url(draft, "/schriftform") == f"{base}/einstellungen/#setting-schriftform"
    assert settings_place_url(draft, "/payment/policy") == f"{base}/einstellungen/#setting-payment"
    assert settings_place_url(draft, "/steps/0/schema") is None
    assert settings_place_url(draft, "/payment/fees/0/amount") is None


def test_declaration_problems_show_at_their_field(draft, designer, client_for):
    doc = base_doc(
        declarations=[
            {"id": "wahr", "text": {"de": "Eins."}},
            {"id": "wahr", "text": {"de": "Zwei."}},
        ]
    )
    draft = process_version_update_draft(version=draft, doc=doc, by=designer)
    page = client_for(designer).get(_decl_url(draft))
    second = page.context["rows"][1]["form"]
    assert second.errors["ident"] == ["Erklärungs-ID 'wahr' kommt doppelt vor."]
    assert not page.context["rows"][0]["form"].errors
    assert 'id="id_d1-ident-error"' in page.content.decode()
