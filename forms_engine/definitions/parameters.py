"""Parameters of a definition: what a municipality must or may set (docs/process-format.md, "Parameters").

A definition declares typed parameters under `parameters`; three reference forms use them:

- `{"$param": "<name>"}` as a fee's `amount` (a `money` parameter);
- `{"$param": "<name>"}` as the `oneOf` of a field schema (a `choices` parameter);
- `{{param:<name>}}` inside texts (i18n `de`/`en` strings and the `title`/`description`
  of schemas and their `x-en`), any parameter type.

`substitute(doc, values)` replaces every reference by its value; a compiled definition is
built from the substituted document, so fees, options and texts need no special code.
All functions here are pure and defensive: they work on meta-invalid documents too.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from decimal import Decimal
from typing import Any

from . import pointers
from .errors import Problem
from .limits import MAX_OPTIONS, string_defect

PARAMETER_TYPES = ("money", "text", "email", "url", "choices", "date")
AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
TEXT_REFERENCE = re.compile(r"\{\{param:([^{}]*)\}\}")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# keys whose string value (or i18n object) is a text a person reads
TEXT_KEYS = frozenset(
    {
        "title",
        "summary",
        "description",
        "label",
        "text",
        "hint",
        "add_label",
        "remove_label",
        "message",
    }
)
TEXT_MAX_LENGTH = 10_000
OPTION_VALUE_MAX_LENGTH = 200
OPTION_LABEL_MAX_LENGTH = 1_000

_TYPE_DE = {
    "money": "ein Euro-Betrag",
    "text": "ein Text",
    "email": "eine E-Mail-Adresse",
    "url": "eine URL",
    "choices": "eine Auswahlliste",
    "date": "ein Datum",
}


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def declarations(doc: Any) -> dict[str, dict]:
    """The well-formed parameter declarations of `doc` (name → declaration)."""
    return {
        name: decl
        for name, decl in _dict(_dict(doc).get("parameters")).items()
        if isinstance(decl, dict) and decl.get("type") in PARAMETER_TYPES
    }


def _date(value: Any) -> datetime.date | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def value_problems(decl: dict, value: Any, pointer: str) -> list[Problem]:
    """Problems of one value for the declaration `decl`, at `pointer` ([] if it fits)."""
    kind = decl.get("type")
    defect = _defect(value)
    if defect:
        return [
            Problem(
                pointer,
                "Der Wert enthält ein NUL-Zeichen oder ungültiges Unicode; das ist nicht erlaubt.",
                "The value contains a NUL character or invalid Unicode; this is not allowed.",
            )
        ]
    try:
        shown = json.dumps(value, ensure_ascii=False)[:80]
    except (TypeError, ValueError, RecursionError):
        shown = type(value).__name__
    expected_de = _TYPE_DE.get(kind, str(kind))

    def wrong(hint_de: str = "", hint_en: str = "") -> list[Problem]:
        return [
            Problem(
                pointer,
                f"Hier wird {expected_de} erwartet, nicht {shown}{hint_de}.",
                f"Expected {kind} here, not {shown}{hint_en}.",
            )
        ]

    if kind == "money":
        if not isinstance(value, str) or not AMOUNT.match(value):
            return wrong(' (Dezimaltext wie "96.00")', ' (a decimal string like "96.00")')
        amount = Decimal(value)
        low, high = decl.get("minimum"), decl.get("maximum")
        if isinstance(low, str) and AMOUNT.match(low) and amount < Decimal(low):
            return [
                Problem(
                    pointer,
                    f"Der Betrag {value} liegt unter dem Mindestbetrag {low}.",
                    f"The amount {value} is below the minimum {low}.",
                )
            ]
        if isinstance(high, str) and AMOUNT.match(high) and amount > Decimal(high):
            return [
                Problem(
                    pointer,
                    f"Der Betrag {value} liegt über dem Höchstbetrag {high}.",
                    f"The amount {value} is above the maximum {high}.",
                )
            ]
        return []
    if kind in ("text", "email", "url"):
        if not isinstance(value, str) or not value.strip():
            return wrong()
        limit = decl.get("max_length")
        limit = limit if isinstance(limit, int) and not isinstance(limit, bool) else None
        limit = min(limit or TEXT_MAX_LENGTH, TEXT_MAX_LENGTH)
        if len(value) > limit:
            return [
                Problem(
                    pointer,
                    f"Der Text ist zu lang ({len(value)} Zeichen; höchstens {limit}).",
                    f"The text is too long ({len(value)} characters; at most {limit}).",
                )
            ]
        if kind == "email" and not EMAIL.match(value):
            return wrong()
        if kind == "url" and not URL.match(value):
            return wrong(" (http:// oder https://)", " (http:// or https://)")
        return []
    if kind == "date":
        day = _date(value)
        if day is None:
            return wrong(" (JJJJ-MM-TT)", " (YYYY-MM-DD)")
        low, high = _date(decl.get("minimum")), _date(decl.get("maximum"))
        if low and day < low:
            return [
                Problem(
                    pointer,
                    f"Das Datum {value} liegt vor dem frühesten Datum {low.isoformat()}.",
                    f"The date {value} is before the earliest date {low.isoformat()}.",
                )
            ]
        if high and day > high:
            return [
                Problem(
                    pointer,
                    f"Das Datum {value} liegt nach dem spätesten Datum {high.isoformat()}.",
                    f"The date {value} is after the latest date {high.isoformat()}.",
                )
            ]
        return []
    if kind == "choices":
        if not isinstance(value, list) or not value:
            return wrong(
                ' (eine nicht leere Liste von {"value", "label"})',
                ' (a non-empty list of {"value", "label"})',
            )
        if len(value) > MAX_OPTIONS:
            return [
                Problem(
                    pointer,
                    f"Zu viele Optionen ({len(value)}); höchstens {MAX_OPTIONS} sind erlaubt.",
                    f"Too many options ({len(value)}); at most {MAX_OPTIONS} are allowed.",
                )
            ]
        problems: list[Problem] = []
        seen: set = set()
        for i, option in enumerate(value):
            where = f"{pointer}/{i}"
            option = _dict(option)
            label = _dict(option.get("label"))
            if (
                set(option) - {"value", "label"}
                or not isinstance(option.get("value"), str)
                or not option["value"]
                or len(option["value"]) > OPTION_VALUE_MAX_LENGTH
                or not isinstance(label.get("de"), str)
                or not label["de"].strip()
                or set(label) - {"de", "en"}
                or ("en" in label and not (isinstance(label["en"], str) and label["en"].strip()))
                or any(len(text) > OPTION_LABEL_MAX_LENGTH for text in label.values())
            ):
                problems.append(
                    Problem(
                        where,
                        f'Eine Option braucht "value" (Text, höchstens {OPTION_VALUE_MAX_LENGTH} Zeichen) und "label" ({{"de": …, "en": …}}, höchstens {OPTION_LABEL_MAX_LENGTH} Zeichen).',
                        f'An option needs "value" (text, at most {OPTION_VALUE_MAX_LENGTH} characters) and "label" ({{"de": …, "en": …}}, at most {OPTION_LABEL_MAX_LENGTH} characters).',
                    )
                )
                continue
            if option["value"] in seen:
                problems.append(
                    Problem(
                        f"{where}/value",
                        f"Der Wert '{option['value']}' kommt doppelt vor.",
                        f"The value '{option['value']}' is used twice.",
                    )
                )
            seen.add(option["value"])
        return problems
    return []


def _defect(value: Any, depth: int = 0) -> bool:
    """Whether `value` holds a string (or key) with NUL or a lone surrogate (4 levels deep)."""
    if isinstance(value, str):
        return string_defect(value) is not None
    if depth > 4:
        return False
    if isinstance(value, dict):
        return any(
            _defect(key, depth + 1) or _defect(item, depth + 1) for key, item in value.items()
        )
    if isinstance(value, list):
        return any(_defect(item, depth + 1) for item in value[: MAX_OPTIONS + 1])
    return False


def declaration_problems(doc: dict) -> list[Problem]:
    """Problems of the declarations themselves: limits fit the type, defaults fit the limits."""
    problems: list[Problem] = []
    for name, decl in declarations(doc).items():
        base = pointers.join(["parameters", name])
        kind = decl["type"]
        for key in ("minimum", "maximum"):
            if key not in decl:
                continue
            if kind not in ("money", "date"):
                problems.append(
                    Problem(
                        f"{base}/{key}",
                        f"'{key}' gibt es nur bei Parametern vom Typ money oder date.",
                        f"'{key}' only exists for parameters of type money or date.",
                    )
                )
            elif value_problems({"type": kind}, decl[key], f"{base}/{key}"):
                problems += value_problems({"type": kind}, decl[key], f"{base}/{key}")
        if "max_length" in decl and kind not in ("text", "email", "url"):
            problems.append(
                Problem(
                    f"{base}/max_length",
                    "'max_length' gibt es nur bei Parametern vom Typ text, email oder url.",
                    "'max_length' only exists for parameters of type text, email or url.",
                )
            )
        low, high = decl.get("minimum"), decl.get("maximum")
        if (
            kind == "money"
            and isinstance(low, str)
            and isinstance(high, str)
            and AMOUNT.match(low)
            and AMOUNT.match(high)
            and Decimal(low) > Decimal(high)
        ) or (kind == "date" and _date(low) and _date(high) and _date(low) > _date(high)):
            problems.append(
                Problem(
                    f"{base}/maximum",
                    f"Das Maximum {high} liegt unter dem Minimum {low}.",
                    f"The maximum {high} is below the minimum {low}.",
                )
            )
        if "default" in decl:
            problems += value_problems(decl, decl["default"], f"{base}/default")
    return problems


def _reference_name(value: Any) -> str | None:
    if isinstance(value, dict) and set(value) == {"$param"} and isinstance(value["$param"], str):
        return value["$param"]
    return None


def _walk_texts(node: Any, path: tuple, in_text: bool = False):
    """(path, string) for every text position below `node` (see TEXT_KEYS)."""
    if isinstance(node, str):
        if in_text:
            yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("parameters", "tests") and not path:
                continue
            if in_text and key in ("de", "en"):
                yield from _walk_texts(value, (*path, key), True)
            elif key == "x-en" and isinstance(value, dict):
                yield from _walk_texts(value, (*path, key), False)
            else:
                yield from _walk_texts(value, (*path, key), key in TEXT_KEYS)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk_texts(value, (*path, i), False)


def _walk_option_references(node: Any, path: tuple):
    """(path of the `oneOf`/`anyOf` key, name) for every `{"$param"}` standing as options."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("parameters", "tests") and not path:
                continue
            name = _reference_name(value) if key in ("oneOf", "anyOf") else None
            if name is not None:
                yield (*path, key), name
            else:
                yield from _walk_option_references(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk_option_references(value, (*path, i))


def references(doc: dict) -> list[tuple[str, str, str]]:
    """Every parameter reference: (pointer, name, use) with use `amount`, `options` or `text`."""
    found: list[tuple[str, str, str]] = []
    for i, fee in enumerate(_list(_dict(doc.get("payment")).get("fees"))):
        name = _reference_name(_dict(fee).get("amount"))
        if name is not None:
            found.append((f"/payment/fees/{i}/amount", name, "amount"))
    for path, name in _walk_option_references(doc, ()):
        found.append((pointers.join(list(path)), name, "options"))
    for path, text in _walk_texts(doc, ()):
        for match in TEXT_REFERENCE.finditer(text):
            found.append((pointers.join(list(path)), match.group(1), "text"))
    return found


_USE_TYPES = {"amount": ("money",), "options": ("choices",)}


def reference_problems(doc: dict) -> list[Problem]:
    """References to undeclared parameters, or to a parameter of the wrong type for the place."""
    declared = declarations(doc)
    problems: list[Problem] = []
    for pointer, name, use in references(doc):
        if name not in declared:
            problems.append(
                Problem(
                    pointer,
                    f"Der Parameter '{name}' ist nicht deklariert (in 'parameters').",
                    f"The parameter '{name}' is not declared (in 'parameters').",
                )
            )
            continue
        allowed = _USE_TYPES.get(use)
        kind = declared[name]["type"]
        if allowed and kind not in allowed:
            place_de = "Betrag" if use == "amount" else "Auswahlliste"
            place_en = "an amount" if use == "amount" else "an option list"
            problems.append(
                Problem(
                    pointer,
                    f"Der Parameter '{name}' hat den Typ {kind}; als {place_de} geht nur {allowed[0]}.",
                    f"The parameter '{name}' has type {kind}; as {place_en} only {allowed[0]} fits.",
                )
            )
    return problems


def values_problems(doc: dict, values: Any, base: str = "") -> list[Problem]:
    """Problems of parameter values for `doc`: unknown names, wrong types, limits, missing required.

    Pointers are `<base>/<name>` (a JSON pointer into the values).
    """
    if not isinstance(values, dict):
        return [
            Problem(
                base,
                "Parameterwerte müssen ein JSON-Objekt sein (Name → Wert).",
                "Parameter values must be a JSON object (name → value).",
            )
        ]
    declared = declarations(doc)
    problems: list[Problem] = []
    for name, value in values.items():
        if not isinstance(name, str) or string_defect(name):
            problems.append(
                Problem(
                    base,
                    "Ein Parametername ist kein gültiger Text.",
                    "A parameter name is not valid text.",
                )
            )
            continue
        pointer = f"{base}/{pointers.escape(name)}"
        if name not in declared:
            problems.append(
                Problem(
                    pointer,
                    f"Den Parameter '{name}' deklariert die Definition nicht.",
                    f"The definition does not declare the parameter '{name}'.",
                )
            )
            continue
        problems += value_problems(declared[name], value, pointer)
    for name, decl in declared.items():
        if name not in values and "default" not in decl:
            problems.append(
                Problem(
                    f"{base}/{pointers.escape(name)}",
                    f"Der Parameter '{name}' ist Pflicht (er hat keinen Standardwert).",
                    f"The parameter '{name}' is required (it has no default).",
                )
            )
    return problems


def effective_values(doc: dict, values: dict | None = None) -> dict:
    """Defaults overlaid with `values`; a required parameter without value gets a placeholder.

    Placeholders (only an unbound preview ever shows them): money "0.00", a choices list
    with one option "[<label>]", any other type the text "[<label>]".
    """
    result = {}
    for name, decl in declarations(doc).items():
        if values and name in values:
            result[name] = values[name]
        elif "default" in decl and not value_problems(decl, decl["default"], ""):
            result[name] = decl["default"]
        else:
            label = _dict(decl.get("label")).get("de") or name
            if decl["type"] == "money":
                result[name] = "0.00"
            elif decl["type"] == "choices":
                result[name] = [{"value": "-", "label": {"de": f"[{label}]"}}]
            else:
                result[name] = f"[{label}]"
    return result


def missing_values(doc: dict, values: dict | None = None) -> list[str]:
    """Names of required parameters (no default) that `values` does not set."""
    return [
        name
        for name, decl in declarations(doc).items()
        if "default" not in decl and not (values and name in values)
    ]


def render(value: Any, kind: str, lang: str) -> str:
    """A parameter value as it appears in a text of language `lang`."""
    if kind == "money" and isinstance(value, str) and AMOUNT.match(value):
        amount = f"{Decimal(value).quantize(Decimal('0.01')):,}"
        if lang == "de":
            return amount.replace(",", " ").replace(".", ",").replace(" ", ".") + " €"
        return f"€{amount}"
    if kind == "date" and _date(value) and lang == "de":
        return _date(value).strftime("%d.%m.%Y")
    if kind == "choices" and isinstance(value, list):
        labels = []
        for option in value:
            label = _dict(_dict(option).get("label"))
            labels.append(str(label.get(lang) or label.get("de") or _dict(option).get("value")))
        return ", ".join(labels)
    return str(value)


def _options(value: Any) -> list[dict]:
    result = []
    for option in _list(value):
        option = _dict(option)
        label = _dict(option.get("label"))
        entry: dict = {"const": option.get("value"), "title": str(label.get("de") or "")}
        if isinstance(label.get("en"), str):
            entry["x-en"] = {"title": label["en"]}
        result.append(entry)
    return result


def substitute(doc: dict, values: dict) -> dict:
    """`doc` with every reference replaced by its value (unknown names stay).

    `doc` is left unchanged: only the objects and lists on the way to a replaced value are
    copied; the rest is shared with `doc` (a definition without parameters comes back as
    itself). Callers treat the result as read-only, as they treat `doc`."""
    declared = declarations(doc)
    if not declared:
        return doc
    result = dict(doc)
    fresh = {id(result)}  # containers of `result` that are copies of their own

    def text(string: str, lang: str) -> str:
        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name not in values or name not in declared:
                return match.group(0)
            return render(values[name], declared[name]["type"], lang)

        return TEXT_REFERENCE.sub(replace, string)

    def set_at(path: tuple, value: Any) -> None:
        node = result
        for part in path[:-1]:
            child = node[part]
            if id(child) not in fresh:
                child = copy.copy(child)
                fresh.add(id(child))
                node[part] = child
            node = child
        node[path[-1]] = value

    for index, fee in enumerate(_list(_dict(result.get("payment")).get("fees"))):
        name = _reference_name(_dict(fee).get("amount"))
        if name in values and declared.get(name, {}).get("type") == "money":
            set_at(("payment", "fees", index, "amount"), values[name])
    for path, name in list(_walk_option_references(result, ())):
        if name in values and declared.get(name, {}).get("type") == "choices":
            set_at(path, _options(values[name]))
    for path, string in list(_walk_texts(result, ())):
        if "{{param:" in string:
            lang = "en" if ("en" in path[-1:] or "x-en" in path) else "de"
            set_at(path, text(string, lang))
    return result
