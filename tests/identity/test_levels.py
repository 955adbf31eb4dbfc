"""Trust levels, their STORK-QAA mapping, the plugin registry and the stand-in's bPK2."""

import pytest

from forms_engine.identity.base import (
    LEVELS,
    STORK_BY_LEVEL,
    level_from_stork,
    level_satisfies,
    registry,
)
from forms_engine.identity.stub_idp import MEANS, bpk2_for


@pytest.mark.parametrize("achieved", LEVELS)
@pytest.mark.parametrize("required", LEVELS)
def test_a_level_satisfies_exactly_the_levels_at_or_below_it(achieved, required):
    assert level_satisfies(achieved, required) is (LEVELS.index(achieved) >= LEVELS.index(required))


def test_unknown_levels_count_as_no_sign_in():
    assert not level_satisfies("platin", "basis")
    assert level_satisfies("platin", "none")
    assert level_satisfies("hoch", None)


def test_stork_levels_map_to_bundid_levels_both_ways():
    assert STORK_BY_LEVEL == {
        "basis": "STORK-QAA-Level-1",
        "substanziell": "STORK-QAA-Level-3",
        "hoch": "STORK-QAA-Level-4",
    }
    for level, stork in STORK_BY_LEVEL.items():
        assert level_from_stork(stork) == level
    assert level_from_stork("STORK-QAA-Level-9") == "none"


def test_the_stand_in_means_give_the_bundid_levels():
    assert {m.id: (m.level, m.stork) for m in MEANS.values()} == {
        "benutzername": ("basis", "STORK-QAA-Level-1"),
        "elster": ("substanziell", "STORK-QAA-Level-3"),
        "eid": ("hoch", "STORK-QAA-Level-4"),
    }


def test_the_stand_in_is_a_registered_plugin_with_an_options_schema():
    assert "bundid-stub" in registry
    assert registry.validate_options("bundid-stub", {"service_id": "urn:x"}) == []
    problems = registry.validate_options("bundid-stub", {"schluessel": "x"})
    assert problems and problems[0].message.startswith("Ungültige Option")


def test_bpk2_is_stable_per_person_and_service_and_differs_otherwise():
    a = bpk2_for("erika-mustermann", "https://a.example/")
    assert a == bpk2_for("erika-mustermann", "https://a.example/")
    assert a != bpk2_for("erika-mustermann", "https://b.example/")
    assert a != bpk2_for("leonie-schmitt", "https://a.example/")
    assert "Erika" not in a and "Mustermann" not in a
