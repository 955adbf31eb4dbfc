"""The field-type registry of the designer studio: ONE entry per field type.

Each `FieldKind` says what a designer calls the type (German and English), which options
it has, how to build the JSON Schema and the `ui.fields` entry from the options (`build`)
and how to read the options back from an existing schema (`read`). A built schema derives
back to the same type through `fields.field_type` (the format's derivation rules), and
`read(build(options)) == options` (tested for every type).

Options (a plain dict; every key optional):

| option | types | in the definition |
|---|---|---|
| `title`, `title_en` | all | `title`, `x-en.title` |
| `help`, `help_en` | all | `description`, `x-en.description` |
| `min_length`, `max_length` | text, textarea | `minLength`, `maxLength` |
| `pattern` | text | `pattern` (ECMAScript, checked by `check_definition`) |
| `minimum`, `maximum` | number, integer | `minimum`, `maximum` |
| `choices` | choice, multichoice | `oneOf` of `{"const", "title", "x-en.title"}`: a list of `{"value", "label", "label_en"}` |
| `widget` | choice | `ui.widget` `radio`/`select` (`""`: automatic) |
| `min_items`, `max_items` | multichoice, repeat | `minItems`, `maxItems` |
| `media_types`, `max_mb` | upload | `x-upload.media_types`, `x-upload.max_bytes` (MiB) |
| `add_label`, `add_label_en`, `remove_label`, `remove_label_en` | repeat | `ui.add_label`, `ui.remove_label` |

Whether a field is required is its parent's `required` list (the editor writes it);
conditions (`ui.when`) are written by `conditions`. Keys a type does not manage (`default`,
`$comment`, `x-fim`, `autocomplete`, `when`, children of groups …) survive an edit.

Pure: no Django, no project imports beyond this package.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .fields import choice_options, field_type

MIB = 1024 * 1024

#: The media types an upload field may accept (what the engine sniffs), with their names.
UPLOAD_MEDIA_TYPES: dict[str, str] = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/tiff": "TIFF",
    "image/webp": "WebP",
    "image/heic": "HEIC",
}

COMMON_OPTIONS = ("title", "title_en", "help", "help_en")

#: Schema keys every type manages (the rest of an existing schema is kept on an edit).
_COMMON_KEYS = {"type", "title", "description", "x-en"}


@dataclass(frozen=True)
class FieldKind:
    """One field type: `id` (as derived by `fields.field_type`), `label`/`label_en` (what a
    designer reads), `options` (the option names it has beyond `COMMON_OPTIONS`),
    `schema_keys` / `ui_keys` (what it writes), `container` (it has child fields)."""

    id: str
    label: str
    label_en: str
    options: tuple[str, ...]
    schema_keys: frozenset
    ui_keys: frozenset
    build_own: Callable[[dict], tuple[dict, dict]]
    read_own: Callable[[dict, dict], dict]
    container: bool = False

    @property
    def all_options(self) -> tuple[str, ...]:
        return COMMON_OPTIONS + self.options

    def build(
        self,
        options: Mapping[str, Any],
        previous: tuple[Mapping, Mapping] | None = None,
    ) -> tuple[dict, dict]:
        """`(schema, ui)` from `options`. `previous` (the field's current schema and ui entry)
        keeps what this type does not manage: extra keywords, children, conditions."""
        old_schema, old_ui = previous or ({}, {})
        old_schema = old_schema if isinstance(old_schema, Mapping) else {}
        old_ui = old_ui if isinstance(old_ui, Mapping) else {}
        same_type = bool(old_schema) and kind_of(old_schema, old_ui).id == self.id
        managed = _COMMON_KEYS | self.schema_keys | _ALL_TYPE_KEYS
        schema: dict[str, Any] = {}
        if same_type:
            schema = {k: copy.deepcopy(v) for k, v in old_schema.items() if k not in managed}
        elif self.container and _children_of(old_schema):
            # group ↔ repeatable group keeps the children
            schema = {}
        dropped = self.ui_keys if same_type else _ALL_UI_KEYS
        ui = {k: copy.deepcopy(v) for k, v in old_ui.items() if k not in dropped}
        own_schema, own_ui = self.build_own(dict(options))
        labels = _labels(options)
        result = {**own_schema, **labels, **schema}
        if self.container:
            _carry_children(result, old_schema, self.id)
        ui.update(own_ui)
        return _ordered(result), ui

    def read(self, schema: Mapping[str, Any], ui: Mapping[str, Any] | None = None) -> dict:
        """The options of an existing field of this type."""
        ui = ui if isinstance(ui, Mapping) else {}
        schema = schema if isinstance(schema, Mapping) else {}
        options = _read_labels(schema)
        options.update(self.read_own(dict(schema), dict(ui)))
        return options


# --- helpers ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _labels(options: Mapping[str, Any]) -> dict:
    result: dict[str, Any] = {"title": _text(options.get("title"))}
    if _text(options.get("help")):
        result["description"] = _text(options.get("help"))
    x_en = {}
    if _text(options.get("title_en")):
        x_en["title"] = _text(options.get("title_en"))
    if _text(options.get("help_en")):
        x_en["description"] = _text(options.get("help_en"))
    if x_en:
        result["x-en"] = x_en
    return result


def _read_labels(schema: Mapping[str, Any]) -> dict:
    x_en = schema.get("x-en") if isinstance(schema.get("x-en"), Mapping) else {}
    options = {"title": _text(schema.get("title"))}
    for key, value in (
        ("title_en", x_en.get("title")),
        ("help", schema.get("description")),
        ("help_en", x_en.get("description")),
    ):
        if _text(value):
            options[key] = _text(value)
    return options


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _put(target: dict, key: str, value: Any) -> None:
    if value is not None and value != "" and value != []:
        target[key] = value


def _i18n(de: Any, en: Any) -> dict | None:
    if not _text(de):
        return None
    value = {"de": _text(de)}
    if _text(en):
        value["en"] = _text(en)
    return value


_ORDER = (
    "type",
    "title",
    "description",
    "x-en",
    "format",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "oneOf",
    "items",
    "uniqueItems",
    "minItems",
    "maxItems",
    "properties",
    "required",
    "x-upload",
)


def _ordered(schema: dict) -> dict:
    head = {k: schema[k] for k in _ORDER if k in schema}
    return {**head, **{k: v for k, v in schema.items() if k not in head}}


def _children_of(schema: Mapping) -> tuple[dict, list] | None:
    """(properties, required) of a group or of a repeatable group's item, if any."""
    if not isinstance(schema, Mapping):
        return None
    node = schema.get("items") if schema.get("type") == "array" else schema
    if not isinstance(node, Mapping) or not isinstance(node.get("properties"), Mapping):
        return None
    required = node.get("required") if isinstance(node.get("required"), list) else []
    return dict(node["properties"]), list(required)


def _carry_children(result: dict, old_schema: Mapping, kind: str) -> None:
    children = _children_of(old_schema) or ({}, [])
    properties, required = copy.deepcopy(children)
    if kind == "group":
        result["properties"] = properties
        result["required"] = required
    else:
        old_items = old_schema.get("items") if isinstance(old_schema, Mapping) else None
        if isinstance(old_items, Mapping) and old_schema.get("type") == "array":
            items = {k: copy.deepcopy(v) for k, v in old_items.items()}
        else:
            items = {"type": "object"}
        items["properties"] = properties
        items["required"] = required
        result["items"] = items


def _choices_schema(choices: Any) -> list[dict]:
    result = []
    for choice in choices or []:
        if not isinstance(choice, Mapping):
            continue
        option: dict[str, Any] = {"const": choice.get("value"), "title": _text(choice.get("label"))}
        if _text(choice.get("label_en")):
            option["x-en"] = {"title": _text(choice.get("label_en"))}
        result.append(option)
    return result


def _choices_read(schema: Mapping) -> list[dict]:
    result = []
    raw = schema.get("oneOf") or schema.get("anyOf")
    if isinstance(raw, list):
        for alt in raw:
            if not isinstance(alt, Mapping) or "const" not in alt:
                return []
            choice = {"value": alt["const"], "label": _text(alt.get("title"))}
            x_en = alt.get("x-en") if isinstance(alt.get("x-en"), Mapping) else {}
            if _text(x_en.get("title")):
                choice["label_en"] = _text(x_en.get("title"))
            result.append(choice)
        return result
    return [
        {"value": value, "label": label}
        for value, label, _en in choice_options(schema)
        if isinstance(schema.get("enum"), list)
    ]


# --- the types ----------------------------------------------------------------------------


def _string(fmt: str | None = None, widget: str | None = None):
    def build(o):
        schema: dict[str, Any] = {"type": "string"}
        if fmt:
            schema["format"] = fmt
        if fmt is None:
            _put(schema, "minLength", _count(o.get("min_length")))
            _put(schema, "maxLength", _count(o.get("max_length")))
            if widget is None:
                _put(schema, "pattern", _text(o.get("pattern")))
        return schema, ({"widget": widget} if widget else {})

    def read(s, ui):
        options: dict[str, Any] = {}
        if fmt is None:
            _put(options, "min_length", _count(s.get("minLength")))
            _put(options, "max_length", _count(s.get("maxLength")))
            if widget is None:
                _put(options, "pattern", _text(s.get("pattern")))
        return options

    return build, read


def _numeric(type_name: str):
    def build(o):
        schema: dict[str, Any] = {"type": type_name}
        _put(schema, "minimum", _number(o.get("minimum")))
        _put(schema, "maximum", _number(o.get("maximum")))
        return schema, {}

    def read(s, ui):
        options: dict[str, Any] = {}
        _put(options, "minimum", _number(s.get("minimum")))
        _put(options, "maximum", _number(s.get("maximum")))
        return options

    return build, read


def _plain(type_name: str):
    return (lambda o: ({"type": type_name}, {})), (lambda s, ui: {})


def _choice_build(o):
    schema = {"type": "string", "oneOf": _choices_schema(o.get("choices"))}
    widget = o.get("widget")
    return schema, ({"widget": widget} if widget in ("radio", "select") else {})


def _choice_read(s, ui):
    options: dict[str, Any] = {"choices": _choices_read(s)}
    if ui.get("widget") in ("radio", "select"):
        options["widget"] = ui["widget"]
    return options


def _multi_build(o):
    schema: dict[str, Any] = {
        "type": "array",
        "items": {"oneOf": _choices_schema(o.get("choices"))},
        "uniqueItems": True,
    }
    _put(schema, "minItems", _count(o.get("min_items")))
    _put(schema, "maxItems", _count(o.get("max_items")))
    return schema, {}


def _multi_read(s, ui):
    items = s.get("items") if isinstance(s.get("items"), Mapping) else {}
    options: dict[str, Any] = {"choices": _choices_read(items)}
    _put(options, "min_items", _count(s.get("minItems")))
    _put(options, "max_items", _count(s.get("maxItems")))
    return options


def _upload_build(o):
    media = [m for m in UPLOAD_MEDIA_TYPES if m in (o.get("media_types") or [])]
    extra = [m for m in (o.get("media_types") or []) if m not in UPLOAD_MEDIA_TYPES]
    spec: dict[str, Any] = {"media_types": media + [m for m in extra if isinstance(m, str)]}
    size = _number(o.get("max_mb"))
    if size is not None and size > 0:
        spec["max_bytes"] = max(1, round(size * MIB))
    return {"type": "string", "x-upload": spec}, {}


def _upload_read(s, ui):
    spec = s.get("x-upload") if isinstance(s.get("x-upload"), Mapping) else {}
    media = spec.get("media_types") if isinstance(spec.get("media_types"), list) else []
    options: dict[str, Any] = {"media_types": list(media)}
    size = _count(spec.get("max_bytes"))
    if size:
        mb = size / MIB
        options["max_mb"] = int(mb) if mb == int(mb) else round(mb, 2)
    return options


def _group_build(o):
    return {"type": "object"}, {}


def _repeat_build(o):
    schema: dict[str, Any] = {"type": "array"}
    _put(schema, "minItems", _count(o.get("min_items")))
    _put(schema, "maxItems", _count(o.get("max_items")))
    ui = {}
    for key in ("add_label", "remove_label"):
        value = _i18n(o.get(key), o.get(key + "_en"))
        if value:
            ui[key] = value
    return schema, ui


def _repeat_read(s, ui):
    options: dict[str, Any] = {}
    _put(options, "min_items", _count(s.get("minItems")))
    _put(options, "max_items", _count(s.get("maxItems")))
    for key in ("add_label", "remove_label"):
        value = ui.get(key) if isinstance(ui.get(key), Mapping) else {}
        _put(options, key, _text(value.get("de")))
        _put(options, key + "_en", _text(value.get("en")))
    return options


def _kind(
    id_,
    label,
    label_en,
    options,
    schema_keys,
    ui_keys,
    pair,
    container=False,
):
    build, read = pair
    return FieldKind(
        id=id_,
        label=label,
        label_en=label_en,
        options=tuple(options),
        schema_keys=frozenset(schema_keys),
        ui_keys=frozenset(ui_keys),
        build_own=build,
        read_own=read,
        container=container,
    )


_TEXT_KEYS = ("minLength", "maxLength", "pattern")
FIELD_KINDS: dict[str, FieldKind] = {
    k.id: k
    for k in (
        _kind(
            "text",
            "Text (eine Zeile)",
            "Text (one line)",
            ("min_length", "max_length", "pattern"),
            _TEXT_KEYS,
            (),
            _string(),
        ),
        _kind(
            "textarea",
            "Langer Text",
            "Long text",
            ("min_length", "max_length"),
            _TEXT_KEYS,
            ("widget",),
            _string(widget="textarea"),
        ),
        _kind(
            "number",
            "Zahl",
            "Number",
            ("minimum", "maximum"),
            ("minimum", "maximum"),
            (),
            _numeric("number"),
        ),
        _kind(
            "integer",
            "Ganze Zahl",
            "Whole number",
            ("minimum", "maximum"),
            ("minimum", "maximum"),
            (),
            _numeric("integer"),
        ),
        _kind("money", "Geldbetrag (EUR)", "Amount (EUR)", (), ("format",), (), _string("money")),
        _kind("date", "Datum", "Date", (), ("format",), (), _string("date")),
        _kind("email", "E-Mail-Adresse", "E-mail address", (), ("format",), (), _string("email")),
        _kind("phone", "Telefonnummer", "Phone number", (), ("format",), (), _string("phone")),
        _kind("postcode", "Postleitzahl", "Postcode", (), ("format",), (), _string("postcode-de")),
        _kind("iban", "IBAN", "IBAN", (), ("format",), (), _string("iban")),
        _kind(
            "boolean", "Ja/Nein (Ankreuzfeld)", "Yes/no (checkbox)", (), (), (), _plain("boolean")
        ),
        _kind(
            "choice",
            "Auswahl (eine Antwort)",
            "Single choice",
            ("choices", "widget"),
            ("oneOf", "anyOf", "enum"),
            ("widget",),
            (_choice_build, _choice_read),
        ),
        _kind(
            "multichoice",
            "Auswahl (mehrere Antworten)",
            "Multiple choice",
            ("choices", "min_items", "max_items"),
            ("items", "uniqueItems", "minItems", "maxItems"),
            (),
            (_multi_build, _multi_read),
        ),
        _kind(
            "upload",
            "Datei-Upload",
            "File upload",
            ("media_types", "max_mb"),
            ("x-upload",),
            (),
            (_upload_build, _upload_read),
        ),
        _kind(
            "group",
            "Gruppe (z. B. Anschrift)",
            "Group (e.g. an address)",
            (),
            ("properties", "required"),
            (),
            (_group_build, lambda s, ui: {}),
            container=True,
        ),
        _kind(
            "repeat",
            "Wiederholbare Gruppe",
            "Repeatable group",
            (
                "min_items",
                "max_items",
                "add_label",
                "add_label_en",
                "remove_label",
                "remove_label_en",
            ),
            ("items", "minItems", "maxItems"),
            ("add_label", "remove_label"),
            (_repeat_build, _repeat_read),
            container=True,
        ),
    )
}
"""The registry: field type id → `FieldKind`, in the order a designer chooses from."""

#: Schema keys that belong to some type: dropped when the type changes.
_ALL_TYPE_KEYS = frozenset().union(*(k.schema_keys for k in FIELD_KINDS.values())) | {
    "format",
    "x-upload",
}
_ALL_UI_KEYS = frozenset().union(*(k.ui_keys for k in FIELD_KINDS.values()))


def field_kind(type_id: str) -> FieldKind:
    """The registry entry of `type_id` (KeyError for an unknown type)."""
    return FIELD_KINDS[type_id]


def kind_of(schema: Mapping[str, Any], ui: Mapping[str, Any] | None = None, defs=None) -> FieldKind:
    """The registry entry of an existing field (derived as the engine derives it)."""
    ui = ui if isinstance(ui, Mapping) else {}
    return FIELD_KINDS[field_type(schema, ui, defs or {})]


def build_field(
    type_id: str, options: Mapping[str, Any], previous: tuple[Mapping, Mapping] | None = None
) -> tuple[dict, dict]:
    """`(schema, ui)` of a field of type `type_id` with `options` (see the module doc)."""
    return field_kind(type_id).build(options, previous)


def read_field(schema: Mapping[str, Any], ui: Mapping[str, Any] | None = None) -> tuple[str, dict]:
    """`(type id, options)` of an existing field."""
    kind = kind_of(schema, ui)
    return kind.id, kind.read(schema, ui)


def _has_param(value: Any) -> bool:
    if isinstance(value, Mapping):
        return "$param" in value or any(_has_param(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_param(v) for v in value)
    return False


def structured_editable(schema: Any) -> bool:
    """Whether the editor can show this field's options as a form: not a `$ref` to shared
    `$defs` and no parameter reference (`{"$param": …}`) in its own keywords (children of
    groups are judged one by one). Otherwise it is edited in the JSON view."""
    if not isinstance(schema, Mapping) or "$ref" in schema:
        return False
    own = {k: v for k, v in schema.items() if k not in ("properties", "items")}
    items = schema.get("items")
    if isinstance(items, Mapping):
        if "$ref" in items:
            return False
        own["items"] = {k: v for k, v in items.items() if k != "properties"}
    return not _has_param(own)
