"""The rules page: rules and computed values from template forms (they pass
`check_definition` and behave as expected), expert mode with problems at their place,
used values, conflicts, read-only and access."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from forms_engine.catalog.review import studio_publish
from forms_engine.catalog.services import process_version_create_draft, process_version_update_draft
from forms_engine.definitions import check_definition, compile_definition

from .conftest import base_doc

pytestmark = pytest.mark.django_db

NUTZUNG = {
    "id": "nutzung",
    "title": {"de": "Nutzung", "en": "Use"},
    "schema": {
        "type": "object",
        "required": ["beginn", "ende", "flaeche"],
        "properties": {
            "beginn": {"type": "string", "format": "date", "title": "Beginn"},
            "ende": {"type": "string", "format": "date", "title": "Ende"},
            "flaeche": {"type": "number", "title": "Fläche in m²", "minimum": 0},
        },
    },
}


def _doc(**changes):
    doc = base_doc(**changes)
    doc["steps"] = [*doc["steps"], NUTZUNG]
    doc.setdefault(
        "parameters",
        {"satz": {"type": "money", "label": {"de": "Satz je m² und Tag"}, "default": "1.50"}},
    )
    return doc


@pytest.fixture
def version(studio_publisher, designer):
    return process_version_create_draft(doc=_doc(), publisher=studio_publisher, by=designer)


def _url(version, query=""):
    return reverse("studio:rules", args=[version.pk]) + query


def _post(client, version, revision, **data):
    return client.post(_url(version), {"revision": str(revision), "action": "save", **data})


def _end_after_start(version):
    return {
        "target": "rule",
        "kind": "compare_fields",
        "r-id": "ende-nach-beginn",
        "r-left": "/nutzung/ende",
        "r-op": ">",
        "r-right": "/nutzung/beginn",
        "r-message_de": "Das Ende muss nach dem Beginn liegen.",
        "r-message_en": "The end must be after the start.",
        "r-pointer": "",
    }


def test_the_rules_page_offers_the_templates(version, designer, client_for):
    page = client_for(designer).get(_url(version, "?neu=compare_fields"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Zwei Felder vergleichen" in html and "Datum im Verhältnis zu heute" in html
    assert "Produkt aus Feldern und Parametern" in html
    left = [value for value, _label in page.context["form"].fields["left"].choices]
    assert left == ["/nutzung/beginn", "/nutzung/ende", "/nutzung/flaeche"], "no text fields"


def test_a_compare_rule_from_the_form_passes_the_check_and_fires(version, designer, client_for):
    client = client_for(designer)
    response = _post(client, version, 1, **_end_after_start(version))
    assert response.status_code == 302 and response["Location"].endswith("#rule-ende-nach-beginn")
    version.refresh_from_db()
    rule = version.definition["rules"][0]
    assert rule == {
        "id": "ende-nach-beginn",
        "check": "answers.nutzung.ende > answers.nutzung.beginn",
        "pointer": "/nutzung/ende",
        "message": {
            "de": "Das Ende muss nach dem Beginn liegen.",
            "en": "The end must be after the start.",
        },
    }
    assert check_definition(version.definition) == []
    process = compile_definition(version.definition)
    wrong = {"beginn": "2027-05-10", "ende": "2027-05-01", "flaeche": 3}
    errors = process.validate_step("nutzung", wrong, {"nutzung": wrong})
    assert [(e.pointer, e.code, e.message) for e in errors] == [
        ("/nutzung/ende", "rule", "Das Ende muss nach dem Beginn liegen.")
    ]
    right = {"beginn": "2027-05-01", "ende": "2027-05-10", "flaeche": 3}
    assert process.validate_step("nutzung", right, {"nutzung": right}) == []
    page = client.get(_url(version)).content.decode()
    assert "„Ende“ liegt nach / ist größer als „Beginn“" in page
    # shown again as its form, with the values it was built from
    form = client.get(_url(version, "?regel=0")).context["form"]
    assert form.kind == "compare_fields" and form["op"].value() == ">"


def test_a_date_from_today_rule_from_the_form(version, designer, client_for):
    client = client_for(designer)
    data = {
        "target": "rule",
        "kind": "date_from_today",
        "r-id": "vorlauf",
        "r-field": "/nutzung/beginn",
        "r-relation": "at_least",
        "r-days": "14",
        "r-direction": "after",
        "r-message_de": "Der Beginn muss mindestens 14 Tage nach heute liegen.",
        "r-message_en": "",
    }
    assert _post(client, version, 1, **data).status_code == 302
    version.refresh_from_db()
    assert version.definition["rules"][0]["check"] == "answers.nutzung.beginn >= addDays(today, 14)"
    assert check_definition(version.definition) == []
    process = compile_definition(version.definition)
    today = dt.date(2027, 3, 1)
    soon = {"beginn": "2027-03-10", "ende": "2027-03-20", "flaeche": 1}
    later = {"beginn": "2027-03-15", "ende": "2027-03-20", "flaeche": 1}
    assert [e.pointer for e in process.validate_step("nutzung", soon, {}, today=today)] == [
        "/nutzung/beginn"
    ]
    assert process.validate_step("nutzung", later, {}, today=today) == []


def test_a_product_from_the_form_is_a_fee_amount(version, designer, client_for):
    client = client_for(designer)
    tage = {
        "target": "computed",
        "kind": "expert",
        "r-name": "tage",
        "r-expression": "daysBetween(answers.nutzung.beginn, answers.nutzung.ende) + 1",
        "r-type": "integer",
        "r-label_de": "Anzahl der Tage",
    }
    assert _post(client, version, 1, **tage).status_code == 302
    product = {
        "target": "computed",
        "kind": "computed_product",
        "factor_rows": "4",
        "r-name": "gebuehr",
        "r-factors_0": "/nutzung/flaeche",
        "r-factors_1": "computed:tage",
        "r-factors_2": "param:satz",
        "r-factors_3": "",
        "r-type": "money",
        "r-label_de": "Sondernutzungsgebühr",
        "r-label_en": "Special use fee",
    }
    response = _post(client, version, 2, **product)
    assert response.status_code == 302 and response["Location"].endswith("#computed-gebuehr")
    version.refresh_from_db()
    assert version.definition["computed"]["gebuehr"] == {
        "expression": "double(answers.nutzung.flaeche) * double(computed.tage) * double(params.satz)",
        "type": "money",
        "label": {"de": "Sondernutzungsgebühr", "en": "Special use fee"},
    }
    doc = dict(version.definition)
    doc["payment"] = {
        "policy": "optional",
        "fees": [{"id": "snu", "label": {"de": "Gebühr"}, "amount": {"$computed": "gebuehr"}}],
    }
    assert check_definition(doc) == []
    answers = {
        "antrag": {"name": "A"},
        "nutzung": {"beginn": "2027-05-01", "ende": "2027-05-03", "flaeche": 12.5},
    }
    assert compile_definition(doc).fee_total(answers) == Decimal("56.25")  # 12.5 × 3 × 1.50
    version = process_version_update_draft(version=version, doc=doc, by=designer)
    # used by a fee: it cannot be deleted or renamed, and the page says where
    page = client.get(_url(version)).content.decode()
    assert "Gebühr „Gebühr“" in page
    refused = client.post(
        _url(version),
        {
            "revision": str(version.revision),
            "action": "delete",
            "target": "computed",
            "original": "gebuehr",
        },
        follow=True,
    )
    assert "wird noch verwendet" in refused.content.decode()
    renamed = _post(
        client, version, version.revision, **{**product, "original": "gebuehr", "r-name": "betrag"}
    )
    assert renamed.status_code == 400
    assert "umbenennen" in " ".join(renamed.context["form"].errors["name"])
    version.refresh_from_db()
    assert "gebuehr" in version.definition["computed"]


def test_template_problems_are_shown_at_their_field(version, designer, client_for):
    client = client_for(designer)
    data = {**_end_after_start(version), "r-right": "/antrag/name", "r-message_de": ""}
    response = _post(client, version, 1, **data)
    assert response.status_code == 400
    form = response.context["form"]
    assert "message_de" in form.errors and "right" in form.errors
    version.refresh_from_db()
    assert "rules" not in version.definition and version.revision == 1


def test_expert_rules_are_checked_before_saving(version, designer, client_for):
    client = client_for(designer)
    expert = {
        "target": "rule",
        "kind": "expert",
        "r-id": "flaeche",
        "r-check": "answers.nutzung.flaech > 0.0 &&",
        "r-pointer": "/nutzung/flaeche",
        "r-message_de": "Die Fläche muss größer als 0 sein.",
    }
    response = _post(client, version, 1, **expert)
    assert response.status_code == 400
    assert response.context["form"].errors["check"], "the syntax error is shown at the expression"
    assert 'id="id_r-check-error"' in response.content.decode()
    unknown = _post(client, version, 1, **{**expert, "r-check": "answers.nutzung.flaech > 0.0"})
    assert "flaech" in " ".join(unknown.context["form"].errors["check"])
    version.refresh_from_db()
    assert version.revision == 1
    good = _post(client, version, 1, **{**expert, "r-check": "answers.nutzung.flaeche > 0.0"})
    assert good.status_code == 302
    version.refresh_from_db()
    assert version.definition["rules"][0]["check"] == "answers.nutzung.flaeche > 0.0"
    assert check_definition(version.definition) == []
    # no template recognises it: it is edited as its expression
    form = client.get(_url(version, "?regel=0")).context["form"]
    assert form["check"].value() == "answers.nutzung.flaeche > 0.0"
    # a second rule with the same id is refused at the id
    twice = _post(client, version, 2, **{**expert, "r-check": "true"})
    assert "schon die Kennung" in " ".join(twice.context["form"].errors["id"])


def test_a_rule_condition_is_kept_when_edited_from_the_form(studio_publisher, designer, client_for):
    when = {"properties": {"nutzung": {"required": ["flaeche"]}}, "required": ["nutzung"]}
    doc = _doc(
        rules=[
            {
                "id": "ende",
                "check": "answers.nutzung.ende > answers.nutzung.beginn",
                "pointer": "/nutzung/ende",
                "when": when,
                "message": {"de": "Alt"},
            }
        ]
    )
    version = process_version_create_draft(doc=doc, publisher=studio_publisher, by=designer)
    client = client_for(designer)
    page = client.get(_url(version, "?regel=0"))
    assert "bleibt beim Speichern erhalten" in page.content.decode()
    data = {**_end_after_start(version), "r-id": "ende", "original": "0"}
    assert _post(client, version, 1, **data).status_code == 302
    version.refresh_from_db()
    assert version.definition["rules"][0]["when"] == when
    assert (
        version.definition["rules"][0]["message"]["de"] == "Das Ende muss nach dem Beginn liegen."
    )


def test_saved_problems_show_at_the_rule(studio_publisher, designer, client_for):
    doc = _doc(
        rules=[
            {
                "id": "kaputt",
                "check": "answers.weg.feld > 1",
                "pointer": "/nutzung",
                "message": {"de": "x"},
            }
        ]
    )
    version = process_version_create_draft(doc=doc, publisher=studio_publisher, by=designer)
    client = client_for(designer)
    page = client.get(_url(version)).content.decode()
    assert 'class="studio-item studio-item--problem" id="rule-kaputt"' in page
    form = client.get(_url(version, "?regel=0")).context["form"]
    assert "weg" in " ".join(form.errors["check"])


def test_delete_a_rule_and_stale_revisions(version, designer, client_for):
    client = client_for(designer)
    _post(client, version, 1, **_end_after_start(version))
    stale = _post(client, version, 1, **{**_end_after_start(version), "r-id": "zweite"})
    assert stale.status_code == 409 and "inzwischen" in stale.content.decode()
    assert 'value="zweite"' in stale.content.decode(), "what was typed stays"
    gone = client.post(
        _url(version), {"revision": "2", "action": "delete", "target": "rule", "original": "0"}
    )
    assert gone.status_code == 302
    version.refresh_from_db()
    assert "rules" not in version.definition and version.revision == 3
    bad = client.post(
        _url(version), {"revision": "3", "action": "delete", "target": "rule", "original": "4"}
    )
    assert bad.status_code == 400
    assert _post(client, version, 3, target="rule", kind="nonsense").status_code == 400


def test_rules_read_only_and_access(
    version, designer, reviewer, other_designer, client_for, client
):
    assert client_for(other_designer).get(_url(version)).status_code == 404
    client.logout()
    reader = client_for(reviewer)
    page = reader.get(_url(version, "?neu=compare_fields"))
    assert page.status_code == 200 and 'id="rule-save"' not in page.content.decode()
    assert _post(reader, version, 1, **_end_after_start(version)).status_code == 403
    client.logout()
    owner = client_for(designer)
    published = studio_publish(version=version, by=designer)
    response = _post(owner, published, 1, **_end_after_start(version))
    assert response.status_code == 302
    published.refresh_from_db()
    assert "rules" not in published.definition
