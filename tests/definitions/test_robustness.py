"""check_definition never crashes on damaged definitions: it reports problems instead."""

from __future__ import annotations

import copy
import random

from forms_engine.definitions import DefinitionError, check_definition, compile_definition

from .helpers import valid_doc

REPLACEMENTS = ["x", 1, None, True, [], {}, [1], {"a": 1}, "#/$defs/nope", -1.5]


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*path, index))


def test_randomly_damaged_definitions_yield_problems_or_compile_but_never_crash():
    base = valid_doc()
    paths = [p for p in _paths(base) if p]
    rnd = random.Random(20260101)
    outcomes = {"problems": 0, "compiled": 0}
    for _ in range(600):
        doc = copy.deepcopy(base)
        for _ in range(rnd.randint(1, 3)):
            path = rnd.choice(paths)
            target = doc
            try:
                for key in path[:-1]:
                    target = target[key]
                target[path[-1]] = rnd.choice(REPLACEMENTS)
            except (KeyError, IndexError, TypeError):
                continue
        problems = check_definition(doc)
        assert all(p.message and p.message_en for p in problems)
        if problems:
            outcomes["problems"] += 1
            continue
        try:
            process = compile_definition(doc)
        except DefinitionError:  # pragma: no cover - check and compile must agree
            raise AssertionError("check_definition passed but compile failed") from None
        process.run_tests()
        process.validate_answers({"hund": {"x": 1}})
        outcomes["compiled"] += 1
    assert outcomes["problems"] > 100
    assert outcomes["compiled"] > 10
