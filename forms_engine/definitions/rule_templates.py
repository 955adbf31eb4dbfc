"""Common rules and computed values as forms (contract: docs/architecture.md, "Rule templates").

The studio editor offers the usual rules as small forms rather than code. A template
turns form values into the rule (or computed value) a definition holds, and recognises an
existing entry as one of the templates again (else the editor shows the expression text).

- `RULE_TEMPLATES`: kind → {"target": "rule" | "computed", "label", "values"} (what the
  form asks, in order: name, kind of input, German and English label, choices);
- `rule_template_build(kind, values, doc=None) -> dict`: the rule dict (`id`, `check`,
  `pointer`, `message`, optional `when`) or, for `computed_product`, the computed entry
  (`expression`, `type`, `label`; its name is `values["name"]`). Wrong values raise
  `DefinitionError` with problems at `/<value name>` (German and English); with `doc`,
  the fields are looked up there (they must exist and be of a fitting type);
- `rule_template_match(entry, name=None) -> {"kind", "values"} | None`: the form values of
  an entry the templates would build (whitespace aside), None for anything else;
- `rule_template_fields(doc, types=None) -> list[(pointer, label_de, label_en, type)]`: the
  top-level fields of every step (of `types`), for the form's field choices;
- `rule_expression_check(source, doc=None) -> list[Problem]`: one expression's problems
  (for the expert text box).

Pure and defensive: never raises anything but `DefinitionError` from `rule_template_build`.
"""

from __future__ import annotations

import re
from typing import Any

from . import pointers, rules
from .errors import DefinitionError, Problem
from .fields import build_fields

COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")
COMPARABLE = {"date": "date", "number": "number", "integer": "number", "money": "number"}
FACTOR_TYPES = ("number", "integer", "money")
MAX_DAYS = 3650
MAX_FACTORS = 10

_I18N = ("i18n", "Meldung", "Message")
RULE_TEMPLATES: dict[str, dict] = {
    "compare_fields": {
        "target": "rule",
        "label": {"de": "Zwei Felder vergleichen", "en": "Compare two fields"},
        "values": [
            {"name": "id", "input": "name", "de": "Kennung der Regel", "en": "Rule id"},
            {
                "name": "left",
                "input": "field",
                "types": list(COMPARABLE),
                "de": "Feld",
                "en": "Field",
            },
            {
                "name": "op",
                "input": "choice",
                "choices": [
                    ("<", {"de": "liegt vor / ist kleiner als", "en": "is before / less than"}),
                    (
                        "<=",
                        {"de": "liegt nicht nach / ist höchstens", "en": "is not after / at most"},
                    ),
                    (">", {"de": "liegt nach / ist größer als", "en": "is after / greater than"}),
                    (
                        ">=",
                        {
                            "de": "liegt nicht vor / ist mindestens",
                            "en": "is not before / at least",
                        },
                    ),
                    ("==", {"de": "ist gleich", "en": "equals"}),
                    ("!=", {"de": "ist ungleich", "en": "differs from"}),
                ],
                "de": "Vergleich",
                "en": "Comparison",
            },
            {
                "name": "right",
                "input": "field",
                "types": list(COMPARABLE),
                "de": "mit Feld",
                "en": "with field",
            },
            {"name": "message", "input": "i18n", "de": "Meldung", "en": "Message"},
            {
                "name": "pointer",
                "input": "field",
                "optional": True,
                "de": "Meldung zeigen bei (sonst beim ersten Feld)",
                "en": "Show the message at (else at the first field)",
            },
        ],
    },
    "date_from_today": {
        "target": "rule",
        "label": {"de": "Datum im Verhältnis zu heute", "en": "Date relative to today"},
        "values": [
            {"name": "id", "input": "name", "de": "Kennung der Regel", "en": "Rule id"},
            {
                "name": "field",
                "input": "field",
                "types": ["date"],
                "de": "Datumsfeld",
                "en": "Date field",
            },
            {
                "name": "relation",
                "input": "choice",
                "choices": [
                    ("at_least", {"de": "mindestens", "en": "at least"}),
                    ("at_most", {"de": "höchstens", "en": "at most"}),
                ],
                "de": "mindestens / höchstens",
                "en": "at least / at most",
            },
            {
                "name": "days",
                "input": "integer",
                "minimum": 0,
                "maximum": MAX_DAYS,
                "de": "Tage",
                "en": "Days",
            },
            {
                "name": "direction",
                "input": "choice",
                "choices": [
                    ("after", {"de": "nach heute", "en": "after today"}),
                    ("before", {"de": "vor heute", "en": "before today"}),
                ],
                "de": "nach / vor heute",
                "en": "after / before today",
            },
            {"name": "message", "input": "i18n", "de": "Meldung", "en": "Message"},
        ],
    },
    "computed_product": {
        "target": "computed",
        "label": {
            "de": "Produkt aus Feldern und Parametern (z. B. Gebühr)",
            "en": "Product of fields and parameters (e.g. a fee)",
        },
        "values": [
            {"name": "name", "input": "name", "de": "Name des Werts", "en": "Name of the value"},
            {
                "name": "factors",
                "input": "factors",
                "types": list(FACTOR_TYPES),
                "de": "Faktoren (Felder /<Schritt>/<Feld>, param:<Name>, computed:<Name>)",
                "en": "Factors (fields /<step>/<field>, param:<name>, computed:<name>)",
            },
            {
                "name": "type",
                "input": "choice",
                "choices": [
                    ("money", {"de": "Betrag in Euro", "en": "Amount in euros"}),
                    ("number", {"de": "Zahl", "en": "Number"}),
                ],
                "de": "Ergebnis",
                "en": "Result",
            },
            {"name": "label", "input": "i18n", "de": "Bezeichnung", "en": "Label"},
        ],
    },
}
"""The templates the editor offers; `values` lists the form's inputs in order."""

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_COMPUTED_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_FIELD_POINTER = re.compile(r"^/([a-z][a-z0-9_]{0,62})/([A-Za-z][A-Za-z0-9_]{0,62})$")
_W = r"\s*"
_REF = r"answers\s*\.\s*([a-z][a-z0-9_]*)\s*\.\s*([A-Za-z][A-Za-z0-9_]*)"
_COMPARE = re.compile(rf"^{_W}{_REF}{_W}(<=|>=|==|!=|<|>){_W}{_REF}{_W}$")
_FROM_TODAY = re.compile(
    rf"^{_W}{_REF}{_W}(<=|>=){_W}addDays{_W}\({_W}today{_W},{_W}(-?){_W}(\d{{1,4}}){_W}\){_W}$"
)
_FACTOR = re.compile(
    r"^\s*double\s*\(\s*(?:"
    r"answers\s*\.\s*([a-z][a-z0-9_]*)\s*\.\s*([A-Za-z][A-Za-z0-9_]*)"
    r"|params\s*\.\s*([a-z][a-z0-9_]*)"
    r"|computed\s*\.\s*([a-z][a-z0-9_]*)"
    r")\s*\)\s*$"
)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def rule_template_fields(doc: Any, types: Any = None) -> list[tuple[str, str, str, str]]:
    """(pointer, label de, label en, field type) of every step's top-level fields (of `types`)."""
    doc = _dict(doc)
    defs = _dict(doc.get("$defs"))
    result = []
    for step in doc.get("steps") or []:
        step = _dict(step)
        step_id = step.get("id")
        if not isinstance(step_id, str) or not isinstance(step.get("schema"), dict):
            continue
        ui_fields = _dict(_dict(step.get("ui")).get("fields"))
        for f in build_fields(step["schema"], defs, ui_fields):
            if types is None or f.type in types:
                result.append((f"/{step_id}/{f.name}", f.label("de"), f.label("en"), f.type))
    return result


def _message(value: Any, key: str, problems: list[Problem]) -> dict:
    value = _dict(value)
    de, en = value.get("de"), value.get("en")
    if not isinstance(de, str) or not de.strip():
        problems.append(
            Problem(
                f"/{key}",
                "Bitte geben Sie einen deutschen Text ein.",
                "Please enter a German text.",
            )
        )
        return {}
    result = {"de": de.strip()}
    if isinstance(en, str) and en.strip():
        result["en"] = en.strip()
    return result


def _field(
    values: dict, key: str, problems: list[Problem], known: dict | None, types: tuple | list
) -> tuple[str, str] | None:
    pointer = values.get(key)
    match = _FIELD_POINTER.match(pointer) if isinstance(pointer, str) else None
    if match is None:
        problems.append(
            Problem(
                f"/{key}",
                "Bitte wählen Sie ein Feld (/<Schritt>/<Feld>).",
                "Please choose a field (/<step>/<field>).",
            )
        )
        return None
    if known is not None:
        kind = known.get(pointer)
        if kind is None:
            problems.append(
                Problem(
                    f"/{key}",
                    f"Das Feld {pointer} gibt es nicht.",
                    f"The field {pointer} does not exist.",
                )
            )
            return None
        if kind not in types:
            problems.append(
                Problem(
                    f"/{key}",
                    f"Das Feld {pointer} hat den Typ {kind}; hier passt nur: {', '.join(types)}.",
                    f"The field {pointer} has type {kind}; only {', '.join(types)} fits here.",
                )
            )
            return None
    return match.group(1), match.group(2)


def _choice(values: dict, key: str, allowed: tuple | list, problems: list[Problem]) -> Any:
    value = values.get(key)
    if value not in allowed:
        shown = ", ".join(str(a) for a in allowed)
        problems.append(
            Problem(f"/{key}", f"Bitte wählen Sie: {shown}.", f"Please choose: {shown}.")
        )
        return None
    return value


def rule_template_build(kind: Any, values: Any, doc: Any = None) -> dict:
    """The rule (or computed entry) that template `kind` makes of the form `values`.

    Raises `DefinitionError` with problems at `/<value name>` (German and English) when a
    value is missing or wrong; with `doc` (a definition), fields must exist there and fit.
    """
    if kind not in RULE_TEMPLATES:
        raise DefinitionError(
            [
                Problem(
                    "",
                    f"Unbekannte Vorlage {str(kind)[:40]!r}; möglich: {', '.join(RULE_TEMPLATES)}.",
                    f"Unknown template {str(kind)[:40]!r}; possible: {', '.join(RULE_TEMPLATES)}.",
                )
            ]
        )
    values = _dict(values)
    known = None
    if doc is not None:
        known = {pointer: kind_ for pointer, _, _, kind_ in rule_template_fields(doc)}
    problems: list[Problem] = []
    if kind == "computed_product":
        return _build_product(values, known, problems, doc)
    rule_id = values.get("id")
    if not isinstance(rule_id, str) or not _NAME.match(rule_id):
        problems.append(
            Problem(
                "/id",
                "Die Kennung besteht aus Kleinbuchstaben, Ziffern, - und _ und beginnt mit einem Buchstaben.",
                "The id consists of lower-case letters, digits, - and _ and starts with a letter.",
            )
        )
    message = _message(values.get("message"), "message", problems)
    if kind == "compare_fields":
        left = _field(values, "left", problems, known, tuple(COMPARABLE))
        right = _field(values, "right", problems, known, tuple(COMPARABLE))
        op = _choice(values, "op", COMPARISONS, problems)
        if left and right and known is not None:
            a, b = known[values["left"]], known[values["right"]]
            if COMPARABLE[a] != COMPARABLE[b]:
                problems.append(
                    Problem(
                        "/right",
                        f"Ein Feld vom Typ {a} lässt sich nicht mit einem vom Typ {b} vergleichen.",
                        f"A field of type {a} cannot be compared with one of type {b}.",
                    )
                )
        pointer = values.get("pointer") or values.get("left")
        if values.get("pointer"):
            _field(values, "pointer", problems, known, tuple(known.values()) if known else ())
        if problems:
            raise DefinitionError(problems)
        check = f"answers.{left[0]}.{left[1]} {op} answers.{right[0]}.{right[1]}"
    else:  # date_from_today
        target = _field(values, "field", problems, known, ("date",))
        relation = _choice(values, "relation", ("at_least", "at_most"), problems)
        direction = _choice(values, "direction", ("after", "before"), problems)
        days = values.get("days")
        if isinstance(days, str) and days.strip().isdigit():
            days = int(days.strip())
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_DAYS:
            problems.append(
                Problem(
                    "/days",
                    f"Bitte geben Sie eine ganze Zahl von 0 bis {MAX_DAYS} ein.",
                    f"Please enter a whole number from 0 to {MAX_DAYS}.",
                )
            )
        pointer = values.get("field")
        if problems:
            raise DefinitionError(problems)
        later = (relation == "at_least") == (direction == "after")
        op = ">=" if later else "<="
        sign = "-" if direction == "before" else ""
        check = f"answers.{target[0]}.{target[1]} {op} addDays(today, {sign}{days})"
    rule = {"id": rule_id, "check": check, "pointer": pointer, "message": message}
    if isinstance(values.get("when"), dict | bool):
        rule["when"] = values["when"]
    return rule


def _build_product(values: dict, known: dict | None, problems: list[Problem], doc: Any) -> dict:
    name = values.get("name")
    if not isinstance(name, str) or not _COMPUTED_NAME.match(name):
        problems.append(
            Problem(
                "/name",
                "Der Name besteht aus Kleinbuchstaben, Ziffern und _ und beginnt mit einem Buchstaben.",
                "The name consists of lower-case letters, digits and _ and starts with a letter.",
            )
        )
    factors = values.get("factors")
    terms = []
    if not isinstance(factors, list) or not 1 <= len(factors) <= MAX_FACTORS:
        problems.append(
            Problem(
                "/factors",
                f"Bitte geben Sie 1 bis {MAX_FACTORS} Faktoren an.",
                f"Please give 1 to {MAX_FACTORS} factors.",
            )
        )
        factors = []
    declared = _dict(_dict(doc).get("parameters")) if doc is not None else None
    computed = _dict(_dict(doc).get("computed")) if doc is not None else None
    for i, factor in enumerate(factors):
        where = f"/factors/{i}"
        if isinstance(factor, str) and factor.startswith(("param:", "computed:")):
            root, _, ref = factor.partition(":")
            if not _COMPUTED_NAME.match(ref):
                problems.append(
                    Problem(where, f"Ungültiger Name {ref[:40]!r}.", f"Invalid name {ref[:40]!r}.")
                )
                continue
            names = declared if root == "param" else computed
            wanted = ("money",) if root == "param" else ("money", "number", "integer")
            if names is not None and _dict(names.get(ref)).get("type") not in wanted:
                problems.append(
                    Problem(
                        where,
                        f"{'Einen Geldbetrag-Parameter' if root == 'param' else 'Einen berechneten Zahlenwert'} '{ref}' gibt es nicht.",
                        f"There is no {'money parameter' if root == 'param' else 'computed number'} '{ref}'.",
                    )
                )
                continue
            terms.append(f"double({'params' if root == 'param' else 'computed'}.{ref})")
            continue
        parts = _field({"f": factor}, "f", [], known, FACTOR_TYPES)
        if parts is None:
            problems.append(
                Problem(
                    where,
                    "Ein Faktor ist ein Zahlenfeld (/<Schritt>/<Feld>), param:<Name> oder computed:<Name>.",
                    "A factor is a number field (/<step>/<field>), param:<name> or computed:<name>.",
                )
            )
            continue
        terms.append(f"double(answers.{parts[0]}.{parts[1]})")
    kind = _choice(values, "type", ("money", "number"), problems)
    label = _message(values.get("label"), "label", problems)
    if problems:
        raise DefinitionError(problems)
    return {"expression": " * ".join(terms), "type": kind, "label": label}


def rule_template_match(entry: Any, name: str | None = None) -> dict | None:
    """`{"kind", "values"}` when `entry` (a rule or a computed value) is what a template
    builds, else None (the editor then shows the expression for experts). `name` is the
    computed value's name (its key in `computed`), put into the values. Never raises."""
    entry = _dict(entry)
    if isinstance(entry.get("check"), str):
        return _match_rule(entry)
    if isinstance(entry.get("expression"), str):
        found = _match_product(entry)
        if found is not None and name is not None:
            found["values"] = {"name": name, **found["values"]}
        return found
    return None


def _match_rule(entry: dict) -> dict | None:
    check = entry["check"]
    extra = {}
    if "when" in entry:
        extra["when"] = entry["when"]
    base = {"id": entry.get("id"), "message": entry.get("message")}
    found = _COMPARE.match(check)
    if found:
        a, b, op, c, d = found.groups()
        left = f"/{a}/{b}"
        values = {**base, "left": left, "op": op, "right": f"/{c}/{d}"}
        if entry.get("pointer") != left:
            values["pointer"] = entry.get("pointer")
        return {"kind": "compare_fields", "values": {**values, **extra}}
    found = _FROM_TODAY.match(check)
    if found and entry.get("pointer") == f"/{found.group(1)}/{found.group(2)}":
        step, name, op, minus, days = found.groups()
        direction = "before" if minus else "after"
        later = op == ">="
        relation = "at_least" if later == (direction == "after") else "at_most"
        values = {
            **base,
            "field": f"/{step}/{name}",
            "relation": relation,
            "days": int(days),
            "direction": direction,
        }
        return {"kind": "date_from_today", "values": {**values, **extra}}
    return None


def _match_product(entry: dict) -> dict | None:
    if entry.get("type") not in ("money", "number"):
        return None
    factors = []
    for term in entry["expression"].split("*"):
        found = _FACTOR.match(term)
        if found is None:
            return None
        step, name, param, computed = found.groups()
        if step:
            factors.append(pointers.join([step, name]))
        elif param:
            factors.append(f"param:{param}")
        else:
            factors.append(f"computed:{computed}")
    if not 1 <= len(factors) <= MAX_FACTORS:
        return None
    return {
        "kind": "computed_product",
        "values": {"factors": factors, "type": entry["type"], "label": entry.get("label")},
    }


def rule_expression_check(source: Any, doc: Any = None) -> list[Problem]:
    """Problems of one CEL expression (pointer ""), for the editor's expert text box.

    With `doc`, names are checked against its steps, fields, parameters and computed
    values, as `check_definition` does. Never raises.
    """
    names = params = computed = None
    if isinstance(doc, dict):
        names: dict[str, list[str]] = {}
        for pointer, *_ in rule_template_fields(doc):
            step, field = pointers.split(pointer)
            names.setdefault(step, []).append(field)
        params = _dict(doc.get("parameters"))
        computed = _dict(doc.get("computed"))
    _, found = rules.analyse(source, step_fields=names, params=params, computed=computed)
    return rules.problems_at("", found)
