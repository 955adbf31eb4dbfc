"""Fields of a step and the field-type registry (contract: docs/architecture.md, `Field`).

A field's type is derived from its JSON Schema plus its `ui` entry by the first matching
rule in `FIELD_TYPE_RULES`. Types: text textarea number integer money date email phone
postcode iban boolean choice multichoice upload group repeat.

Pointers of fields are JSON pointers *within the step* (`/vorname`, `/anschrift/strasse`);
children of a repeatable group use `*` for the item index (`/fahrzeuge/*/kennzeichen`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

FIELD_TYPES = (
    "text",
    "textarea",
    "number",
    "integer",
    "money",
    "date",
    "email",
    "phone",
    "postcode",
    "iban",
    "boolean",
    "choice",
    "multichoice",
    "upload",
    "group",
    "repeat",
)

_REF_PREFIX = "#/$defs/"


def resolve(schema: Any, defs: Mapping[str, Any], _depth: int = 0) -> Any:
    """Follow a local `$ref` (`#/$defs/<name>`) and merge its sibling keywords over the target.

    Unknown targets resolve to the schema itself (the definition check reports them).
    """
    if not isinstance(schema, dict) or "$ref" not in schema or _depth > 32:
        return schema
    ref = schema["$ref"]
    if not isinstance(ref, str) or not ref.startswith(_REF_PREFIX):
        return schema
    target = defs.get(ref[len(_REF_PREFIX) :])
    if not isinstance(target, dict):
        return schema
    merged = dict(resolve(target, defs, _depth + 1))
    merged.update({k: v for k, v in schema.items() if k != "$ref"})
    return merged


def choice_options(schema: Mapping[str, Any]) -> list[tuple[Any, str, str]]:
    """`[(value, label_de, label_en)]` from `oneOf`/`anyOf` of consts or from `enum`."""
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if isinstance(alternatives, list) and alternatives:
        options = []
        for alt in alternatives:
            if not isinstance(alt, dict) or "const" not in alt:
                return []
            label = alt.get("title") or str(alt["const"])
            x_en = alt.get("x-en")
            label_en = (x_en.get("title") if isinstance(x_en, dict) else None) or label
            options.append((alt["const"], label, label_en))
        return options
    if isinstance(schema.get("enum"), list):
        return [(value, str(value), str(value)) for value in schema["enum"]]
    return []


def _type_of(schema: Mapping[str, Any]) -> str | None:
    value = schema.get("type")
    if isinstance(value, list):
        non_null = [t for t in value if t != "null"]
        return non_null[0] if len(non_null) == 1 else None
    return value


Rule = Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], bool]
"""A rule gets (resolved schema, ui entry, root $defs) and says whether the type applies."""


def _items(schema, defs):
    return resolve(schema.get("items"), defs) if isinstance(schema.get("items"), dict) else {}


def _fmt(name: str) -> Rule:
    return lambda s, ui, defs: _type_of(s) == "string" and s.get("format") == name


FIELD_TYPE_RULES: list[tuple[str, Rule]] = [
    ("upload", lambda s, ui, defs: "x-upload" in s),
    (
        "repeat",
        lambda s, ui, defs: _type_of(s) == "array" and _type_of(_items(s, defs)) == "object",
    ),
    ("multichoice", lambda s, ui, defs: _type_of(s) == "array"),
    ("group", lambda s, ui, defs: _type_of(s) == "object"),
    ("choice", lambda s, ui, defs: bool(choice_options(s))),
    ("money", _fmt("money")),
    ("date", _fmt("date")),
    ("email", _fmt("email")),
    ("phone", _fmt("phone")),
    ("postcode", _fmt("postcode-de")),
    ("iban", _fmt("iban")),
    ("textarea", lambda s, ui, defs: ui.get("widget") == "textarea"),
    ("number", lambda s, ui, defs: _type_of(s) == "number"),
    ("integer", lambda s, ui, defs: _type_of(s) == "integer"),
    ("boolean", lambda s, ui, defs: _type_of(s) == "boolean"),
]
"""Ordered (type, rule) pairs; the first rule that holds decides; the fallback is `text`."""


def register_field_type(name: str, rule: Rule, *, before: str | None = None) -> None:
    """Add a field type rule (optionally before an existing type's rule)."""
    index = len(FIELD_TYPE_RULES)
    if before is not None:
        index = next(i for i, (n, _) in enumerate(FIELD_TYPE_RULES) if n == before)
    FIELD_TYPE_RULES.insert(index, (name, rule))


def field_type(schema: Mapping[str, Any], ui: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    """The derived field type of a (resolved) schema with its ui entry."""
    for name, rule in FIELD_TYPE_RULES:
        if rule(schema, ui, defs):
            return name
    return "text"


@dataclass(frozen=True)
class Field:
    """One field of a step (contract: docs/architecture.md).

    `schema` is resolved (a `$ref` is followed), `required` says whether the parent
    object's `required` names it, `options` lists choices, `children` the fields of a
    group or of one item of a repeatable group.
    """

    name: str
    pointer: str
    schema: dict
    type: str
    required: bool = False
    options: tuple = ()
    children: tuple = ()
    ui: dict = field(default_factory=dict)
    upload: dict | None = None

    def label(self, lang: str = "de") -> str:
        """The field's label in `lang` (`x-en.title` for English), German as fallback."""
        if lang == "en":
            english = (self.schema.get("x-en") or {}).get("title")
            if english:
                return english
        return self.schema.get("title") or self.name

    def help(self, lang: str = "de") -> str:
        """Help text: the schema `description` (`x-en.description`), else the ui `hint`."""
        if lang == "en":
            english = (self.schema.get("x-en") or {}).get("description")
            if english:
                return english
        hint = self.ui.get("hint") or {}
        if lang == "en" and hint.get("en"):
            return hint["en"]
        return self.schema.get("description") or hint.get("de") or ""

    def child(self, name: str) -> Field | None:
        """The child field called `name`, or None."""
        return next((c for c in self.children if c.name == name), None)


def build_fields(
    object_schema: Mapping[str, Any],
    defs: Mapping[str, Any],
    ui_fields: Mapping[str, Any] | None = None,
    prefix: str = "",
    _depth: int = 0,
) -> tuple[Field, ...]:
    """Fields of an object schema (the properties in order); recursion for groups and repeats."""
    object_schema = resolve(object_schema, defs)
    if not isinstance(object_schema, dict) or _depth > 16:
        return ()
    properties = object_schema.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    required_list = object_schema.get("required")
    required = (
        {r for r in required_list if isinstance(r, str)}
        if isinstance(required_list, list)
        else set()
    )
    ui_fields = ui_fields if isinstance(ui_fields, dict) else {}
    result = []
    for name, raw in properties.items():
        schema = resolve(raw, defs)
        if not isinstance(schema, dict):
            schema = {}
        ui = ui_fields.get(name)
        ui = ui if isinstance(ui, dict) else {}
        kind = field_type(schema, ui, defs)
        pointer = f"{prefix}/{name}"
        children: tuple[Field, ...] = ()
        if kind == "group":
            children = build_fields(schema, defs, None, pointer, _depth + 1)
        elif kind == "repeat":
            children = build_fields(_items(schema, defs), defs, None, f"{pointer}/*", _depth + 1)
        options: tuple = ()
        if kind == "choice":
            options = tuple(choice_options(schema))
        elif kind == "multichoice":
            options = tuple(choice_options(_items(schema, defs)))
        result.append(
            Field(
                name=name,
                pointer=pointer,
                schema=schema,
                type=kind,
                required=name in required,
                options=options,
                children=children,
                ui=dict(ui),
                upload=schema.get("x-upload"),
            )
        )
    return tuple(result)
