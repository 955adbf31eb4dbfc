"""The settings pages' work on a definition document (pure: no ORM, no HTTP).

Reads (the fields a setting may name, where a parameter is used, which problems of
`check_definition` belong to which form field) and writes (a new document with the
settings, a declaration or a parameter changed). Every write returns a new document and
leaves the given one untouched; the views save it with `studio.editing.document_save`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from forms_engine.definitions import FIELD_TYPES, Problem, check_definition, pointers
from forms_engine.definitions import parameters as definition_parameters
from forms_engine.definitions.fields import build_fields

#: BundID attributes `identity.prefill` may name (docs/process-format.md): name → (de, en).
IDENTITY_ATTRIBUTES = {
    "givenName": ("Vorname", "Given name"),
    "familyName": ("Familienname", "Family name"),
    "birthName": ("Geburtsname", "Birth name"),
    "birthDate": ("Geburtsdatum", "Date of birth"),
    "placeOfBirth": ("Geburtsort", "Place of birth"),
    "street": ("Straße und Hausnummer", "Street and number"),
    "postalCode": ("Postleitzahl", "Postcode"),
    "city": ("Ort", "City"),
    "country": ("Land", "Country"),
    "nationality": ("Staatsangehörigkeit", "Nationality"),
    "email": ("E-Mail-Adresse", "E-mail address"),
    "phone": ("Telefonnummer", "Phone number"),
}

#: Field types that hold one value a setting can point at (no groups, lists or files).
VALUE_FIELD_TYPES = frozenset(FIELD_TYPES) - {
    "iban",
    "boolean",
    "multichoice",
    "upload",
    "group",
    "repeat",
}
NAME_FIELD_TYPES = frozenset({"text"})
EMAIL_FIELD_TYPES = frozenset({"email", "text"})
DATE_FIELD_TYPES = frozenset({"date"})
NUMBER_FIELD_TYPES = frozenset({"number", "integer", "money"})


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def text_of(value: Any, lang: str) -> str:
    """An i18n object's text in `lang` (German as fallback); "" for anything else."""
    value = _dict(value)
    text = value.get(lang) or value.get("de") or ""
    return text if isinstance(text, str) else ""


def i18n(de: str, en: str = "") -> dict:
    result = {"de": de.strip()}
    if en.strip():
        result["en"] = en.strip()
    return result


@dataclass(frozen=True)
class FieldRef:
    """A field of the definition a setting can name: `/step/field` (groups: `/step/a/b`)."""

    pointer: str
    label: str
    type: str
    required: bool


def definition_fields(doc: Any, lang: str = "de", types: frozenset | None = None) -> list[FieldRef]:
    """The value fields of every step (groups followed, repeatable groups left out), in order."""
    doc = _dict(doc)
    defs = _dict(doc.get("$defs"))
    result: list[FieldRef] = []

    def walk(fields, step_id: str, step_title: str, prefix: str) -> None:
        for field in fields:
            if field.type == "group":
                walk(field.children, step_id, step_title, f"{prefix}{field.label(lang)} › ")
                continue
            if field.type not in VALUE_FIELD_TYPES or "*" in field.pointer:
                continue
            if types is not None and field.type not in types:
                continue
            result.append(
                FieldRef(
                    pointer=f"/{step_id}{field.pointer}",
                    label=f"{step_title} › {prefix}{field.label(lang)}",
                    type=field.type,
                    required=field.required,
                )
            )

    for step in _list(doc.get("steps")):
        step = _dict(step)
        step_id, schema = step.get("id"), _dict(step.get("schema"))
        if not isinstance(step_id, str) or not schema:
            continue
        fields = build_fields(schema, defs, _dict(step.get("ui")).get("fields"))
        walk(fields, step_id, text_of(step.get("title"), lang) or step_id, "")
    return result


# --- problems at their place --------------------------------------------------------------


def problem_text(problem: Problem, lang: str) -> str:
    return problem.message_en if lang == "en" and problem.message_en else problem.message


def _under(pointer: str, prefix: str) -> bool:
    return pointer == prefix or pointer.startswith(prefix + "/")


def problems_under(doc: Any, prefixes: tuple[str, ...]) -> list[Problem]:
    """The problems of `check_definition(doc)` whose pointer lies under one of `prefixes`."""
    return [
        p for p in check_definition(doc) if any(_under(p.pointer, prefix) for prefix in prefixes)
    ]


#: Setting pointer → the settings form field that shows its problems (first match wins).
SETTING_PLACES = (
    ("/title/en", "title_en"),
    ("/title", "title_de"),
    ("/summary/en", "summary_en"),
    ("/summary", "summary_de"),
    ("/reference_prefix", "reference_prefix"),
    ("/leika", "leika"),
    ("/identity/level", "identity_level"),
    ("/identity/prefill", "prefill"),
    ("/identity", "identity_level"),
    ("/schriftform", "schriftform"),
    ("/payment/policy", "payment_policy"),
    ("/applicant/email", "applicant_email"),
    ("/applicant", "applicant_name_1"),
    ("/retention/case_days", "case_days"),
    ("/retention", "draft_days"),
    ("/version", "version"),
)
SETTING_PREFIXES = (
    "/title",
    "/summary",
    "/reference_prefix",
    "/leika",
    "/identity",
    "/schriftform",
    "/payment/policy",
    "/applicant",
    "/retention",
    "/version",
)


def setting_place(pointer: str) -> str | None:
    """The settings form field a pointer belongs to (None: not a setting)."""
    for prefix, name in SETTING_PLACES:
        if _under(pointer, prefix):
            return name
    return None


# --- settings -----------------------------------------------------------------------------


def settings_initial(doc: dict) -> dict:
    """The settings form's initial values from the document."""
    identity = _dict(doc.get("identity"))
    applicant = _dict(doc.get("applicant"))
    names = [n for n in _list(applicant.get("name")) if isinstance(n, str)]
    retention = _dict(doc.get("retention"))
    initial = {
        "title_de": _dict(doc.get("title")).get("de", ""),
        "title_en": _dict(doc.get("title")).get("en", ""),
        "summary_de": _dict(doc.get("summary")).get("de", ""),
        "summary_en": _dict(doc.get("summary")).get("en", ""),
        "reference_prefix": doc.get("reference_prefix", ""),
        "leika": "\n".join(str(k) for k in _list(doc.get("leika"))),
        "identity_level": identity.get("level", "none"),
        "schriftform": doc.get("schriftform") is True,
        "payment_policy": _dict(doc.get("payment")).get("policy", "none"),
        "applicant_email": applicant.get("email", ""),
        "draft_days": retention.get("draft_days"),
        "case_days": retention.get("case_days"),
        "version": doc.get("version", ""),
    }
    for i in range(3):
        initial[f"applicant_name_{i + 1}"] = names[i] if i < len(names) else ""
    for target, attribute in _dict(identity.get("prefill")).items():
        initial[prefill_key(target)] = attribute
    return initial


def prefill_key(pointer: str) -> str:
    """The form field name of the prefill choice for the field at `pointer`."""
    return "prefill__" + pointer.strip("/").replace("/", "__")


def settings_apply(doc: dict, data: dict, prefill: dict[str, str]) -> dict:
    """A new document with the settings of a valid settings form (`data`: cleaned data;
    `prefill`: field pointer → attribute, only the chosen ones)."""
    new = copy.deepcopy(doc)

    def put(key: str, value: Any) -> None:
        if value in (None, "", [], {}, False):
            new.pop(key, None)
        else:
            new[key] = value

    new["title"] = i18n(data["title_de"], data.get("title_en", ""))
    put("summary", i18n(data["summary_de"], data["summary_en"]) if data["summary_de"] else None)
    new["reference_prefix"] = data["reference_prefix"]
    put("leika", data["leika"])
    identity = {}
    if data["identity_level"] != "none" or "identity" in doc:
        identity["level"] = data["identity_level"]
    if prefill:
        identity["prefill"] = dict(prefill)
    put("identity", identity)
    put("schriftform", bool(data["schriftform"]))
    payment = _dict(doc.get("payment"))
    if payment or data["payment_policy"] != "none":
        rest = {k: copy.deepcopy(v) for k, v in payment.items() if k != "policy"}
        new["payment"] = {"policy": data["payment_policy"], **rest}
    applicant = {}
    names = [data[f"applicant_name_{i}"] for i in (1, 2, 3) if data.get(f"applicant_name_{i}")]
    if names:
        applicant["name"] = names
    if data.get("applicant_email"):
        applicant["email"] = data["applicant_email"]
    put("applicant", applicant)
    retention = {}
    if data.get("draft_days"):
        retention["draft_days"] = data["draft_days"]
    if data.get("case_days"):
        retention["case_days"] = data["case_days"]
    put("retention", retention)
    new["version"] = data["version"]
    return new


# --- declarations -------------------------------------------------------------------------


def declarations_of(doc: dict) -> list[dict]:
    return [_dict(d) for d in _list(doc.get("declarations"))]


def declaration_put(doc: dict, index: int | None, ident: str, text: dict) -> dict:
    """A new document with declaration `index` replaced (None: appended)."""
    new = copy.deepcopy(doc)
    items = _list(new.get("declarations"))
    entry = {"id": ident, "text": text}
    if index is None:
        items.append(entry)
    else:
        items[index] = entry
    new["declarations"] = items
    return new


def declaration_delete(doc: dict, index: int) -> dict:
    new = copy.deepcopy(doc)
    items = _list(new.get("declarations"))
    del items[index]
    if items:
        new["declarations"] = items
    else:
        new.pop("declarations", None)
    return new


def declaration_move(doc: dict, index: int, offset: int) -> dict:
    """A new document with declaration `index` moved by `offset` (-1 up, +1 down), if it can."""
    new = copy.deepcopy(doc)
    items = _list(new.get("declarations"))
    target = index + offset
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    new["declarations"] = items
    return new


# --- parameters ---------------------------------------------------------------------------

USE_LABELS = {
    "amount": ("Betrag einer Gebühr", "amount of a fee"),
    "options": ("Auswahlliste eines Feldes", "option list of a field"),
    "text": ("Text", "text"),
}


def place_words(doc: dict, pointer: str, lang: str) -> str:
    """Where `pointer` stands, in words: "Gebühr „Jahresgebühr“", "Schritt „Ihr Antrag“ …"."""
    parts = pointers.split(pointer)
    en = lang == "en"
    if parts[:2] == ["payment", "fees"] and len(parts) > 2 and parts[2].isdigit():
        fees = _list(_dict(doc.get("payment")).get("fees"))
        fee = _dict(fees[int(parts[2])]) if int(parts[2]) < len(fees) else {}
        label = text_of(fee.get("label"), lang) or str(fee.get("id", parts[2]))
        return f"{'Fee' if en else 'Gebühr'} „{label}“"
    if parts[:1] == ["steps"] and len(parts) > 1 and parts[1].isdigit():
        steps = _list(doc.get("steps"))
        step = _dict(steps[int(parts[1])]) if int(parts[1]) < len(steps) else {}
        words = f"{'Step' if en else 'Schritt'} „{text_of(step.get('title'), lang) or step.get('id', '')}“"
        if "properties" in parts:
            field = parts[parts.index("properties") + 1 :][:1]
            if field:
                words += f", {'field' if en else 'Feld'} „{field[0]}“"
        return words
    if parts[:1] == ["declarations"] and len(parts) > 1 and parts[1].isdigit():
        items = declarations_of(doc)
        item = items[int(parts[1])] if int(parts[1]) < len(items) else {}
        return f"{'Declaration' if en else 'Erklärung'} „{item.get('id', parts[1])}“"
    top = {
        "title": ("Titel", "Title"),
        "summary": ("Kurzbeschreibung", "Summary"),
        "$defs": ("Gemeinsame Felder ($defs)", "Shared fields ($defs)"),
    }
    if parts and parts[0] in top:
        return top[parts[0]][1 if en else 0]
    return pointer or "/"


def parameter_uses(doc: dict, name: str, lang: str = "de") -> list[dict]:
    """Where parameter `name` is used: [{pointer, use, where}] (fees, options, texts)."""
    uses = []
    for pointer, used, use in definition_parameters.references(doc):
        if used != name:
            continue
        de, en = USE_LABELS[use]
        uses.append(
            {
                "pointer": pointer,
                "use": en if lang == "en" else de,
                "where": place_words(doc, pointer, lang),
            }
        )
    return uses


def parameter_put(doc: dict, original: str | None, name: str, decl: dict) -> dict:
    """A new document with parameter `original` (None: a new one) replaced by `name` → `decl`,
    keeping the declaration order."""
    new = copy.deepcopy(doc)
    current = _dict(new.get("parameters"))
    result: dict = {}
    for key, value in current.items():
        if key == original:
            result[name] = decl
        elif key != name:
            result[key] = value
    if original is None or original not in current:
        result[name] = decl
    new["parameters"] = result
    return new


def parameter_delete(doc: dict, name: str) -> dict:
    new = copy.deepcopy(doc)
    params = _dict(new.get("parameters"))
    params.pop(name, None)
    if params:
        new["parameters"] = params
    else:
        new.pop("parameters", None)
    return new


# --- rules and computed values ------------------------------------------------------------


def rules_of(doc: dict) -> list[dict]:
    return [_dict(r) for r in _list(doc.get("rules"))]


def rule_put(doc: dict, index: int | None, rule: dict) -> dict:
    """A new document with rule `index` replaced by `rule` (None: appended)."""
    new = copy.deepcopy(doc)
    items = _list(new.get("rules"))
    if index is None:
        items.append(rule)
    else:
        items[index] = rule
    new["rules"] = items
    return new


def rule_delete(doc: dict, index: int) -> dict:
    new = copy.deepcopy(doc)
    items = _list(new.get("rules"))
    del items[index]
    if items:
        new["rules"] = items
    else:
        new.pop("rules", None)
    return new


def computed_put(doc: dict, original: str | None, name: str, entry: dict) -> dict:
    """A new document with computed value `original` (None: new) replaced by `name` → `entry`."""
    new = copy.deepcopy(doc)
    current = _dict(new.get("computed"))
    result: dict = {}
    for key, value in current.items():
        if key == original:
            result[name] = entry
        elif key != name:
            result[key] = value
    if original is None or original not in current:
        result[name] = entry
    new["computed"] = result
    return new


def computed_delete(doc: dict, name: str) -> dict:
    new = copy.deepcopy(doc)
    values = _dict(new.get("computed"))
    values.pop(name, None)
    if values:
        new["computed"] = values
    else:
        new.pop("computed", None)
    return new


def computed_uses(doc: dict, name: str, lang: str = "de") -> list[dict]:
    """Where computed value `name` is used: fees, rules, other computed values, tests."""
    en = lang == "en"
    uses = []
    mention = re.compile(rf"(?<![\w.])computed\s*\.\s*{re.escape(name)}\b")
    for i, fee in enumerate(_list(_dict(doc.get("payment")).get("fees"))):
        if _dict(fee).get("amount") == {"$computed": name}:
            uses.append(
                {
                    "pointer": f"/payment/fees/{i}/amount",
                    "where": place_words(doc, f"/payment/fees/{i}", lang),
                    "use": "amount of a fee" if en else "Betrag einer Gebühr",
                }
            )
    for i, rule in enumerate(rules_of(doc)):
        if isinstance(rule.get("check"), str) and mention.search(rule["check"]):
            uses.append(
                {
                    "pointer": f"/rules/{i}/check",
                    "where": f"{'Rule' if en else 'Regel'} „{rule.get('id', i)}“",
                    "use": "condition" if en else "Bedingung",
                }
            )
    for other, entry in _dict(doc.get("computed")).items():
        expression = _dict(entry).get("expression")
        if other != name and isinstance(expression, str) and mention.search(expression):
            uses.append(
                {
                    "pointer": pointers.join(["computed", other, "expression"]),
                    "where": f"{'Computed value' if en else 'Berechneter Wert'} „{other}“",
                    "use": "calculation" if en else "Berechnung",
                }
            )
    for i, test in enumerate(_list(doc.get("tests"))):
        if name in _dict(_dict(_dict(test).get("expect")).get("computed")):
            uses.append(
                {
                    "pointer": pointers.join(["tests", i, "expect", "computed", name]),
                    "where": f"Test „{_dict(test).get('name', i)}“",
                    "use": "expected value" if en else "erwarteter Wert",
                }
            )
    return uses
