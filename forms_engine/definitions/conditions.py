"""Conditions as a designer builds them: rows "field – operator – value", combined with
"all" (`allOf`) or "any" (`anyOf`), written as the JSON Schema `when` of a step, a field
(`ui.fields.<f>.when`) or a fee, and read back from an existing `when`.

A row names a field by its path of names from the step (`("hund", "listenhund")`, a
group's child `("halter", "anschrift", "plz")`). Every row except "is empty" requires the
step and the field (`required`), so a condition is FALSE on empty answers: a step or field
that depends on an answer never applies before the answer is given.

| operator | `op` | value | leaf schema of the field |
|---|---|---|---|
| ist gleich / equals | `eq` | scalar | `{"const": v}` |
| ist ungleich / does not equal | `ne` | scalar | `{"not": {"const": v}}` |
| ist angekreuzt / is ticked | `checked` | – | `{"const": true}` |
| ist nicht angekreuzt / is not ticked | `unchecked` | – | `{"const": false}` |
| ist eine von / is one of | `in` | list | `{"enum": [...]}` |
| enthält / contains (multiple choice) | `contains` | scalar | `{"type": "array", "contains": {"const": v}}` |
| ist größer als / is greater than | `gt` | number | `{"type": "number", "exclusiveMinimum": v}` |
| ist kleiner als / is less than | `lt` | number | `{"type": "number", "exclusiveMaximum": v}` |
| ist ausgefüllt / is filled in | `filled` | – | (the field is required) |
| ist leer / is empty | `empty` | – | `{"not": <filled>}` (true on empty answers) |

Dates and money are strings: JSON Schema has no order on strings, so `gt`/`lt` are for
number and integer fields only.

Pure: no Django, no project imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OPERATORS: dict[str, tuple[str, str]] = {
    "eq": ("ist gleich", "equals"),
    "ne": ("ist ungleich", "does not equal"),
    "checked": ("ist angekreuzt", "is ticked"),
    "unchecked": ("ist nicht angekreuzt", "is not ticked"),
    "in": ("ist eine von", "is one of"),
    "contains": ("enthält", "contains"),
    "gt": ("ist größer als", "is greater than"),
    "lt": ("ist kleiner als", "is less than"),
    "filled": ("ist ausgefüllt", "is filled in"),
    "empty": ("ist leer", "is empty"),
}
"""Operator id → (German, English) as the designer reads it."""

#: Operators that take no value.
NO_VALUE = frozenset({"checked", "unchecked", "filled", "empty"})

#: Which operators fit which field type (field types of `fields.FIELD_TYPES`).
OPERATORS_FOR_TYPE: dict[str, tuple[str, ...]] = {
    "boolean": ("checked", "unchecked", "filled", "empty"),
    "choice": ("eq", "ne", "in", "filled", "empty"),
    "multichoice": ("contains", "filled", "empty"),
    "number": ("eq", "ne", "gt", "lt", "filled", "empty"),
    "integer": ("eq", "ne", "gt", "lt", "filled", "empty"),
    "upload": ("filled", "empty"),
    "group": ("filled", "empty"),
    "repeat": ("filled", "empty"),
}
_DEFAULT_OPERATORS = ("eq", "ne", "in", "filled", "empty")

COMBINE = {
    "all": ("alle Zeilen gelten", "all rows hold"),
    "any": ("eine Zeile gilt", "any row holds"),
}


def operators_for(field_type: str) -> tuple[str, ...]:
    """The operators a row on a field of `field_type` offers."""
    return OPERATORS_FOR_TYPE.get(field_type, _DEFAULT_OPERATORS)


@dataclass(frozen=True)
class Row:
    """One row: `path` (step id, field name[, child …]), `op` (see `OPERATORS`), `value`
    (None for operators without one, a tuple for `in`)."""

    path: tuple[str, ...]
    op: str
    value: Any = None


@dataclass(frozen=True)
class Condition:
    """Rows combined with `all` (every row holds) or `any` (at least one holds)."""

    rows: tuple[Row, ...]
    combine: str = "all"


class ConditionError(ValueError):
    """A row that cannot be written (`message` German, `message_en` English)."""

    def __init__(self, message: str, message_en: str):
        self.message = message
        self.message_en = message_en
        super().__init__(message)


# --- rows → when --------------------------------------------------------------------------


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _leaf(row: Row) -> dict | None:
    op, value = row.op, row.value
    if op == "eq":
        return {"const": value}
    if op == "ne":
        return {"not": {"const": value}}
    if op == "checked":
        return {"const": True}
    if op == "unchecked":
        return {"const": False}
    if op == "in":
        return {"enum": list(value)}
    if op == "contains":
        return {"type": "array", "contains": {"const": value}}
    if op == "gt":
        return {"type": "number", "exclusiveMinimum": value}
    if op == "lt":
        return {"type": "number", "exclusiveMaximum": value}
    return None  # filled


def _wrap(path: tuple[str, ...], leaf: dict | None) -> dict:
    name = path[-1]
    node: dict[str, Any] = {"properties": {name: leaf}} if leaf is not None else {}
    node["required"] = [name]
    for outer in reversed(path[:-1]):
        node = {"properties": {outer: node}, "required": [outer]}
    return node


def row_schema(row: Row) -> dict:
    """The JSON Schema of one row (raises `ConditionError` for a row that cannot be written)."""
    if row.op not in OPERATORS:
        raise ConditionError(f"Unbekannter Operator „{row.op}“.", f"Unknown operator “{row.op}”.")
    if len(row.path) < 2 or not all(isinstance(p, str) and p for p in row.path):
        raise ConditionError("Bitte wählen Sie ein Feld.", "Please choose a field.")
    if row.op in NO_VALUE:
        if row.op == "empty":
            return {"not": _wrap(row.path, None)}
        if row.op == "filled":
            return _wrap(row.path, None)
    elif row.op == "in":
        if not isinstance(row.value, list | tuple) or not row.value:
            raise ConditionError(
                "Bitte geben Sie mindestens einen Wert an.", "Please give at least one value."
            )
        if not all(_is_scalar(v) for v in row.value):
            raise ConditionError("Ungültiger Wert.", "Invalid value.")
    elif row.op in ("gt", "lt"):
        if isinstance(row.value, bool) or not isinstance(row.value, int | float):
            raise ConditionError("Bitte geben Sie eine Zahl an.", "Please give a number.")
    elif not _is_scalar(row.value) or row.value is None or row.value == "":
        raise ConditionError("Bitte geben Sie einen Wert an.", "Please give a value.")
    return _wrap(row.path, _leaf(row))


def condition_to_when(condition: Condition) -> dict | None:
    """The `when` of `condition` (None when it has no rows: no condition)."""
    schemas = [row_schema(row) for row in condition.rows]
    if not schemas:
        return None
    if len(schemas) == 1:
        return schemas[0]
    return {"allOf" if condition.combine != "any" else "anyOf": schemas}


# --- when → rows --------------------------------------------------------------------------


def _unwrap(schema: Any) -> tuple[tuple[str, ...], Any, bool] | None:
    """(path, leaf, has_leaf) of a wrapped row schema (a step and a field at least), or None."""
    found = _unwrap_any(schema)
    return found if found is not None and len(found[0]) >= 2 else None


def _unwrap_any(schema: Any) -> tuple[tuple[str, ...], Any, bool] | None:
    path: list[str] = []
    node = schema
    while True:
        if not isinstance(node, Mapping):
            return None
        required = node.get("required")
        if not (isinstance(required, list) and len(required) == 1 and isinstance(required[0], str)):
            return None
        name = required[0]
        keys = set(node)
        if keys == {"required"}:
            path.append(name)
            return (tuple(path), None, False)
        if keys != {"required", "properties"}:
            return None
        properties = node["properties"]
        if not isinstance(properties, Mapping) or list(properties) != [name]:
            return None
        path.append(name)
        inner = properties[name]
        nested = _unwrap_any(inner) if _looks_wrapped(inner) else None
        if nested is not None:
            sub_path, leaf, has_leaf = nested
            return (tuple(path) + sub_path, leaf, has_leaf)
        return (tuple(path), inner, True)


def _looks_wrapped(node: Any) -> bool:
    return (
        isinstance(node, Mapping) and "required" in node and set(node) <= {"required", "properties"}
    )


def _read_leaf(leaf: Any) -> tuple[str, Any] | None:
    if not isinstance(leaf, Mapping):
        return None
    keys = set(leaf)
    if keys == {"const"}:
        if leaf["const"] is True:
            return "checked", None
        if leaf["const"] is False:
            return "unchecked", None
        return ("eq", leaf["const"]) if _is_scalar(leaf["const"]) else None
    if keys == {"not"} and isinstance(leaf["not"], Mapping) and set(leaf["not"]) == {"const"}:
        value = leaf["not"]["const"]
        return ("ne", value) if _is_scalar(value) and not isinstance(value, bool) else None
    if keys == {"enum"} and isinstance(leaf["enum"], list) and leaf["enum"]:
        if all(_is_scalar(v) for v in leaf["enum"]):
            return "in", tuple(leaf["enum"])
        return None
    if keys == {"type", "contains"} and leaf["type"] == "array":
        inner = leaf["contains"]
        if isinstance(inner, Mapping) and set(inner) == {"const"} and _is_scalar(inner["const"]):
            return "contains", inner["const"]
        return None
    for op, key in (("gt", "exclusiveMinimum"), ("lt", "exclusiveMaximum")):
        if keys == {"type", key} and leaf["type"] == "number":
            value = leaf[key]
            if isinstance(value, int | float) and not isinstance(value, bool):
                return op, value
    return None


def schema_row(schema: Any) -> Row | None:
    """The row a schema was written from (None when it is not one)."""
    if isinstance(schema, Mapping) and set(schema) == {"not"}:
        inner = _unwrap(schema["not"])
        if inner is not None and not inner[2]:
            return Row(inner[0], "empty")
        return None
    unwrapped = _unwrap(schema)
    if unwrapped is None:
        return None
    path, leaf, has_leaf = unwrapped
    if not has_leaf:
        return Row(path, "filled")
    read = _read_leaf(leaf)
    if read is None:
        return None
    return Row(path, read[0], read[1])


def when_to_condition(when: Any) -> Condition | None:
    """Rows of an existing `when` (None when it cannot be shown as rows: then it can only
    be edited as JSON). A missing `when` is an empty condition."""
    if when is None:
        return Condition(())
    if isinstance(when, Mapping) and len(when) == 1 and ("allOf" in when or "anyOf" in when):
        key = "allOf" if "allOf" in when else "anyOf"
        parts = when[key]
        if not isinstance(parts, list) or not parts:
            return None
        rows = [schema_row(part) for part in parts]
        if any(row is None for row in rows):
            return None
        return Condition(tuple(rows), "all" if key == "allOf" else "any")
    row = schema_row(when)
    return Condition((row,)) if row is not None else None


def condition_text(
    condition: Condition, labels: Mapping[tuple, str] | None = None, lang="de"
) -> str:
    """The condition in words ("Wenn „Listenhund“ ist angekreuzt"), for lists and summaries."""
    labels = labels or {}
    index = 0 if lang == "de" else 1
    parts = []
    for row in condition.rows:
        name = labels.get(row.path) or "/".join(row.path)
        text = (
            f"„{name}“ {OPERATORS[row.op][index]}"
            if lang == "de"
            else f"“{name}” {OPERATORS[row.op][index]}"
        )
        if row.op not in NO_VALUE:
            value = ", ".join(map(str, row.value)) if row.op == "in" else str(row.value)
            text += f" {value}"
        parts.append(text)
    joiner = (
        (" und " if condition.combine != "any" else " oder ")
        if lang == "de"
        else (" and " if condition.combine != "any" else " or ")
    )
    return joiner.join(parts)
