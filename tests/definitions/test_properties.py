"""Property-based tests (hypothesis, hypothesis-jsonschema) of the definitions API.

- load_definition / check_definition / compile_definition: arbitrary bytes, text and JSON
  never raise anything but `DefinitionError` (load, compile) and always return `Problem`s
  (check);
- answer validation of every shipped process: arbitrary JSON answers give `FieldError`s,
  never an exception;
- answers generated from each shipped process's composed data schema are accepted.

Bounded and deterministic (derandomize, few examples) so the module runs in seconds.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from forms_engine.definitions import (
    DefinitionError,
    FieldError,
    Problem,
    ProcessDefinition,
    check_definition,
    compile_definition,
    load_definition,
)

from .helpers import valid_doc

# our formats replace hypothesis-jsonschema's own `date` and `email` on purpose
pytestmark = pytest.mark.filterwarnings("ignore:Overriding standard format")

FAST = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
FEW = settings(FAST, max_examples=12)

# JSON values, including the awkward ones: NUL, lone surrogates, huge and non-finite numbers
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**40, max_value=10**60)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec=None), max_size=30)
    | st.sampled_from(["\x00", "\ud800", "a\udfffb", "#/$defs/x", "^(a+)+\\1$", "(?=a)"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*path, index))


BASE = valid_doc()


@st.composite
def damaged(draw, base: dict):
    """`base` with one to three places replaced by arbitrary JSON."""
    doc = copy.deepcopy(base)
    paths = [p for p in _paths(base) if p]
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(paths))
        target = doc
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            continue
    return doc


def damaged_definitions():
    """The valid minimal definition, damaged (see `damaged`)."""
    return damaged(BASE)


def _load_or_definition_error(payload) -> None:
    try:
        doc = load_definition(payload)
    except DefinitionError as exc:
        assert exc.problems
        assert all(isinstance(p, Problem) and p.message and p.message_en for p in exc.problems)
        return
    assert isinstance(doc, dict)


@FAST
@given(st.binary(max_size=200))
def test_arbitrary_bytes_load_or_give_a_definition_error(payload):
    _load_or_definition_error(payload)


@FAST
@given(
    st.one_of(
        st.text(alphabet=st.characters(codec=None), max_size=200),
        json_values.map(json.dumps),
    )
)
def test_arbitrary_text_loads_or_gives_a_definition_error(text):
    _load_or_definition_error(text)


def _check_and_compile(doc) -> None:
    problems = check_definition(doc)
    assert isinstance(problems, list)
    assert all(isinstance(p, Problem) and p.message and p.message_en for p in problems)
    try:
        process = compile_definition(doc)
    except DefinitionError as exc:
        assert exc.problems
        return
    assert problems == []
    assert isinstance(process, ProcessDefinition)
    process.run_tests()
    for answers in ({}, {"hund": {"name": "Bello"}}, {"halter": "\x00"}):
        assert all(isinstance(e, FieldError) for e in process.validate_answers(answers))


@FAST
@given(json_values)
def test_arbitrary_json_is_checked_and_compiled_without_other_exceptions(doc):
    _check_and_compile(doc)


@FAST
@given(damaged_definitions())
def test_damaged_definitions_give_problems_or_compile_but_never_raise(doc):
    _check_and_compile(doc)


# --- answers of the shipped processes ---------------------------------------------------------


@cache
def shipped() -> dict[str, ProcessDefinition]:
    processes = {}
    for path in sorted(django_settings.FORMS_PROCESS_LIBRARY.glob("*/*.json")):
        process = compile_definition(load_definition(path.read_bytes()))
        processes[process.id] = process
    return processes


SHIPPED_IDS = sorted(
    path.parent.name for path in django_settings.FORMS_PROCESS_LIBRARY.glob("*/*.json")
)


def _field_errors_only(errors) -> None:
    assert isinstance(errors, list)
    assert all(isinstance(e, FieldError) and e.message and e.message_en for e in errors)


@st.composite
def shaped_answers(draw, process_id: str):
    """Answers keyed by real step and field names, with arbitrary JSON values."""
    process = shipped()[process_id]
    answers = {}
    for step in process.steps:
        if draw(st.booleans()):
            names = [f.name for f in step.fields()] + ["unbekannt"]
            answers[step.id] = draw(st.dictionaries(st.sampled_from(names), json_values))
    return answers


@pytest.mark.parametrize("process_id", SHIPPED_IDS)
def test_arbitrary_answers_to_shipped_processes_give_only_field_errors(process_id):
    process = shipped()[process_id]

    @FEW
    @given(st.one_of(json_values, shaped_answers(process_id)))
    def check(answers):
        _field_errors_only(process.validate_answers(answers))
        for step in process.steps:
            data = answers.get(step.id) if isinstance(answers, dict) else answers
            _field_errors_only(process.validate_step(step.id, data, answers))
        process.fees(answers if isinstance(answers, dict) else {})

    check()


# --- generated valid answers ------------------------------------------------------------------

# hypothesis-jsonschema draws formats from these (the engine's own formats are custom).
FORMATS = {
    "money": st.from_regex(r"\A[0-9]{1,9}(\.[0-9]{1,2})?\Z"),
    "phone": st.from_regex(r"\A\+49 [1-9][0-9]{5,12}\Z"),
    "postcode-de": st.from_regex(r"\A[0-9]{5}\Z"),
    "iban": st.sampled_from(
        ["DE02120300000000202051", "DE89370400440532013000", "DE02100100100006820101"]
    ),
    "date": st.dates().map(lambda d: d.isoformat()),
    "email": st.from_regex(r"\A[a-z]{1,10}@[a-z]{1,10}\.de\Z"),
}


def _python_regex(node) -> None:
    """ECMAScript `^…$` mean the whole string; Python's `$` also matches before a final
    newline, so generation uses `\\A…\\Z` (the engine still validates the original)."""
    if isinstance(node, dict):
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            if pattern.startswith("^"):
                pattern = r"\A" + pattern[1:]
            if pattern.endswith("$"):
                pattern = pattern[:-1] + r"\Z"
            node["pattern"] = pattern
        for value in node.values():
            _python_regex(value)
    elif isinstance(node, list):
        for value in node:
            _python_regex(value)


def generation_schema(process: ProcessDefinition) -> dict:
    """The composed data schema, adjusted for generation.

    The root `allOf` (conditions of steps and fields) is dropped and every step and every
    field its definition requires is required, so hypothesis-jsonschema stays fast and
    whatever applies is present; `prune` then drops what does not apply.
    """
    schema = copy.deepcopy(process.data_schema)
    for key in ("$id", "$schema", "allOf"):
        schema.pop(key, None)
    schema["required"] = [step.id for step in process.steps]
    for raw in process.doc["steps"]:
        required = raw["schema"].get("required")
        if required:
            schema["properties"][raw["id"]]["required"] = list(required)
    _python_regex(schema)
    return schema


@pytest.mark.parametrize("process_id", SHIPPED_IDS)
def test_answers_generated_from_the_data_schema_are_accepted(process_id):
    process = shipped()[process_id]
    strategy = from_schema(generation_schema(process), custom_formats=FORMATS, allow_x00=False)

    @settings(FEW, max_examples=10)
    @given(strategy)
    def check(generated):
        answers = process.prune(generated)
        assert process.validate_answers(answers) == []
        for step in process.applicable_steps(answers):
            assert process.validate_step(step.id, answers[step.id], answers) == []

    check()


# --- rules and computed values ----------------------------------------------------------------

RULES_EXAMPLE = Path(__file__).parent / "examples" / "sondernutzung-regeln.json"
rule_answer_values = (
    json_values
    | st.dates().map(lambda d: d.isoformat())
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(min_value=-(2**70), max_value=2**70)
)


@cache
def rules_example() -> ProcessDefinition:
    return compile_definition(load_definition(RULES_EXAMPLE.read_bytes()))


@st.composite
def rule_answers(draw):
    process = rules_example()
    answers = {}
    for step in process.steps:
        if draw(st.booleans()):
            names = [f.name for f in step.fields()]
            answers[step.id] = draw(st.dictionaries(st.sampled_from(names), rule_answer_values))
    return answers


@FAST
@given(st.one_of(json_values, rule_answers()), st.one_of(st.none(), st.dates()))
def test_arbitrary_answers_to_a_definition_with_rules_never_raise(answers, today):
    process = rules_example()
    _field_errors_only(process.validate_answers(answers, today=today))
    for step in process.steps:
        data = answers.get(step.id) if isinstance(answers, dict) else answers
        _field_errors_only(process.validate_step(step.id, data, answers, today=today))
    plain = answers if isinstance(answers, dict) else {}
    total = process.fee_total(plain, today=today)
    assert total == total.quantize(Decimal("0.01")) and total >= 0
    assert isinstance(process.computed_values(answers, today=today), dict)


CEL_ALPHABET = "answers.nutzung.beginn.ende.flaeche computed.tage params.satz today()[]{}<>=!&|+-*/%?:,'\"\\0123456789 sizeintdoublematchesaddDaysdate"


@FAST
@given(st.text(alphabet=CEL_ALPHABET, max_size=120))
def test_arbitrary_expressions_are_checked_and_compiled_without_other_exceptions(text):
    doc = load_definition(RULES_EXAMPLE.read_bytes())
    doc["rules"][0]["check"] = text
    doc["computed"]["tage"]["expression"] = text
    _check_and_compile(doc)
    try:
        process = compile_definition(doc)
    except DefinitionError:
        return
    answers = {"nutzung": {"beginn": "2026-12-20", "ende": "2026-12-22", "flaeche": 3}}
    _field_errors_only(process.validate_answers(answers, today="2026-12-01"))
    process.fees(answers, today="2026-12-01")
