"""Compiled definitions: composition, conditions, pruning, fees, formats, German messages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from forms_engine.definitions import (
    canonical_json,
    citizen_validator,
    compile_definition,
    definition_sha256,
)

from .helpers import compiled, good_halter, valid_doc

LISTENHUND = {"name": "Rex", "rasse": "mischling", "listenhund": True}
NORMAL = {"name": "Bello", "rasse": "dackel", "listenhund": False}
UPLOAD = "upload:0b8f5d0e-6a43-4c3e-9f0c-0a1b2c3d4e5f"


def by_pointer(errors):
    return {e.pointer: e for e in errors}


def test_canonical_json_sorts_keys_and_drops_whitespace():
    assert canonical_json({"b": 1, "a": "ä"}) == '{"a":"ä","b":1}'.encode()
    assert definition_sha256({"a": 1}) == definition_sha256({"a": 1})
    assert len(definition_sha256(valid_doc())) == 64


def test_compiling_the_same_document_twice_returns_the_cached_object():
    assert compile_definition(valid_doc()) is compile_definition(valid_doc())


def test_a_compiled_definition_is_immutable():
    with pytest.raises(AttributeError):
        compiled().id = "other"


def test_data_schema_has_a_stable_id_and_closed_step_objects():
    schema = compiled().data_schema
    assert schema["$id"] == "urn:ozg-engine:process:hundesteuer-test:1.0.0:data"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["halter", "hund"]
    assert schema["properties"]["halter"]["additionalProperties"] is False
    assert schema["$defs"]["anschrift"]["additionalProperties"] is False
    nachweis = schema["properties"]["sachkunde"]["properties"]["nachweis"]
    assert nachweis["pattern"] == "^upload:[0-9a-f-]{36}$"


def test_data_schema_makes_a_conditional_step_required_only_when_its_condition_holds():
    validator = citizen_validator(compiled().data_schema)
    base = {"halter": good_halter()}
    assert validator.is_valid({**base, "hund": NORMAL})
    assert not validator.is_valid({**base, "hund": LISTENHUND})
    assert validator.is_valid({**base, "hund": LISTENHUND, "sachkunde": {"nachweis": UPLOAD}})
    assert not validator.is_valid({**base, "hund": NORMAL, "sachkunde": {"nachweis": UPLOAD}})


def test_data_schema_makes_a_conditional_field_absent_unless_its_condition_holds():
    validator = citizen_validator(compiled().data_schema)
    hund = {**NORMAL, "rasse_sonstige": "Pudel"}
    assert not validator.is_valid({"halter": good_halter(), "hund": hund})
    hund["rasse"] = "sonstige"
    assert validator.is_valid({"halter": good_halter(), "hund": hund})


def test_field_types_are_derived_from_schema_and_ui():
    process = compiled()
    types = {f.name: f.type for step in process.steps for f in step.fields()}
    assert types == {
        "vorname": "text",
        "familienname": "text",
        "geburtsdatum": "date",
        "email": "email",
        "anschrift": "group",
        "name": "text",
        "rasse": "choice",
        "rasse_sonstige": "text",
        "listenhund": "boolean",
        "nachweis": "upload",
    }
    rasse = process.step("hund").field("rasse")
    assert rasse.options[0] == ("mischling", "Mischling", "Mixed breed")
    vorname = process.step("halter").field("vorname")
    assert vorname.required and vorname.label("en") == "First name" and vorname.label() == "Vorname"
    anschrift = process.step("halter").field("anschrift")
    assert [c.pointer for c in anschrift.children] == [
        "/anschrift/strasse",
        "/anschrift/plz",
        "/anschrift/ort",
    ]
    assert process.step("sachkunde").field("nachweis").upload["media_types"] == ["application/pdf"]


def test_repeatable_groups_and_multiple_choice_are_recognised():
    doc = valid_doc()
    doc["steps"][1]["schema"]["properties"]["fruehere"] = {
        "type": "array",
        "title": "Frühere Hunde",
        "minItems": 1,
        "maxItems": 2,
        "items": {"type": "object", "properties": {"name": {"type": "string", "title": "Name"}}},
    }
    doc["steps"][1]["schema"]["properties"]["farben"] = {
        "type": "array",
        "title": "Farben",
        "uniqueItems": True,
        "items": {
            "oneOf": [{"const": "braun", "title": "braun"}, {"const": "weiss", "title": "weiß"}]
        },
    }
    process = compile_definition(doc)
    fruehere = process.step("hund").field("fruehere")
    assert fruehere.type == "repeat"
    assert fruehere.children[0].pointer == "/fruehere/*/name"
    assert process.step("hund").field("farben").type == "multichoice"
    errors = by_pointer(
        process.validate_step("hund", {**NORMAL, "fruehere": [{}, {}, {}], "farben": ["lila"]}, {})
    )
    assert errors["/hund/fruehere"].message == "Bitte geben Sie höchstens 2 Einträge an."
    assert errors["/hund/farben/0"].code == "choice"
    errors = by_pointer(process.validate_step("hund", {**NORMAL, "fruehere": []}, {}))
    assert errors["/hund/fruehere"].message == "Bitte geben Sie mindestens 1 Eintrag an."


def test_a_conditional_step_applies_only_when_its_condition_holds():
    process = compiled()
    assert [s.id for s in process.applicable_steps({"hund": NORMAL})] == ["halter", "hund"]
    assert [s.id for s in process.applicable_steps({"hund": LISTENHUND})] == [
        "halter",
        "hund",
        "sachkunde",
    ]


def test_a_conditional_field_applies_only_when_its_condition_holds():
    process = compiled()
    hund = process.step("hund")
    assert "rasse_sonstige" not in process.applicable_fields(hund, {"hund": NORMAL})
    assert "rasse_sonstige" in process.applicable_fields("hund", {"hund": {"rasse": "sonstige"}})


def test_prune_drops_inapplicable_steps_fields_and_unknown_keys():
    process = compiled()
    answers = {
        "hund": {**NORMAL, "rasse_sonstige": "Pudel", "unbekannt": 1},
        "sachkunde": {"nachweis": UPLOAD},
        "fremd": {},
    }
    assert process.prune(answers) == {"hund": NORMAL}
    assert answers["hund"]["unbekannt"] == 1  # the input is not changed


def test_validate_answers_reports_missing_steps_and_required_fields_on_their_own_pointer():
    process = compiled()
    errors = by_pointer(process.validate_answers({"hund": {"rasse": "dackel", "listenhund": True}}))
    assert errors["/halter"].message == (
        "Bitte füllen Sie den Schritt „Angaben zur Halterin oder zum Halter“ aus."
    )
    assert errors["/hund/name"].message == "Bitte geben Sie „Name des Hundes“ an."
    assert errors["/hund/name"].message_en == "Please enter “Name des Hundes”."
    assert errors["/hund/name"].code == "required"
    assert errors["/sachkunde"].code == "required"
    assert "/hund" not in errors


def test_a_complete_answer_set_is_valid():
    process = compiled()
    answers = {"halter": good_halter(), "hund": LISTENHUND, "sachkunde": {"nachweis": UPLOAD}}
    assert process.validate_answers(answers) == []


def test_validate_step_gives_german_messages_per_error_kind():
    process = compiled()
    data = {
        "vorname": "x" * 21,
        "familienname": "Müller",
        "geburtsdatum": "2023-02-30",
        "email": "keine-adresse",
        "anschrift": {"strasse": "Hauptstr. 1", "plz": "1011", "ort": "Berlin"},
        "hobby": "Angeln",
    }
    errors = by_pointer(process.validate_step("halter", data, {}))
    assert errors["/halter/vorname"].message == "Bitte höchstens 20 Zeichen eingeben."
    assert errors["/halter/geburtsdatum"].message == (
        "Bitte geben Sie ein gültiges Datum im Format TT.MM.JJJJ an."
    )
    assert errors["/halter/email"].code == "format"
    assert (
        errors["/halter/anschrift/plz"].message
        == "Bitte geben Sie eine fünfstellige Postleitzahl an."
    )
    assert errors["/halter/hobby"].message == "Dieses Feld ist hier nicht vorgesehen."
    assert len(errors) == 5


def test_a_missing_nested_required_field_is_reported_on_its_own_pointer_with_its_label():
    errors = by_pointer(compiled().validate_step("halter", {**good_halter(), "anschrift": {}}, {}))
    assert set(errors) == {
        "/halter/anschrift/strasse",
        "/halter/anschrift/plz",
        "/halter/anschrift/ort",
    }
    assert errors["/halter/anschrift/plz"].message == "Bitte geben Sie „Postleitzahl“ an."


def test_a_choice_outside_the_options_gets_one_error_without_sub_errors():
    errors = compiled().validate_step("hund", {**NORMAL, "rasse": "wolf"}, {})
    assert [(e.pointer, e.message) for e in errors] == [
        ("/hund/rasse", "Bitte wählen Sie eine der angebotenen Möglichkeiten.")
    ]


def test_a_conditional_required_field_is_required_only_when_it_applies():
    doc = valid_doc()
    doc["steps"][1]["schema"]["required"].append("rasse_sonstige")
    process = compile_definition(doc)
    assert process.validate_step("hund", NORMAL, {}) == []
    errors = process.validate_step("hund", {**NORMAL, "rasse": "sonstige"}, {})
    assert [(e.pointer, e.code) for e in errors] == [("/hund/rasse_sonstige", "required")]
    answers = {"halter": good_halter(), "hund": {**NORMAL, "rasse": "sonstige"}}
    assert [e.pointer for e in process.validate_answers(answers)] == ["/hund/rasse_sonstige"]


def test_validate_step_ignores_data_of_hidden_fields():
    hund = {**NORMAL, "rasse_sonstige": "x" * 100}
    assert compiled().validate_step("hund", hund, {}) == []


def test_fees_apply_by_condition_and_sum_to_a_decimal():
    process = compiled()
    assert [f.id for f in process.fees({"hund": NORMAL})] == ["grund"]
    assert process.fee_total({"hund": NORMAL}) == Decimal("96.00")
    assert process.fee_total({"hund": LISTENHUND}) == Decimal("600.00")
    assert isinstance(process.fees({"hund": LISTENHUND})[1].amount, Decimal)


def test_designer_tests_pass_and_failures_are_explained():
    assert all(r.passed for r in compiled().run_tests())
    doc = valid_doc()
    doc["tests"][0]["expect"]["fee_total"] = "96.00"
    doc["tests"][1]["expect"]["errors"] = ["/hund/name"]
    results = compile_definition(doc).run_tests()
    assert not results[0].passed and "600.00" in results[0].failures[0]
    assert not results[1].passed and "/hund/name" in results[1].failures[-1]


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("money", ["0", "12.5", "96.00", "123456789.99"], ["-1", "1.234", "1,50", "1e3", ""]),
        (
            "phone",
            ["+49 30 1234567", "030 1234567", "(030) 123-45/67"],
            ["12345", "030 abc", "++49"],
        ),
        ("postcode-de", ["10115", "01067"], ["1011", "101155", "1011a"]),
        (
            "iban",
            ["DE02120300000000202051"],
            ["DE02120300000000202052", "DE02 1203 0000 0000 2020 51"],
        ),
        (
            "date",
            ["2024-02-29", "1999-12-31"],
            ["2023-02-29", "2023-02-30", "31.12.1999", "2023-1-01"],
        ),
        ("email", ["name@example.de"], ["keine-adresse", "a b@example.de"]),
    ],
)
def test_engine_formats_are_really_checked(fmt, good, bad):
    validator = citizen_validator({"type": "string", "format": fmt})
    assert [value for value in good if not validator.is_valid(value)] == []
    assert [value for value in bad if validator.is_valid(value)] == []


def test_iban_and_money_errors_have_helpful_messages():
    doc = valid_doc()
    props = doc["steps"][0]["schema"]["properties"]
    props["iban"] = {"type": "string", "format": "iban", "title": "IBAN"}
    props["betrag"] = {"type": "string", "format": "money", "title": "Betrag"}
    process = compile_definition(doc)
    errors = by_pointer(
        process.validate_step("halter", {**good_halter(), "iban": "DE00", "betrag": "1,5"}, {})
    )
    assert errors["/halter/iban"].message == (
        "Bitte geben Sie eine gültige IBAN an (z. B. DE02 1203 0000 0000 2020 51)."
    )
    assert errors["/halter/betrag"].code == "format"
