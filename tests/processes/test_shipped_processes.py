"""The shipped process library: every definition in processes/ is clean, compiles, passes its
own designer tests, and accepts or rejects every sample answer file exactly as labelled.

Sample answers are a Musterstadt citizen's: they are judged against the newest version bound
to the parameter values of Musterstadt's activation in fixtures/demo.json (its parking zones,
its fees), as every test that submits them through Musterstadt sees it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forms_engine.definitions import (
    check_definition,
    compile_definition,
    load_definition,
)

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
ANSWERS = ROOT / "fixtures" / "answers"
UPLOADS = ROOT / "fixtures" / "uploads"
DEMO = ROOT / "fixtures" / "demo.json"

# Stands in for "@file:<name>" in sample answers when no real upload is made.
UPLOAD_REF = "upload:00000000-0000-4000-8000-000000000001"

DEFINITION_FILES = sorted(PROCESSES.glob("*/*.json"))
ANSWER_FILES = sorted(ANSWERS.glob("*/*.json"))


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _load(path: Path) -> dict:
    return load_definition(path.read_bytes())


def _definition_for(process_id: str) -> Path:
    files = sorted(PROCESSES.glob(f"{process_id}/*.json"))
    assert files, f"no definition for sample answers of {process_id!r}"
    # sample answers target the newest version
    return max(files, key=lambda p: tuple(int(x) for x in p.stem.split(".")))


def _activation_spec(municipality: dict, process_id: str) -> dict:
    """An activation of demo.json in its long form ({"authority", "version"?, "parameters"?})."""
    spec = municipality["activations"][process_id]
    return {"authority": spec} if isinstance(spec, str) else spec


def _sample_parameters(process_id: str, version: str) -> dict:
    """The parameter values Musterstadt's demo activation sets for `process_id` (which must
    pin `version`, the one the sample answers target, when it sets any)."""
    demo = json.loads(DEMO.read_text(encoding="utf-8"))
    musterstadt = next(m for m in demo["municipalities"] if m["slug"] == "musterstadt")
    spec = _activation_spec(musterstadt, process_id)
    if spec.get("parameters"):
        assert spec.get("version") == version, (process_id, spec.get("version"), version)
    return spec.get("parameters") or {}


def _upload_names(value) -> list[str]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _upload_names(v)]
    if isinstance(value, list):
        return [n for v in value for n in _upload_names(v)]
    if isinstance(value, str) and value.startswith("@file:"):
        return [value.removeprefix("@file:")]
    return []


def _substitute_uploads(value):
    if isinstance(value, dict):
        return {k: _substitute_uploads(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute_uploads(v) for v in value]
    if isinstance(value, str) and value.startswith("@file:"):
        return UPLOAD_REF
    return value


def test_library_is_not_empty():
    ids = {p.parent.name for p in DEFINITION_FILES}
    assert {"hundesteuer-anmeldung", "anwohnerparkausweis", "gewerbeanmeldung"} <= ids


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=_rel)
def test_schema_id_and_version_match_the_path(path):
    doc = _load(path)
    assert doc["$schema"] == "urn:ozg-engine:process-format:1"
    assert doc["id"] == path.parent.name
    assert doc["version"] == path.stem


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=_rel)
def test_definition_has_no_problems(path):
    problems = check_definition(_load(path))
    assert problems == [], "\n".join(f"{p.pointer}: {p.message}" for p in problems)


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=_rel)
def test_definition_compiles_with_a_stable_data_schema_id(path):
    doc = _load(path)
    definition = compile_definition(doc)
    assert definition.id == doc["id"]
    assert definition.version == doc["version"]
    schema_id = definition.data_schema["$id"]
    assert schema_id == definition.data_schema_id
    assert doc["id"] in schema_id
    assert doc["version"] in schema_id


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=_rel)
def test_designer_tests_pass(path):
    doc = _load(path)
    assert doc.get("tests"), "every shipped process carries designer tests"
    results = compile_definition(doc).run_tests()
    assert len(results) == len(doc["tests"])
    failed = [f"{r.name}: {'; '.join(r.failures)}" for r in results if not r.passed]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=_rel)
def test_every_process_has_enough_sample_answers(path):
    process_id = path.parent.name
    names = [p.name for p in ANSWERS.glob(f"{process_id}/*.json")]
    assert len([n for n in names if n.startswith("valid-")]) >= 2
    assert len([n for n in names if n.startswith("invalid-")]) >= 4
    assert all(n.startswith(("valid-", "invalid-")) for n in names)


@pytest.mark.parametrize("path", ANSWER_FILES, ids=_rel)
def test_sample_answers_are_judged_as_labelled(path):
    sample = json.loads(path.read_text(encoding="utf-8"))
    assert set(sample) == {"description", "answers", "declarations", "expect"}
    expect = sample["expect"]
    assert expect["valid"] is path.name.startswith("valid-")

    newest = _definition_for(path.parent.name)
    doc = _load(newest)
    assert set(sample["declarations"]) <= {d["id"] for d in doc.get("declarations", [])}
    for name in _upload_names(sample["answers"]):
        assert (UPLOADS / name).is_file(), f"missing upload fixture {name}"

    definition = compile_definition(doc).bind(_sample_parameters(path.parent.name, newest.stem))
    errors = definition.validate_answers(_substitute_uploads(sample["answers"]))
    reported = {e.pointer for e in errors}
    if expect["valid"]:
        assert reported == set(), [f"{e.pointer}: {e.message}" for e in errors]
    else:
        assert reported == set(expect["errors"])
        assert all(e.message and e.message_en for e in errors)


def test_upload_fixtures_are_what_their_names_say():
    for name in ("sachkunde.pdf", "erlaubnis.pdf"):
        data = (UPLOADS / name).read_bytes()
        assert data.startswith(b"%PDF-1.")
        assert data.rstrip().endswith(b"%%EOF")
        assert len(data) < 2048
    png = (UPLOADS / "fahrzeugschein.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) < 2048
    fake = (UPLOADS / "fake.pdf").read_bytes()
    assert not fake.startswith(b"%PDF")


def test_demo_data_refers_to_shipped_processes_and_known_authorities():
    demo = json.loads(DEMO.read_text(encoding="utf-8"))
    shipped = {p.parent.name for p in DEFINITION_FILES}
    authorities = set()
    for municipality in demo["municipalities"]:
        assert len(municipality["ars"]) == 12
        assert municipality["ars"].isdigit()
        slugs = {a["slug"] for a in municipality["authorities"]}
        authorities |= {f"{municipality['slug']}/{s}" for s in slugs}
        for process_id in municipality["activations"]:
            spec = _activation_spec(municipality, process_id)
            assert process_id in shipped
            assert spec["authority"] in slugs
            if "version" in spec:
                assert (PROCESSES / process_id / f"{spec['version']}.json").is_file()
    for clerk in demo["clerks"]:
        assert clerk["authority"] in authorities
