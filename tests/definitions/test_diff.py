"""The semantic diff in words (`definition_diff`): realistic pairs of versions.

The shipped dog tax 1.0.0 → 1.1.0 (payment deferred, texts) and synthetic edits of the
minimal valid definition and of the parameter example: each change in German and English,
at its pointer, with the version step it needs. Malformed input never raises.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from hypothesis import given

from forms_engine.definitions import (
    Change,
    definition_diff,
    required_bump,
    version_step,
)
from forms_engine.definitions import pointers as json_pointers
from forms_engine.definitions.diff import AREAS, BUMPS, KINDS

from .helpers import valid_doc
from .test_properties import FAST, damaged_definitions, json_values

EXAMPLES = Path(__file__).parent / "examples"


def shipped(version: str) -> dict:
    path = django_settings.FORMS_PROCESS_LIBRARY / "hundesteuer-anmeldung" / f"{version}.json"
    return json.loads(path.read_text("utf-8"))


def parking() -> dict:
    return json.loads((EXAMPLES / "parkausweis-parameter.json").read_text("utf-8"))


def messages(changes: list[Change]) -> list[str]:
    return [c.message for c in changes]


def only(changes: list[Change]) -> Change:
    assert len(changes) == 1, messages(changes)
    return changes[0]


def _exists(doc, pointer: str) -> bool:
    node = doc
    for part in json_pointers.split(pointer):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def assert_well_formed(changes, old, new):
    assert isinstance(changes, list)
    for change in changes:
        assert isinstance(change, Change)
        assert change.kind in KINDS
        assert change.area in AREAS
        assert change.bump in BUMPS
        assert change.message and change.message_en
        assert isinstance(change.pointer, str)
        assert _exists(new, change.pointer) or _exists(old, change.pointer), change


# --- the shipped dog tax ------------------------------------------------------------------


def test_shipped_dog_tax_1_0_to_1_1_in_words():
    old, new = shipped("1.0.0"), shipped("1.1.0")

    changes = definition_diff(old, new)

    assert_well_formed(changes, old, new)
    by_pointer = {c.pointer: c for c in changes}
    policy = by_pointer["/payment/policy"]
    assert policy.area == "payment" and policy.kind == "changed"
    assert policy.message == (
        "Zahlungsweise: „Online-Zahlung vor dem Absenden“ → „Rechnung oder Bescheid folgt“"
    )
    assert policy.message_en == (
        "Payment: “online payment before submitting” → “invoice or notice follows”"
    )
    assert by_pointer["/payment/fees/0/label"].message == (
        "Gebühr „Hundesteuer (erstes Jahr)“ heißt jetzt „Hundesteuer (Jahresbetrag)“"
    )
    assert by_pointer["/steps/3/title"].message == (
        "Schritt „Zahlung“ heißt jetzt „Zahlung der Hundesteuer“"
    )
    assert by_pointer["/summary"].message == "Kurzbeschreibung geändert"
    assert "/steps/3/schema/properties/sepa_mandat/title" in by_pointer
    # nothing about fields, options or amounts: those stayed
    assert not [c for c in changes if c.area in ("choice", "parameter", "declaration")]
    assert not [c for c in changes if c.kind != "changed"]
    assert required_bump(changes) == "minor"
    assert version_step(old["version"], new["version"]) == "minor"


def test_the_way_back_names_the_same_places():
    old, new = shipped("1.0.0"), shipped("1.1.0")

    forward = definition_diff(old, new)
    back = definition_diff(new, old)

    assert sorted(c.pointer for c in forward) == sorted(c.pointer for c in back)
    assert "Zahlungsweise: „Rechnung oder Bescheid folgt“ → „Online-Zahlung vor dem Absenden“" in (
        messages(back)
    )


def test_identical_versions_have_no_changes():
    assert definition_diff(shipped("1.1.0"), shipped("1.1.0")) == []
    assert required_bump([]) == "none"


def test_only_the_version_number_changed_is_no_change():
    old = valid_doc()
    new = dict(copy.deepcopy(old), version="1.0.1")
    assert definition_diff(old, new) == []


# --- fields ----------------------------------------------------------------------------


def test_a_new_required_choice_field():
    old = valid_doc()
    new = copy.deepcopy(old)
    hund = new["steps"][1]["schema"]
    hund["properties"]["farbe"] = {
        "type": "string",
        "title": "Farbe",
        "x-en": {"title": "Colour"},
        "oneOf": [{"const": "schwarz", "title": "schwarz"}, {"const": "weiss", "title": "weiß"}],
    }
    hund["required"].append("farbe")

    change = only(definition_diff(old, new))

    assert change.kind == "added" and change.area == "field" and change.bump == "major"
    assert change.pointer == "/steps/1/schema/properties/farbe"
    assert change.message == "Schritt „Angaben zum Hund“: neues Pflichtfeld „Farbe“ (Auswahl)"
    assert change.message_en == "Step “Angaben zum Hund”: new required field “Colour” (choice)"


def test_a_new_optional_field_is_minor():
    old = valid_doc()
    new = copy.deepcopy(old)
    new["steps"][0]["schema"]["properties"]["telefon"] = {
        "type": "string",
        "format": "phone",
        "title": "Telefon",
    }

    change = only(definition_diff(old, new))

    assert change.bump == "minor"
    assert change.message == (
        "Schritt „Angaben zur Halterin oder zum Halter“: neues Feld „Telefon“ "
        "(Telefonnummer, freiwillig)"
    )


def test_a_removed_field_points_into_the_old_document():
    old = valid_doc()
    new = copy.deepcopy(old)
    del new["steps"][0]["schema"]["properties"]["email"]

    change = only(definition_diff(old, new))

    assert change.kind == "removed" and change.bump == "major"
    assert change.pointer == "/steps/0/schema/properties/email"
    assert "Feld „E-Mail-Adresse“ entfällt" in change.message


def test_required_and_optional():
    old = valid_doc()
    new = copy.deepcopy(old)
    new["steps"][0]["schema"]["required"].remove("geburtsdatum")

    optional = only(definition_diff(old, new))
    required = only(definition_diff(new, old))

    assert optional.message.endswith("Feld „Geburtsdatum“ ist jetzt freiwillig")
    assert optional.bump == "minor"
    assert required.message.endswith("Feld „Geburtsdatum“ ist jetzt Pflicht")
    assert required.message_en.endswith("field “Geburtsdatum” is now required")
    assert required.bump == "major"


def test_labels_in_german_and_in_english():
    old = valid_doc()
    new = copy.deepcopy(old)
    new["steps"][0]["schema"]["properties"]["familienname"]["title"] = "Nachname"
    new["steps"][0]["schema"]["properties"]["vorname"]["x-en"]["title"] = "Given name"

    changes = definition_diff(old, new)

    assert messages(changes) == [
        "Schritt „Angaben zur Halterin oder zum Halter“: Feld „Vorname“: englische "
        "Bezeichnung „First name“ → „Given name“",
        "Schritt „Angaben zur Halterin oder zum Halter“: Feld „Familienname“ heißt jetzt "
        "„Nachname“",
    ]
    assert [c.pointer for c in changes] == [
        "/steps/0/schema/properties/vorname/x-en/title",
        "/steps/0/schema/properties/familienname/title",
    ]
    assert {c.bump for c in changes} == {"patch"}


def test_a_field_changing_its_type():
    old = valid_doc()
    new = copy.deepcopy(old)
    new["steps"][1]["schema"]["properties"]["listenhund"] = {
        "type": "string",
        "title": "Listenhund",
    }

    change = only(definition_diff(old, new))

    assert change.message == "Schritt „Angaben zum Hund“: Feld „Listenhund“: Art Ja/Nein → Text"
    assert change.bump == "major"


def test_options_added_removed_and_renamed():
    old = valid_doc()
    new = copy.deepcopy(old)
    options = new["steps"][1]["schema"]["properties"]["rasse"]["oneOf"]
    options.pop(1)  # dackel
    options.append({"const": "pudel", "title": "Pudel", "x-en": {"title": "Poodle"}})
    options[0]["title"] = "Mischling (gemischt)"

    changes = definition_diff(old, new)

    subject = "Schritt „Angaben zum Hund“: Feld „Rasse“"
    assert messages(changes) == [
        f"{subject}: Auswahl „Mischling“ heißt jetzt „Mischling (gemischt)“",
        f"{subject}: neue Auswahl „Pudel“",
        f"{subject}: Auswahl „Dackel“ entfällt",
    ]
    assert [c.area for c in changes] == ["choice"] * 3
    assert [c.bump for c in changes] == ["patch", "minor", "major"]
    assert changes[1].message_en == "Step “Angaben zum Hund”: field “Rasse”: new choice “Poodle”"


def test_a_shared_definition_changes_at_every_field_that_uses_it():
    old = valid_doc()
    new = copy.deepcopy(old)
    new["$defs"]["anschrift"]["properties"]["strasse"]["maxLength"] = 60
    new["$defs"]["anschrift"]["properties"]["ort"]["maxLength"] = 100

    changes = definition_diff(old, new)

    assert messages(changes) == [
        "Schritt „Angaben zur Halterin oder zum Halter“: Feld „Anschrift › Straße und "
        "Hausnummer“: Höchstlänge (Zeichen) 120 → 60",
        "Schritt „Angaben zur Halterin oder zum Halter“: Feld „Anschrift › Ort“: Höchstlänge "
        "(Zeichen) 80 → 100",
    ]
    assert changes[0].pointer == "/$defs/anschrift/properties/strasse/maxLength"
    assert [c.bump for c in changes] == ["major", "minor"]  # tighter, looser


def test_upload_types_and_size():
    old = valid_doc()
    new = copy.deepcopy(old)
    new["steps"][2]["schema"]["properties"]["nachweis"]["x-upload"] = {
        "media_types": ["application/pdf", "image/png"],
        "max_bytes": 5 * 1024 * 1024,
    }

    changes = definition_diff(old, new)

    assert [c.message.split(": ", 2)[-1] for c in changes] == [
        "erlaubte Dateitypen application/pdf → application/pdf, image/png",
        "höchste Dateigröße 10 MB → 5 MB",
    ]
    assert [c.bump for c in changes] == ["minor", "major"]


def test_rules_the_diff_does_not_spell_out_are_still_reported():
    old = valid_doc()
    new = copy.deepcopy(old)
    new["steps"][1]["schema"]["properties"]["name"]["const"] = "Bello"
    new["steps"][1]["schema"]["allOf"] = [{"required": ["name"]}]

    changes = definition_diff(old, new)

    assert messages(changes) == [
        "Schritt „Angaben zum Hund“: Feld „Name des Hundes“: weitere Regeln der Eingabe geändert",
        "Schritt „Angaben zum Hund“: übergreifende Regeln der Eingaben geändert",
    ]
    assert required_bump(changes) == "major"


# --- conditions, steps ------------------------------------------------------------------


def test_conditions_are_named_not_explained():
    old = valid_doc()
    new = copy.deepcopy(old)
    other = {"required": ["hund"]}
    new["steps"][1]["ui"]["fields"]["rasse_sonstige"]["when"] = other
    new["steps"][2]["when"] = other
    new["payment"]["fees"][1]["when"] = other

    changes = definition_diff(old, new)

    assert sorted(messages(changes)) == [
        "Gebühr „Zuschlag Listenhund“: Bedingung geändert",
        "Schritt „Angaben zum Hund“: Feld „Welche Rasse?“: Bedingung geändert",
        "Schritt „Sachkundenachweis“: Bedingung geändert",
    ]
    pointers = {c.message: c.pointer for c in changes}
    assert pointers["Schritt „Sachkundenachweis“: Bedingung geändert"] == "/steps/2/when"
    assert (
        pointers["Schritt „Angaben zum Hund“: Feld „Welche Rasse?“: Bedingung geändert"]
        == "/steps/1/ui/fields/rasse_sonstige/when"
    )


def test_a_condition_added_and_one_removed():
    old = valid_doc()
    new = copy.deepcopy(old)
    del new["steps"][2]["when"]
    new["payment"]["fees"][0]["when"] = {"required": ["hund"]}

    changes = definition_diff(old, new)

    assert messages(changes) == [
        "Gebühr „Hundesteuer erstes Jahr“ wird jetzt nur unter einer Bedingung erhoben",
        "Schritt „Sachkundenachweis“ erscheint jetzt immer",
    ]
    # a removed condition points at its owner, which is still there
    assert changes[1].kind == "removed" and changes[1].pointer == "/steps/2"


def test_steps_added_removed_and_reordered():
    old = valid_doc()
    new = copy.deepcopy(old)
    new["steps"] = [old["steps"][1], old["steps"][0]]
    new["steps"].append(
        {
            "id": "haltung",
            "title": {"de": "Haltung", "en": "Keeping"},
            "schema": {
                "type": "object",
                "required": ["seit"],
                "properties": {
                    "seit": {"type": "string", "format": "date", "title": "Hund gehalten seit"},
                    "zwinger": {"type": "boolean", "title": "Zwinger"},
                },
            },
        }
    )

    changes = definition_diff(old, new)

    assert messages(changes) == [
        "Neuer Schritt „Haltung“ (2 Feld(er), davon 1 Pflicht)",
        "Schritt „Sachkundenachweis“ entfällt mit allen seinen Feldern",
        "Reihenfolge der Schritte: Angaben zur Halterin oder zum Halter, Angaben zum Hund → "
        "Angaben zum Hund, Angaben zur Halterin oder zum Halter",
    ]
    assert [c.kind for c in changes] == ["added", "removed", "changed"]
    assert [c.pointer for c in changes] == ["/steps/2", "/steps/2", "/steps"]
    assert changes[1].bump == "major"


# --- fees, identity, payment, declarations ------------------------------------------------


def test_fee_amounts_in_euro():
    old = valid_doc()
    new = copy.deepcopy(old)
    new["payment"]["fees"][0]["label"] = {"de": "Verwaltungsgebühr", "en": "Administrative fee"}
    old["payment"]["fees"][0]["label"] = new["payment"]["fees"][0]["label"]
    old["payment"]["fees"][0]["amount"] = "10.00"
    new["payment"]["fees"][0]["amount"] = "12.50"
    new["payment"]["fees"].append(
        {"id": "eilig", "label": {"de": "Eilzuschlag"}, "amount": "1250.00"}
    )

    changes = definition_diff(old, new)

    assert messages(changes) == [
        "Gebühr „Verwaltungsgebühr“: 10,00 € → 12,50 €",
        "Neue Gebühr „Eilzuschlag“: 1.250,00 €",
    ]
    assert changes[0].message_en == "Fee “Administrative fee”: €10.00 → €12.50"
    assert changes[0].pointer == "/payment/fees/0/amount"
    assert changes[1].pointer == "/payment/fees/2"


def test_identity_level_up_is_major_down_is_minor():
    old = valid_doc()
    new = copy.deepcopy(old)
    new["identity"]["level"] = "substanziell"

    up = only(definition_diff(old, new))
    down = only(definition_diff(new, old))

    assert up.message == "Vertrauensniveau der Anmeldung: „basis“ → „substanziell“"
    assert (up.bump, down.bump) == ("major", "minor")
    assert up.area == "identity"


def test_declarations():
    old = valid_doc()
    new = copy.deepcopy(old)
    new["declarations"][0]["text"]["de"] = "Ich versichere, dass alle Angaben stimmen."
    new["declarations"].append({"id": "datenschutz", "text": {"de": "Ich habe gelesen."}})

    changes = definition_diff(old, new)

    assert messages(changes) == [
        "Erklärung „Ich versichere, dass meine Angaben stimmen.“ lautet jetzt „Ich versichere, "
        "dass alle Angaben stimmen.“",
        "Neue Erklärung: „Ich habe gelesen.“",
    ]
    assert {c.area for c in changes} == {"declaration"}


# --- parameters ---------------------------------------------------------------------------


def test_a_new_required_parameter_without_default():
    old = valid_doc()
    new = copy.deepcopy(old)
    new["parameters"] = {
        "jahressteuer": {"type": "money", "label": {"de": "Jahressteuer", "en": "Annual tax"}}
    }
    new["payment"]["fees"][0]["amount"] = {"$param": "jahressteuer"}

    changes = definition_diff(old, new)

    assert messages(changes) == [
        "Gebühr „Hundesteuer erstes Jahr“: 96,00 € → Parameter „jahressteuer“",
        "Parameter „jahressteuer“ neu (Pflicht, ohne Vorgabe): Geldbetrag „Jahressteuer“",
    ]
    assert changes[1].message_en == (
        "Parameter “jahressteuer” added (required, no default): amount of money “Annual tax”"
    )
    assert changes[1].bump == "major"


def test_parameter_defaults_limits_and_types():
    old = parking()
    new = copy.deepcopy(old)
    params = new["parameters"]
    params["gebuehr"]["default"] = "35.00"
    params["gebuehr"]["maximum"] = "150.00"
    params["kontakt"]["type"] = "text"
    params["ort"]["default"] = "Musterstadt"
    del params["info"]
    new["steps"][0]["description"]["de"] = "Fragen an {{param:kontakt}}."
    params["rabatt"] = {"type": "money", "label": {"de": "Rabatt"}, "default": "0.00"}

    changes = [c for c in definition_diff(old, new) if c.area == "parameter"]

    assert messages(changes) == [
        "Parameter „ort“ ist jetzt optional (Vorgabe „Musterstadt“)",
        "Parameter „gebuehr“: Vorgabe 30,70 € → 35,00 €",
        "Parameter „gebuehr“: Höchstwert 200,00 € → 150,00 €",
        "Parameter „kontakt“: Typ E-Mail-Adresse → Text",
        "Parameter „rabatt“ neu (optional, Vorgabe 0,00 €): Geldbetrag „Rabatt“",
        "Parameter „info“ entfällt (ein gesetzter Wert wird nicht mehr gebraucht)",
    ]
    assert [c.bump for c in changes] == ["minor", "minor", "major", "major", "minor", "minor"]


def test_choices_from_a_parameter():
    old = parking()
    new = copy.deepcopy(old)
    new["steps"][0]["schema"]["properties"]["zone"]["oneOf"] = [{"const": "a", "title": "Zone A"}]

    change = only(definition_diff(old, new))

    assert change.message == (
        "Schritt „Ihr Antrag in {{param:ort}}“: Feld „Parkzone in {{param:ort}}“: "
        "Auswahlmöglichkeiten sind jetzt fest vorgegeben"
    )
    assert change.area == "choice"


# --- robustness ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [None, "x", 3, [], ["steps"], b"{}"])
def test_something_that_is_not_a_definition_cannot_be_compared(bad):
    for old, new in ((bad, valid_doc()), (valid_doc(), bad), (bad, bad)):
        change = only(definition_diff(old, new))
        assert change.message.startswith("Die Versionen lassen sich nicht vergleichen")
        assert change.message_en.startswith("The versions cannot be compared")
        assert change.bump == "major"


def test_malformed_parts_are_skipped_not_fatal():
    old = valid_doc()
    new = {
        "steps": [5, {"id": ["x"]}, {"id": "hund", "schema": {"properties": {"a": 1}}}],
        "payment": {"fees": [{"id": {}}, "x"], "policy": []},
        "parameters": {"p": {"type": ["money"]}, "q": 7},
        "identity": {"level": {"x": 1}, "prefill": []},
        "declarations": {"id": "x"},
        "tests": [{"name": [1]}, {"name": {"a": 1}}],
        "$defs": None,
    }

    changes = definition_diff(old, new)

    assert_well_formed(changes, old, new)
    assert len(changes) > 5


@FAST
@given(damaged_definitions(), damaged_definitions())
def test_damaged_definitions_never_raise(old, new):
    changes = definition_diff(old, new)
    assert_well_formed(changes, old, new)


@FAST
@given(json_values, json_values)
def test_arbitrary_json_never_raises(old, new):
    changes = definition_diff(old, new)
    assert all(isinstance(c, Change) and c.message and c.message_en for c in changes)


# --- version numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "step"),
    [
        ("1.0.0", "1.0.1", "patch"),
        ("1.0.9", "1.1.0", "minor"),
        ("1.9.9", "2.0.0", "major"),
        ("1.2.3", "1.2.3", "same"),
        ("1.10.0", "1.9.0", "older"),
        ("1.0", "1.0.1", "unknown"),
        (None, "1.0.0", "unknown"),
    ],
)
def test_version_steps(old, new, step):
    assert version_step(old, new) == step


def test_required_bump_is_the_largest():
    old = valid_doc()
    new = copy.deepcopy(old)
    new["title"]["de"] = "Hund anmelden"
    assert required_bump(definition_diff(old, new)) == "patch"
    del new["steps"][0]["schema"]["properties"]["email"]
    assert required_bump(definition_diff(old, new)) == "major"
