"""Shared field groups and code lists: the item check, `uses` pinning, the topic vocabulary."""

import copy
import json
from pathlib import Path

import pytest

from forms_engine.definitions import (
    TOPICS,
    check_definition,
    check_shared_item,
    compile_definition,
    load_definition,
    metaschema,
    schema_sha256,
    shared_item_use,
    shared_uses,
)

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "fixtures" / "broken" / "valid-minimal.json"


def _item(**changes) -> dict:
    item = {
        "$schema": "urn:ozg-engine:shared-item:1",
        "kind": "codelist",
        "id": "farben",
        "version": "2024-01",
        "title": {"de": "Farben", "en": "Colours"},
        "schema": {
            "type": "string",
            "title": "Farbe",
            "x-en": {"title": "Colour"},
            "oneOf": [
                {"const": "rot", "title": "Rot", "x-en": {"title": "Red"}},
                {"const": "blau", "title": "Blau", "x-en": {"title": "Blue"}},
            ],
        },
    }
    item.update(changes)
    return item


def _using(item: dict) -> dict:
    doc = load_definition(MINIMAL.read_bytes())
    doc["$defs"]["farbe"] = copy.deepcopy(item["schema"])
    doc["uses"] = {"farbe": shared_item_use(item)}
    doc["steps"][1]["schema"]["properties"]["farbe"] = {"$ref": "#/$defs/farbe"}
    return doc


def test_a_valid_code_list_and_field_group_pass():
    assert check_shared_item(_item()) == []
    group = _item(
        kind="fieldgroup",
        schema={
            "type": "object",
            "title": "Kontakt",
            "properties": {"email": {"type": "string", "format": "email", "title": "E-Mail"}},
        },
    )
    assert check_shared_item(group) == []


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"kind": "formular"}, "/kind"),
        ({"id": "Farben!"}, "/id"),
        ({"version": "../1"}, "/version"),
        ({"title": {"en": "no German"}}, "/title"),
        (
            {"schema": {"type": "string", "oneOf": [{"const": "a"}, {"const": "a"}]}},
            "/schema/oneOf",
        ),
        ({"schema": {"type": "string", "enum": ["a"]}}, "/schema"),
        ({"schema": {"type": "string", "title": "X", "pattern": "(unclosed"}}, "/schema"),
        ({"schema": {"$ref": "#/$defs/anders"}}, "/schema"),
        ({"extra": 1}, ""),
    ],
)
def test_broken_items_are_refused_at_their_place(changes, pointer):
    problems = check_shared_item(_item(**changes))
    assert problems
    assert any(p.pointer.startswith(pointer) for p in problems), problems
    assert all(p.message and p.message_en for p in problems)


def test_non_objects_and_nul_are_refused_without_raising():
    assert check_shared_item([1, 2])
    assert check_shared_item(_item(title={"de": "a\x00b"}))


def test_a_definition_embedding_the_item_unchanged_is_valid_and_compiles():
    doc = _using(_item())
    assert check_definition(doc) == []
    assert [u.key for u in shared_uses(doc)] == [("codelist", "farben", "2024-01")]
    definition = compile_definition(doc)
    assert definition.id == doc["id"]


def test_a_locally_changed_embedding_is_refused():
    doc = _using(_item())
    doc["$defs"]["farbe"]["oneOf"].append({"const": "gruen", "title": "Grün"})
    problems = check_definition(doc)
    assert [p.pointer for p in problems] == ["/$defs/farbe"]
    assert "SHA-256" in problems[0].message


def test_a_use_without_its_embedding_is_refused():
    doc = _using(_item())
    del doc["$defs"]["farbe"]
    del doc["steps"][1]["schema"]["properties"]["farbe"]
    assert "/uses/farbe" in [p.pointer for p in check_definition(doc)]


def test_a_malformed_use_is_a_meta_schema_problem():
    doc = _using(_item())
    doc["uses"]["farbe"]["sha256"] = "kurz"
    assert any(p.pointer.startswith("/uses/farbe") for p in check_definition(doc))


def test_the_pin_is_the_canonical_hash_of_the_schema():
    item = _item()
    reordered = json.loads(json.dumps(item["schema"], sort_keys=True))
    assert schema_sha256(reordered) == shared_item_use(item)["sha256"]


def test_topic_vocabulary_matches_the_meta_schema():
    assert set(metaschema()["properties"]["topic"]["enum"]) == set(TOPICS)
    doc = load_definition(MINIMAL.read_bytes())
    doc["topic"] = "tiere"
    assert check_definition(doc) == []
    doc["topic"] = "haustiere"
    assert [p.pointer for p in check_definition(doc)] == ["/topic"]
