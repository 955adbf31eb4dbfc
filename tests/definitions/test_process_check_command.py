"""`manage.py process_check`: OK or `path: /pointer: message`, exit status 1 on problems."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from .helpers import BROKEN, REPO, valid_doc


def run(*paths):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("process_check", *[str(p) for p in paths], stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def test_a_valid_file_is_ok_and_exits_zero():
    code, out = run(BROKEN / "valid-minimal.json")
    assert code == 0
    assert f"{BROKEN / 'valid-minimal.json'}: OK" in out


def test_a_broken_file_prints_path_pointer_and_message_and_exits_non_zero():
    path = BROKEN / "duplicate-step-ids.json"
    code, out = run(path)
    assert code == 1
    assert f"{path}: /steps/1/id: Schritt-ID 'halter' kommt doppelt vor." in out


def test_a_directory_is_searched_recursively_and_any_problem_fails_the_run():
    code, out = run(BROKEN)
    assert code == 1
    assert "valid-minimal.json: OK" in out
    assert "invalid-json.json: /: Kein gültiges JSON in Zeile 6, Spalte 3" in out


def test_failing_designer_tests_are_reported(tmp_path):
    doc = valid_doc()
    doc["tests"][0]["expect"]["fee_total"] = "1.00"
    path = tmp_path / "nested" / "process.json"
    path.parent.mkdir()
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out = run(tmp_path)
    assert code == 1
    assert "Test 'Listenhund zahlt Zuschlag': Gebühr gesamt: erwartet 1.00" in out


def test_the_shipped_processes_pass():
    processes = REPO / "processes"
    if not any(processes.rglob("*.json")):
        pytest.skip("no shipped processes yet")
    code, out = run(processes)
    assert code == 0, out


def test_a_missing_path_is_a_command_error():
    with pytest.raises(CommandError):
        call_command("process_check", str(BROKEN / "does-not-exist.json"))
