"""Checking process definitions: meta-schema plus semantic checks.

Contract: `check_definition(doc) -> list[Problem]`; `[]` means the definition is valid.
Each Problem has a JSON pointer into the definition and a German message a process
designer understands (English in `message_en`). See docs/process-format.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema.exceptions import ValidationError, best_match

from . import parameters, pointers, rules, shared
from .errors import Problem
from .fields import build_fields, resolve
from .formats import PATTERN_OPTIONS
from .limits import (
    MAX_COMPUTED,
    MAX_LENGTH_CEILING,
    MAX_PATTERN_LENGTH,
    MAX_PATTERN_WEIGHT,
    MAX_RULES,
    pattern_weight,
    structure_problems,
)

FORMAT_URI = "urn:ozg-engine:process-format:1"
IDENTITY_LEVELS = ("none", "basis", "substanziell", "hoch")
AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
LOCAL_REF = re.compile(r"^#/\$defs/[A-Za-z0-9_-]+$")

_SCHEMA_CHILD_MAPS = ("properties",)
_SCHEMA_CHILDREN = ("items", "additionalProperties", "not", "if", "then", "else")
_SCHEMA_LISTS = ("oneOf", "anyOf", "allOf")

_TYPE_DE = {
    "object": "ein Objekt",
    "array": "eine Liste",
    "string": "ein Text",
    "integer": "eine ganze Zahl",
    "number": "eine Zahl",
    "boolean": "true oder false",
    "null": "null",
}


@cache
def metaschema() -> dict:
    """The meta-schema of format version 1 (forms_engine/definitions/metaschema/process-1.json)."""
    text = resources.files(__package__).joinpath("metaschema/process-1.json").read_text("utf-8")
    return json.loads(text)


@cache
def _meta_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(metaschema())


@cache
def _fast_meta_validator() -> jsonschema_rs.Validator:
    # jsonschema_rs decides validity ~100x faster (a 5,000-option choice in milliseconds);
    # the pure-Python validator only runs to explain errors once something is wrong.
    return jsonschema_rs.Draft202012Validator(metaschema(), pattern_options=PATTERN_OPTIONS)


def check_definition(doc: Any) -> list[Problem]:
    """All problems of a definition (meta-schema first, then semantic checks), sorted by pointer order of discovery.

    Never raises for any input: structural problems (limits, NaN, NUL, lone surrogates,
    non-JSON values; see `limits.structure_problems`) are reported alone, before the
    meta-schema sees the document.
    """
    if not isinstance(doc, dict):
        return [
            Problem(
                "",
                "Eine Prozessdefinition muss ein JSON-Objekt sein.",
                "A process definition must be a JSON object.",
            )
        ]
    structural = structure_problems(doc)
    if structural:
        return structural
    problems = meta_problems(doc)
    problems.extend(parameter_problems(doc))
    # the semantic checks see the document with parameter values in place (defaults, or
    # placeholders for required parameters): references stand where their values will
    problems.extend(semantic_problems(parameters.substitute(doc, parameters.effective_values(doc))))
    problems.extend(shared.uses_problems(doc))
    unique: dict[tuple[str, str], Problem] = {}
    for problem in problems:
        unique.setdefault((problem.pointer, problem.message), problem)
    return list(unique.values())


# --- meta-schema ---------------------------------------------------------------------------


def meta_problems(doc: dict) -> list[Problem]:
    """Meta-schema errors, flattened so that each names the exact place and reason."""
    if _fast_meta_validator().is_valid(doc):
        return []
    problems: list[Problem] = []
    for error in _meta_validator().iter_errors(doc):
        problems.extend(_explain(error))
    if not problems:
        # the engines disagree (e.g. a regex detail): report what jsonschema_rs found
        for error in _fast_meta_validator().iter_errors(doc):
            shown = json.dumps(error.instance, ensure_ascii=False)[:80]
            problems.append(
                Problem(
                    pointers.join(error.instance_path),
                    f"Ungültiger Wert {shown}.",
                    f"Invalid value {shown}.",
                )
            )
    return problems


def _leaf(error: ValidationError) -> ValidationError:
    while error.context:
        deeper = best_match(error.context)
        if deeper is None:
            break
        error = deeper
    return error


def _is_schema_position(error: ValidationError) -> bool:
    return error.schema == metaschema()["$defs"]["schema"]


def _explain(error: ValidationError) -> list[Problem]:
    path = list(error.absolute_path)
    pointer = pointers.join(path)
    keyword = error.validator
    last = path[-1] if path else None
    if keyword == "anyOf" and last == "type":
        return [
            Problem(
                pointer,
                f"Unbekannter Typ {json.dumps(error.instance, ensure_ascii=False)}; erlaubt: string, number, integer, boolean, object, array, null.",
                f"Unknown type {json.dumps(error.instance, ensure_ascii=False)}; allowed: string, number, integer, boolean, object, array, null.",
            )
        ]
    if error.context:
        error = _leaf(error)
        path = list(error.absolute_path)
        pointer = pointers.join(path)
        keyword = error.validator
        last = path[-1] if path else None
    value = error.instance
    shown = json.dumps(value, ensure_ascii=False)[:80]

    if keyword == "additionalProperties" and isinstance(value, dict):
        allowed = set((error.schema.get("properties") or {}).keys())
        extras = [key for key in value if key not in allowed] or ["?"]
        result = []
        for key in extras:
            if _is_schema_position(error):
                if str(key).startswith("x-"):
                    de = f"Die Erweiterung '{key}' ist nicht deklariert; erlaubt sind x-upload, x-en und x-fim."
                    en = f"Extension keyword '{key}' is not declared; allowed are x-upload, x-en and x-fim."
                else:
                    de = f"Unbekanntes Schlüsselwort '{key}' in einem Schema. Erlaubt ist nur die eingeschränkte JSON-Schema-Teilmenge (siehe docs/process-format.md)."
                    en = f"Unknown keyword '{key}' in a schema. Only the restricted JSON Schema subset is allowed (see docs/process-format.md)."
            else:
                de = f"Unbekannter Schlüssel '{key}'."
                en = f"Unknown key '{key}'."
            result.append(Problem(pointers.join([*path, key]), de, en))
        return result
    if keyword == "required":
        missing = [key for key in error.validator_value if key not in value]
        return [
            Problem(pointer, f"Die Angabe '{key}' fehlt.", f"'{key}' is missing.")
            for key in missing
        ]
    if keyword == "type":
        if last == "when" or _is_schema_position(error):
            return [
                Problem(
                    pointer,
                    f"Hier wird ein JSON Schema (ein Objekt oder true/false) erwartet, nicht {shown}.",
                    f"A JSON Schema (an object or true/false) is expected here, not {shown}.",
                )
            ]
        expected = error.validator_value
        expected = expected if isinstance(expected, list) else [expected]
        de_types = " oder ".join(_TYPE_DE.get(t, t) for t in expected)
        return [
            Problem(
                pointer,
                f"Hier wird {de_types} erwartet, nicht {shown}.",
                f"Expected {' or '.join(expected)} here, not {shown}.",
            )
        ]
    if keyword == "pattern":
        if last == "$ref":
            return [
                Problem(
                    pointer,
                    f"Der Verweis {shown} ist nicht erlaubt: nur lokale Verweise der Form '#/$defs/<Name>' sind möglich, nie eine URL.",
                    f"The reference {shown} is not allowed: only local references '#/$defs/<name>' are possible, never a URL.",
                )
            ]
        return [
            Problem(
                pointer,
                f"Der Wert {shown} hat nicht die erwartete Form ({error.validator_value}).",
                f"The value {shown} does not have the expected form ({error.validator_value}).",
            )
        ]
    if keyword == "propertyNames":
        return [
            Problem(
                pointer,
                f"Der Name {shown} ist hier nicht erlaubt.",
                f"The name {shown} is not allowed here.",
            )
        ]
    if keyword == "const":
        if last == "$schema":
            return [
                Problem(
                    pointer,
                    f"'$schema' muss '{FORMAT_URI}' sein (Formatversion 1), nicht {shown}.",
                    f"'$schema' must be '{FORMAT_URI}' (format version 1), not {shown}.",
                )
            ]
        expected = json.dumps(error.validator_value, ensure_ascii=False)
        return [
            Problem(
                pointer,
                f"Hier ist nur {expected} erlaubt, nicht {shown}.",
                f"Only {expected} is allowed here, not {shown}.",
            )
        ]
    if keyword == "enum":
        allowed = ", ".join(json.dumps(v, ensure_ascii=False) for v in error.validator_value)
        if last == "format":
            return [
                Problem(
                    pointer,
                    f"Das Format {shown} kennt die Engine nicht; erlaubt: {allowed}.",
                    f"The engine does not know the format {shown}; allowed: {allowed}.",
                )
            ]
        return [
            Problem(
                pointer,
                f"{shown} ist nicht erlaubt; möglich sind: {allowed}.",
                f"{shown} is not allowed; possible values: {allowed}.",
            )
        ]
    if keyword in ("minItems", "minLength"):
        n = error.validator_value
        noun_de, noun_en = (
            ("Eintrag", "entry") if keyword == "minItems" else ("Zeichen", "character")
        )
        plural_de = "Einträge" if keyword == "minItems" and n != 1 else noun_de
        return [
            Problem(
                pointer,
                f"Hier ist mindestens {n} {plural_de} nötig.",
                f"At least {n} {noun_en}{'s' if n != 1 else ''} needed here.",
            )
        ]
    if keyword == "uniqueItems":
        return [
            Problem(
                pointer,
                "Die Einträge dieser Liste müssen verschieden sein.",
                "The entries of this list must be distinct.",
            )
        ]
    return [
        Problem(
            pointer,
            f"Ungültiger Wert {shown} ({keyword}: {error.message}).",
            f"Invalid value {shown} ({keyword}: {error.message}).",
        )
    ]


# --- parameters ------------------------------------------------------------------------------


def parameter_problems(doc: dict) -> list[Problem]:
    """Declarations (limits, defaults), references (declared, right type) and designer-test values."""
    problems = parameters.declaration_problems(doc)
    problems += parameters.reference_problems(doc)
    for i, test in enumerate(_list(doc.get("tests"))):
        if isinstance(test, dict) and isinstance(test.get("parameters"), dict):
            problems += parameters.values_problems(
                doc, test["parameters"], f"/tests/{i}/parameters"
            )
    return problems


# --- semantic checks -------------------------------------------------------------------------


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def iter_schema_roots(doc: dict) -> Iterator[tuple[str, Any, str]]:
    """(pointer, schema, role) for every schema position; role is `data` or `condition`."""
    for name, schema in _dict(doc.get("$defs")).items():
        yield pointers.join(["$defs", name]), schema, "data"
    for i, step in enumerate(_list(doc.get("steps"))):
        step = _dict(step)
        if "schema" in step:
            yield pointers.join(["steps", i, "schema"]), step["schema"], "data"
        if "when" in step:
            yield pointers.join(["steps", i, "when"]), step["when"], "condition"
        for name, ui in _dict(_dict(step.get("ui")).get("fields")).items():
            if isinstance(ui, dict) and "when" in ui:
                yield (
                    pointers.join(["steps", i, "ui", "fields", name, "when"]),
                    ui["when"],
                    "condition",
                )
    for i, fee in enumerate(_list(_dict(doc.get("payment")).get("fees"))):
        if isinstance(fee, dict) and "when" in fee:
            yield pointers.join(["payment", "fees", i, "when"]), fee["when"], "condition"
    for i, rule in enumerate(_list(doc.get("rules"))):
        if isinstance(rule, dict) and "when" in rule:
            yield pointers.join(["rules", i, "when"]), rule["when"], "condition"


def iter_subschemas(pointer: str, schema: Any, _depth: int = 0) -> Iterator[tuple[str, dict]]:
    """(pointer, schema) for a schema object and all its object subschemas."""
    if not isinstance(schema, dict) or _depth > 64:
        return
    yield pointer, schema
    for key in _SCHEMA_CHILD_MAPS:
        for name, sub in _dict(schema.get(key)).items():
            yield from iter_subschemas(f"{pointer}/{key}/{pointers.escape(name)}", sub, _depth + 1)
    for key in _SCHEMA_CHILDREN:
        if key in schema:
            yield from iter_subschemas(f"{pointer}/{key}", schema[key], _depth + 1)
    for key in _SCHEMA_LISTS:
        for i, sub in enumerate(_list(schema.get(key))):
            yield from iter_subschemas(f"{pointer}/{key}/{i}", sub, _depth + 1)


_BACKREFERENCE = re.compile(r"\\(?:[1-9]|k<)")
_LOOKAROUND = re.compile(r"\(\?<?[=!]")


def _compiles(pattern: str, **options: Any) -> bool:
    try:
        jsonschema_rs.validator_for({"pattern": pattern}, **options)
    except Exception:  # any engine failure (ValidationError, ValueError, …) means: does not compile
        return False
    return True


@lru_cache(maxsize=1024)
def _pattern_error(pattern: str) -> tuple[str, str] | None:
    """(German, English) reason why `pattern` cannot be used, or None.

    Citizen answers are matched with a regex engine that cannot backtrack (linear time in
    the answer's length, see formats.PATTERN_OPTIONS); a pattern that engine cannot run is
    refused here, so a designer's pattern can never stall a worker.
    """
    shown = json.dumps(pattern, ensure_ascii=False)
    if len(pattern) > MAX_PATTERN_LENGTH:
        return (
            f"Der reguläre Ausdruck ist zu lang ({len(pattern)} Zeichen; höchstens {MAX_PATTERN_LENGTH}).",
            f"The regular expression is too long ({len(pattern)} characters; at most {MAX_PATTERN_LENGTH}).",
        )
    weight = pattern_weight(pattern)
    if weight > MAX_PATTERN_WEIGHT:
        return (
            f"Der reguläre Ausdruck {shown} beschreibt zu viele Zeichenpositionen ({weight}; höchstens {MAX_PATTERN_WEIGHT}), etwa durch große Wiederholungszahlen wie {{1000}}. Bitte verwenden Sie kleinere Zahlen oder 'maxLength'.",
            f"The regular expression {shown} describes too many character positions ({weight}; at most {MAX_PATTERN_WEIGHT}), e.g. through large repetition counts like {{1000}}. Please use smaller counts or 'maxLength'.",
        )
    if _compiles(pattern, pattern_options=PATTERN_OPTIONS):
        return None
    if not _compiles(pattern):
        return (
            f"Der reguläre Ausdruck {shown} ist ungültig (ECMAScript-Syntax) oder zu groß.",
            f"The regular expression {shown} does not compile (ECMAScript syntax) or is too large.",
        )
    if _BACKREFERENCE.search(pattern):
        return (
            f"Der reguläre Ausdruck {shown} enthält einen Rückverweis (\\1, \\k<Name>). Rückverweise sind nicht erlaubt, weil sie nicht in linearer Zeit geprüft werden können.",
            f"The regular expression {shown} contains a backreference (\\1, \\k<name>). Backreferences are not allowed because they cannot be matched in linear time.",
        )
    if _LOOKAROUND.search(pattern):
        return (
            f"Der reguläre Ausdruck {shown} enthält eine Vorausschau oder Rückschau ((?=, (?!, (?<=, (?<!). Das ist nicht erlaubt, weil es nicht in linearer Zeit geprüft werden kann.",
            f"The regular expression {shown} contains a lookahead or lookbehind ((?=, (?!, (?<=, (?<!). This is not allowed because it cannot be matched in linear time.",
        )
    return (
        f"Der reguläre Ausdruck {shown} lässt sich nicht in linearer Zeit prüfen (zu groß oder nicht unterstützte Konstrukte). Bitte vereinfachen Sie ihn.",
        f"The regular expression {shown} cannot be matched in linear time (too large or unsupported constructs). Please simplify it.",
    )


def _calculator_problems(doc: dict) -> list[Problem]:
    """A calculator shows its computed values and files nothing: no fees, declarations, applicant."""
    problems = []
    refused = {
        "payment": ("Zahlung", "payment"),
        "declarations": ("Erklärungen", "declarations"),
        "applicant": ("antragstellende Person", "applicant"),
        "schriftform": ("Schriftform", "written form"),
    }
    for key, (what_de, what_en) in refused.items():
        if key in doc:
            problems.append(
                Problem(
                    f"/{key}",
                    f"'{key}' ({what_de}) gibt es bei einem Rechner (kind: calculator) nicht: Er stellt keinen Antrag. Bitte entfernen Sie '{key}'.",
                    f"A calculator (kind: calculator) has no '{key}' ({what_en}): it files no application. Please remove '{key}'.",
                )
            )
    if not _dict(doc.get("computed")):
        problems.append(
            Problem(
                "/computed",
                "Ein Rechner (kind: calculator) braucht mindestens einen berechneten Wert (computed): er ist sein Ergebnis.",
                "A calculator (kind: calculator) needs at least one computed value: it is its result.",
            )
        )
    return problems


def _duplicates(items: list, key: str, base: str, what_de: str, what_en: str) -> list[Problem]:
    seen: set = set()
    problems = []
    for i, item in enumerate(items):
        value = _dict(item).get(key)
        if not isinstance(value, str):
            continue
        if value in seen:
            problems.append(
                Problem(
                    f"{base}/{i}/{key}",
                    f"{what_de} '{value}' kommt doppelt vor.",
                    f"{what_en} '{value}' is used twice.",
                )
            )
        seen.add(value)
    return problems


def _block_problems(step: dict, i: int, step_id: Any, names: set) -> list[Problem]:
    """Text blocks (`ui.blocks`): ids unique within the step, `before` names a top-level field."""
    blocks = _list(_dict(step.get("ui")).get("blocks"))
    base = pointers.join(["steps", i, "ui", "blocks"])
    problems = _duplicates(blocks, "id", base, "Textblock-ID", "Text block id")
    for j, block in enumerate(blocks):
        before = _dict(block).get("before")
        if isinstance(before, str) and before not in names:
            problems.append(
                Problem(
                    f"{base}/{j}/before",
                    f"Der Textblock soll vor '{before}' stehen, aber '{before}' ist kein Feld des Schritts '{step_id}'.",
                    f"The text block should stand before '{before}', but '{before}' is not a field of step '{step_id}'.",
                )
            )
    return problems


def semantic_problems(doc: dict) -> list[Problem]:
    """Checks the meta-schema cannot express. Defensive: works on meta-invalid documents too."""
    problems: list[Problem] = []
    defs = _dict(doc.get("$defs"))
    steps = [_dict(s) for s in _list(doc.get("steps"))]
    payment = _dict(doc.get("payment"))
    fees = _list(payment.get("fees"))

    problems += _duplicates(steps, "id", "/steps", "Schritt-ID", "Step id")
    problems += _duplicates(fees, "id", "/payment/fees", "Gebühren-ID", "Fee id")
    problems += _duplicates(
        _list(doc.get("declarations")), "id", "/declarations", "Erklärungs-ID", "Declaration id"
    )
    problems += _duplicates(_list(doc.get("tests")), "name", "/tests", "Testname", "Test name")

    # schemas: $ref targets, patterns, required names, titles
    for root_pointer, root, role in iter_schema_roots(doc):
        for pointer, schema in iter_subschemas(root_pointer, root):
            ref = schema.get("$ref")
            if isinstance(ref, str) and LOCAL_REF.match(ref):
                name = ref[len("#/$defs/") :]
                if name not in defs:
                    problems.append(
                        Problem(
                            f"{pointer}/$ref",
                            f"Der Verweis '{ref}' zeigt ins Leere: '$defs' enthält kein '{name}'.",
                            f"The reference '{ref}' points nowhere: '$defs' has no '{name}'.",
                        )
                    )
            pattern = schema.get("pattern")
            reason = _pattern_error(pattern) if isinstance(pattern, str) else None
            if reason:
                problems.append(Problem(f"{pointer}/pattern", *reason))
            max_length = schema.get("maxLength")
            if (
                isinstance(max_length, int)
                and not isinstance(max_length, bool)
                and max_length > MAX_LENGTH_CEILING
            ):
                problems.append(
                    Problem(
                        f"{pointer}/maxLength",
                        f"'maxLength' darf höchstens {MAX_LENGTH_CEILING} sein.",
                        f"'maxLength' may be at most {MAX_LENGTH_CEILING}.",
                    )
                )
            if role == "data" and isinstance(schema.get("properties"), dict):
                for name in _list(schema.get("required")):
                    if isinstance(name, str) and name not in schema["properties"]:
                        problems.append(
                            Problem(
                                f"{pointer}/required",
                                f"'required' nennt das Feld '{name}', das es in 'properties' nicht gibt.",
                                f"'required' names the field '{name}', which is not in 'properties'.",
                            )
                        )
                for name, sub in schema["properties"].items():
                    if not isinstance(sub, dict):
                        continue
                    if "$ref" in sub and resolve(sub, defs) is sub:
                        continue  # a broken reference is reported on its own
                    title = sub.get("title") or _dict(resolve(sub, defs)).get("title")
                    if not title:
                        problems.append(
                            Problem(
                                f"{pointer}/properties/{pointers.escape(name)}",
                                f"Das Feld '{name}' braucht eine Beschriftung ('title').",
                                f"The field '{name}' needs a label ('title').",
                            )
                        )

    problems += _ref_cycle_problems(defs)

    # ui.fields keys must be fields of the step
    step_fields: dict[str, tuple] = {}
    for i, step in enumerate(steps):
        schema = _dict(step.get("schema"))
        step_id = step.get("id")
        fields = build_fields(schema, defs) if schema else ()
        if isinstance(step_id, str):
            step_fields.setdefault(step_id, fields)
        names = {f.name for f in fields}
        for name in _dict(_dict(step.get("ui")).get("fields")):
            if name not in names:
                problems.append(
                    Problem(
                        pointers.join(["steps", i, "ui", "fields", name]),
                        f"'{name}' ist kein Feld des Schritts '{step_id}'.",
                        f"'{name}' is not a field of step '{step_id}'.",
                    )
                )
        problems += _block_problems(step, i, step_id, names)

    # identity
    identity = _dict(doc.get("identity"))
    for target in _dict(identity.get("prefill")):
        if not _pointer_exists(target, step_fields):
            problems.append(
                Problem(
                    pointers.join(["identity", "prefill", target]),
                    f"Das Vorbefüllungsziel '{target}' gibt es nicht (erwartet /<Schritt>/<Feld>).",
                    f"The prefill target '{target}' does not exist (expected /<step>/<field>).",
                )
            )
    # applicant: where the applicant's name and e-mail stand in the answers
    applicant = _dict(doc.get("applicant"))
    targets = [("name", i, t) for i, t in enumerate(applicant.get("name") or [])]
    if isinstance(applicant.get("email"), str):
        targets.append(("email", None, applicant["email"]))
    for key, index, target in targets:
        if isinstance(target, str) and not _pointer_exists(target, step_fields):
            where = ["applicant", key] + ([index] if index is not None else [])
            problems.append(
                Problem(
                    pointers.join(where),
                    f"Das Feld '{target}' gibt es nicht (erwartet /<Schritt>/<Feld>).",
                    f"The field '{target}' does not exist (expected /<step>/<field>).",
                )
            )
    if doc.get("schriftform") is True:
        level = identity.get("level", "none")
        if level != "hoch":
            problems.append(
                Problem(
                    "/schriftform",
                    f"Schriftform verlangt das Vertrauensniveau 'hoch' (identity.level), nicht '{level}'.",
                    f"Written form (Schriftform) requires identity level 'hoch', not '{level}'.",
                )
            )

    if doc.get("kind") == "calculator":
        problems += _calculator_problems(doc)

    # fees
    for i, fee in enumerate(fees):
        amount = _dict(fee).get("amount")
        if isinstance(amount, str) and not AMOUNT.match(amount):
            problems.append(
                Problem(
                    f"/payment/fees/{i}/amount",
                    f'Der Betrag {json.dumps(amount, ensure_ascii=False)} ist kein Euro-Betrag als Dezimaltext mit höchstens 2 Nachkommastellen (z. B. "96.00").',
                    f'The amount {json.dumps(amount, ensure_ascii=False)} is not a EUR decimal string with at most 2 decimals (e.g. "96.00").',
                )
            )

    problems += rule_problems(doc, step_fields)

    # designer tests
    step_ids = {s.get("id") for s in steps if isinstance(s.get("id"), str)}
    for i, test in enumerate(_list(doc.get("tests"))):
        test = _dict(test)
        for j, step_id in enumerate(_list(_dict(test.get("expect")).get("steps"))):
            if isinstance(step_id, str) and step_id not in step_ids:
                problems.append(
                    Problem(
                        f"/tests/{i}/expect/steps/{j}",
                        f"Der Test erwartet den Schritt '{step_id}', den es nicht gibt.",
                        f"The test expects step '{step_id}', which does not exist.",
                    )
                )
        for j, pointer in enumerate(_list(_dict(test.get("expect")).get("errors"))):
            parts = pointers.split(pointer) if isinstance(pointer, str) else []
            if parts and parts[0] not in step_ids:
                problems.append(
                    Problem(
                        f"/tests/{i}/expect/errors/{j}",
                        f"Der Test erwartet einen Fehler im Schritt '{parts[0]}', den es nicht gibt.",
                        f"The test expects an error in step '{parts[0]}', which does not exist.",
                    )
                )
        for key in _dict(test.get("answers")):
            if key not in step_ids:
                problems.append(
                    Problem(
                        pointers.join(["tests", i, "answers", key]),
                        f"Die Testantworten nennen den Schritt '{key}', den es nicht gibt.",
                        f"The test answers name step '{key}', which does not exist.",
                    )
                )
        fee_total = _dict(test.get("expect")).get("fee_total")
        if isinstance(fee_total, str) and not AMOUNT.match(fee_total):
            problems.append(
                Problem(
                    f"/tests/{i}/expect/fee_total",
                    f'Der erwartete Betrag {json.dumps(fee_total, ensure_ascii=False)} ist kein Dezimaltext wie "96.00".',
                    f'The expected total {json.dumps(fee_total, ensure_ascii=False)} is not a decimal string like "96.00".',
                )
            )
    return problems


def _ref_cycle_problems(defs: dict) -> list[Problem]:
    """A `$ref` that leads back to the definition it stands in (a→a, a→b→a, also via
    properties): such a schema describes an endless form, so it is refused."""
    edges: dict[str, list[tuple[str, str]]] = {}
    for name, schema in defs.items():
        targets = []
        for pointer, sub in iter_subschemas(pointers.join(["$defs", name]), schema):
            ref = sub.get("$ref")
            if isinstance(ref, str) and LOCAL_REF.match(ref):
                target = ref[len("#/$defs/") :]
                if target in defs:
                    targets.append((target, f"{pointer}/$ref"))
        edges[name] = targets
    problems: list[Problem] = []
    done: set[str] = set()
    for start in defs:
        if start in done:
            continue
        # iterative depth-first search; `path` holds the definitions on the current chain
        path: list[str] = [start]
        on_path = {start}
        iterators = [iter(edges[start])]
        while iterators:
            step = next(iterators[-1], None)
            if step is None:
                iterators.pop()
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                continue
            target, where = step
            if target in on_path:
                chain = " → ".join([*path[path.index(target) :], target])
                problems.append(
                    Problem(
                        where,
                        f"Zirkulärer Verweis ({chain}): ein Schema darf nicht auf sich selbst verweisen.",
                        f"Circular reference ({chain}): a schema must not refer to itself.",
                    )
                )
            elif target not in done:
                path.append(target)
                on_path.add(target)
                iterators.append(iter(edges[target]))
    return problems


def _pointer_exists(target: str, step_fields: dict[str, tuple]) -> bool:
    parts = pointers.split(target)
    if len(parts) < 2 or parts[0] not in step_fields:
        return False
    fields = step_fields[parts[0]]
    current = None
    for part in parts[1:]:
        current = next((f for f in fields if f.name == part), None)
        if current is None:
            return False
        fields = current.children
    return True


# --- rules and computed values ---------------------------------------------------------------


def rule_problems(doc: dict, step_fields: dict[str, tuple]) -> list[Problem]:
    """Rules, computed values and their uses: limits, ids, pointers, CEL expressions, names.

    Every expression is compiled; syntax errors, unknown names (steps, fields, parameters,
    computed values, variables, functions), cycles between computed values and the limits
    (docs/process-format.md, "Limits") are reported at the expression's pointer.
    """
    problems: list[Problem] = []
    rule_list = _list(doc.get("rules"))
    computed = _dict(doc.get("computed"))
    if len(rule_list) > MAX_RULES:
        problems.append(
            Problem(
                "/rules",
                f"Zu viele Regeln ({len(rule_list)}); höchstens {MAX_RULES} sind erlaubt.",
                f"Too many rules ({len(rule_list)}); at most {MAX_RULES} are allowed.",
            )
        )
        rule_list = []
    if len(computed) > MAX_COMPUTED:
        problems.append(
            Problem(
                "/computed",
                f"Zu viele berechnete Werte ({len(computed)}); höchstens {MAX_COMPUTED} sind erlaubt.",
                f"Too many computed values ({len(computed)}); at most {MAX_COMPUTED} are allowed.",
            )
        )
        computed = {}
    names = {step: tuple(f.name for f in fields) for step, fields in step_fields.items()}
    declared = parameters.declarations(doc)
    uses: dict[str, list[str]] = {}
    for name, entry in computed.items():
        entry = _dict(entry)
        pointer = pointers.join(["computed", name, "expression"])
        expression, found = rules.analyse(
            entry.get("expression"), step_fields=names, params=declared, computed=computed
        )
        if "expression" in entry:
            problems += rules.problems_at(pointer, found)
        if expression is not None:
            uses[name] = list(expression.computed)
    _, cycles = rules.computed_order(uses)
    for cycle in cycles:
        chain = " → ".join(cycle)
        problems.append(
            Problem(
                pointers.join(["computed", cycle[0], "expression"]),
                f"Zirkuläre Berechnung ({chain}): ein berechneter Wert darf nicht von sich selbst abhängen.",
                f"Circular computation ({chain}): a computed value must not depend on itself.",
            )
        )
    problems += _duplicates(rule_list, "id", "/rules", "Regel-ID", "Rule id")
    for i, rule in enumerate(rule_list):
        rule = _dict(rule)
        if "check" in rule:
            _, found = rules.analyse(
                rule.get("check"), step_fields=names, params=declared, computed=computed
            )
            problems += rules.problems_at(f"/rules/{i}/check", found)
        target = rule.get("pointer")
        if isinstance(target, str):
            parts = pointers.split(target)
            if (
                not parts
                or parts[0] not in step_fields
                or (len(parts) > 1 and not _pointer_exists(target, step_fields))
            ):
                problems.append(
                    Problem(
                        f"/rules/{i}/pointer",
                        f"Die Stelle '{target}' gibt es nicht (erwartet /<Schritt> oder /<Schritt>/<Feld>).",
                        f"The place '{target}' does not exist (expected /<step> or /<step>/<field>).",
                    )
                )
    for i, fee in enumerate(_list(_dict(doc.get("payment")).get("fees"))):
        amount = _dict(_dict(fee).get("amount"))
        name = amount.get("$computed")
        if not isinstance(name, str):
            continue
        if name not in computed:
            problems.append(
                Problem(
                    f"/payment/fees/{i}/amount",
                    f"Den berechneten Wert '{name}' gibt es nicht (in 'computed').",
                    f"There is no computed value '{name}' (in 'computed').",
                )
            )
        elif _dict(computed[name]).get("type") != "money":
            problems.append(
                Problem(
                    f"/payment/fees/{i}/amount",
                    f"Der berechnete Wert '{name}' ist kein Betrag (type 'money'); als Gebühr geht nur ein Betrag.",
                    f"The computed value '{name}' is not an amount (type 'money'); a fee needs an amount.",
                )
            )
    for i, test in enumerate(_list(doc.get("tests"))):
        test = _dict(test)
        today = test.get("today")
        if isinstance(today, str) and not _is_date(today):
            problems.append(
                Problem(
                    f"/tests/{i}/today",
                    f"{json.dumps(today, ensure_ascii=False)[:40]} ist kein Datum (JJJJ-MM-TT).",
                    f"{json.dumps(today, ensure_ascii=False)[:40]} is not a date (YYYY-MM-DD).",
                )
            )
        for name in _dict(_dict(test.get("expect")).get("computed")):
            if name not in computed:
                problems.append(
                    Problem(
                        pointers.join(["tests", i, "expect", "computed", name]),
                        f"Den berechneten Wert '{name}' gibt es nicht (in 'computed').",
                        f"There is no computed value '{name}' (in 'computed').",
                    )
                )
    return problems


def _is_date(text: str) -> bool:
    try:
        rules.cel_date(text)
    except ValueError:
        return False
    return True
