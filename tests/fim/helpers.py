"""Shared helpers for the FIM tests: the reference files and a sample-data generator."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from forms_engine.fim.genericode import parse_genericode
from forms_engine.fim.model import FimElement, FimField, FimGroup, FimSchema
from forms_engine.fim.output import _codes, child_keys

REPO = Path(__file__).resolve().parents[2]
REFERENCE = (REPO / ".." / "shared" / "reference" / "fim").resolve()
DATA = Path(__file__).resolve().parent / "data"


def reference_files() -> list[Path]:
    if not REFERENCE.is_dir():
        return []
    return sorted(REFERENCE.glob("*.xml"))


def reference_params():
    files = reference_files()
    if not files:
        return [
            pytest.param(
                None,
                marks=pytest.mark.skip(
                    reason=f"reference directory {REFERENCE} is absent (../shared/reference/fim)"
                ),
            )
        ]
    return [pytest.param(path, id=path.name) for path in files]


def codelists() -> dict:
    """The genericode fixtures, keyed by canonical version URI."""
    result = {}
    for path in sorted(DATA.glob("*.gc.xml")):
        codelist = parse_genericode(path.read_bytes())
        result[codelist.canonical_version_uri] = codelist
    return result


def sample(schema: FimSchema, lists: dict | None = None, *, full: bool = True) -> dict:
    """A FIM-JSON instance built from the model: every element (full) or only the required
    ones (not full); repeatables with max(min, 1) items (full) or min items."""
    return _object(schema.children, lists or {}, full)


def _object(children, lists, full) -> dict:
    data = {}
    for key, element in child_keys(children):
        if not element.required and (not full or _unsatisfiable(element)):
            continue
        count = max(element.min, 1)
        if element.max is not None:
            count = min(count, element.max)
        values = [_value(element, lists, full, index) for index in range(count)]
        if element.repeatable:
            data[key] = values
        elif values:
            data[key] = values[0]
    return data


def _unsatisfiable(element: FimElement) -> bool:
    return isinstance(element.element, FimField) and bool(element.element.pattern)


def _value(element: FimElement, lists, full, index):
    inner = element.element
    if isinstance(inner, FimGroup):
        return _object(inner.children, lists, full)
    return field_value(inner, lists, index)


def field_value(field: FimField, lists=None, index: int = 0):
    codes = _codes(field, lists or {}) if field.is_select else None
    if codes:
        return codes[index % len(codes)]
    kind = field.datentyp
    if kind == "bool":
        return index % 2 == 0
    if kind in ("num", "num_int", "num_currency"):
        value = {"num": Decimal("1.5"), "num_int": Decimal(3), "num_currency": Decimal("12.3")}[
            kind
        ]
        if field.min_value is not None and value < Decimal(field.min_value):
            value = Decimal(field.min_value)
        if field.max_value is not None and value > Decimal(field.max_value):
            value = Decimal(field.max_value)
        return (
            int(value) if kind == "num_int" or value == value.to_integral_value() else float(value)
        )
    if kind == "date":
        return "2024-05-17"
    if kind == "time":
        return "12:30:00"
    if kind == "datetime":
        return "2024-05-17T12:30:00Z"
    if kind == "file":
        return "nachweis.pdf"
    if field.is_select:
        return "01"
    length = max(field.min_length or 0, 3)
    if field.max_length is not None:
        length = min(length, field.max_length)
    return ("Müller-Lüdenscheidt"[:length] or "").ljust(length, "x")
