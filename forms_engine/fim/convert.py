"""FIM XDatenfelder → process definition (docs/fim.md, "Import into a process").

`fim_to_definition(schema, codelists=…)` turns a parsed message (`FimSchema`, from
`parse_xdf`) into a process definition (docs/process-format.md) that passes
`check_definition` and compiles: a new, editable draft. Pure: no Django, no I/O.

The convention (other code relies on it, e.g. `output.py` when it writes FIM data back):

- top level `"x-fim": {"id": <schema id>, "version": …, …}`;
- one step per top-level group, step id = the group id lower-cased (`g00000630`; a group
  used twice at top level gets `_2`, `_3`); a group with cardinality 1:1 is the step itself
  (the step's `schema` carries `"x-fim": {"id": "G00000630", "version": "1.0"}` and its
  properties are the group's children); an optional or repeatable top-level group is the
  one field of its step (keyed by its id) and the step schema has no `x-fim`;
- top-level fields of the schema (not inside a group) form one step `angaben` (no `x-fim`);
- property keys ARE the FIM ids (`F00000013`, nested groups `G60000086` as objects,
  repeatable groups as arrays of objects); an id used twice in one object gets `_2`, `_3`
  and its `x-fim.id` names the real id;
- a repeatable single field (anzahl max > 1) becomes an array of objects holding the field
  under its own id; the array's `x-fim` carries `"wrapper": true`.

Whatever the importer cannot express becomes a `FimIssue` warning (never dropped silently);
what a designer should finish by hand becomes a `FimTodo`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from forms_engine.definitions import check_definition, check_shared_item, shared_item_use
from forms_engine.definitions.field_types import UPLOAD_MEDIA_TYPES

from .model import (
    FimCodeList,
    FimCodeListRef,
    FimElement,
    FimField,
    FimGroup,
    FimIssue,
    FimRule,
    FimSchema,
)

__all__ = ["FimConversion", "FimTodo", "fim_to_definition"]

FORMAT_URI = "urn:ozg-engine:process-format:1"
SHARED_ITEM_FORMAT = "urn:ozg-engine:shared-item:1"
DEFAULT_MEDIA_TYPES = ["application/pdf", "image/jpeg", "image/png"]
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
TIME_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
MAX_LENGTH_CAP = 100_000
MAX_OPTIONS = 5_000
MAX_TEXT = 10_000  # cap for long documentation texts kept in x-fim (rule scripts)
TOP_STEP = "angaben"

_MEDIA_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
}
_FIELD_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")


@dataclass(frozen=True, kw_only=True)
class FimTodo:
    """Work the designer should do by hand after the import (translate a rule, supply a
    code list, set up prefill). `pointer` is the JSON pointer into the definition."""

    code: str
    message: str
    message_en: str
    fim_id: str = ""
    pointer: str = ""

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "message_en": self.message_en,
            "fim_id": self.fim_id,
            "pointer": self.pointer,
        }


@dataclass
class FimConversion:
    """The result: `definition` (a process definition dict), `warnings` (the parser's and
    the converter's), `todo` and `codelist_items` (shared item documents, kind codelist,
    one per genericode list embedded in `$defs`)."""

    definition: dict
    warnings: list[FimIssue] = field(default_factory=list)
    todo: list[FimTodo] = field(default_factory=list)
    codelist_items: list[dict] = field(default_factory=list)


def fim_to_definition(
    schema: FimSchema,
    *,
    codelists: Mapping[str, FimCodeList] | None = None,
    process_id: str | None = None,
    reference_prefix: str = "FIM",
) -> FimConversion:
    """Convert a parsed XDatenfelder message into a process definition (see module doc).

    `codelists` maps a code-list key (canonical version URI, canonical URI or C id; see
    `FimCodeListRef.key`) to a parsed genericode list; lists are also matched by their own
    `key`/`canonical_uri`. Never raises for a `FimSchema` the parser produced."""
    return _Converter(schema, codelists or {}, reference_prefix).run(process_id)


# --------------------------------------------------------------------------------------


def _i18n(text: str) -> dict:
    return {"de": text}


def _slug(text: str, limit: int = 50) -> str:
    text = text.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:limit].strip("-")


def _number(raw: str) -> int | float | None:
    try:
        value = Decimal(raw.strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or len(raw.strip()) > 30:
        return None
    if abs(value) >= Decimal(10) ** 15:
        return None  # beyond what a double keeps exactly (and the 30-character limit)
    if value == value.to_integral_value():
        return int(value)
    return float(value)


@lru_cache(maxsize=256)
def _pattern_problem(pattern: str) -> tuple[str, str] | None:
    """(German, English) reason why the engine refuses `pattern`, None when it is fine."""
    probe = {
        "$schema": FORMAT_URI,
        "id": "fim-pattern-probe",
        "version": "1.0.0",
        "title": {"de": "Probe"},
        "reference_prefix": "XX",
        "steps": [
            {
                "id": "s",
                "title": {"de": "Probe"},
                "schema": {
                    "type": "object",
                    "properties": {"f": {"type": "string", "title": "f", "pattern": pattern}},
                },
            }
        ],
    }
    problems = check_definition(probe)
    if not problems:
        return None
    return problems[0].message, problems[0].message_en


class _Converter:
    def __init__(self, schema: FimSchema, codelists: Mapping[str, FimCodeList], prefix: str):
        self.schema = schema
        self.prefix = prefix
        self.codelists: dict[str, FimCodeList] = {}
        for key, codelist in codelists.items():
            self.codelists.setdefault(key, codelist)
        for codelist in codelists.values():
            for key in (codelist.key, codelist.canonical_version_uri, codelist.canonical_uri):
                if key:
                    self.codelists.setdefault(key, codelist)
        self.warnings: list[FimIssue] = list(schema.warnings)
        self.todo: list[FimTodo] = []
        self.defs: dict[str, dict] = {}
        self.uses: dict[str, dict] = {}
        self.items: dict[str, dict] = {}  # code-list key → shared item document
        self.item_names: dict[str, str] = {}  # code-list key → $defs name
        self.missing_lists: set[str] = set()
        self.step_at: dict[int, str] = {}  # step index → step id (for rules)
        self.rules: list[dict] = []  # CEL rules made from value limits

    # ---- issues -------------------------------------------------------------------

    def warn(self, code: str, de: str, en: str, fim_id: str = "", pointer: str = "") -> None:
        self.warnings.append(
            FimIssue(code=code, message=de, message_en=en, fim_id=fim_id, pointer=pointer)
        )

    def add_todo(self, code: str, de: str, en: str, fim_id: str = "", pointer: str = "") -> None:
        self.todo.append(
            FimTodo(code=code, message=de, message_en=en, fim_id=fim_id, pointer=pointer)
        )

    # ---- whole message ------------------------------------------------------------

    def run(self, process_id: str | None) -> FimConversion:
        s = self.schema
        steps: list[dict] = []
        step_ids: set[str] = set()
        top_fields: list[FimElement] = []
        top_index: int | None = None
        for element in s.children:
            if isinstance(element.element, FimGroup):
                steps.append(self.group_step(element, len(steps), step_ids))
            else:
                if top_index is None:
                    top_index = len(steps)
                    steps.append({})  # placeholder: the step `angaben` stands here
                top_fields.append(element)
        if top_index is not None or not steps:
            if top_index is None:
                top_index = 0
                steps.append({})
            steps[top_index] = self.fields_step(top_fields, top_index, step_ids)
            if not top_fields:
                self.warn(
                    "fim.empty_schema",
                    f"Das Schema {s.id} enthält keine Datenfelder; der Entwurf hat einen leeren Schritt.",
                    f"Schema {s.id} contains no data fields; the draft has one empty step.",
                    s.id,
                    "/steps/0",
                )
        doc: dict = {
            "$schema": FORMAT_URI,
            "id": self.process_id(process_id),
            "version": "1.0.0",
            "title": _i18n(s.label),
        }
        if s.beschreibung:
            doc["summary"] = _i18n(s.beschreibung)
        doc["reference_prefix"] = self.prefix
        if self.uses:
            doc["uses"] = self.uses
            doc["$defs"] = self.defs
        doc["steps"] = steps
        if self.rules:
            doc["rules"] = self.rules
        doc["x-fim"] = self.root_fim()
        self.rules_todo()
        # A safety net: what the engine would still refuse (e.g. more than 2,000 fields)
        # is reported here, so the caller never stores a draft without saying why.
        for problem in check_definition(doc)[:20]:
            self.warn(
                "fim.definition_problem",
                f"Der Entwurf verletzt eine Regel des Prozessformats: {problem.message}",
                f"The draft breaks a rule of the process format: {problem.message_en}",
                "",
                problem.pointer,
            )
        return FimConversion(
            definition=doc,
            warnings=self.warnings,
            todo=self.todo,
            codelist_items=list(self.items.values()),
        )

    def process_id(self, given: str | None) -> str:
        if given:
            return given
        slug = _slug(self.schema.id, 58) or "schema"
        if not slug[0].isalpha():
            slug = "s-" + slug
        pid = f"fim-{slug}"[:64].rstrip("-")
        return pid if len(pid) >= 3 else "fim-schema"

    def root_fim(self) -> dict:
        s = self.schema
        out: dict = {"id": s.id}
        if s.version:
            out["version"] = s.version
        out["xdf"] = s.xdf_version
        if s.message_kind != "schema":
            out["message"] = s.message_kind
        if s.name and s.name != s.label:
            out["name"] = s.name
        if s.status:
            out["status"] = s.status
        if s.bezug:
            out["bezug"] = list(s.bezug)
        if s.steckbrief_id:
            out["steckbrief"] = {"id": s.steckbrief_id}
            if s.steckbrief_version:
                out["steckbrief"]["version"] = s.steckbrief_version
        rules = self.distinct_rules()
        if rules:
            out["rules"] = [self.rule_doc(r) for r in rules]
        return out

    def distinct_rules(self) -> list[FimRule]:
        seen: dict[tuple[str, str], FimRule] = {}
        for rule in self.schema.iter_rules():
            seen.setdefault((rule.id, rule.version), rule)
        return list(seen.values())

    def rule_doc(self, rule: FimRule) -> dict:
        out: dict = {"id": rule.id}
        if rule.version:
            out["version"] = rule.version
        if rule.name:
            out["name"] = rule.name
        text = rule.freitext or rule.beschreibung or rule.definition
        if text:
            out["text"] = text[:MAX_TEXT]
        if rule.script:
            out["script"] = rule.script[:MAX_TEXT]
            if len(rule.script) > MAX_TEXT:
                self.warn(
                    "fim.rule_script_cut",
                    f"Das Skript der Regel {rule.id} ist länger als {MAX_TEXT} Zeichen und wurde gekürzt übernommen.",
                    f"The script of rule {rule.id} is longer than {MAX_TEXT} characters and was cut.",
                    rule.id,
                    "/x-fim/rules",
                )
        if rule.typ:
            out["type"] = rule.typ
        return out

    def rules_todo(self) -> None:
        for i, rule in enumerate(self.distinct_rules()):
            text = rule.freitext or rule.beschreibung or rule.name or rule.script or ""
            text = " ".join(text.split())[:300]
            self.add_todo(
                "fim.rule",
                f"Regel {rule.id} übersetzen: {text or '(ohne Beschreibung)'}",
                f"Translate rule {rule.id}: {text or '(no description)'}",
                rule.id,
                f"/x-fim/rules/{i}",
            )

    # ---- steps --------------------------------------------------------------------

    @staticmethod
    def step_id(base: str, taken: set[str]) -> str:
        base = re.sub(r"[^a-z0-9_]", "_", base.lower())[:56] or "schritt"
        if not base[0].isalpha():
            base = "g" + base
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        taken.add(candidate)
        return candidate

    def group_step(self, element: FimElement, index: int, taken: set[str]) -> dict:
        group = element.element
        assert isinstance(group, FimGroup)
        sid = self.step_id(group.id, taken)
        self.step_at[index] = sid
        base = f"/steps/{index}/schema"
        step: dict = {"id": sid, "title": _i18n(group.label)}
        if group.hilfetext_eingabe:
            step["description"] = _i18n(group.hilfetext_eingabe)
        if element.min >= 1 and element.max == 1:
            obj = self.object_schema(group.children, base, top=True)
            schema = {"type": "object", "x-fim": self.fim_meta(group, element)}
            schema.update(obj.schema)
            blocks = obj.blocks
        else:
            obj = self.object_schema((element,), base, top=True)
            schema = {"type": "object"}
            schema.update(obj.schema)
            blocks = obj.blocks
        step["schema"] = schema
        if blocks:
            step["ui"] = {"blocks": blocks}
        return step

    def fields_step(self, elements: list[FimElement], index: int, taken: set[str]) -> dict:
        sid = self.step_id(TOP_STEP, taken)
        self.step_at[index] = sid
        obj = self.object_schema(tuple(elements), f"/steps/{index}/schema", top=True)
        schema = {"type": "object"}
        schema.update(obj.schema)
        title = "Angaben" if self.schema.message_kind == "schema" else self.schema.label
        step: dict = {"id": sid, "title": _i18n(title), "schema": schema}
        if obj.blocks:
            step["ui"] = {"blocks": obj.blocks}
        return step

    # ---- objects ------------------------------------------------------------------

    def object_schema(
        self, children: tuple[FimElement, ...], base: str, *, top: bool, group_id: str = ""
    ) -> _Obj:
        """Properties/required of one object from `children`; label fields become text
        blocks (top: `ui.blocks` before the next field; nested: carried up to the step,
        which shows them before the top-level field that contains them)."""
        properties: dict = {}
        required: list[str] = []
        blocks: list[dict] = []
        pending: list[dict] = []  # blocks waiting for the next field (their `before`)
        block_ids: set[str] = set()
        carried: list[_Carried] = []

        def place(items: list[_Carried], before: str | None, container: str) -> None:
            for item in items:
                block = self.block(item.fim_id, item.text, block_ids)
                self.warn(
                    "fim.label_moved",
                    f"Der Hinweistext {item.fim_id} steht in der Gruppe {item.group_id}; er wird "
                    + (
                        f"vor der Gruppe {container} angezeigt."
                        if before
                        else "an dieser Stelle des Schritts angezeigt."
                    ),
                    f"The label text {item.fim_id} stands inside group {item.group_id}; it is shown "
                    + (f"before group {container}." if before else "at this place of the step."),
                    item.fim_id,
                    item.pointer,
                )
                if before:
                    block["before"] = before
                    blocks.append(block)
                else:
                    pending.append(block)

        for element in children:
            node = element.element
            if isinstance(node, FimField) and node.feldart in ("label", "locked", "hidden"):
                text = self.static_text(node, base)
                if text is None:
                    continue
                if top:
                    pending.append(self.block(node.id, text, block_ids))
                else:
                    carried.append(_Carried(node.id, text, base, group_id))
                continue
            key = self.key_for(node.id, properties)
            pointer = f"{base}/properties/{key}"
            schema, inner = self.element_schema(element, pointer, key)
            if schema is None:  # a group without input fields: only its texts remain
                if top:
                    place(inner, None, node.id)
                else:
                    carried += inner
                continue
            properties[key] = schema
            if element.min >= 1:
                required.append(key)
            for block in pending:
                block["before"] = key
            blocks += pending
            pending = []
            if inner:
                if top:
                    place(inner, key, node.id)
                else:
                    carried += inner
        blocks += pending
        out: dict = {"properties": properties}
        if required:
            out["required"] = required
        return _Obj(out, blocks, carried)

    @staticmethod
    def key_for(fim_id: str, taken: Mapping[str, object]) -> str:
        base = fim_id if _FIELD_KEY_RE.match(fim_id) else re.sub(r"[^A-Za-z0-9_]", "_", fim_id)
        if not base or not base[0].isalpha():
            base = "F" + base
        base = base[:58]
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        return candidate

    @staticmethod
    def block(fim_id: str, text: str, taken: set[str]) -> dict:
        base = re.sub(r"[^a-z0-9_-]", "-", fim_id.lower())[:56] or "text"
        if not base[0].isalpha():
            base = "t" + base
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        return {"id": candidate, "text": _i18n(text)}

    def static_text(self, f: FimField, base: str) -> str | None:
        """The text block for a label / locked field; None for hidden (dropped, warned)."""
        if f.feldart == "hidden":
            self.warn(
                "fim.hidden_dropped",
                f"Das verborgene Feld {f.id} („{f.label}“) wird nicht angezeigt und nicht übernommen"
                + (f" (Inhalt: „{f.inhalt[:80]}“)." if f.inhalt else "."),
                f"The hidden field {f.id} ('{f.label}') is not shown and not imported"
                + (f" (content: '{f.inhalt[:80]}')." if f.inhalt else "."),
                f.id,
                base,
            )
            return None
        if f.feldart == "locked":
            self.warn(
                "fim.locked_as_text",
                f"Das gesperrte Feld {f.id} („{f.label}“) wird als Hinweistext mit seinem Inhalt gezeigt, nicht als Eingabefeld.",
                f"The locked field {f.id} ('{f.label}') is shown as a text block with its content, not as an input.",
                f.id,
                base,
            )
            return f"{f.label}: {f.inhalt}" if f.inhalt else f.label
        return f.inhalt or f.bezeichnung_eingabe or f.hilfetext_eingabe or f.label

    # ---- elements -----------------------------------------------------------------

    def fim_meta(self, node: FimField | FimGroup, element: FimElement | None = None) -> dict:
        out: dict = {"id": node.id}
        if node.version:
            out["version"] = node.version
        if node.bezeichnung_ausgabe and node.bezeichnung_ausgabe != node.label:
            out["output_label"] = node.bezeichnung_ausgabe
        if node.name and node.name != node.label:
            out["name"] = node.name
        bezug = list(element.bezug if element else ()) + [
            b for b in node.bezug if not element or b not in element.bezug
        ]
        if bezug:
            out["bezug"] = bezug
        return out

    def element_schema(
        self, element: FimElement, pointer: str, key: str
    ) -> tuple[dict | None, list[_Carried]]:
        node = element.element
        if isinstance(node, FimGroup):
            inner_base = f"{pointer}/items" if element.repeatable else pointer
            obj = self.object_schema(node.children, inner_base, top=False, group_id=node.id)
            head: dict = {"title": node.label}
            if node.hilfetext_eingabe:
                head["description"] = node.hilfetext_eingabe
            head["x-fim"] = self.fim_meta(node, element)
            if not obj.schema["properties"]:
                self.warn(
                    "fim.group_empty",
                    f"Die Gruppe {node.id} („{node.label}“) enthält keine Eingabefelder; "
                    "nur ihre Hinweistexte werden übernommen.",
                    f"Group {node.id} ('{node.label}') contains no input fields; only its "
                    "label texts are imported.",
                    node.id,
                    pointer,
                )
                return None, obj.carried
            if element.repeatable:
                schema = {"type": "array", **head, "items": {"type": "object", **obj.schema}}
                self.cardinality(schema, element)
            else:
                schema = {"type": "object", **head, **obj.schema}
            return schema, obj.carried
        schema = self.field_schema(node, pointer if not element.repeatable else None, key)
        if not element.repeatable:
            return schema, []
        inner_pointer = f"{pointer}/items/properties/{key}"
        self.reanchor(pointer, inner_pointer)
        wrapper_fim = {"id": node.id}
        if node.version:
            wrapper_fim["version"] = node.version
        wrapper_fim["wrapper"] = True
        wrapper = {
            "type": "array",
            "title": node.label,
            "x-fim": wrapper_fim,
            "items": {"type": "object", "properties": {key: schema}, "required": [key]},
        }
        self.cardinality(wrapper, element)
        self.warn(
            "fim.repeatable_field",
            f"Das Feld {node.id} („{node.label}“) darf mehrfach vorkommen ({element.anzahl}); "
            "es wurde in eine wiederholbare Gruppe mit diesem einen Feld gefasst.",
            f"Field {node.id} ('{node.label}') may occur several times ({element.anzahl}); "
            "it was wrapped into a repeatable group holding this one field.",
            node.id,
            pointer,
        )
        return wrapper, []

    def reanchor(self, pointer: str, inner: str) -> None:
        """Warnings of a wrapped field were written with a placeholder pointer."""
        for i, issue in enumerate(self.warnings):
            if issue.pointer == "\x00":
                self.warnings[i] = FimIssue(
                    code=issue.code,
                    message=issue.message,
                    message_en=issue.message_en,
                    fim_id=issue.fim_id,
                    path=issue.path,
                    pointer=inner,
                )
        for i, todo in enumerate(self.todo):
            if todo.pointer == "\x00":
                self.todo[i] = FimTodo(
                    code=todo.code,
                    message=todo.message,
                    message_en=todo.message_en,
                    fim_id=todo.fim_id,
                    pointer=inner,
                )

    @staticmethod
    def cardinality(schema: dict, element: FimElement) -> None:
        if element.min >= 1:
            schema["minItems"] = element.min
        if element.max is not None:
            schema["maxItems"] = element.max

    # ---- fields -------------------------------------------------------------------

    def field_schema(self, f: FimField, pointer: str | None, key: str) -> dict:
        ptr = pointer if pointer is not None else "\x00"
        schema: dict = {"title": f.label}
        if f.hilfetext_eingabe:
            schema["description"] = f.hilfetext_eingabe
        if not f.bezeichnung_eingabe:
            self.warn(
                "fim.label_missing",
                f"Das Feld {f.id} hat keine Bezeichnung für die Eingabe; der Name „{f.label}“ wird als Beschriftung verwendet.",
                f"Field {f.id} has no input label; its name '{f.label}' is used as the label.",
                f.id,
                ptr,
            )
        body = self.select_schema(f, ptr) if f.feldart == "select" else None
        if body is None:
            body = self.type_schema(f, ptr)
        schema.update(body)
        if body.get("pattern") == TIME_PATTERN and "description" not in schema:
            schema["description"] = "Uhrzeit im Format HH:MM, zum Beispiel 09:30."
        schema["x-fim"] = self.fim_meta(f)
        if f.media_types and f.datentyp != "file":
            self.warn(
                "fim.media_types_ignored",
                f"Das Feld {f.id} nennt Dateitypen, ist aber kein Datei-Feld; sie werden ignoriert.",
                f"Field {f.id} names media types but is not a file field; they are ignored.",
                f.id,
                ptr,
            )
        if f.vorbefuellung and f.vorbefuellung != "keine":
            self.warn(
                "fim.prefill",
                f"Das Feld {f.id} soll vorbefüllt werden ({f.vorbefuellung}); die Vorbefüllung "
                "(z. B. aus dem Nutzerkonto) wird nicht übernommen.",
                f"Field {f.id} is to be prefilled ({f.vorbefuellung}); prefill (e.g. from the "
                "user account) is not imported.",
                f.id,
                ptr,
            )
            self.add_todo(
                "fim.prefill",
                f"Vorbefüllung für {f.id} („{f.label}“) einrichten (identity.prefill), falls gewünscht.",
                f"Set up prefill for {f.id} ('{f.label}') (identity.prefill) if wanted.",
                f.id,
                ptr,
            )
        return schema

    def select_schema(self, f: FimField, ptr: str) -> dict | None:
        if f.werte:
            options, seen = [], set()
            for value in f.werte:
                if value.code in seen:
                    self.warn(
                        "fim.duplicate_code",
                        f"Der Wert {value.code!r} kommt bei {f.id} mehrfach vor; er wurde einmal übernommen.",
                        f"Value {value.code!r} occurs more than once in {f.id}; it was kept once.",
                        f.id,
                        ptr,
                    )
                    continue
                seen.add(value.code)
                options.append({"const": value.code, "title": value.name or value.code})
            return self.options_schema(f, options, ptr)
        ref = f.codeliste
        codelist = self.find_codelist(ref) if ref is not None else None
        if codelist is not None and ref is not None:
            name = self.embed_codelist(ref, codelist, f, ptr)
            if name is not None:
                return {"$ref": f"#/$defs/{name}"}
            return None
        what = (ref.key or ref.name) if ref is not None else ""
        if ref is None or not what:
            self.warn(
                "fim.select_without_values",
                f"Das Auswahlfeld {f.id} („{f.label}“) nennt weder Werte noch eine Codeliste: als Freitext übernommen.",
                f"Select field {f.id} ('{f.label}') names neither values nor a code list: imported as free text.",
                f.id,
                ptr,
            )
            self.add_todo(
                "fim.select_without_values",
                f"Auswahlmöglichkeiten für {f.id} („{f.label}“) ergänzen.",
                f"Add the choices for {f.id} ('{f.label}').",
                f.id,
                ptr,
            )
            return None
        self.warn(
            "fim.codelist_missing",
            f"Codeliste {what} für {f.id} („{f.label}“) nicht mitgeliefert: als Freitext übernommen; "
            "laden Sie die genericode-Datei mit hoch.",
            f"Code list {what} for {f.id} ('{f.label}') not supplied: imported as free text; "
            "upload the genericode file as well.",
            f.id,
            ptr,
        )
        if what not in self.missing_lists:
            self.missing_lists.add(what)
            self.add_todo(
                "fim.codelist_missing",
                f"Codeliste {what} beschaffen und die Auswahl für {f.id} („{f.label}“) einrichten.",
                f"Obtain code list {what} and set up the choice for {f.id} ('{f.label}').",
                f.id,
                ptr,
            )
        return None

    def find_codelist(self, ref: FimCodeListRef) -> FimCodeList | None:
        for key in (ref.key, ref.canonical_version_uri, ref.canonical_uri, ref.id, ref.name):
            if key and key in self.codelists:
                codelist = self.codelists[key]
                if ref.version and codelist.version and ref.version != codelist.version:
                    continue
                return codelist
        return None

    def options_schema(self, f: FimField, options: list[dict], ptr: str) -> dict | None:
        if not options:
            return None
        if len(options) > MAX_OPTIONS:
            self.warn(
                "fim.too_many_options",
                f"Das Auswahlfeld {f.id} hat {len(options)} Werte (höchstens {MAX_OPTIONS}): als Freitext übernommen.",
                f"Select field {f.id} has {len(options)} values (at most {MAX_OPTIONS}): imported as free text.",
                f.id,
                ptr,
            )
            return None
        return {"type": "string", "oneOf": options}

    def embed_codelist(
        self, ref: FimCodeListRef, codelist: FimCodeList, f: FimField, ptr: str
    ) -> str | None:
        key = codelist.key or ref.key
        if key in self.item_names:
            return self.item_names[key]
        options, seen = [], set()
        for entry in codelist.entries:
            if not entry.code or entry.code in seen:
                continue
            seen.add(entry.code)
            options.append({"const": entry.code, "title": entry.name or entry.code})
        body = self.options_schema(f, options, ptr)
        if body is None:
            self.warn(
                "fim.codelist_empty",
                f"Die Codeliste {key} für {f.id} enthält keine verwendbaren Codes: als Freitext übernommen.",
                f"Code list {key} for {f.id} has no usable codes: imported as free text.",
                f.id,
                ptr,
            )
            return None
        title = codelist.long_name or codelist.short_name or ref.name or key
        item_schema = {"type": "string", "title": title[:200], **body}
        base = _slug(codelist.canonical_uri.rsplit(":", 1)[-1] or codelist.short_name, 40)
        base = "fim-" + (base or "codeliste")
        item_id, n = base, 1
        while item_id in self.defs:
            n += 1
            item_id = f"{base}-{n}"
        version = re.sub(r"[^0-9A-Za-z._-]", "-", codelist.version or ref.version or "1")[:40]
        if not version[0].isalnum():
            version = "v" + version[:39]
        item = {
            "$schema": SHARED_ITEM_FORMAT,
            "kind": "codelist",
            "id": item_id,
            "version": version,
            "title": _i18n(title[:200]),
            "$comment": f"FIM code list {key}",
            "schema": item_schema,
        }
        problems = check_shared_item(item)
        if problems:
            self.warn(
                "fim.codelist_invalid",
                f"Die Codeliste {key} ergibt keine gültige geteilte Codeliste ({problems[0].message}): als Freitext übernommen.",
                f"Code list {key} does not make a valid shared code list ({problems[0].message_en}): imported as free text.",
                f.id,
                ptr,
            )
            return None
        self.items[key] = item
        self.item_names[key] = item_id
        self.defs[item_id] = copy.deepcopy(item_schema)
        self.uses[item_id] = shared_item_use(item)
        return item_id

    def type_schema(self, f: FimField, ptr: str) -> dict:
        t = f.datentyp
        if f.feldart == "select":
            t = "text"  # a select that fell back to free text
        if t in ("text", "text_latin", "obj", ""):
            if t == "text_latin":
                self.warn(
                    "fim.text_latin",
                    f"Das Feld {f.id} verlangt Zeichen nach DIN SPEC 91379 (text_latin); dieser Zeichenvorrat wird nicht geprüft.",
                    f"Field {f.id} requires DIN SPEC 91379 characters (text_latin); this character set is not enforced.",
                    f.id,
                    ptr,
                )
            elif t == "obj":
                self.warn(
                    "fim.obj_as_text",
                    f"Das Feld {f.id} hat den Datentyp obj (Objekt); es wurde als Textfeld übernommen.",
                    f"Field {f.id} has data type obj (object); it was imported as a text field.",
                    f.id,
                    ptr,
                )
            elif t == "":
                self.warn(
                    "fim.datatype_missing",
                    f"Das Feld {f.id} nennt keinen Datentyp; es wurde als Textfeld übernommen.",
                    f"Field {f.id} names no data type; it was imported as a text field.",
                    f.id,
                    ptr,
                )
            schema = {"type": "string"}
            self.string_limits(f, schema, ptr, pattern=True)
            self.default(f, schema, "string", ptr)
            return schema
        if t == "date":
            schema = {"type": "string", "format": "date"}
            self.value_limits(f, ptr, "Datum", "date")
            self.default(f, schema, "date", ptr)
            return schema
        if t == "datetime":
            schema = {"type": "string", "format": "date-time"}
            self.value_limits(f, ptr, "Zeitpunkt", "date-time")
            self.default(f, schema, "string", ptr)
            return schema
        if t == "time":
            schema = {"type": "string", "pattern": TIME_PATTERN}
            if f.pattern:
                self.warn(
                    "fim.pattern_dropped",
                    f"Das Muster des Uhrzeit-Feldes {f.id} wurde durch das Format HH:MM ersetzt.",
                    f"The pattern of time field {f.id} was replaced by the format HH:MM.",
                    f.id,
                    ptr,
                )
            self.value_limits(f, ptr, "Uhrzeit", "time")
            self.default(f, schema, "string", ptr)
            return schema
        if t in ("num", "num_int"):
            schema = {"type": "number" if t == "num" else "integer"}
            for raw, key in ((f.min_value, "minimum"), (f.max_value, "maximum")):
                if raw is None or raw == "":
                    continue
                value = _number(raw)
                if value is None or (t == "num_int" and not isinstance(value, int)):
                    self.warn(
                        "fim.limit_dropped",
                        f"Die Grenze {raw!r} des Zahlenfeldes {f.id} ist keine passende Zahl und wurde nicht übernommen.",
                        f"The limit {raw!r} of number field {f.id} is not a suitable number and was dropped.",
                        f.id,
                        ptr,
                    )
                    continue
                schema[key] = value
            if (
                "minimum" in schema
                and "maximum" in schema
                and schema["minimum"] > schema["maximum"]
            ):
                del schema["minimum"], schema["maximum"]
                self.warn(
                    "fim.limit_dropped",
                    f"Bei {f.id} liegt die Untergrenze über der Obergrenze; beide wurden nicht übernommen.",
                    f"In {f.id} the minimum is above the maximum; both were dropped.",
                    f.id,
                    ptr,
                )
            self.length_unsupported(f, ptr)
            self.default(f, schema, schema["type"], ptr)
            return schema
        if t == "num_currency":
            schema = {"type": "string", "format": "money"}
            self.value_limits(f, ptr, "Geldbetrag", "money")
            self.length_unsupported(f, ptr)
            self.default(f, schema, "money", ptr)
            return schema
        if t == "bool":
            schema = {"type": "boolean"}
            self.default(f, schema, "boolean", ptr)
            return schema
        if t == "file":
            return self.upload_schema(f, ptr)
        self.warn(
            "fim.datatype_unknown",
            f"Das Feld {f.id} hat den unbekannten Datentyp {t!r}; es wurde als Textfeld übernommen.",
            f"Field {f.id} has the unknown data type {t!r}; it was imported as a text field.",
            f.id,
            ptr,
        )
        schema = {"type": "string"}
        self.string_limits(f, schema, ptr, pattern=True)
        return schema

    def string_limits(self, f: FimField, schema: dict, ptr: str, *, pattern: bool) -> None:
        if f.min_length:
            schema["minLength"] = f.min_length
        if f.max_length:
            if f.max_length > MAX_LENGTH_CAP:
                self.warn(
                    "fim.max_length_capped",
                    f"Die Höchstlänge {f.max_length} von {f.id} wurde auf {MAX_LENGTH_CAP} begrenzt.",
                    f"The maximum length {f.max_length} of {f.id} was capped at {MAX_LENGTH_CAP}.",
                    f.id,
                    ptr,
                )
            schema["maxLength"] = min(f.max_length, MAX_LENGTH_CAP)
        if schema.get("minLength", 0) > schema.get("maxLength", MAX_LENGTH_CAP):
            del schema["minLength"]
            self.warn(
                "fim.limit_dropped",
                f"Bei {f.id} ist die Mindestlänge größer als die Höchstlänge; die Mindestlänge wurde nicht übernommen.",
                f"In {f.id} the minimum length exceeds the maximum length; the minimum was dropped.",
                f.id,
                ptr,
            )
        if pattern and f.pattern:
            problem = _pattern_problem(f.pattern)
            if problem is None:
                schema["pattern"] = f.pattern
            else:
                self.warn(
                    "fim.pattern_dropped",
                    f"Das Muster von {f.id} („{f.label}“) wurde nicht übernommen: {problem[0]}",
                    f"The pattern of {f.id} ('{f.label}') was dropped: {problem[1]}",
                    f.id,
                    ptr,
                )
                self.add_todo(
                    "fim.pattern_dropped",
                    f"Muster für {f.id} („{f.label}“) neu schreiben (ECMAScript, ohne Rückbezüge und Vorausschau): {f.pattern[:200]}",
                    f"Rewrite the pattern of {f.id} ('{f.label}') (ECMAScript, without backreferences and lookaround): {f.pattern[:200]}",
                    f.id,
                    ptr,
                )
        if (f.min_value or f.max_value) and f.datentyp in ("text", "text_latin", "obj"):
            self.warn(
                "fim.limit_dropped",
                f"Die Wertgrenzen (minValue/maxValue) des Textfeldes {f.id} werden nicht übernommen.",
                f"The value limits (minValue/maxValue) of text field {f.id} are not imported.",
                f.id,
                ptr,
            )

    def length_unsupported(self, f: FimField, ptr: str) -> None:
        if f.min_length or f.max_length or f.pattern:
            self.warn(
                "fim.limit_dropped",
                f"Längen oder Muster des Feldes {f.id} (Datentyp {f.datentyp}) werden nicht übernommen.",
                f"Lengths or pattern of field {f.id} (data type {f.datentyp}) are not imported.",
                f.id,
                ptr,
            )

    def value_limits(self, f: FimField, ptr: str, what_de: str, what_en: str) -> None:
        """Limits JSON Schema cannot compare (dates, times, money): a CEL rule for a field
        directly in a step, else a warning and a to-do."""
        self.length_unsupported(f, ptr)
        if not (f.min_value or f.max_value):
            return
        if self.limit_rules(f, ptr, what_en):
            return
        if f.min_value or f.max_value:
            limits = " – ".join(v or "…" for v in (f.min_value, f.max_value))
            self.warn(
                "fim.limit_dropped",
                f"Die Grenzen ({limits}) für {what_de} in {f.id} lassen sich im Schema nicht ausdrücken und wurden nicht übernommen.",
                f"The limits ({limits}) for {what_en} in {f.id} cannot be expressed in the schema and were dropped.",
                f.id,
                ptr,
            )
            self.add_todo(
                "fim.limit_rule",
                f"Grenzen {limits} für {f.id} („{f.label}“) als Regel formulieren.",
                f"Write the limits {limits} for {f.id} ('{f.label}') as a rule.",
                f.id,
                ptr,
            )

    def limit_rules(self, f: FimField, ptr: str, kind: str) -> bool:
        """Write min/max as rules (`answers.<step>.<key> >= …`) when the field stands
        directly in a step and the limits are readable; False when not possible."""
        match = re.fullmatch(r"/steps/(\d+)/schema/properties/([A-Za-z][A-Za-z0-9_]*)", ptr)
        if match is None or int(match.group(1)) not in self.step_at:
            return False
        step, key = self.step_at[int(match.group(1))], match.group(2)
        made = []
        for raw, op, suffix in ((f.min_value, ">=", "min"), (f.max_value, "<=", "max")):
            if not raw:
                continue
            literal = _limit_literal(raw, kind)
            if literal is None or len(self.rules) + len(made) >= 100:
                return False
            shown_de, shown_en = _limit_shown(literal, kind)
            if op == ">=":
                de = (
                    f"„{f.label}“ darf nicht kleiner sein als {shown_de}."
                    if kind == "money"
                    else f"„{f.label}“ darf nicht vor {shown_de} liegen."
                )
                en = (
                    f"'{f.label}' must not be less than {shown_en}."
                    if kind == "money"
                    else f"'{f.label}' must not be before {shown_en}."
                )
            else:
                de = (
                    f"„{f.label}“ darf nicht größer sein als {shown_de}."
                    if kind == "money"
                    else f"„{f.label}“ darf nicht nach {shown_de} liegen."
                )
                en = (
                    f"'{f.label}' must not be more than {shown_en}."
                    if kind == "money"
                    else f"'{f.label}' must not be after {shown_en}."
                )
            value = f"answers.{step}.{key}"
            check = f"{value} {op} {literal}" if kind == "money" else f'{value} {op} "{literal}"'
            made.append(
                {
                    "id": f"{key.lower()}-{suffix}"[:63],
                    "check": check,
                    "pointer": f"/{step}/{key}",
                    "message": {"de": de, "en": en},
                }
            )
        self.rules += made
        return bool(made)

    def default(self, f: FimField, schema: dict, kind: str, ptr: str) -> None:
        raw = f.inhalt
        if not raw:
            return
        value: object = None
        if kind == "string":
            value = raw
            pattern = schema.get("pattern")
            if (
                len(raw) > schema.get("maxLength", MAX_LENGTH_CAP)
                or len(raw) < schema.get("minLength", 0)
                or (pattern and not _matches(pattern, raw))
            ):
                value = None
        elif kind == "date":
            value = raw if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) else None
        elif kind == "boolean":
            value = {"true": True, "false": False, "1": True, "0": False}.get(raw.lower())
        elif kind in ("number", "integer"):
            number = _number(raw)
            if number is not None and (kind == "number" or isinstance(number, int)):
                value = number
                if ("minimum" in schema and number < schema["minimum"]) or (
                    "maximum" in schema and number > schema["maximum"]
                ):
                    value = None
        elif kind == "money":
            value = raw if re.fullmatch(r"\d{1,9}(\.\d{1,2})?", raw) else None
        if value is None:
            self.warn(
                "fim.default_dropped",
                f"Der Inhalt {raw[:80]!r} von {f.id} passt nicht zum Feld und wurde nicht als Vorbelegung übernommen.",
                f"The content {raw[:80]!r} of {f.id} does not fit the field and was not kept as a default.",
                f.id,
                ptr,
            )
            return
        schema["default"] = value

    def upload_schema(self, f: FimField, ptr: str) -> dict:
        media: list[str] = []
        unsupported: list[str] = []
        for raw in f.media_types:
            m = _MEDIA_ALIASES.get(raw.strip().lower(), raw.strip().lower())
            if m in UPLOAD_MEDIA_TYPES:
                if m not in media:
                    media.append(m)
            else:
                unsupported.append(raw)
        if unsupported:
            self.warn(
                "fim.media_type_unsupported",
                f"Die Dateitypen {', '.join(unsupported)} von {f.id} kann die Plattform nicht prüfen; sie werden nicht angenommen"
                + (
                    "."
                    if media
                    else f", erlaubt sind stattdessen {', '.join(DEFAULT_MEDIA_TYPES)}."
                ),
                f"The media types {', '.join(unsupported)} of {f.id} cannot be checked by the platform; they are not accepted"
                + ("." if media else f"; {', '.join(DEFAULT_MEDIA_TYPES)} are allowed instead."),
                f.id,
                ptr,
            )
        if not media:
            media = list(DEFAULT_MEDIA_TYPES)
        max_bytes = DEFAULT_MAX_BYTES
        if f.max_size:
            max_bytes = f.max_size
            if f.max_size < 1024:
                self.warn(
                    "fim.upload_size_small",
                    f"Die Höchstgröße {f.max_size} Byte für Dateien in {f.id} ist sehr klein; bitte prüfen.",
                    f"The maximum size of {f.max_size} bytes for files in {f.id} is very small; please check.",
                    f.id,
                    ptr,
                )
        self.length_unsupported(f, ptr)
        return {"type": "string", "x-upload": {"media_types": media, "max_bytes": max_bytes}}


@dataclass
class _Carried:
    """A label text inside a nested group, carried up to the step's `ui.blocks`."""

    fim_id: str
    text: str
    pointer: str
    group_id: str


@dataclass
class _Obj:
    schema: dict  # {"properties": …, "required": …?}
    blocks: list[dict]
    carried: list[_Carried]


def _limit_literal(raw: str, kind: str) -> str | None:
    """The CEL literal for a limit: an ISO date / date-time / HH:MM text, or a money double."""
    raw = raw.strip()
    if kind == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        return raw
    if kind == "time" and re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9](:00)?", raw):
        return raw[:5]
    if kind == "money":
        number = _number(raw)
        if number is not None and 0 <= number < 1_000_000_000:
            return f"{Decimal(str(number)):.2f}"
    return None


def _limit_shown(literal: str, kind: str) -> tuple[str, str]:
    if kind == "date":
        year, month, day = literal.split("-")
        return f"dem {day}.{month}.{year}", literal
    if kind == "time":
        return f"{literal} Uhr", literal
    euros = Decimal(literal)
    return f"{euros:.2f} €".replace(".", ","), f"€{euros:.2f}"


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return False
