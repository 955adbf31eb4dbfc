"""A semantic diff of two process definitions, in words (German and English).

Contract: `definition_diff(old_doc, new_doc) -> list[Change]`. Pure, never raises, whatever
the documents are: something that is not a definition at all (not a JSON object) gives one
change "cannot compare" (area `meta`); a merely invalid definition is compared as far as its
parts can be read (steps without an id, fees without an id, … are skipped).

A `Change` says what happened (`kind`: added / removed / changed) to what (`area`: step,
field, choice, fee, parameter, declaration, identity, payment, text, rule, meta), where
(`pointer`: a JSON pointer into the new document; into the old one for something removed),
in words (`message` German, `message_en` English), and the smallest version step it needs
(`bump`: major / minor / patch): answers or activations that fitted the old version may no
longer fit (a removed field or option, a newly required field or parameter, a tighter limit,
a changed condition) → major; something new that nobody must act on, a fee, a payment or
identity relief → minor; texts, labels and help only → patch. `required_bump(changes)`
gives the largest; `version_step(old, new)` classifies two version numbers the same way.
Rules and computed values (area `rule`): a new rule, a changed check or rule condition →
major; a removed rule, a moved message, any change of a computed value → minor; a rule's
message or a computed value's label → patch.

Conditions (`when`) are JSON Schemas; a change is reported as "Bedingung geändert"
without explaining the schema. Fields are compared by their path of names within the
step (`hund/rasse`), with `$ref`s resolved, so a change in `$defs` shows at every field
that uses it. The diff compares the published documents (parameter references as written:
`{"$param": …}`, `{{param:…}}`), not documents bound to a municipality's values.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from . import pointers
from .fields import _items, choice_options, field_type, resolve
from .parameters import AMOUNT, PARAMETER_TYPES
from .parameters import render as render_value

KINDS = ("added", "removed", "changed")
AREAS = (
    "step",
    "field",
    "choice",
    "fee",
    "parameter",
    "declaration",
    "identity",
    "payment",
    "text",
    "meta",
)
BUMPS = ("patch", "minor", "major")


@dataclass(frozen=True)
class Change:
    """One difference between two versions, in words (see the module docstring)."""

    kind: str
    pointer: str
    area: str
    message: str
    message_en: str
    bump: str = "patch"

    def __str__(self) -> str:
        return self.message

    def text(self, lang: str = "de") -> str:
        return self.message_en if lang == "en" and self.message_en else self.message


def required_bump(changes: list[Change]) -> str:
    """The largest `bump` of `changes` ("major", "minor", "patch"), or "none" without any."""
    rank = max((BUMPS.index(c.bump) for c in changes if c.bump in BUMPS), default=-1)
    return BUMPS[rank] if rank >= 0 else "none"


_SEMVER = re.compile(r"^(\d{1,9})\.(\d{1,9})\.(\d{1,9})$")


def version_step(old: Any, new: Any) -> str:
    """How `new` relates to `old` (both `MAJOR.MINOR.PATCH`): "major", "minor" or "patch"
    (a higher version, by its highest changed part), "same", "older", or "unknown" when
    either is not a semantic version."""
    a = _SEMVER.match(old) if isinstance(old, str) else None
    b = _SEMVER.match(new) if isinstance(new, str) else None
    if a is None or b is None:
        return "unknown"
    old_t = tuple(int(x) for x in a.groups())
    new_t = tuple(int(x) for x in b.groups())
    if new_t == old_t:
        return "same"
    if new_t < old_t:
        return "older"
    if new_t[0] != old_t[0]:
        return "major"
    return "minor" if new_t[1] != old_t[1] else "patch"


def definition_diff(old_doc: Any, new_doc: Any) -> list[Change]:
    """What changed from `old_doc` to `new_doc`, in words. Never raises (module docstring)."""
    if not isinstance(old_doc, dict) or not isinstance(new_doc, dict):
        return [_cannot_compare()]
    try:
        return _Differ(old_doc, new_doc).run()
    except Exception:  # noqa: BLE001 - contract: never raises; say so instead of guessing
        return [_cannot_compare()]


def _cannot_compare() -> Change:
    return Change(
        "changed",
        "",
        "meta",
        "Die Versionen lassen sich nicht vergleichen (eine der Definitionen ist unlesbar).",
        "The versions cannot be compared (one of the definitions is unreadable).",
        "major",
    )


# --- small helpers ------------------------------------------------------------------------


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _common_keys(old, new) -> tuple[list, list]:
    """The keys both have, in `old`'s order and in `new`'s (unequal: the order changed)."""
    return [k for k in old if k in new], [k for k in new if k in old]


def _by_id(items) -> dict[str, tuple[int, dict]]:
    """id → (index, item) of the objects with a string `id` in a list (first one wins)."""
    result: dict[str, tuple[int, dict]] = {}
    for index, item in enumerate(_list(items)):
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"] not in result:
            result[item["id"]] = (index, item)
    return result


def _key(value: Any) -> str:
    """A comparison key that tells JSON values apart as JSON does (`1` ≠ `true`)."""
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def _same(a: Any, b: Any) -> bool:
    return _key(a) == _key(b)


def _i18n(value: Any, lang: str) -> str:
    """An i18n text (`{"de": …, "en": …}`) or plain string in `lang`; German as fallback."""
    if isinstance(value, str):
        return value
    value = _dict(value)
    text = value.get(lang) if lang != "de" else None
    text = text or value.get("de") or ""
    return text if isinstance(text, str) else ""


_SHORT = 80


def _short(text: str, limit: int = _SHORT) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _q(text: Any, lang: str) -> str:
    """Quoted for a message: „…“ in German, “…” in English; nothing at all: (keine)."""
    if text is None:
        return "(keine)" if lang == "de" else "(none)"
    text = _short(str(text))
    return f"„{text}“" if lang == "de" else f"“{text}”"


def _money(value: Any, lang: str) -> str:
    if isinstance(value, str) and AMOUNT.match(value):
        return render_value(value, "money", lang)
    ref = _param_ref(value)
    if ref is not None:
        return f"Parameter {_q(ref, 'de')}" if lang == "de" else f"parameter {_q(ref, 'en')}"
    if isinstance(value, dict) and set(value) == {"$computed"}:
        name = value["$computed"]
        return (
            f"berechneter Wert {_q(name, 'de')}"
            if lang == "de"
            else f"computed value {_q(name, 'en')}"
        )
    return _short(_key(value), 40)


def _at(node: Any, pointer: str, key: str) -> str:
    """`pointer/key` when `node` (found at `pointer`) has `key`, else `pointer`."""
    return (
        f"{pointer}/{pointers.escape(key)}" if isinstance(node, dict) and key in node else pointer
    )


def _param_ref(value: Any) -> str | None:
    if isinstance(value, dict) and set(value) == {"$param"} and isinstance(value["$param"], str):
        return value["$param"]
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


_TYPE_NAMES = {
    "text": ("Text", "text"),
    "textarea": ("langer Text", "long text"),
    "number": ("Zahl", "number"),
    "integer": ("ganze Zahl", "whole number"),
    "money": ("Geldbetrag", "amount of money"),
    "date": ("Datum", "date"),
    "email": ("E-Mail-Adresse", "e-mail address"),
    "phone": ("Telefonnummer", "phone number"),
    "postcode": ("Postleitzahl", "postcode"),
    "iban": ("IBAN", "IBAN"),
    "boolean": ("Ja/Nein", "yes/no"),
    "choice": ("Auswahl", "choice"),
    "multichoice": ("Mehrfachauswahl", "multiple choice"),
    "upload": ("Datei", "file upload"),
    "group": ("Gruppe", "group"),
    "repeat": ("wiederholbare Gruppe", "repeatable group"),
}
_PARAMETER_TYPE_NAMES = {
    "money": ("Geldbetrag", "amount of money"),
    "text": ("Text", "text"),
    "email": ("E-Mail-Adresse", "e-mail address"),
    "url": ("Internetadresse", "web address"),
    "choices": ("Auswahlliste", "list of choices"),
    "date": ("Datum", "date"),
}
_LEVELS = {
    "none": (0, "ohne Anmeldung", "no sign-in"),
    "basis": (1, "basis", "basic"),
    "substanziell": (2, "substanziell", "substantial"),
    "hoch": (3, "hoch", "high"),
}
_POLICIES = {
    "none": ("keine Gebühr", "no fee"),
    "optional": ("Online-Zahlung möglich", "online payment possible"),
    "required": ("Online-Zahlung vor dem Absenden", "online payment before submitting"),
    "deferred": ("Rechnung oder Bescheid folgt", "invoice or notice follows"),
}


def _parameter_type_names(kind: Any) -> tuple[str, str]:
    if isinstance(kind, str):
        return _PARAMETER_TYPE_NAMES.get(kind, (kind, kind))
    return ("?", "?")


def _type_name(kind: str, lang: str) -> str:
    names = _TYPE_NAMES.get(kind, (kind, kind))
    return names[0] if lang == "de" else names[1]


def _level(value: Any) -> str:
    return value if isinstance(value, str) and value in _LEVELS else "none"


def _level_name(level: str, lang: str) -> str:
    _, de, en = _LEVELS.get(level, (0, level, level))
    return de if lang == "de" else en


def _policy(doc: dict) -> str:
    policy = _dict(doc.get("payment")).get("policy")
    return policy if isinstance(policy, str) else "none"


def _policy_name(policy: str, lang: str) -> str:
    de, en = _POLICIES.get(policy, (policy, policy))
    return de if lang == "de" else en


# --- fields of a step, with their place in the document -------------------------------


@dataclass
class _Field:
    path: tuple[str, ...]  # names from the step's schema down to this field
    labels: tuple[str, ...]  # German labels along the path
    labels_en: tuple[str, ...]
    pointer: str  # JSON pointer of the field's property entry in the document
    schema: dict  # resolved
    kind: str
    required: bool  # named in its parent's `required`, and the parent is required too
    options: list  # [(value, label_de, label_en)]
    options_param: str | None
    ui: dict
    parent_kind: str  # "" at the top of a step
    raw: Any = None  # the property entry as written (maybe a `$ref`)
    ui_pointer: str = ""  # its `ui.fields` entry (top-level fields of a step)
    schema_pointer: str = ""  # where the resolved keywords live (the `$defs` target of a `$ref`)

    def name(self, lang: str) -> str:
        return " › ".join(self.labels if lang == "de" else self.labels_en)

    def at(self, *keys: str) -> str:
        """The pointer of keyword `keys` of this field where it is written; the field's own
        pointer when it is not written (removed, or a default)."""
        for base, node in ((self.pointer, self.raw), (self.schema_pointer, None)):
            node = node if node is not None else self.schema
            for key in keys:
                if not isinstance(node, dict) or key not in node:
                    break
                node = node[key]
            else:
                return base + "".join("/" + pointers.escape(k) for k in keys)
        return self.pointer


_MAX_FIELD_DEPTH = 16


def _option_source(schema: dict, kind: str, defs: dict) -> tuple[list, str | None]:
    target = _items(schema, defs) if kind == "multichoice" else schema
    target = _dict(target)
    for key in ("oneOf", "anyOf"):
        ref = _param_ref(target.get(key))
        if ref is not None:
            return [], ref
    return choice_options(target), None


def _kind_of(schema: dict, ui: dict, defs: dict) -> str:
    # `{"oneOf": {"$param": …}}` is a choice whose options a municipality sets.
    probe = schema
    if _param_ref(schema.get("oneOf")) or _param_ref(schema.get("anyOf")):
        probe = {**schema, "oneOf": [{"const": ""}]}
        probe.pop("anyOf", None)
    return field_type(probe, ui, defs)


def _located(schema: Any, pointer: str) -> str:
    """Where the keywords of `schema` (found at `pointer`) live: its `$defs` target if it is
    a reference."""
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return "/$defs/" + pointers.escape(ref[len("#/$defs/") :])
    return pointer


def _fields_of(step: dict, step_pointer: str, defs: dict) -> dict[tuple[str, ...], _Field]:
    """The fields of a step (groups and repeatable groups with their children), by path."""
    result: dict[tuple[str, ...], _Field] = {}
    ui_fields = _dict(_dict(step.get("ui")).get("fields"))

    def walk(schema_raw, pointer, path, labels, labels_en, parent_required, parent_kind, depth):
        if depth > _MAX_FIELD_DEPTH:
            return
        schema = resolve(schema_raw, defs)
        pointer = _located(schema_raw, pointer)
        if not isinstance(schema, dict):
            return
        properties = _dict(schema.get("properties"))
        required = {r for r in _list(schema.get("required")) if isinstance(r, str)}
        for name, raw in properties.items():
            field_schema = resolve(raw, defs)
            field_schema = field_schema if isinstance(field_schema, dict) else {}
            ui = _dict(ui_fields.get(name)) if depth == 0 else {}
            kind = _kind_of(field_schema, ui, defs)
            options, options_param = [], None
            if kind in ("choice", "multichoice"):
                options, options_param = _option_source(field_schema, kind, defs)
            label = field_schema.get("title") if isinstance(field_schema.get("title"), str) else ""
            label = label or name
            label_en = _dict(field_schema.get("x-en")).get("title")
            label_en = label_en if isinstance(label_en, str) and label_en else label
            field_pointer = f"{pointer}/properties/{pointers.escape(name)}"
            is_required = name in required and parent_required
            entry = _Field(
                path=(*path, name),
                labels=(*labels, label),
                labels_en=(*labels_en, label_en),
                pointer=field_pointer,
                schema=field_schema,
                kind=kind,
                required=is_required,
                options=list(options),
                options_param=options_param,
                ui=ui,
                parent_kind=parent_kind,
                raw=raw,
                schema_pointer=_located(raw, field_pointer),
                ui_pointer=f"{step_pointer}/ui/fields/{pointers.escape(name)}"
                if depth == 0
                else "",
            )
            result[entry.path] = entry
            if kind == "group":
                walk(
                    raw,
                    field_pointer,
                    entry.path,
                    entry.labels,
                    entry.labels_en,
                    is_required,
                    kind,
                    depth + 1,
                )
            elif kind == "repeat":
                items_raw = field_schema.get("items")
                walk(
                    items_raw,
                    _located(raw, field_pointer) + "/items",
                    entry.path,
                    entry.labels,
                    entry.labels_en,
                    is_required,
                    kind,
                    depth + 1,
                )

    walk(step.get("schema"), f"{step_pointer}/schema", (), (), (), True, "", 0)
    return result


# Limits of a field: (keyword, German name, English name, "min" | "max" | "other").
_LIMITS = (
    ("minLength", "Mindestlänge (Zeichen)", "minimum length (characters)", "min"),
    ("maxLength", "Höchstlänge (Zeichen)", "maximum length (characters)", "max"),
    ("minimum", "Mindestwert", "minimum", "min"),
    ("maximum", "Höchstwert", "maximum", "max"),
    ("exclusiveMinimum", "Untergrenze (ausschließlich)", "exclusive minimum", "min"),
    ("exclusiveMaximum", "Obergrenze (ausschließlich)", "exclusive maximum", "max"),
    ("minItems", "Mindestanzahl an Einträgen", "minimum number of entries", "min"),
    ("maxItems", "Höchstanzahl an Einträgen", "maximum number of entries", "max"),
    ("multipleOf", "Schrittweite", "step", "other"),
)
# Keys of a field schema the diff explains itself; any other difference is "weitere Regeln".
_EXPLAINED = frozenset(
    {
        "type",
        "title",
        "description",
        "x-en",
        "x-fim",
        "$comment",
        "examples",
        "default",
        "properties",
        "required",
        "oneOf",
        "anyOf",
        "enum",
        "items",
        "pattern",
        "format",
        "x-upload",
        "additionalProperties",
        "$ref",
        *(limit[0] for limit in _LIMITS),
    }
)
_ITEMS_EXPLAINED = frozenset(
    {"type", "title", "description", "x-en", "x-fim", "$comment", "properties", "required"}
    | {"oneOf", "anyOf", "enum", "additionalProperties", "$ref"}
)


def _residual(schema: Any, explained: frozenset) -> dict:
    return {k: v for k, v in _dict(schema).items() if k not in explained}


# --- the differ -----------------------------------------------------------------------


class _Differ:
    def __init__(self, old: dict, new: dict):
        self.old, self.new = old, new
        self.changes: list[Change] = []

    def add(self, kind, pointer, area, de, en, bump="patch"):
        self.changes.append(Change(kind, pointer, area, de, en, bump))

    def run(self) -> list[Change]:
        self._identity_of_process()
        self._texts()
        self._identity()
        self._payment()
        self._fees()
        self._parameters()
        self._computed()
        self._rules()
        self._steps()
        self._declarations()
        self._other_meta()
        return self.changes

    # -- top level ------------------------------------------------------------------

    def _identity_of_process(self):
        old_id, new_id = self.old.get("id"), self.new.get("id")
        if not _same(old_id, new_id):
            self.add(
                "changed",
                "/id",
                "meta",
                f"Kennung der Verwaltungsleistung: {_q(old_id, 'de')} → {_q(new_id, 'de')}",
                f"Process id: {_q(old_id, 'en')} → {_q(new_id, 'en')}",
                "major",
            )
        if not _same(self.old.get("$schema"), self.new.get("$schema")):
            self.add(
                "changed",
                "/$schema",
                "meta",
                "Formatversion der Definition geändert",
                "Format version of the definition changed",
                "major",
            )

    def _i18n_change(self, pointer, old, new, area, what_de, what_en, bump="patch"):
        """A changed i18n text: short texts shown old → new, long ones only named."""
        if _same(old, new):
            return
        old_de, new_de = _i18n(old, "de"), _i18n(new, "de")
        old_en, new_en = _i18n(old, "en"), _i18n(new, "en")
        if not old_de and not old_en:
            self.add(
                "added",
                pointer,
                area,
                f"{what_de} neu: {_q(new_de, 'de')}",
                f"{what_en} added: {_q(new_en, 'en')}",
                bump,
            )
            return
        if not new_de and not new_en:
            self.add("removed", pointer, area, f"{what_de} entfällt", f"{what_en} removed", bump)
            return
        short = all(len(text) <= _SHORT for text in (old_de, new_de, old_en, new_en))
        if old_de != new_de:
            de = f"{what_de}: {_q(old_de, 'de')} → {_q(new_de, 'de')}"
            en = f"{what_en}: {_q(old_en, 'en')} → {_q(new_en, 'en')}"
            if not short:
                de, en = f"{what_de} geändert", f"{what_en} changed"
        else:
            de = f"{what_de}: englische Fassung {_q(old_en, 'de')} → {_q(new_en, 'de')}"
            en = f"{what_en} (English): {_q(old_en, 'en')} → {_q(new_en, 'en')}"
            if not short:
                de, en = f"{what_de}: englische Fassung geändert", f"{what_en} (English) changed"
        self.add("changed", pointer, area, de, en, bump)

    def _renamed(self, pointer, old, new, area, noun_de, noun_en, fallback, bump="patch"):
        """A changed name (i18n): „Gebühr „A“ heißt jetzt „B“"."""
        if _same(old, new):
            return
        old_de, new_de = _i18n(old, "de") or fallback, _i18n(new, "de") or fallback
        old_en, new_en = _i18n(old, "en") or fallback, _i18n(new, "en") or fallback
        if old_de != new_de:
            de = f"{noun_de} {_q(old_de, 'de')} heißt jetzt {_q(new_de, 'de')}"
        else:
            de = f"{noun_de} {_q(new_de, 'de')}: englisch jetzt {_q(new_en, 'de')} statt {_q(old_en, 'de')}"
        if old_en == new_en:  # only the German name changed
            old_en, new_en = old_de, new_de
        en = f"{noun_en} {_q(old_en, 'en')} is now called {_q(new_en, 'en')}"
        self.add("changed", pointer, area, de, en, bump)

    def _texts(self):
        self._i18n_change(
            "/title", self.old.get("title"), self.new.get("title"), "text", "Titel", "Title"
        )
        self._i18n_change(
            "/summary",
            self.old.get("summary"),
            self.new.get("summary"),
            "text",
            "Kurzbeschreibung",
            "Summary",
        )

    def _identity(self):
        old_i, new_i = _dict(self.old.get("identity")), _dict(self.new.get("identity"))
        old_l, new_l = _level(old_i.get("level")), _level(new_i.get("level"))
        if old_l != new_l:
            higher = _LEVELS[new_l][0] > _LEVELS[old_l][0]
            self.add(
                "changed",
                "/identity/level",
                "identity",
                f"Vertrauensniveau der Anmeldung: {_q(_level_name(old_l, 'de'), 'de')} → "
                f"{_q(_level_name(new_l, 'de'), 'de')}",
                f"Trust level of the sign-in: {_q(_level_name(old_l, 'en'), 'en')} → "
                f"{_q(_level_name(new_l, 'en'), 'en')}",
                "major" if higher else "minor",
            )
        old_p, new_p = _dict(old_i.get("prefill")), _dict(new_i.get("prefill"))
        for target in sorted(set(old_p) | set(new_p), key=str):
            if _same(old_p.get(target), new_p.get(target)):
                continue
            pointer = f"/identity/prefill/{pointers.escape(target)}"
            if target not in old_p:
                de, en, kind = "neu vorbelegt aus", "now prefilled from", "added"
            elif target not in new_p:
                de, en, kind = "nicht mehr vorbelegt aus", "no longer prefilled from", "removed"
            else:
                de, en, kind = "jetzt vorbelegt aus", "now prefilled from", "changed"
            attribute = new_p.get(target, old_p.get(target))
            doc = self.new if target in new_p else self.old
            self.add(
                kind,
                pointer,
                "identity",
                f"{self._answer_field(doc, target, 'de')} {de} dem Ausweis-Merkmal "
                f"{_q(attribute, 'de')}",
                f"{self._answer_field(doc, target, 'en')} {en} the ID attribute "
                f"{_q(attribute, 'en')}",
                "minor",
            )
        old_s, new_s = self.old.get("schriftform") is True, self.new.get("schriftform") is True
        if old_s != new_s:
            self.add(
                "changed",
                "/schriftform",
                "identity",
                "Schriftform ist jetzt erforderlich (Anmeldung mit Vertrauensniveau „hoch“)"
                if new_s
                else "Schriftform ist nicht mehr erforderlich",
                "The written form is now required (sign-in at trust level “high”)"
                if new_s
                else "The written form is no longer required",
                "major" if new_s else "minor",
            )

    def _answer_field(self, doc: dict, pointer: Any, lang: str) -> str:
        """„Feld „Familienname“ (Schritt „Angaben zu Ihnen“)“ for an answers pointer."""
        parts = pointers.split(pointer) if isinstance(pointer, str) else []
        step_entry = self._steps_of(doc).get(parts[0]) if parts else None
        if step_entry is not None:
            index, step = step_entry
            found = _fields_of(step, f"/steps/{index}", _dict(doc.get("$defs"))).get(
                tuple(parts[1:])
            )
            if found is not None:
                title = _i18n(step.get("title"), lang) or parts[0]
                if lang == "de":
                    return f"Feld {_q(found.name('de'), 'de')} (Schritt {_q(title, 'de')})"
                return f"Field {_q(found.name('en'), 'en')} (step {_q(title, 'en')})"
        return f"Feld {pointer}" if lang == "de" else f"Field {pointer}"

    def _payment(self):
        old_p, new_p = _policy(self.old), _policy(self.new)
        if old_p != new_p:
            self.add(
                "changed",
                "/payment/policy",
                "payment",
                f"Zahlungsweise: {_q(_policy_name(old_p, 'de'), 'de')} → "
                f"{_q(_policy_name(new_p, 'de'), 'de')}",
                f"Payment: {_q(_policy_name(old_p, 'en'), 'en')} → "
                f"{_q(_policy_name(new_p, 'en'), 'en')}",
                "minor",
            )

    # -- fees -------------------------------------------------------------------------

    @staticmethod
    def _fees_of(doc) -> dict[str, tuple[int, dict]]:
        result = {}
        for index, fee in enumerate(_list(_dict(doc.get("payment")).get("fees"))):
            if isinstance(fee, dict) and isinstance(fee.get("id"), str) and fee["id"] not in result:
                result[fee["id"]] = (index, fee)
        return result

    def _fees(self):
        old, new = self._fees_of(self.old), self._fees_of(self.new)
        for fee_id, (index, fee) in new.items():
            pointer = f"/payment/fees/{index}"
            label_de = _i18n(fee.get("label"), "de") or fee_id
            label_en = _i18n(fee.get("label"), "en") or fee_id
            if fee_id not in old:
                cond_de = " (nur unter einer Bedingung)" if fee.get("when") is not None else ""
                cond_en = " (only under a condition)" if fee.get("when") is not None else ""
                self.add(
                    "added",
                    pointer,
                    "fee",
                    f"Neue Gebühr {_q(label_de, 'de')}: {_money(fee.get('amount'), 'de')}{cond_de}",
                    f"New fee {_q(label_en, 'en')}: {_money(fee.get('amount'), 'en')}{cond_en}",
                    "minor",
                )
                continue
            before = old[fee_id][1]
            if not _same(before.get("amount"), fee.get("amount")):
                self.add(
                    "changed",
                    _at(fee, pointer, "amount"),
                    "fee",
                    f"Gebühr {_q(label_de, 'de')}: {_money(before.get('amount'), 'de')} → "
                    f"{_money(fee.get('amount'), 'de')}",
                    f"Fee {_q(label_en, 'en')}: {_money(before.get('amount'), 'en')} → "
                    f"{_money(fee.get('amount'), 'en')}",
                    "minor",
                )
            self._renamed(
                _at(fee, pointer, "label"),
                before.get("label"),
                fee.get("label"),
                "fee",
                "Gebühr",
                "Fee",
                fee_id,
            )
            self._condition(
                f"{pointer}/when",
                before.get("when"),
                fee.get("when"),
                "fee",
                f"Gebühr {_q(label_de, 'de')}",
                f"Fee {_q(label_en, 'en')}",
                "minor",
                applies=(
                    "wird jetzt nur unter einer Bedingung erhoben",
                    "is now charged only under a condition",
                ),
                always=("wird jetzt immer erhoben", "is now always charged"),
            )
        for fee_id, (index, fee) in old.items():
            if fee_id not in new:
                label_de = _i18n(fee.get("label"), "de") or fee_id
                label_en = _i18n(fee.get("label"), "en") or fee_id
                self.add(
                    "removed",
                    f"/payment/fees/{index}",
                    "fee",
                    f"Gebühr {_q(label_de, 'de')} ({_money(fee.get('amount'), 'de')}) entfällt",
                    f"Fee {_q(label_en, 'en')} ({_money(fee.get('amount'), 'en')}) removed",
                    "minor",
                )

    def _condition(
        self, pointer, old, new, area, subject_de, subject_en, bump, *, applies, always, owner=None
    ):
        """`pointer`: where the condition stands in the new document; a removed condition
        points at its `owner` (default: the pointer without `/when`)."""
        if _same(old, new):
            return
        if old is None:
            self.add(
                "added",
                pointer,
                area,
                f"{subject_de} {applies[0]}",
                f"{subject_en} {applies[1]}",
                bump,
            )
        elif new is None:
            self.add(
                "removed",
                owner if owner is not None else pointer.removesuffix("/when"),
                area,
                f"{subject_de} {always[0]}",
                f"{subject_en} {always[1]}",
                bump,
            )
        else:
            self.add(
                "changed",
                pointer,
                area,
                f"{subject_de}: Bedingung geändert",
                f"{subject_en}: condition changed",
                bump,
            )

    # -- parameters ---------------------------------------------------------------------

    @staticmethod
    def _parameters_of(doc) -> dict[str, dict]:
        return {
            name: decl
            for name, decl in _dict(doc.get("parameters")).items()
            if isinstance(name, str) and isinstance(decl, dict)
        }

    @staticmethod
    def _param_value(decl: dict, value: Any, lang: str) -> str:
        kind = decl.get("type")
        if kind == "money" and isinstance(value, str):
            return _money(value, lang)
        if kind in PARAMETER_TYPES and kind != "money":
            if kind == "choices" and isinstance(value, list):
                count = len(value)
                rendered = render_value(value, "choices", lang)
                return _q(rendered, lang) if count else ("leer" if lang == "de" else "empty")
            return _q(render_value(value, str(kind), lang), lang)
        return _short(_key(value), 40)

    def _parameters(self):
        old, new = self._parameters_of(self.old), self._parameters_of(self.new)
        for name, decl in new.items():
            pointer = f"/parameters/{pointers.escape(name)}"
            kind = decl.get("type")
            type_de, type_en = _parameter_type_names(kind)
            label_de = _i18n(decl.get("label"), "de")
            label_en = _i18n(decl.get("label"), "en")
            if name not in old:
                if "default" in decl:
                    req_de = f"optional, Vorgabe {self._param_value(decl, decl['default'], 'de')}"
                    req_en = f"optional, default {self._param_value(decl, decl['default'], 'en')}"
                else:
                    req_de, req_en = "Pflicht, ohne Vorgabe", "required, no default"
                self.add(
                    "added",
                    pointer,
                    "parameter",
                    f"Parameter {_q(name, 'de')} neu ({req_de}): {type_de} {_q(label_de, 'de')}",
                    f"Parameter {_q(name, 'en')} added ({req_en}): {type_en} {_q(label_en, 'en')}",
                    "minor" if "default" in decl else "major",
                )
                continue
            before = old[name]
            subject_de, subject_en = f"Parameter {_q(name, 'de')}", f"Parameter {_q(name, 'en')}"
            if not _same(before.get("type"), kind):
                old_de, old_en = _parameter_type_names(before.get("type"))
                self.add(
                    "changed",
                    f"{pointer}/type",
                    "parameter",
                    f"{subject_de}: Typ {old_de} → {type_de}",
                    f"{subject_en}: type {old_en} → {type_en}",
                    "major",
                )
                continue  # values, limits and defaults of another type do not compare
            if "default" in before and "default" not in decl:
                self.add(
                    "removed",
                    f"{pointer}",
                    "parameter",
                    f"{subject_de} ist jetzt Pflicht (keine Vorgabe mehr)",
                    f"{subject_en} is now required (no default any more)",
                    "major",
                )
            elif "default" not in before and "default" in decl:
                self.add(
                    "added",
                    f"{pointer}/default",
                    "parameter",
                    f"{subject_de} ist jetzt optional (Vorgabe "
                    f"{self._param_value(decl, decl['default'], 'de')})",
                    f"{subject_en} is now optional (default "
                    f"{self._param_value(decl, decl['default'], 'en')})",
                    "minor",
                )
            elif not _same(before.get("default"), decl.get("default")):
                self.add(
                    "changed",
                    f"{pointer}/default",
                    "parameter",
                    f"{subject_de}: Vorgabe {self._param_value(decl, before.get('default'), 'de')}"
                    f" → {self._param_value(decl, decl.get('default'), 'de')}",
                    f"{subject_en}: default {self._param_value(decl, before.get('default'), 'en')}"
                    f" → {self._param_value(decl, decl.get('default'), 'en')}",
                    "minor",
                )
            for key, de, en, direction in (
                ("minimum", "Mindestwert", "minimum", "min"),
                ("maximum", "Höchstwert", "maximum", "max"),
                ("max_length", "Höchstlänge", "maximum length", "max"),
            ):
                a, b = before.get(key), decl.get(key)
                if _same(a, b):
                    continue
                tighter = self._tighter(a, b, direction)
                shown = [self._limit_value(decl, key, v, "de") for v in (a, b)]
                shown_en = [self._limit_value(decl, key, v, "en") for v in (a, b)]
                self.add(
                    "added" if a is None else "removed" if b is None else "changed",
                    _at(decl, pointer, key),
                    "parameter",
                    f"{subject_de}: {de} {shown[0]} → {shown[1]}",
                    f"{subject_en}: {en} {shown_en[0]} → {shown_en[1]}",
                    "major" if tighter else "minor",
                )
            self._i18n_change(
                _at(decl, pointer, "label"),
                before.get("label"),
                decl.get("label"),
                "parameter",
                f"{subject_de}, Bezeichnung",
                f"{subject_en}, label",
            )
            self._i18n_change(
                _at(decl, pointer, "description"),
                before.get("description"),
                decl.get("description"),
                "parameter",
                f"{subject_de}, Beschreibung",
                f"{subject_en}, description",
            )
        for name in old:
            if name not in new:
                self.add(
                    "removed",
                    f"/parameters/{pointers.escape(name)}",
                    "parameter",
                    f"Parameter {_q(name, 'de')} entfällt (ein gesetzter Wert wird nicht mehr "
                    "gebraucht)",
                    f"Parameter {_q(name, 'en')} removed (a value set for it is no longer used)",
                    "minor",
                )

    @staticmethod
    def _limit_value(decl, key, value, lang):
        if value is None:
            return "keiner" if lang == "de" else "none"
        if decl.get("type") == "money" and key in ("minimum", "maximum"):
            return _money(value, lang)
        if decl.get("type") == "date" and key in ("minimum", "maximum"):
            return render_value(value, "date", lang)
        return _short(str(value), 40)

    @staticmethod
    def _tighter(old: Any, new: Any, direction: str) -> bool:
        """Does the limit `old` → `new` refuse something it accepted before?"""
        if new is None:
            return False
        if old is None:
            return True
        if direction == "other":
            return True
        a, b = _decimal(old), _decimal(new)
        if a is None or b is None:
            # ISO dates compare as strings; anything else: assume the worst
            if isinstance(old, str) and isinstance(new, str):
                return new > old if direction == "min" else new < old
            return True
        return b > a if direction == "min" else b < a

    # -- steps and fields ---------------------------------------------------------------

    @staticmethod
    def _steps_of(doc) -> dict[str, tuple[int, dict]]:
        return _by_id(doc.get("steps"))

    def _steps(self):
        old, new = self._steps_of(self.old), self._steps_of(self.new)
        old_defs, new_defs = _dict(self.old.get("$defs")), _dict(self.new.get("$defs"))
        for step_id, (index, step) in new.items():
            pointer = f"/steps/{index}"
            title_de = _i18n(step.get("title"), "de") or step_id
            title_en = _i18n(step.get("title"), "en") or step_id
            fields = _fields_of(step, pointer, new_defs)
            if step_id not in old:
                required = sum(1 for f in fields.values() if f.required)
                top = [f for f in fields.values() if len(f.path) == 1]
                cond = step.get("when") is not None
                self.add(
                    "added",
                    pointer,
                    "step",
                    f"Neuer Schritt {_q(title_de, 'de')} ({len(top)} Feld(er), davon "
                    f"{sum(1 for f in top if f.required)} Pflicht)"
                    + (" – nur unter einer Bedingung" if cond else ""),
                    f"New step {_q(title_en, 'en')} ({len(top)} field(s), "
                    f"{sum(1 for f in top if f.required)} required)"
                    + (" – only under a condition" if cond else ""),
                    "major" if required else "minor",
                )
                continue
            before_index, before = old[step_id]
            subject_de, subject_en = f"Schritt {_q(title_de, 'de')}", f"Step {_q(title_en, 'en')}"
            self._renamed(
                _at(step, pointer, "title"),
                before.get("title"),
                step.get("title"),
                "step",
                "Schritt",
                "Step",
                step_id,
            )
            if not _same(before.get("description"), step.get("description")):
                self.add(
                    "changed",
                    _at(step, pointer, "description"),
                    "step",
                    f"{subject_de}: Einleitungstext geändert",
                    f"{subject_en}: introduction changed",
                )
            self._condition(
                f"{pointer}/when",
                before.get("when"),
                step.get("when"),
                "step",
                subject_de,
                subject_en,
                "major",
                applies=(
                    "erscheint jetzt nur unter einer Bedingung",
                    "now appears only under a condition",
                ),
                always=("erscheint jetzt immer", "now always appears"),
            )
            old_fields = _fields_of(before, f"/steps/{before_index}", old_defs)
            self._fields(old_fields, fields, subject_de, subject_en)
            self._step_rules(before, step, pointer, subject_de, subject_en)
        for step_id, (index, step) in old.items():
            if step_id not in new:
                title_de = _i18n(step.get("title"), "de") or step_id
                title_en = _i18n(step.get("title"), "en") or step_id
                self.add(
                    "removed",
                    f"/steps/{index}",
                    "step",
                    f"Schritt {_q(title_de, 'de')} entfällt mit allen seinen Feldern",
                    f"Step {_q(title_en, 'en')} removed with all its fields",
                    "major",
                )
        common_old, common_new = _common_keys(old, new)
        if common_old != common_new:
            names_old = ", ".join(_i18n(old[s][1].get("title"), "de") or s for s in common_old)
            names_new = ", ".join(_i18n(new[s][1].get("title"), "de") or s for s in common_new)
            names_old_en = ", ".join(_i18n(old[s][1].get("title"), "en") or s for s in common_old)
            names_new_en = ", ".join(_i18n(new[s][1].get("title"), "en") or s for s in common_new)
            self.add(
                "changed",
                "/steps",
                "step",
                f"Reihenfolge der Schritte: {_short(names_old, 200)} → {_short(names_new, 200)}",
                f"Order of the steps: {_short(names_old_en, 200)} → {_short(names_new_en, 200)}",
                "minor",
            )

    def _step_rules(self, before, step, pointer, subject_de, subject_en):
        """Rules of the step schema itself (allOf, if/then, …) the field diff cannot explain."""
        explained = frozenset(
            {"type", "title", "description", "x-en", "x-fim", "properties", "required"}
        )
        if not _same(
            _dict(before.get("schema")).get("x-fim"), _dict(step.get("schema")).get("x-fim")
        ):
            self.add(
                "changed",
                _at(step, pointer, "schema"),
                "step",
                f"{subject_de}: FIM-Bezug geändert",
                f"{subject_en}: FIM reference changed",
            )
        old_rest = _residual(before.get("schema"), explained)
        new_rest = _residual(step.get("schema"), explained)
        if not _same(old_rest, new_rest):
            self.add(
                "changed",
                _at(step, pointer, "schema"),
                "step",
                f"{subject_de}: übergreifende Regeln der Eingaben geändert",
                f"{subject_en}: rules across its fields changed",
                "major",
            )
        explained_ui = ("fields", "blocks")
        old_ui = {k: v for k, v in _dict(before.get("ui")).items() if k not in explained_ui}
        new_ui = {k: v for k, v in _dict(step.get("ui")).items() if k not in explained_ui}
        if not _same(old_ui, new_ui):
            self.add(
                "changed",
                _at(step, pointer, "ui"),
                "step",
                f"{subject_de}: Darstellung geändert",
                f"{subject_en}: presentation changed",
            )
        self._blocks(before, step, pointer, subject_de, subject_en)

    def _blocks(self, before, step, pointer, subject_de, subject_en):
        """Text blocks (`ui.blocks`) added, removed, reworded, moved: texts only (patch)."""
        old_raw = _dict(before.get("ui")).get("blocks")
        new_raw = _dict(step.get("ui")).get("blocks")
        if _same(old_raw, new_raw):
            return
        old, new = _by_id(old_raw), _by_id(new_raw)
        base = f"{pointer}/ui/blocks"
        for block_id, (index, block) in new.items():
            at = f"{base}/{index}"
            text = block.get("text")
            if block_id not in old:
                self.add(
                    "added",
                    at,
                    "text",
                    f"{subject_de}: neuer Textblock {_q(_i18n(text, 'de'), 'de')}",
                    f"{subject_en}: new text block {_q(_i18n(text, 'en'), 'en')}",
                )
                continue
            previous = old[block_id][1]
            self._i18n_change(
                f"{at}/text",
                previous.get("text"),
                text,
                "text",
                f"{subject_de}: Textblock {_q(block_id, 'de')}",
                f"{subject_en}: text block {_q(block_id, 'en')}",
            )
            if not _same(previous.get("before"), block.get("before")):
                self.add(
                    "changed",
                    at,
                    "text",
                    f"{subject_de}: Textblock {_q(block_id, 'de')} steht jetzt "
                    + (
                        f"vor {_q(block.get('before'), 'de')}" if block.get("before") else "am Ende"
                    ),
                    f"{subject_en}: text block {_q(block_id, 'en')} now stands "
                    + (
                        f"before {_q(block.get('before'), 'en')}"
                        if block.get("before")
                        else "at the end"
                    ),
                )
        for block_id, (_index, block) in old.items():
            if block_id not in new:
                self.add(
                    "removed",
                    _at(step, pointer, "ui"),
                    "text",
                    f"{subject_de}: Textblock {_q(_i18n(block.get('text'), 'de'), 'de')} entfällt",
                    f"{subject_en}: text block {_q(_i18n(block.get('text'), 'en'), 'en')} removed",
                )
        common_old, common_new = _common_keys(old, new)
        if common_old != common_new:
            self.add(
                "changed",
                base,
                "text",
                f"{subject_de}: Reihenfolge der Textblöcke geändert",
                f"{subject_en}: order of the text blocks changed",
            )

    def _fields(self, old: dict, new: dict, step_de: str, step_en: str):
        for path, field in new.items():
            if path[:-1] and path[:-1] not in old and path[:-1] in new:
                continue  # inside a new group: the group is reported
            if path not in old:
                self._field_added(field, step_de, step_en)
                continue
            self._field_changed(old[path], field, step_de, step_en)
        for path, field in old.items():
            if path not in new and not (path[:-1] and path[:-1] not in new):
                self.add(
                    "removed",
                    field.pointer,
                    "field",
                    f"{step_de}: Feld {_q(field.name('de'), 'de')} entfällt",
                    f"{step_en}: field {_q(field.name('en'), 'en')} removed",
                    "major",
                )
        old_order, new_order = _common_keys(old, new)
        if old_order != new_order:
            # only the order among siblings matters; report it once per step
            self.add(
                "changed",
                next(iter(new.values())).pointer.rsplit("/properties/", 1)[0],
                "field",
                f"{step_de}: Reihenfolge der Felder geändert",
                f"{step_en}: order of the fields changed",
            )

    def _field_added(self, field: _Field, step_de: str, step_en: str):
        type_de, type_en = _type_name(field.kind, "de"), _type_name(field.kind, "en")
        cond = field.ui.get("when") is not None
        cond_de = " – nur unter einer Bedingung" if cond else ""
        cond_en = " – only under a condition" if cond else ""
        if field.required:
            self.add(
                "added",
                field.pointer,
                "field",
                f"{step_de}: neues Pflichtfeld {_q(field.name('de'), 'de')} ({type_de}){cond_de}",
                f"{step_en}: new required field {_q(field.name('en'), 'en')} ({type_en}){cond_en}",
                "major",
            )
        else:
            self.add(
                "added",
                field.pointer,
                "field",
                f"{step_de}: neues Feld {_q(field.name('de'), 'de')} ({type_de}, freiwillig)"
                f"{cond_de}",
                f"{step_en}: new field {_q(field.name('en'), 'en')} ({type_en}, optional){cond_en}",
                "minor",
            )

    def _field_changed(self, old: _Field, new: _Field, step_de: str, step_en: str):
        subject_de = f"{step_de}: Feld {_q(new.name('de'), 'de')}"
        subject_en = f"{step_en}: field {_q(new.name('en'), 'en')}"
        p = new.pointer
        if old.labels[-1] != new.labels[-1]:
            en_old, en_new = old.name("en"), new.labels_en[-1]
            if old.labels_en[-1] == new.labels_en[-1]:  # only the German label changed
                en_old, en_new = old.name("de"), new.labels[-1]
            self.add(
                "changed",
                new.at("title"),
                "field",
                f"{step_de}: Feld {_q(old.name('de'), 'de')} heißt jetzt {_q(new.labels[-1], 'de')}",
                f"{step_en}: field {_q(en_old, 'en')} is now called {_q(en_new, 'en')}",
            )
        elif old.labels_en[-1] != new.labels_en[-1]:
            self.add(
                "changed",
                new.at("x-en", "title"),
                "field",
                f"{subject_de}: englische Bezeichnung {_q(old.labels_en[-1], 'de')} → "
                f"{_q(new.labels_en[-1], 'de')}",
                f"{step_en}: field {_q(old.name('en'), 'en')} is now called "
                f"{_q(new.labels_en[-1], 'en')} in English",
            )
        if old.kind != new.kind:
            self.add(
                "changed",
                p,
                "field",
                f"{subject_de}: Art {_type_name(old.kind, 'de')} → {_type_name(new.kind, 'de')}",
                f"{subject_en}: type {_type_name(old.kind, 'en')} → {_type_name(new.kind, 'en')}",
                "major",
            )
        if old.required != new.required:
            self.add(
                "changed",
                p,
                "field",
                f"{subject_de} ist jetzt Pflicht"
                if new.required
                else f"{subject_de} ist jetzt freiwillig",
                f"{subject_en} is now required"
                if new.required
                else f"{subject_en} is now optional",
                "major" if new.required else "minor",
            )
        help_old = (
            old.schema.get("description"),
            _dict(old.schema.get("x-en")).get("description"),
            old.ui.get("hint"),
        )
        help_new = (
            new.schema.get("description"),
            _dict(new.schema.get("x-en")).get("description"),
            new.ui.get("hint"),
        )
        if not _same(help_old, help_new):
            self.add(
                "changed",
                new.at("description"),
                "field",
                f"{subject_de}: Hilfetext geändert",
                f"{subject_en}: help text changed",
            )
        self._condition(
            f"{new.ui_pointer}/when" if new.ui_pointer else p,
            old.ui.get("when"),
            new.ui.get("when"),
            "field",
            subject_de,
            subject_en,
            "major",
            applies=(
                "erscheint jetzt nur unter einer Bedingung",
                "now appears only under a condition",
            ),
            always=("erscheint jetzt immer", "now always appears"),
            owner=p,
        )
        if old.kind == new.kind:
            self._options(old, new, subject_de, subject_en)
            self._limits(old, new, subject_de, subject_en)
        ui_old = {k: v for k, v in old.ui.items() if k not in ("when", "hint")}
        ui_new = {k: v for k, v in new.ui.items() if k not in ("when", "hint")}
        if not _same(ui_old, ui_new):
            self.add(
                "changed",
                new.ui_pointer if new.ui and new.ui_pointer else p,
                "field",
                f"{subject_de}: Darstellung geändert",
                f"{subject_en}: presentation changed",
            )
        if not _same(old.schema.get("default"), new.schema.get("default")):
            self.add(
                "changed",
                new.at("default"),
                "field",
                f"{subject_de}: Vorbelegung geändert",
                f"{subject_en}: default value changed",
            )
        if not _same(old.schema.get("x-fim"), new.schema.get("x-fim")):
            self.add(
                "changed",
                new.at("x-fim"),
                "field",
                f"{subject_de}: FIM-Bezug geändert",
                f"{subject_en}: FIM reference changed",
            )

    def _options(self, old: _Field, new: _Field, subject_de: str, subject_en: str):
        if old.options_param != new.options_param:
            if new.options_param:
                de = f"{subject_de}: Auswahlmöglichkeiten kommen jetzt aus Parameter {_q(new.options_param, 'de')}"
                en = f"{subject_en}: the choices now come from parameter {_q(new.options_param, 'en')}"
            else:
                de = f"{subject_de}: Auswahlmöglichkeiten sind jetzt fest vorgegeben"
                en = f"{subject_en}: the choices are now fixed"
            self.add("changed", new.pointer, "choice", de, en, "major")
            return
        old_opts = {_key(v): (v, de, en) for v, de, en in old.options}
        new_opts = {_key(v): (v, de, en) for v, de, en in new.options}
        for key, (_value, label, label_en) in new_opts.items():
            if key not in old_opts:
                self.add(
                    "added",
                    new.pointer,
                    "choice",
                    f"{subject_de}: neue Auswahl {_q(label, 'de')}",
                    f"{subject_en}: new choice {_q(label_en, 'en')}",
                    "minor",
                )
            else:
                _, old_label, old_label_en = old_opts[key]
                if old_label != label and old_label_en == label_en:
                    old_label_en, label_en = old_label, label  # only German changed
                if old_label != label:
                    self.add(
                        "changed",
                        new.pointer,
                        "choice",
                        f"{subject_de}: Auswahl {_q(old_label, 'de')} heißt jetzt {_q(label, 'de')}",
                        f"{subject_en}: choice {_q(old_label_en, 'en')} is now called {_q(label_en, 'en')}",
                    )
                elif old_label_en != label_en:
                    self.add(
                        "changed",
                        new.pointer,
                        "choice",
                        f"{subject_de}: englische Bezeichnung der Auswahl {_q(label, 'de')} geändert",
                        f"{subject_en}: choice {_q(old_label_en, 'en')} is now called {_q(label_en, 'en')}",
                    )
        for key, (_value, label, label_en) in old_opts.items():
            if key not in new_opts:
                self.add(
                    "removed",
                    old.pointer,
                    "choice",
                    f"{subject_de}: Auswahl {_q(label, 'de')} entfällt",
                    f"{subject_en}: choice {_q(label_en, 'en')} removed",
                    "major",
                )
        common_old, common_new = _common_keys(old_opts, new_opts)
        if common_old != common_new:
            self.add(
                "changed",
                new.pointer,
                "choice",
                f"{subject_de}: Reihenfolge der Auswahl geändert",
                f"{subject_en}: order of the choices changed",
            )

    def _limits(self, old: _Field, new: _Field, subject_de: str, subject_en: str):
        a, b = old.schema, new.schema
        for key, de, en, direction in _LIMITS:
            if _same(a.get(key), b.get(key)):
                continue
            before, after = a.get(key), b.get(key)
            self.add(
                "added" if before is None else "removed" if after is None else "changed",
                new.at(key),
                "field",
                f"{subject_de}: {de} {self._shown(before, 'de')} → {self._shown(after, 'de')}",
                f"{subject_en}: {en} {self._shown(before, 'en')} → {self._shown(after, 'en')}",
                "major" if self._tighter(before, after, direction) else "minor",
            )
        if not _same(a.get("pattern"), b.get("pattern")):
            self.add(
                "changed",
                new.at("pattern"),
                "field",
                f"{subject_de}: Eingabemuster geändert"
                if b.get("pattern") is not None
                else f"{subject_de}: Eingabemuster entfällt",
                f"{subject_en}: input pattern changed"
                if b.get("pattern") is not None
                else f"{subject_en}: input pattern removed",
                "major" if b.get("pattern") is not None else "minor",
            )
        if not _same(a.get("format"), b.get("format")) and old.kind == new.kind:
            self.add(
                "changed",
                new.at("format"),
                "field",
                f"{subject_de}: Format {self._shown(a.get('format'), 'de')} → {self._shown(b.get('format'), 'de')}",
                f"{subject_en}: format {self._shown(a.get('format'), 'en')} → {self._shown(b.get('format'), 'en')}",
                "major",
            )
        up_a, up_b = _dict(a.get("x-upload")), _dict(b.get("x-upload"))
        types_a = {t for t in _list(up_a.get("media_types")) if isinstance(t, str)}
        types_b = {t for t in _list(up_b.get("media_types")) if isinstance(t, str)}
        if types_a != types_b:
            self.add(
                "changed",
                new.at("x-upload", "media_types"),
                "field",
                f"{subject_de}: erlaubte Dateitypen {', '.join(sorted(types_a)) or 'keine'} → "
                f"{', '.join(sorted(types_b)) or 'keine'}",
                f"{subject_en}: allowed file types {', '.join(sorted(types_a)) or 'none'} → "
                f"{', '.join(sorted(types_b)) or 'none'}",
                "major" if types_a - types_b else "minor",
            )
        if not _same(up_a.get("max_bytes"), up_b.get("max_bytes")):
            self.add(
                "changed",
                new.at("x-upload", "max_bytes"),
                "field",
                f"{subject_de}: höchste Dateigröße {self._size(up_a.get('max_bytes'), 'de')} → "
                f"{self._size(up_b.get('max_bytes'), 'de')}",
                f"{subject_en}: largest file size {self._size(up_a.get('max_bytes'), 'en')} → "
                f"{self._size(up_b.get('max_bytes'), 'en')}",
                "major"
                if self._tighter(up_a.get("max_bytes"), up_b.get("max_bytes"), "max")
                else "minor",
            )
        rest_a, rest_b = _residual(a, _EXPLAINED), _residual(b, _EXPLAINED)
        if old.kind in ("multichoice", "repeat"):
            rest_a["items"] = _residual(a.get("items"), _ITEMS_EXPLAINED)
            rest_b["items"] = _residual(b.get("items"), _ITEMS_EXPLAINED)
        elif not _same(a.get("items"), b.get("items")):
            rest_a["items"], rest_b["items"] = a.get("items"), b.get("items")
        if not _same(rest_a, rest_b):
            self.add(
                "changed",
                new.pointer,
                "field",
                f"{subject_de}: weitere Regeln der Eingabe geändert",
                f"{subject_en}: further input rules changed",
                "major",
            )

    @staticmethod
    def _shown(value: Any, lang: str) -> str:
        if value is None:
            return "keine" if lang == "de" else "none"
        if _is_number(value):
            text = _number(value)
            return text.replace(".", ",") if lang == "de" else text
        return _short(str(value), 40)

    @staticmethod
    def _size(value: Any, lang: str) -> str:
        if not _is_number(value):
            return "keine" if lang == "de" else "none"
        megabytes = value / (1024 * 1024)
        text = f"{megabytes:.1f}".rstrip("0").rstrip(".")
        return (text.replace(".", ",") if lang == "de" else text) + " MB"

    # -- rules and computed values ------------------------------------------------------

    def _computed(self):
        old, new = _dict(self.old.get("computed")), _dict(self.new.get("computed"))
        for name in new:
            entry = _dict(new[name])
            pointer = f"/computed/{pointers.escape(name)}"
            label_de = _i18n(entry.get("label"), "de") or name
            label_en = _i18n(entry.get("label"), "en") or name
            expression = entry.get("expression")
            if name not in old:
                self.add(
                    "added",
                    pointer,
                    "rule",
                    f"Neuer berechneter Wert {_q(label_de, 'de')}: {_q(expression, 'de')}",
                    f"New computed value {_q(label_en, 'en')}: {_q(expression, 'en')}",
                    "minor",
                )
                continue
            before = _dict(old[name])
            if not _same(before.get("expression"), expression):
                self.add(
                    "changed",
                    _at(entry, pointer, "expression"),
                    "rule",
                    f"Berechneter Wert {_q(label_de, 'de')}: Berechnung "
                    f"{_q(before.get('expression'), 'de')} → {_q(expression, 'de')}",
                    f"Computed value {_q(label_en, 'en')}: computation "
                    f"{_q(before.get('expression'), 'en')} → {_q(expression, 'en')}",
                    "minor",
                )
            if not _same(before.get("type"), entry.get("type")):
                self.add(
                    "changed",
                    _at(entry, pointer, "type"),
                    "rule",
                    f"Berechneter Wert {_q(label_de, 'de')}: Typ "
                    f"{_q(before.get('type'), 'de')} → {_q(entry.get('type'), 'de')}",
                    f"Computed value {_q(label_en, 'en')}: type "
                    f"{_q(before.get('type'), 'en')} → {_q(entry.get('type'), 'en')}",
                    "minor",
                )
            self._renamed(
                _at(entry, pointer, "label"),
                before.get("label"),
                entry.get("label"),
                "rule",
                "Berechneter Wert",
                "Computed value",
                name,
            )
        for name in old:
            if name not in new:
                entry = _dict(old[name])
                self.add(
                    "removed",
                    f"/computed/{pointers.escape(name)}",
                    "rule",
                    f"Berechneter Wert {_q(_i18n(entry.get('label'), 'de') or name, 'de')} entfällt",
                    f"Computed value {_q(_i18n(entry.get('label'), 'en') or name, 'en')} removed",
                    "minor",
                )

    def _rules(self):
        old, new = _by_id(self.old.get("rules")), _by_id(self.new.get("rules"))
        for rule_id, (index, rule) in new.items():
            pointer = f"/rules/{index}"
            message_de = _i18n(rule.get("message"), "de") or rule_id
            message_en = _i18n(rule.get("message"), "en") or rule_id
            subject_de = f"Regel {_q(message_de, 'de')}"
            subject_en = f"Rule {_q(message_en, 'en')}"
            if rule_id not in old:
                cond_de = " (nur unter einer Bedingung)" if rule.get("when") is not None else ""
                cond_en = " (only under a condition)" if rule.get("when") is not None else ""
                self.add(
                    "added",
                    pointer,
                    "rule",
                    f"Neue Regel {_q(message_de, 'de')}: {_q(rule.get('check'), 'de')}{cond_de}",
                    f"New rule {_q(message_en, 'en')}: {_q(rule.get('check'), 'en')}{cond_en}",
                    "major",
                )
                continue
            before = old[rule_id][1]
            if not _same(before.get("check"), rule.get("check")):
                self.add(
                    "changed",
                    _at(rule, pointer, "check"),
                    "rule",
                    f"{subject_de}: Prüfung {_q(before.get('check'), 'de')} → "
                    f"{_q(rule.get('check'), 'de')}",
                    f"{subject_en}: check {_q(before.get('check'), 'en')} → "
                    f"{_q(rule.get('check'), 'en')}",
                    "major",
                )
            if not _same(before.get("pointer"), rule.get("pointer")):
                self.add(
                    "changed",
                    _at(rule, pointer, "pointer"),
                    "rule",
                    f"{subject_de}: Meldung jetzt bei {self._answer_field(self.new, rule.get('pointer'), 'de')}",
                    f"{subject_en}: message now at {self._answer_field(self.new, rule.get('pointer'), 'en')}",
                    "minor",
                )
            self._condition(
                f"{pointer}/when",
                before.get("when"),
                rule.get("when"),
                "rule",
                subject_de,
                subject_en,
                "major",
                applies=(
                    "gilt jetzt nur unter einer Bedingung",
                    "now applies only under a condition",
                ),
                always=("gilt jetzt immer", "now always applies"),
            )
            self._i18n_change(
                _at(rule, pointer, "message"),
                before.get("message"),
                rule.get("message"),
                "rule",
                "Meldung einer Regel",
                "Message of a rule",
            )
        for rule_id, (index, rule) in old.items():
            if rule_id not in new:
                message_de = _i18n(rule.get("message"), "de") or rule_id
                message_en = _i18n(rule.get("message"), "en") or rule_id
                self.add(
                    "removed",
                    f"/rules/{index}",
                    "rule",
                    f"Regel {_q(message_de, 'de')} entfällt",
                    f"Rule {_q(message_en, 'en')} removed",
                    "minor",
                )

    # -- declarations and the rest ------------------------------------------------------

    @staticmethod
    def _declarations_of(doc) -> dict[str, tuple[int, dict]]:
        return _by_id(doc.get("declarations"))

    def _declarations(self):
        old, new = self._declarations_of(self.old), self._declarations_of(self.new)
        for decl_id, (index, item) in new.items():
            pointer = f"/declarations/{index}"
            text_de, text_en = _i18n(item.get("text"), "de"), _i18n(item.get("text"), "en")
            if decl_id not in old:
                self.add(
                    "added",
                    pointer,
                    "declaration",
                    f"Neue Erklärung: {_q(text_de, 'de')}",
                    f"New declaration: {_q(text_en, 'en')}",
                    "minor",
                )
                continue
            before = old[decl_id][1].get("text")
            if _i18n(before, "de") != text_de:
                self.add(
                    "changed",
                    f"{pointer}/text",
                    "declaration",
                    f"Erklärung {_q(_i18n(before, 'de'), 'de')} lautet jetzt {_q(text_de, 'de')}",
                    f"Declaration {_q(_i18n(before, 'en'), 'en')} now reads {_q(text_en, 'en')}",
                    "minor",
                )
            elif not _same(before, item.get("text")):
                self.add(
                    "changed",
                    f"{pointer}/text",
                    "declaration",
                    f"Erklärung {_q(text_de, 'de')}: englische Fassung geändert",
                    f"Declaration {_q(text_en, 'en')}: English text changed",
                )
        for decl_id, (index, item) in old.items():
            if decl_id not in new:
                self.add(
                    "removed",
                    f"/declarations/{index}",
                    "declaration",
                    f"Erklärung {_q(_i18n(item.get('text'), 'de'), 'de')} entfällt",
                    f"Declaration {_q(_i18n(item.get('text'), 'en'), 'en')} removed",
                    "minor",
                )

    def _other_meta(self):
        old, new = self.old, self.new
        if not _same(old.get("reference_prefix"), new.get("reference_prefix")):
            self.add(
                "changed",
                "/reference_prefix",
                "meta",
                f"Aktenzeichen beginnen jetzt mit {_q(new.get('reference_prefix'), 'de')} "
                f"statt {_q(old.get('reference_prefix'), 'de')}",
                f"Reference numbers now start with {_q(new.get('reference_prefix'), 'en')} "
                f"instead of {_q(old.get('reference_prefix'), 'en')}",
                "minor",
            )
        old_r, new_r = _dict(old.get("retention")), _dict(new.get("retention"))
        for key, de, en, default in (
            ("draft_days", "Entwürfe werden aufbewahrt", "Drafts are kept", 30),
            ("case_days", "Anträge werden aufbewahrt", "Cases are kept", 730),
        ):
            if not _same(old_r.get(key, default), new_r.get(key, default)):
                a = self._shown(old_r.get(key, default), "de")
                b = self._shown(new_r.get(key, default), "de")
                self.add(
                    "changed",
                    _at(new_r, "/retention", key) if "retention" in new else "",
                    "meta",
                    f"{de}: {a} → {b} Tage",
                    f"{en}: {a} → {b} days",
                    "minor",
                )
        if not _same(old.get("applicant"), new.get("applicant")):
            self.add(
                "changed",
                "/applicant",
                "meta",
                "Name- und E-Mail-Felder der antragstellenden Person geändert",
                "Name and e-mail fields of the applicant changed",
                "minor",
            )
        if not _same(old.get("leika"), new.get("leika")):
            self.add("changed", "/leika", "meta", "LeiKa-Schlüssel geändert", "LeiKa keys changed")
        old_k, new_k = old.get("kind", "application"), new.get("kind", "application")
        if not _same(old_k, new_k):
            calculator = new_k == "calculator"
            self.add(
                "changed",
                "/kind",
                "meta",
                "Der Prozess ist jetzt ein Rechner (kein Antrag)"
                if calculator
                else "Der Prozess ist jetzt ein Antrag (kein Rechner)",
                "The process is now a calculator (no application)"
                if calculator
                else "The process is now an application (no calculator)",
                "major",
            )
        old_t = {_key(t.get("name")): t for t in _list(old.get("tests")) if isinstance(t, dict)}
        new_t = {_key(t.get("name")): t for t in _list(new.get("tests")) if isinstance(t, dict)}
        for index, test in enumerate(_list(new.get("tests"))):
            if not isinstance(test, dict):
                continue
            name = test.get("name")
            if _key(name) not in old_t:
                self.add(
                    "added",
                    f"/tests/{index}",
                    "meta",
                    f"Neuer Designer-Test {_q(name, 'de')}",
                    f"New designer test {_q(name, 'en')}",
                )
            elif not _same(old_t[_key(name)], test):
                self.add(
                    "changed",
                    f"/tests/{index}",
                    "meta",
                    f"Designer-Test {_q(name, 'de')} geändert",
                    f"Designer test {_q(name, 'en')} changed",
                )
        for index, test in enumerate(_list(old.get("tests"))):
            if isinstance(test, dict) and _key(test.get("name")) not in new_t:
                name = test.get("name")
                self.add(
                    "removed",
                    f"/tests/{index}",
                    "meta",
                    f"Designer-Test {_q(name, 'de')} entfällt",
                    f"Designer test {_q(name, 'en')} removed",
                )
        handled = {
            "$schema",
            "id",
            "version",
            "title",
            "summary",
            "identity",
            "schriftform",
            "payment",
            "parameters",
            "steps",
            "$defs",
            "declarations",
            "reference_prefix",
            "retention",
            "applicant",
            "leika",
            "kind",
            "tests",
            "rules",
            "computed",
        }
        for key in sorted((set(old) | set(new)) - handled, key=str):
            if key == "x-fim" and not _same(old.get(key), new.get(key)):
                self.add(
                    "changed",
                    "/x-fim",
                    "meta",
                    "FIM-Herkunft (x-fim) geändert",
                    "FIM origin (x-fim) changed",
                )
            elif not _same(old.get(key), new.get(key)):
                self.add(
                    "changed",
                    f"/{pointers.escape(key)}",
                    "meta",
                    f"Angabe {_q(key, 'de')} geändert",
                    f"Entry {_q(key, 'en')} changed",
                )
        payment_rest = ("policy", "fees")
        old_pay = {k: v for k, v in _dict(old.get("payment")).items() if k not in payment_rest}
        new_pay = {k: v for k, v in _dict(new.get("payment")).items() if k not in payment_rest}
        if not _same(old_pay, new_pay):
            self.add(
                "changed",
                "/payment",
                "payment",
                "Weitere Angaben zur Zahlung geändert",
                "Further payment settings changed",
                "minor",
            )
