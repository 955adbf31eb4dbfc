"""The starter library (library/starter/): every process, field group and code list is clean,
every process compiles, passes its own designer tests, speaks English, and accepts or rejects
every sample answer file exactly as labelled (judged with the parameter defaults: the starter
library carries no municipality's values)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forms_engine.definitions import (
    authoring_findings,
    check_definition,
    check_shared_item,
    compile_definition,
    load_definition,
    shared_item_use,
    shared_uses,
)

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "library" / "starter"
PROCESS_FILES = sorted((LIBRARY / "processes").glob("*/*.json"))
SHARED_FILES = sorted(LIBRARY.glob("fieldgroups/*/*.json")) + sorted(
    LIBRARY.glob("codelists/*/*.json")
)
ANSWER_FILES = sorted((LIBRARY / "answers").glob("*/*.json"))
UPLOADS = ROOT / "fixtures" / "uploads"
UPLOAD_REF = "upload:00000000-0000-4000-8000-000000000001"


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _load(path: Path) -> dict:
    return load_definition(path.read_bytes())


def _shared_items() -> dict[tuple[str, str, str], dict]:
    items = {}
    for path in SHARED_FILES:
        doc = _load(path)
        items[(doc["kind"], doc["id"], doc["version"])] = doc
    return items


def _newest(process_id: str) -> Path:
    files = sorted((LIBRARY / "processes").glob(f"{process_id}/*.json"))
    assert files, f"no definition for sample answers of {process_id!r}"
    return max(files, key=lambda p: tuple(int(x) for x in p.stem.split(".")))


def _substitute_uploads(value):
    if isinstance(value, dict):
        return {k: _substitute_uploads(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute_uploads(v) for v in value]
    if isinstance(value, str) and value.startswith("@file:"):
        assert (UPLOADS / value.removeprefix("@file:")).is_file(), value
        return UPLOAD_REF
    return value


@pytest.mark.parametrize("path", SHARED_FILES, ids=_rel)
def test_shared_item_is_valid_and_matches_its_path(path):
    doc = _load(path)
    assert check_shared_item(doc) == []
    assert path.parts[-3] == {"fieldgroup": "fieldgroups", "codelist": "codelists"}[doc["kind"]]
    assert path.parent.name == doc["id"]
    assert path.stem == doc["version"]


@pytest.mark.parametrize("path", PROCESS_FILES, ids=_rel)
def test_definition_is_clean_and_matches_its_path(path):
    doc = _load(path)
    assert doc["$schema"] == "urn:ozg-engine:process-format:1"
    assert (doc["id"], doc["version"]) == (path.parent.name, path.stem)
    problems = check_definition(doc)
    assert problems == [], "\n".join(f"{p.pointer}: {p.message}" for p in problems)
    compile_definition(doc)


@pytest.mark.parametrize("path", PROCESS_FILES, ids=_rel)
def test_shared_items_it_uses_are_in_the_library(path):
    doc = _load(path)
    items = _shared_items()
    for use in shared_uses(doc):
        item = items.get(use.key)
        assert item is not None, f"{use.key} is not in library/starter"
        assert shared_item_use(item)["sha256"] == use.sha256


@pytest.mark.parametrize("path", PROCESS_FILES, ids=_rel)
def test_designer_tests_pass(path):
    doc = _load(path)
    assert len(doc.get("tests", [])) >= 3, "every starter process carries designer tests"
    results = compile_definition(doc).run_tests()
    failed = [f"{r.name}: {'; '.join(r.failures)}" for r in results if not r.passed]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("path", PROCESS_FILES, ids=_rel)
def test_speaks_english_and_names_no_municipality(path):
    doc = _load(path)
    assert doc["title"].get("en")
    missing = [f for f in authoring_findings(doc) if f.code == "english_missing"]
    assert not missing, "\n".join(f"{f.pointer}: {f.message}" for f in missing)
    text = path.read_text("utf-8")
    for local in ("Musterstadt", "Kleinhausen", "Hafenstadt"):
        assert local not in text, f"{local} is a municipality's fact"


@pytest.mark.parametrize("path", PROCESS_FILES, ids=_rel)
def test_every_process_has_enough_sample_answers(path):
    names = [p.name for p in (LIBRARY / "answers").glob(f"{path.parent.name}/*.json")]
    assert len([n for n in names if n.startswith("valid-")]) >= 2
    assert len([n for n in names if n.startswith("invalid-")]) >= 3
    assert all(n.startswith(("valid-", "invalid-")) for n in names)


@pytest.mark.parametrize("path", ANSWER_FILES, ids=_rel)
def test_sample_answers_are_judged_as_labelled(path):
    sample = json.loads(path.read_text(encoding="utf-8"))
    assert set(sample) == {"description", "answers", "declarations", "expect"}
    expect = sample["expect"]
    assert expect["valid"] is path.name.startswith("valid-")
    doc = _load(_newest(path.parent.name))
    assert set(sample["declarations"]) <= {d["id"] for d in doc.get("declarations", [])}
    errors = compile_definition(doc).validate_answers(_substitute_uploads(sample["answers"]))
    reported = {e.pointer for e in errors}
    if expect["valid"]:
        assert reported == set(), [f"{e.pointer}: {e.message}" for e in errors]
    else:
        assert reported == set(expect["errors"])
        assert all(e.message and e.message_en for e in errors)


def test_the_starter_library_has_at_least_ten_processes():
    assert len({p.parent.name for p in PROCESS_FILES}) >= 10
