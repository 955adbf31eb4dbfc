"""Warnings: a valid definition that would make the engine promise what it cannot keep.

`definition_warnings` advises, it never refuses: `process_check` prints "Warnung / warning"
lines and keeps exit status 0; publishing goes on and reports them.
"""

from __future__ import annotations

import io
import json

from django.core.management import call_command

from forms_engine.definitions import check_definition, definition_warnings, load_definition

from .helpers import REPO, valid_doc


def unreachable_doc() -> dict:
    """The minimal valid process without applicant e-mail and without identification."""
    doc = valid_doc()
    doc.pop("applicant", None)
    doc["identity"] = {"level": "none"}
    return doc


def run_check(path):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("process_check", str(path), stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def test_a_process_without_applicant_email_and_without_identity_is_warned_about():
    doc = unreachable_doc()
    assert check_definition(doc) == []
    warnings = definition_warnings(doc)
    assert [w.pointer for w in warnings] == [""]
    assert "keinen Weg" in warnings[0].message
    assert "no way to reach" in warnings[0].message_en


def test_an_identified_process_reaches_the_citizen_through_the_account():
    doc = unreachable_doc()
    doc["identity"] = {"level": "basis"}
    assert definition_warnings(doc) == []


def test_an_optional_applicant_email_field_is_warned_about():
    doc = valid_doc()
    doc["identity"] = {"level": "none"}
    doc["steps"][0]["schema"]["properties"]["email"] = {
        "type": "string",
        "format": "email",
        "title": "E-Mail",
    }
    doc["applicant"] = {"email": "/halter/email"}
    assert check_definition(doc) == []
    assert [w.pointer for w in definition_warnings(doc)] == ["/applicant/email"]
    doc["steps"][0]["schema"]["required"].append("email")
    assert definition_warnings(doc) == []


def test_a_bank_account_with_required_online_payment_is_warned_about():
    doc = valid_doc()
    doc["payment"]["policy"] = "required"
    doc["steps"][0]["schema"]["properties"]["iban"] = {
        "type": "string",
        "format": "iban",
        "title": "IBAN",
    }
    assert check_definition(doc) == []
    assert "/payment/policy" in [w.pointer for w in definition_warnings(doc)]
    doc["payment"]["policy"] = "deferred"
    assert "/payment/policy" not in [w.pointer for w in definition_warnings(doc)]


def test_warnings_never_raise_on_malformed_documents():
    for doc in (None, [], "x", {"steps": "no"}, {"applicant": {"email": "/x/y/z"}, "steps": [1]}):
        assert isinstance(definition_warnings(doc), list)


def test_process_check_prints_warnings_but_does_not_fail(tmp_path):
    path = tmp_path / "unreachable.json"
    path.write_text(json.dumps(unreachable_doc()), encoding="utf-8")
    code, out = run_check(path)
    assert code == 0, out
    assert f"{path}: OK" in out
    assert f"{path}: Warnung / warning: /: Der Prozess hat keinen Weg" in out


def test_the_current_version_of_every_shipped_process_has_no_warnings():
    """Shipped processes keep their promises (the dog tax once asked for a SEPA mandate
    and forced a card payment of the same tax)."""
    for directory in sorted((REPO / "processes").iterdir()):
        files = sorted(directory.glob("*.json"))
        newest = max(files, key=lambda p: tuple(int(x) for x in p.stem.split(".")))
        warnings = definition_warnings(load_definition(newest.read_bytes()))
        assert warnings == [], f"{newest.name} of {directory.name}: {warnings}"
