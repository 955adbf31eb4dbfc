from pathlib import Path

from forms_engine.definitions import compile_definition
from forms_engine.definitions.canonical import load_definition

HUND = Path(__file__).resolve().parents[2] / "processes/hundesteuer-anmeldung/1.0.0.json"


def test_required_error_names_the_field_in_each_language():
    definition = compile_definition(load_definition(HUND.read_text(encoding="utf-8")))
    field = definition.step("halter").field("familienname")

    errors = definition.validate_step("halter", {}, {})
    error = next(e for e in errors if e.pointer == "/halter/familienname")

    assert field.label("de") in error.message
    assert field.label("en") in error.message_en
    assert field.label("en") != field.label("de")


def test_applicant_pointers_that_do_not_exist_are_definition_errors():
    from forms_engine.definitions import check_definition

    doc = load_definition(HUND.read_text(encoding="utf-8"))
    doc["applicant"] = {"name": ["/halter/spitzname"], "email": "/nirgends/email"}

    pointers = {p.pointer for p in check_definition(doc)}

    assert {"/applicant/name/0", "/applicant/email"} <= pointers
