"""Text blocks of a step (`ui.blocks`): meta-schema, semantic checks, the compiled step,
parameters in their text, and the diff between versions."""

from __future__ import annotations

import copy

import pytest

from forms_engine.definitions import (
    TextBlock,
    check_definition,
    compile_definition,
    definition_diff,
    definition_sha256,
)

from .helpers import valid_doc

BLOCKS = [
    {"id": "hinweis", "before": "geburtsdatum", "text": {"de": "Bitte genau.", "en": "Exactly."}},
    {"id": "ende", "text": {"de": "Danke."}},
]


def with_blocks(blocks=BLOCKS) -> dict:
    doc = valid_doc()
    doc["steps"][0].setdefault("ui", {})["blocks"] = copy.deepcopy(blocks)
    return doc


def pointers_of(doc) -> dict[str, str]:
    return {p.pointer: p.message for p in check_definition(doc)}


def test_documents_without_blocks_keep_their_hash_and_stay_valid():
    doc = valid_doc()
    before = definition_sha256(doc)
    assert check_definition(doc) == []
    assert compile_definition(doc).steps[0].blocks == ()
    assert definition_sha256(valid_doc()) == before


def test_valid_blocks_pass_and_compile_in_order():
    doc = with_blocks()
    assert check_definition(doc) == []
    step = compile_definition(doc).steps[0]
    assert step.blocks == (
        TextBlock(
            id="hinweis", text={"de": "Bitte genau.", "en": "Exactly."}, before="geburtsdatum"
        ),
        TextBlock(id="ende", text={"de": "Danke."}, before=None),
    )
    # not a field: the step's fields are unchanged
    assert [f.name for f in step.fields()] == [
        f.name for f in compile_definition(valid_doc()).steps[0].fields()
    ]


@pytest.mark.parametrize(
    "block, pointer",
    [
        ({"id": "x", "text": {"en": "no German"}}, "/steps/0/ui/blocks/0/text"),
        ({"id": "x", "text": {"de": ""}}, "/steps/0/ui/blocks/0/text/de"),
        ({"id": "Groß", "text": {"de": "a"}}, "/steps/0/ui/blocks/0/id"),
        ({"text": {"de": "a"}}, "/steps/0/ui/blocks/0"),
        ({"id": "x", "text": {"de": "a"}, "colour": "red"}, "/steps/0/ui/blocks/0"),
        ({"id": "x", "text": "a"}, "/steps/0/ui/blocks/0/text"),
    ],
)
def test_meta_schema_refuses_malformed_blocks(block, pointer):
    problems = pointers_of(with_blocks([block]))
    assert any(p.startswith(pointer) for p in problems), problems


def test_blocks_must_be_a_list():
    doc = valid_doc()
    doc["steps"][0]["ui"] = {"blocks": {"id": "x"}}
    assert "/steps/0/ui/blocks" in pointers_of(doc)


def test_ids_are_unique_per_step_and_before_names_a_top_level_field():
    doc = with_blocks(
        [
            {"id": "a", "text": {"de": "eins"}},
            {"id": "a", "before": "plz", "text": {"de": "zwei"}},
        ]
    )
    problems = {p.pointer: p for p in check_definition(doc)}
    assert set(problems) == {"/steps/0/ui/blocks/1/id", "/steps/0/ui/blocks/1/before"}
    assert "doppelt" in problems["/steps/0/ui/blocks/1/id"].message
    assert "used twice" in problems["/steps/0/ui/blocks/1/id"].message_en
    before = problems["/steps/0/ui/blocks/1/before"]
    assert "'plz' ist kein Feld des Schritts 'halter'" in before.message  # nested: not top-level
    assert "'plz' is not a field of step 'halter'" in before.message_en
    # the same id in another step is fine
    other = with_blocks([{"id": "a", "text": {"de": "eins"}}])
    other["steps"][1].setdefault("ui", {})["blocks"] = [{"id": "a", "text": {"de": "zwei"}}]
    assert check_definition(other) == []


def test_parameters_work_in_block_texts():
    doc = with_blocks([{"id": "amt", "text": {"de": "Fragen? {{param:telefon}}"}}])
    doc["parameters"] = {
        "telefon": {"type": "text", "label": {"de": "Telefon"}, "default": "030 123"}
    }
    assert check_definition(doc) == []
    assert compile_definition(doc).steps[0].blocks[0].text == {"de": "Fragen? 030 123"}
    doc["steps"][0]["ui"]["blocks"][0]["text"]["de"] = "{{param:gibt_es_nicht}}"
    assert any(p.startswith("/steps/0/ui/blocks/0/text") for p in pointers_of(doc))


def test_diff_reports_blocks_as_texts():
    old = with_blocks()
    new = copy.deepcopy(old)
    blocks = new["steps"][0]["ui"]["blocks"]
    blocks[0]["text"]["de"] = "Bitte sehr genau."
    blocks[0]["before"] = "vorname"
    del blocks[1]
    blocks.append({"id": "neu", "text": {"de": "Neuer Hinweis."}})
    changes = definition_diff(old, new)
    texts = [c.message for c in changes]
    assert all(c.area == "text" and c.bump == "patch" for c in changes), texts
    assert any("„Bitte genau.“ → „Bitte sehr genau.“" in t for t in texts), texts
    assert any("steht jetzt vor „vorname“" in t for t in texts), texts
    assert any("Textblock „Danke.“ entfällt" in t for t in texts), texts
    assert any("neuer Textblock „Neuer Hinweis.“" in t for t in texts), texts
    assert all(c.message_en for c in changes)
    # added from nothing, and removed to nothing
    assert [c.kind for c in definition_diff(valid_doc(), old)] == ["added", "added"]
    assert [c.kind for c in definition_diff(old, valid_doc())] == ["removed", "removed"]


@pytest.mark.parametrize(
    "blocks",
    [
        "nonsense",
        [1, None, "x"],
        [{"id": 3, "text": 5}],
        [{"text": {"de": "ohne id"}}],
        [{"id": "a", "text": {"de": "x"}}, {"id": "a", "text": {"de": "y"}}],
        [{"id": "a", "before": ["x"], "text": None}],
    ],
)
def test_diff_and_check_never_raise_on_broken_blocks(blocks):
    old, new = with_blocks(), with_blocks()
    new["steps"][0]["ui"]["blocks"] = blocks
    assert isinstance(definition_diff(old, new), list)
    assert isinstance(definition_diff(new, old), list)
    assert check_definition(new)  # reported, not raised


def test_reordering_blocks_at_one_place_is_reported():
    old = with_blocks([{"id": "a", "text": {"de": "eins"}}, {"id": "b", "text": {"de": "zwei"}}])
    new = copy.deepcopy(old)
    new["steps"][0]["ui"]["blocks"].reverse()
    changes = definition_diff(old, new)
    assert [c.message for c in changes] == [
        "Schritt „Angaben zur Halterin oder zum Halter“: Reihenfolge der Textblöcke geändert"
    ]


def test_authoring_findings_cover_block_texts():
    from forms_engine.definitions import authoring_findings

    long = " ".join(["Wort"] * 30) + "."
    doc = with_blocks([{"id": "lang", "text": {"de": long}}])
    found = {(f.code, f.pointer) for f in authoring_findings(doc)}
    assert ("english_missing", "/steps/0/ui/blocks/0/text") in found
    assert ("sentence_too_long", "/steps/0/ui/blocks/0/text/de") in found
