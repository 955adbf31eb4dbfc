"""Authoring checks (`authoring_findings`): accessibility and plain-language findings.

Each check fires on a minimal bad example at the place the studio links to, and stays
silent on a good one. The shipped library's current versions give only the findings listed
in `SHIPPED_FINDINGS` (each one real). Whatever the document, nothing raises.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given

from forms_engine.definitions import (
    AUTHORING_CODES,
    Finding,
    authoring_findings,
    check_definition,
    load_definition,
)

from .helpers import REPO
from .test_properties import FAST, damaged_definitions, json_values

WHEN_LISTENHUND = {
    "properties": {
        "hund": {"properties": {"listenhund": {"const": True}}, "required": ["listenhund"]}
    },
    "required": ["hund"],
}


def good() -> dict:
    """A small valid definition, in German and English, without any finding."""
    return copy.deepcopy(
        {
            "$schema": "urn:ozg-engine:process-format:1",
            "id": "gute-praxis",
            "version": "1.0.0",
            "title": {"de": "Hund anmelden", "en": "Register a dog"},
            "summary": {"de": "Melden Sie Ihren Hund an.", "en": "Register your dog."},
            "reference_prefix": "GUT",
            "payment": {
                "policy": "deferred",
                "fees": [
                    {
                        "id": "zuschlag",
                        "label": {"de": "Zuschlag", "en": "Surcharge"},
                        "amount": "10.00",
                        "when": WHEN_LISTENHUND,
                    }
                ],
            },
            "$defs": {
                "plz": {
                    "type": "string",
                    "title": "Postleitzahl",
                    "description": "5 Ziffern",
                    "x-en": {"title": "Postcode", "description": "5 digits"},
                    "format": "postcode-de",
                }
            },
            "steps": [
                {
                    "id": "halter",
                    "title": {"de": "Über Sie", "en": "About you"},
                    "description": {"de": "Bitte füllen Sie alles aus.", "en": "Fill in all."},
                    "schema": {
                        "type": "object",
                        "required": ["name", "plz", "geburtsdatum"],
                        "properties": {
                            "name": {"type": "string", "title": "Name", "x-en": {"title": "Name"}},
                            "plz": {"$ref": "#/$defs/plz"},
                            "geburtsdatum": {
                                "type": "string",
                                "format": "date",
                                "title": "Geburtsdatum",
                                "x-en": {"title": "Date of birth"},
                            },
                            "email": {
                                "type": "string",
                                "format": "email",
                                "title": "E-Mail-Adresse",
                                "x-en": {"title": "Email address"},
                            },
                            "telefon": {
                                "type": "string",
                                "format": "phone",
                                "title": "Telefon",
                                "description": "Zum Beispiel 030 1234567",
                                "x-en": {"title": "Phone", "description": "E.g. 030 1234567"},
                            },
                        },
                    },
                },
                {
                    "id": "hund",
                    "title": {"de": "Ihr Hund", "en": "Your dog"},
                    "schema": {
                        "type": "object",
                        "required": ["listenhund", "farbe"],
                        "properties": {
                            "listenhund": {
                                "type": "boolean",
                                "title": "Listenhund",
                                "x-en": {"title": "Listed dog"},
                            },
                            "farbe": {
                                "type": "string",
                                "title": "Farbe",
                                "x-en": {"title": "Colour"},
                                "oneOf": [
                                    {"const": "s", "title": "schwarz", "x-en": {"title": "black"}},
                                    {"const": "w", "title": "weiß", "x-en": {"title": "white"}},
                                ],
                            },
                            "chip": {
                                "type": "string",
                                "title": "Chipnummer",
                                "description": "15 Ziffern",
                                "x-en": {"title": "Chip number", "description": "15 digits"},
                                "pattern": "^[0-9]{15}$",
                            },
                            "rasse": {
                                "type": "string",
                                "title": "Rasse",
                                "x-en": {"title": "Breed"},
                            },
                        },
                    },
                    "ui": {
                        "fields": {
                            "rasse": {
                                "when": WHEN_LISTENHUND,
                                "hint": {"de": "Wie im Impfpass.", "en": "As in the pass."},
                            }
                        }
                    },
                },
                {
                    "id": "nachweis",
                    "title": {"de": "Nachweis", "en": "Proof"},
                    "when": WHEN_LISTENHUND,
                    "schema": {
                        "type": "object",
                        "required": ["datei"],
                        "properties": {
                            "datei": {
                                "type": "string",
                                "title": "Sachkundenachweis",
                                "x-en": {"title": "Certificate of competence"},
                                "x-upload": {
                                    "media_types": ["application/pdf", "image/jpeg"],
                                    "max_bytes": 10485760,
                                },
                            }
                        },
                    },
                },
            ],
            "declarations": [
                {"id": "wahr", "text": {"de": "Meine Angaben stimmen.", "en": "All is true."}}
            ],
        }
    )


def findings(doc) -> list[tuple[str, str]]:
    return [(f.code, f.pointer) for f in authoring_findings(doc)]


def the_only(doc, code: str) -> Finding:
    found = authoring_findings(doc)
    assert [f.code for f in found] == [code], found
    finding = found[0]
    for text in (finding.message, finding.message_en, finding.hint, finding.hint_en):
        assert text.strip()
    return finding


def props(doc, step: int) -> dict:
    return doc["steps"][step]["schema"]["properties"]


def test_the_good_definition_is_valid_and_has_no_findings():
    doc = good()
    assert check_definition(doc) == []
    assert authoring_findings(doc) == []


# --- formatted fields ---------------------------------------------------------------------


def test_a_postcode_without_a_help_text_is_found_at_its_shared_definition():
    doc = good()
    del doc["$defs"]["plz"]["description"]
    del doc["$defs"]["plz"]["x-en"]["description"]
    finding = the_only(doc, "format_hint_missing")
    assert finding.pointer == "/$defs/plz"
    assert "Postleitzahl" in finding.message and "postcode" in finding.message_en


def test_a_phone_without_a_help_text_is_found():
    doc = good()
    props(doc, 0)["telefon"].pop("description")
    props(doc, 0)["telefon"]["x-en"].pop("description")
    assert the_only(doc, "format_hint_missing").pointer == "/steps/0/schema/properties/telefon"


def test_a_ui_hint_counts_as_the_help_text():
    doc = good()
    props(doc, 0)["telefon"].pop("description")
    props(doc, 0)["telefon"]["x-en"].pop("description")
    doc["steps"][0]["ui"] = {"fields": {"telefon": {"hint": {"de": "Mit Vorwahl", "en": "Code"}}}}
    assert authoring_findings(doc) == []


def test_a_pattern_field_needs_a_help_text_that_says_the_form():
    doc = good()
    chip = props(doc, 1)["chip"]
    chip["description"], chip["x-en"]["description"] = "Steht im Impfpass", "In the pass"
    assert the_only(doc, "format_hint_missing").pointer == "/steps/1/schema/properties/chip"
    chip["description"] = "Steht im Impfpass, zum Beispiel 276098106543210"
    assert authoring_findings(doc) == []


def test_an_email_field_needs_a_hint_only_when_its_label_does_not_say_mail():
    doc = good()
    props(doc, 0)["email"]["title"] = "Kontakt"
    assert the_only(doc, "format_hint_missing").pointer == "/steps/0/schema/properties/email"


def test_date_money_and_iban_get_their_format_hint_from_the_page():
    doc = good()
    for name, fmt in (("betrag", "money"), ("iban", "iban")):
        props(doc, 0)[name] = {
            "type": "string",
            "format": fmt,
            "title": name,
            "x-en": {"title": name},
        }
    assert authoring_findings(doc) == []


# --- choices ------------------------------------------------------------------------------


def options(count: int, english: bool = True) -> list[dict]:
    result = []
    for i in range(count):
        option = {"const": f"o{i}", "title": f"Möglichkeit {i}"}
        if english:
            option["x-en"] = {"title": f"Option {i}"}
        result.append(option)
    return result


def test_an_explicit_radio_with_more_than_ten_options_is_found():
    doc = good()
    props(doc, 1)["farbe"]["oneOf"] = options(11)
    doc["steps"][1]["ui"]["fields"]["farbe"] = {"widget": "radio"}
    finding = the_only(doc, "radio_too_many_options")
    assert finding.pointer == "/steps/1/schema/properties/farbe"
    assert "11" in finding.message
    props(doc, 1)["farbe"]["oneOf"] = options(10)
    assert authoring_findings(doc) == []


def test_a_select_with_more_than_fifty_options_is_found():
    doc = good()
    props(doc, 1)["farbe"]["oneOf"] = options(51)
    assert the_only(doc, "select_too_many_options").pointer == "/steps/1/schema/properties/farbe"
    props(doc, 1)["farbe"]["oneOf"] = options(50)
    assert authoring_findings(doc) == []


def test_more_than_fifteen_checkboxes_are_found():
    doc = good()
    props(doc, 1)["merkmale"] = {
        "type": "array",
        "uniqueItems": True,
        "title": "Merkmale",
        "x-en": {"title": "Features"},
        "items": {"type": "string", "oneOf": options(16)},
    }
    assert the_only(doc, "checkboxes_too_many_options").pointer == (
        "/steps/1/schema/properties/merkmale"
    )


# --- lengths ------------------------------------------------------------------------------


def test_a_label_over_eighty_characters_is_found_in_each_language():
    doc = good()
    props(doc, 0)["name"]["title"] = "N" * 81
    assert the_only(doc, "label_too_long").pointer == "/steps/0/schema/properties/name/title"
    props(doc, 0)["name"]["title"] = "Name"
    props(doc, 0)["name"]["x-en"]["title"] = "N" * 81
    assert the_only(doc, "label_too_long").pointer == "/steps/0/schema/properties/name/x-en/title"


def test_long_option_step_and_fee_labels_are_found():
    doc = good()
    props(doc, 1)["farbe"]["oneOf"][1]["title"] = "w" * 90
    doc["steps"][2]["title"]["de"] = "T" * 90
    doc["payment"]["fees"][0]["label"]["en"] = "F" * 90
    assert findings(doc) == [
        ("label_too_long", "/steps/1/schema/properties/farbe/oneOf/1/title"),
        ("label_too_long", "/steps/2/title/de"),
        ("label_too_long", "/payment/fees/0/label/en"),
    ]


LONG = " ".join(["Wort"] * 26) + "."


def test_a_sentence_of_more_than_25_words_is_found_in_help_texts_and_declarations():
    doc = good()
    props(doc, 1)["chip"]["description"] = "15 Ziffern. " + LONG
    doc["declarations"][0]["text"]["en"] = LONG
    doc["steps"][1]["ui"]["fields"]["rasse"]["hint"]["de"] = LONG
    doc["summary"]["de"] = LONG
    doc["steps"][0]["description"]["de"] = LONG
    found = findings(doc)
    assert found == [
        ("sentence_too_long", "/summary/de"),
        ("sentence_too_long", "/steps/0/description/de"),
        ("sentence_too_long", "/steps/1/ui/fields/rasse/hint/de"),
        ("sentence_too_long", "/steps/1/schema/properties/chip/description"),
        ("sentence_too_long", "/declarations/0/text/en"),
    ]
    assert "26" in authoring_findings(doc)[0].message


def test_short_sentences_make_a_long_text_fine():
    doc = good()
    props(doc, 1)["chip"]["description"] = "15 Ziffern. " + " ".join(["Ein kurzer Satz."] * 30)
    assert authoring_findings(doc) == []


# --- English ------------------------------------------------------------------------------


def test_missing_english_is_found_in_every_kind_of_text():
    doc = good()
    del doc["summary"]["en"]
    del doc["steps"][0]["title"]["en"]
    del doc["steps"][0]["description"]["en"]
    del props(doc, 0)["name"]["x-en"]
    del props(doc, 0)["telefon"]["x-en"]["description"]
    del props(doc, 1)["farbe"]["oneOf"][0]["x-en"]
    del doc["steps"][1]["ui"]["fields"]["rasse"]["hint"]["en"]
    del doc["payment"]["fees"][0]["label"]["en"]
    del doc["declarations"][0]["text"]["en"]
    del doc["$defs"]["plz"]["x-en"]["title"]
    assert findings(doc) == [
        ("english_missing", "/summary"),
        ("english_missing", "/steps/0/title"),
        ("english_missing", "/steps/0/description"),
        ("english_missing", "/steps/0/schema/properties/name/title"),
        ("english_missing", "/$defs/plz/title"),
        ("english_missing", "/steps/0/schema/properties/telefon/description"),
        ("english_missing", "/steps/1/ui/fields/rasse/hint"),
        ("english_missing", "/steps/1/schema/properties/farbe/oneOf"),
        ("english_missing", "/payment/fees/0/label"),
        ("english_missing", "/declarations/0/text"),
    ]


def test_without_english_in_the_title_english_is_not_asked_for():
    doc = good()
    del doc["title"]["en"]
    del props(doc, 0)["name"]["x-en"]
    del doc["declarations"][0]["text"]["en"]
    assert authoring_findings(doc) == []


def test_an_own_german_label_over_a_shared_definition_needs_its_own_english():
    """`{"$ref": …, "title": "Ihre PLZ"}` would show the shared English label "Postcode"."""
    doc = good()
    props(doc, 0)["plz"] = {"$ref": "#/$defs/plz", "title": "PLZ des Wohnorts"}
    finding = the_only(doc, "english_missing")
    assert finding.pointer == "/steps/0/schema/properties/plz/title"


def test_fields_inside_repeatable_groups_and_shared_groups_are_checked():
    doc = good()
    doc["$defs"]["kontakt"] = {
        "type": "object",
        "title": "Kontakt",
        "x-en": {"title": "Contact"},
        "properties": {"tel": {"type": "string", "format": "phone", "title": "Tel."}},
    }
    props(doc, 0)["weitere"] = {
        "type": "array",
        "title": "Weitere Halter",
        "x-en": {"title": "Further keepers"},
        "maxItems": 3,
        "items": {
            "type": "object",
            "title": "Halter",
            "properties": {"kontakt": {"$ref": "#/$defs/kontakt"}},
        },
    }
    props(doc, 1)["kontakt"] = {"$ref": "#/$defs/kontakt"}  # the same group again
    assert check_definition(doc) == []
    assert findings(doc) == [
        ("english_missing", "/steps/0/schema/properties/weitere/items/title"),
        ("english_missing", "/$defs/kontakt/properties/tel/title"),
        ("format_hint_missing", "/$defs/kontakt/properties/tel"),
    ]


# --- looks optional -----------------------------------------------------------------------


def test_a_field_required_only_through_if_then_looks_optional():
    doc = good()
    schema = doc["steps"][1]["schema"]
    schema["if"] = {"properties": {"listenhund": {"const": True}}, "required": ["listenhund"]}
    schema["then"] = {"required": ["chip"]}
    finding = the_only(doc, "conditional_required_looks_optional")
    assert finding.pointer == "/steps/1/schema/properties/chip"
    assert "optional" in finding.message


def test_a_conditionally_required_field_whose_help_says_when_is_fine():
    doc = good()
    schema = doc["steps"][1]["schema"]
    schema["allOf"] = [
        {
            "if": {"properties": {"listenhund": {"const": True}}, "required": ["listenhund"]},
            "then": {"required": ["chip"]},
        }
    ]
    props(doc, 1)["chip"]["description"] = "15 Ziffern; Pflicht für Listenhunde"
    assert authoring_findings(doc) == []


def test_a_required_field_labelled_optional_is_found():
    doc = good()
    props(doc, 0)["name"]["title"] = "Name (freiwillig)"
    assert the_only(doc, "optional_label_on_required").pointer == "/steps/0/schema/properties/name"
    doc["steps"][0]["schema"]["required"].remove("name")
    assert authoring_findings(doc) == []


# --- conditions ---------------------------------------------------------------------------


def test_a_condition_without_required_holds_on_empty_answers():
    doc = good()
    doc["steps"][2]["when"] = {
        "properties": {"hund": {"properties": {"listenhund": {"const": True}}}}
    }
    finding = the_only(doc, "condition_true_when_empty")
    assert finding.pointer == "/steps/2/when"
    assert "hund" in finding.message and "required" in finding.hint


def test_a_condition_missing_only_the_inner_required_is_found_too():
    doc = good()
    doc["steps"][1]["ui"]["fields"]["rasse"]["when"] = {
        "properties": {"hund": {"properties": {"listenhund": {"const": True}}}},
        "required": ["hund"],
    }
    finding = the_only(doc, "condition_true_when_empty")
    assert finding.pointer == "/steps/1/ui/fields/rasse/when"
    assert "hund/listenhund" in finding.message


def test_fee_conditions_and_always_true_conditions_are_found():
    doc = good()
    doc["payment"]["fees"][0]["when"] = {}
    finding = the_only(doc, "condition_true_when_empty")
    assert finding.pointer == "/payment/fees/0/when"
    assert "immer" in finding.message


def test_a_negated_condition_that_holds_on_empty_answers_is_intended():
    """ "Unless it is a listed dog" holds when nothing is answered: that is what `not` says."""
    doc = good()
    doc["payment"]["fees"][0]["when"] = {"not": WHEN_LISTENHUND}
    assert authoring_findings(doc) == []


# --- uploads and steps --------------------------------------------------------------------


def test_an_upload_without_a_size_limit_is_found():
    doc = good()
    del props(doc, 2)["datei"]["x-upload"]["max_bytes"]
    assert the_only(doc, "upload_size_missing").pointer == (
        "/steps/2/schema/properties/datei/x-upload"
    )


def test_an_upload_of_archives_or_very_many_types_is_found():
    doc = good()
    upload = props(doc, 2)["datei"]["x-upload"]
    upload["media_types"] = ["application/pdf", "application/zip"]
    finding = the_only(doc, "upload_types_broad")
    assert finding.pointer == "/steps/2/schema/properties/datei/x-upload/media_types"
    assert "application/zip" in finding.message
    upload["media_types"] = [f"image/x{i}" for i in range(7)]
    assert the_only(doc, "upload_types_broad")


def test_a_step_with_more_than_fifteen_fields_is_found_counting_group_children():
    doc = good()
    group = {"type": "object", "title": "Gruppe", "x-en": {"title": "Group"}, "properties": {}}
    for i in range(12):
        group["properties"][f"f{i}"] = {"type": "string", "title": f"F{i}", "x-en": {"title": "F"}}
    props(doc, 0)["gruppe"] = group  # 5 + 12 = 17 input fields
    finding = the_only(doc, "step_too_many_fields")
    assert finding.pointer == "/steps/0"
    assert "17" in finding.message


def test_every_code_is_documented_and_covered_here():
    text = (REPO / "docs" / "process-format.md").read_text(encoding="utf-8")
    source = (REPO / "tests" / "definitions" / "test_authoring.py").read_text(encoding="utf-8")
    for code in AUTHORING_CODES:
        assert f"`{code}`" in text, code
        assert f'"{code}"' in source, code


# --- the shipped library ------------------------------------------------------------------

SHIPPED_FINDINGS = {
    # The third reason is a 101-character radio label (a sentence, not a label).
    "auskunftssperre": [
        ("label_too_long", "/steps/2/schema/properties/grund/oneOf/2/title"),
    ],
    # Two optional phone fields without any help text.
    "gewerbeanmeldung": [
        ("format_hint_missing", "/steps/0/schema/properties/telefon"),
        ("format_hint_missing", "/steps/2/schema/properties/betrieb_telefon"),
    ],
}


def current_versions():
    for directory in sorted((REPO / "processes").iterdir()):
        files = sorted(directory.glob("*.json"))
        newest = max(files, key=lambda p: tuple(int(x) for x in p.stem.split(".")))
        yield directory.name, load_definition(newest.read_bytes())


@pytest.mark.parametrize("process_id,doc", list(current_versions()))
def test_the_shipped_current_versions_give_only_the_known_findings(process_id, doc):
    assert findings(doc) == SHIPPED_FINDINGS.get(process_id, [])


def test_a_shipped_process_without_its_english_texts_is_full_of_findings():
    _, doc = next((p, d) for p, d in current_versions() if p == "hundesteuer-anmeldung")

    def strip(node):
        if isinstance(node, dict):
            node.pop("x-en", None)
            if "de" in node and "en" in node and node is not doc["title"]:
                node.pop("en")
            for value in node.values():
                strip(value)
        elif isinstance(node, list):
            for value in node:
                strip(value)

    strip(doc)
    found = findings(doc)
    assert len(found) > 20
    assert {code for code, _ in found} == {"english_missing"}


# --- robustness ---------------------------------------------------------------------------


def _only_findings(doc) -> None:
    found = authoring_findings(doc)
    assert isinstance(found, list)
    for finding in found:
        assert isinstance(finding, Finding) and finding.code in AUTHORING_CODES
        assert finding.message and finding.message_en and finding.hint and finding.hint_en
        assert finding.pointer == "" or finding.pointer.startswith("/")


@FAST
@given(damaged_definitions())
def test_damaged_definitions_never_raise(doc):
    _only_findings(doc)


@FAST
@given(json_values)
def test_arbitrary_json_never_raises(doc):
    _only_findings(doc)


def test_hostile_shapes_never_raise():
    deep: dict = {}
    node = deep
    for _ in range(500):
        node["properties"] = {"a": {}}
        node = node["properties"]["a"]
    doc = good()
    for when in (deep, {"$ref": "#/$defs/nirgends"}, {"pattern": "\\p{L}+"}, True, False, "x"):
        doc["steps"][2]["when"] = when
        _only_findings(doc)
    doc["$defs"]["zyklus"] = {"$ref": "#/$defs/zyklus"}
    props(doc, 0)["z"] = {"$ref": "#/$defs/zyklus"}
    _only_findings(doc)
    _only_findings({"steps": [{"schema": {"properties": {"x": {"x-upload": "pdf"}}}}]})
