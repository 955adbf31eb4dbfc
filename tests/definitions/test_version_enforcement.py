"""Version numbers at publishing (`publish_version_problems`, `suggested_version`).

Hand-made pairs for each step the diff can ask for, and the shipped library's consecutive
versions: these were published before enforcement and are immutable; most of them would be
refused today (a new required parameter without a default is a major change). Enforcement
applies to the studio and API publish path only, not to `process_sync` of files.
"""

from __future__ import annotations

import copy
from collections import defaultdict

import pytest
from hypothesis import given

from forms_engine.definitions import (
    Problem,
    check_definition,
    load_definition,
    publish_version_problems,
    suggested_version,
)

from .helpers import REPO, valid_doc
from .test_properties import FAST, damaged_definitions, json_values


def bumped(doc: dict, version: str) -> dict:
    new = copy.deepcopy(doc)
    new["version"] = version
    return new


def props(doc: dict, step: int = 1) -> dict:
    return doc["steps"][step]["schema"]


# --- suggested_version --------------------------------------------------------------------


@pytest.mark.parametrize(
    "previous,bump,expected",
    [
        ("1.2.3", "major", "2.0.0"),
        ("1.2.3", "minor", "1.3.0"),
        ("1.2.3", "patch", "1.2.4"),
        ("1.2.3", "none", "1.2.4"),
        ("0.9.9", "major", "1.0.0"),
        (None, "minor", "1.0.0"),
        ("kaputt", "major", "1.0.0"),
    ],
)
def test_suggested_version(previous, bump, expected):
    assert suggested_version(previous, bump) == expected


def test_an_unknown_step_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown version step"):
        suggested_version("1.0.0", "huge")


# --- hand-made pairs ----------------------------------------------------------------------


def test_the_first_version_needs_only_a_valid_number():
    assert publish_version_problems(None, valid_doc()) == []


def test_a_removed_field_needs_a_major_version():
    old = valid_doc()
    new = copy.deepcopy(old)
    del props(new)["properties"]["rasse_sonstige"]
    for version in ("1.0.1", "1.1.0"):
        [problem] = publish_version_problems(old, bumped(new, version))
        assert problem.pointer == "/version"
        assert f"Die Versionsnummer {version} reicht nicht" in problem.message
        assert "Hauptversion (MAJOR), also 2.0.0" in problem.message
        assert "Welche Rasse?" in problem.message  # the change that forces it
        assert "new major version (MAJOR), that is 2.0.0" in problem.message_en
    assert publish_version_problems(old, bumped(new, "2.0.0")) == []
    assert publish_version_problems(old, bumped(new, "3.0.0")) == []


def test_a_newly_required_field_needs_a_major_version():
    old = valid_doc()
    new = bumped(old, "1.1.0")
    props(new)["required"].append("rasse_sonstige")
    [problem] = publish_version_problems(old, new)
    assert "2.0.0" in problem.message and "2.0.0" in problem.message_en
    assert publish_version_problems(old, bumped(new, "2.0.0")) == []


def test_an_optional_field_added_needs_a_minor_version():
    old = valid_doc()
    new = bumped(old, "1.0.1")
    props(new)["properties"]["farbe"] = {"type": "string", "title": "Farbe", "maxLength": 40}
    assert check_definition(new) == []
    [problem] = publish_version_problems(old, new)
    assert "Nebenversion (MINOR), also 1.1.0" in problem.message
    assert "Farbe" in problem.message
    assert publish_version_problems(old, bumped(new, "1.1.0")) == []
    assert publish_version_problems(old, bumped(new, "2.0.0")) == []  # more is allowed


def test_a_label_change_needs_a_patch():
    old = valid_doc()
    new = bumped(old, "1.0.1")
    props(new)["properties"]["name"]["title"] = "Rufname des Hundes"
    assert publish_version_problems(old, new) == []


def test_nothing_changed_is_refused_as_the_same_number_and_as_nothing_to_publish():
    old = valid_doc()
    problems = publish_version_problems(old, copy.deepcopy(old))
    assert [p.pointer for p in problems] == ["/version", ""]
    assert "nicht höher als die zuletzt veröffentlichte 1.0.0" in problems[0].message
    assert "Nächste passende Nummer: 1.0.1" in problems[0].message
    assert "nothing to publish" in problems[1].message_en
    [problem] = publish_version_problems(old, bumped(old, "1.0.1"))
    assert problem.pointer == "" and "dieselbe wie Version 1.0.0" in problem.message


def test_a_lower_number_is_refused_with_the_next_number_the_changes_need():
    old = bumped(valid_doc(), "1.4.2")
    new = bumped(old, "1.4.0")
    del props(new)["properties"]["rasse_sonstige"]
    [problem] = publish_version_problems(old, new)
    assert "1.4.0 ist nicht höher als die zuletzt veröffentlichte 1.4.2" in problem.message
    assert "Nächste passende Nummer: 2.0.0" in problem.message
    assert "Next fitting number: 2.0.0" in problem.message_en


def test_a_malformed_number_or_another_process_is_refused():
    old = valid_doc()
    [problem] = publish_version_problems(old, bumped(old, "1.1"))
    assert problem.pointer == "/version" and "MAJOR.MINOR.PATCH" in problem.message
    other = bumped(old, "2.0.0")
    other["id"] = "katzensteuer"
    [problem] = publish_version_problems(old, other)
    assert problem.pointer == "/id" and "katzensteuer" in problem.message


def test_many_reasons_are_cut_to_three():
    old = valid_doc()
    new = bumped(old, "1.1.0")
    for name in ("name", "rasse", "rasse_sonstige", "listenhund"):
        del props(new)["properties"][name]
    props(new)["required"] = []
    props(new)["properties"]["x"] = {"type": "string", "title": "X"}
    new["steps"][1]["ui"] = {}
    [problem] = publish_version_problems(old, new)
    assert "(und " in problem.message and "weitere)" in problem.message
    assert " more)" in problem.message_en


# --- the shipped library ------------------------------------------------------------------

# Published before enforcement (immutable): what each consecutive pair would get today.
SHIPPED_PAIRS = {
    ("anwohnerparkausweis", "1.0.0", "1.1.0"): "2.0.0",
    ("gewerbeanmeldung", "1.0.0", "1.1.0"): "2.0.0",
    ("hundesteuer-anmeldung", "1.0.0", "1.1.0"): None,  # passes: payment deferred, texts
    ("hundesteuer-anmeldung", "1.1.0", "1.2.0"): "2.0.0",
    ("meldebescheinigung", "1.0.0", "1.1.0"): "2.0.0",
}


def shipped_pairs():
    versions = defaultdict(list)
    for path in sorted((REPO / "processes").glob("*/*.json")):
        doc = load_definition(path.read_bytes())
        versions[doc["id"]].append(doc)
    for process_id, docs in sorted(versions.items()):
        docs.sort(key=lambda d: tuple(int(x) for x in d["version"].split(".")))
        assert publish_version_problems(None, docs[0]) == []
        for old, new in zip(docs, docs[1:], strict=False):
            yield (process_id, old["version"], new["version"]), old, new


def test_the_shipped_pairs_are_the_known_ones():
    assert {key for key, _, _ in shipped_pairs()} == set(SHIPPED_PAIRS)


@pytest.mark.parametrize("key,old,new", list(shipped_pairs()), ids=lambda v: str(v))
def test_shipped_consecutive_versions(key, old, new):
    problems = publish_version_problems(old, new)
    needed = SHIPPED_PAIRS[key]
    if needed is None:
        assert problems == []
        return
    [problem] = problems
    assert f"also {needed}" in problem.message
    assert "Parameter" in problem.message  # a new required parameter without a default


# --- robustness ---------------------------------------------------------------------------


def _problems_only(old, new) -> None:
    problems = publish_version_problems(old, new)
    assert isinstance(problems, list)
    assert all(isinstance(p, Problem) and p.message and p.message_en for p in problems)


@FAST
@given(damaged_definitions(), damaged_definitions())
def test_damaged_definitions_never_raise(old, new):
    _problems_only(old, new)


@FAST
@given(json_values, json_values)
def test_arbitrary_json_never_raises(old, new):
    _problems_only(old, new)
