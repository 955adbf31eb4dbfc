"""Shared helpers for the definition tests: real files from fixtures/broken/."""

from __future__ import annotations

import copy
from pathlib import Path

from forms_engine.definitions import compile_definition, load_definition

REPO = Path(__file__).resolve().parents[2]
BROKEN = REPO / "fixtures" / "broken"


def read(name: str) -> str:
    return (BROKEN / name).read_text(encoding="utf-8")


def load(name: str) -> dict:
    return load_definition(read(name))


def valid_doc() -> dict:
    return copy.deepcopy(load("valid-minimal.json"))


def compiled():
    return compile_definition(valid_doc())


def good_halter() -> dict:
    return {
        "vorname": "Jörg",
        "familienname": "Müller",
        "geburtsdatum": "1980-02-29",
        "anschrift": {"strasse": "Hauptstr. 1", "plz": "10115", "ort": "Berlin"},
    }
