"""Compiled process definitions (contract: docs/architecture.md, `ProcessDefinition`).

`compile_definition(doc)` checks a definition and builds an immutable `ProcessDefinition`
with all validators compiled once. Compiled definitions are cached by sha256 in a bounded
LRU: published versions are immutable, so their validators live with them and are never
rebuilt per request.
"""

from __future__ import annotations

import copy
import datetime
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import hygiene, parameters, pointers
from . import rules as rules_module
from .canonical import canonical_json, definition_sha256
from .check import check_definition
from .errors import DefinitionError, FieldError, Problem
from .fields import Field, build_fields
from .formats import citizen_validator
from .limits import TEXT_MAX_LENGTH, TEXTAREA_MAX_LENGTH
from .messages import UPLOAD_PATTERN, field_errors, required_error

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
CACHE_SIZE = 128
DEFAULT_RETENTION = {"draft_days": 30, "case_days": 730}


@dataclass(frozen=True)
class AppliedFee:
    """A fee that applies to a set of answers."""

    id: str
    label: dict
    amount: Decimal


@dataclass(frozen=True)
class DesignerTestResult:
    """Outcome of one designer test; `failures` are German sentences."""

    name: str
    passed: bool
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TextBlock:
    """A paragraph of explanatory text between a step's fields (`ui.blocks`); it carries no
    answer. `before` is the top-level field it stands before, None: after the last field."""

    id: str
    text: dict
    before: str | None = None


@dataclass(frozen=True, eq=False)
class Step:
    """One step of a process. `schema` is the step's schema as written in the definition."""

    id: str
    title: dict
    description: dict | None
    schema: dict
    when: Any
    ui: dict
    _fields: tuple = field(default=(), repr=False)
    blocks: tuple = ()  # TextBlock, in definition order
    _field_whens: dict = field(default_factory=dict, repr=False)
    _when_validator: Any = field(default=None, repr=False)
    _validator: Any = field(default=None, repr=False)
    _conditional_required: tuple = field(default=(), repr=False)

    def fields(self) -> list[Field]:
        """Top-level fields of the step, in schema order."""
        return list(self._fields)

    def field(self, name: str) -> Field | None:
        """The top-level field `name`, or None."""
        return next((f for f in self._fields if f.name == name), None)

    def applies(self, answers: dict) -> bool:
        """Whether the step's `when` holds for `answers` (always true without `when`)."""
        return self._when_validator is None or self._when_validator.is_valid(answers)


# --- composition ---------------------------------------------------------------------------


def _with_defs(schema: Any, defs: dict) -> Any:
    if isinstance(schema, dict) and defs and "$defs" not in schema:
        return {**schema, "$defs": defs}
    return schema


def _add_upload_patterns(schema: Any) -> Any:
    """Deep copy of a data schema in which every `x-upload` string carries the upload pattern."""
    if isinstance(schema, list):
        return [_add_upload_patterns(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: _add_upload_patterns(value) for key, value in schema.items()}
    if "x-upload" in result:
        if "pattern" in result and result["pattern"] != UPLOAD_PATTERN:
            result["allOf"] = [*result.get("allOf", []), {"pattern": UPLOAD_PATTERN}]
        else:
            result["pattern"] = UPLOAD_PATTERN
    return result


def _close_objects(schema: Any) -> None:
    """Set `additionalProperties: false` on object schemas with `properties` (not inside combinators)."""
    if not isinstance(schema, dict):
        return
    if isinstance(schema.get("properties"), dict):
        schema.setdefault("additionalProperties", False)
        for sub in schema["properties"].values():
            _close_objects(sub)
    if isinstance(schema.get("items"), dict):
        _close_objects(schema["items"])


def _is_string_schema(schema: dict) -> bool:
    kind = schema.get("type")
    return kind == "string" or (isinstance(kind, list) and "string" in kind)


def _cap_strings(schema: Any, textarea: frozenset = frozenset()) -> None:
    """Give every string schema (through `properties` and `items`) a `maxLength`.

    The field's own `maxLength` stays; otherwise TEXT_MAX_LENGTH, or TEXTAREA_MAX_LENGTH
    for the top-level properties named in `textarea` (long-text widgets).
    """
    if not isinstance(schema, dict):
        return
    if _is_string_schema(schema):
        schema.setdefault("maxLength", TEXT_MAX_LENGTH)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name, sub in properties.items():
            if name in textarea and isinstance(sub, dict) and _is_string_schema(sub):
                sub.setdefault("maxLength", TEXTAREA_MAX_LENGTH)
            _cap_strings(sub)
    if isinstance(schema.get("items"), dict):
        _cap_strings(schema["items"])


def _data_schema_of(schema: Any, textarea: frozenset = frozenset()) -> Any:
    result = _add_upload_patterns(schema)
    _close_objects(result)
    _cap_strings(result, textarea)
    return result


class ProcessDefinition:
    """A checked, compiled, immutable process definition (build it with `compile_definition`)."""

    def __init__(
        self,
        doc: dict,
        sha256: str,
        values: dict | None = None,
        root: ProcessDefinition | None = None,
    ):
        source = copy.deepcopy(doc)
        declared = parameters.declarations(source)
        bound_values = parameters.effective_values(source, values)
        # references replaced by the bound values (defaults, or placeholders when unbound)
        doc = parameters.substitute(source, bound_values)
        defs = dict(doc.get("$defs") or {})
        data_defs = {name: _data_schema_of(schema) for name, schema in defs.items()}
        steps = []
        root_allof: list[dict] = []
        for raw in doc["steps"]:
            ui = raw.get("ui") or {}
            ui_fields = ui.get("fields") or {}
            fields = build_fields(raw["schema"], defs, ui_fields)
            field_whens = {
                name: citizen_validator(_with_defs(entry["when"], defs))
                for name, entry in ui_fields.items()
                if isinstance(entry, dict) and "when" in entry
            }
            textarea = frozenset(
                name
                for name, entry in ui_fields.items()
                if isinstance(entry, dict) and entry.get("widget") == "textarea"
            )
            step_schema = _data_schema_of(raw["schema"], textarea)
            step_schema["additionalProperties"] = False
            required = list(step_schema.get("required") or [])
            conditional_required = tuple(name for name in required if name in field_whens)
            unconditional = [name for name in required if name not in field_whens]
            if unconditional:
                step_schema["required"] = unconditional
            else:
                step_schema.pop("required", None)
            step = Step(
                id=raw["id"],
                title=raw["title"],
                description=raw.get("description"),
                schema=raw["schema"],
                when=raw.get("when"),
                ui=ui,
                _fields=fields,
                blocks=tuple(
                    TextBlock(id=b["id"], text=b["text"], before=b.get("before"))
                    for b in ui.get("blocks") or ()
                ),
                _field_whens=field_whens,
                _when_validator=(
                    citizen_validator(_with_defs(raw["when"], defs)) if "when" in raw else None
                ),
                _validator=citizen_validator(_with_defs(step_schema, data_defs)),
                _conditional_required=conditional_required,
            )
            steps.append((step, step_schema))
            if "when" in raw:
                root_allof.append(
                    {
                        "if": raw["when"],
                        "then": {"required": [step.id]},
                        "else": {"properties": {step.id: False}},
                    }
                )
            for name in field_whens:
                rule: dict = {
                    "if": ui_fields[name]["when"],
                    "else": {"properties": {step.id: {"properties": {name: False}}}},
                }
                if name in conditional_required:
                    rule["then"] = {"properties": {step.id: {"required": [name]}}}
                root_allof.append(rule)

        data_schema_id = f"urn:ozg-engine:process:{doc['id']}:{doc['version']}:data"
        data_schema: dict = {
            "$schema": DRAFT_2020_12,
            "$id": data_schema_id,
            "title": doc["title"]["de"],
            "type": "object",
            "properties": {step.id: schema for step, schema in steps},
            "additionalProperties": False,
        }
        required_steps = [step.id for step, _ in steps if step.when is None]
        if required_steps:
            data_schema["required"] = required_steps
        if data_defs:
            data_schema["$defs"] = data_defs
        if root_allof:
            data_schema["allOf"] = root_allof

        fee_list = []
        for fee in (doc.get("payment") or {}).get("fees") or []:
            validator = citizen_validator(_with_defs(fee["when"], defs)) if "when" in fee else None
            amount = fee["amount"]
            if isinstance(amount, dict) and "$computed" in amount:
                fee_list.append((fee, None, validator, amount["$computed"]))
            else:
                fee_list.append((fee, Decimal(amount), validator, None))

        # rules and computed values (checked by check_definition; compiled once here)
        computed_list = []
        uses = {}
        raw_computed = doc.get("computed") or {}
        for name, entry in raw_computed.items():
            expression, found = rules_module.analyse(entry["expression"])
            if expression is None:
                raise ValueError(f"computed.{name}: {found[0][1] if found else '?'}")
            uses[name] = list(expression.computed)
            computed_list.append(
                rules_module.Computed(name, expression, entry["type"], entry["label"])
            )
        order, _ = rules_module.computed_order(uses)
        computed_list.sort(key=lambda item: order.index(item.name))
        rule_list = []
        for raw in doc.get("rules") or []:
            expression, found = rules_module.analyse(raw["check"])
            if expression is None:
                raise ValueError(f"rule {raw['id']}: {found[0][1] if found else '?'}")
            rule_list.append(
                rules_module.Rule(
                    id=raw["id"],
                    expression=expression,
                    pointer=raw["pointer"],
                    step=pointers.split(raw["pointer"])[0],
                    message=raw["message"],
                    when=(
                        citizen_validator(_with_defs(raw["when"], defs)) if "when" in raw else None
                    ),
                )
            )
        cel_params = {
            name: rules_module.parameter_cel_value(bound_values.get(name), decl["type"])
            for name, decl in declared.items()
        }

        values = {
            "doc": source,
            "bound_doc": doc,
            "parameters": declared,
            "parameter_values": bound_values,
            "missing_parameters": tuple(parameters.missing_values(source, values)),
            "_root": root,
            "_bindings": OrderedDict(),
            "_bindings_lock": threading.Lock(),
            "sha256": sha256,
            "id": doc["id"],
            "version": doc["version"],
            "title": doc["title"],
            "summary": doc.get("summary"),
            "reference_prefix": doc["reference_prefix"],
            "steps": tuple(step for step, _ in steps),
            "declarations": tuple(doc.get("declarations") or ()),
            "retention": {**DEFAULT_RETENTION, **(doc.get("retention") or {})},
            "identity": {"level": "none", "prefill": {}, **(doc.get("identity") or {})},
            "schriftform": bool(doc.get("schriftform", False)),
            "kind": doc.get("kind", "application"),
            "payment_policy": (doc.get("payment") or {}).get("policy", "none"),
            "applicant": {"name": [], "email": None, **(doc.get("applicant") or {})},
            "data_schema": data_schema,
            "data_schema_id": data_schema_id,
            "_data_validator": citizen_validator(data_schema),
            "_fees": tuple(fee_list),
            "rules": tuple(rule_list),
            "computed": tuple(computed_list),
            "_cel_params": cel_params,
            "_steps_by_id": {step.id: step for step, _ in steps},
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("ProcessDefinition ist unveränderlich (immutable).")

    @property
    def is_calculator(self) -> bool:
        """A calculator (`"kind": "calculator"`): its computed values are its result; no case."""
        return self.kind == "calculator"

    def __repr__(self) -> str:
        return f"<ProcessDefinition {self.id} {self.version} {self.sha256[:12]}>"

    # --- parameters ----------------------------------------------------------------------------

    def bind(self, values: dict | None) -> ProcessDefinition:
        """This definition with parameter `values` bound (fees, option lists and texts use them).

        `values` replaces the values given so far (unset parameters take their defaults).
        Raises `DefinitionError` with `parameter_values_check` problems (pointers `/<name>`)
        if a value does not fit or a required parameter is missing. Cached per definition
        and canonical values (bounded); without parameters and values it returns `self`.
        """
        if self._root is not None:
            return self._root.bind(values)
        values = {} if values is None else values
        problems = parameters.values_problems(self.doc, values)
        if problems:
            raise DefinitionError(problems)
        if not values:
            return self  # nothing set: the defaults, which this definition already has
        values = copy.deepcopy(values)
        key = canonical_json(values).decode("utf-8")
        with self._bindings_lock:
            cached = self._bindings.get(key)
            if cached is not None:
                self._bindings.move_to_end(key)
                return cached
        bound = ProcessDefinition(self.doc, self.sha256, values, root=self)
        with self._bindings_lock:
            self._bindings[key] = bound
            while len(self._bindings) > CACHE_SIZE:
                self._bindings.popitem(last=False)
        return bound

    # --- steps and conditions ------------------------------------------------------------------

    def step(self, step_id: str) -> Step:
        """The step `step_id`; KeyError if there is none."""
        return self._steps_by_id[step_id]

    def _resolve(self, answers: Any) -> tuple[list[Step], dict]:
        """(applicable steps, pruned answers), evaluated to a fixed point.

        Every condition is evaluated against the pruned answers of all steps: the loop drops
        inapplicable steps/fields and repeats until nothing changes, so the result agrees
        with the composed data schema.
        """
        answers = answers if isinstance(answers, dict) else {}
        work: dict = {}
        for step in self.steps:
            if step.id not in answers:
                continue
            data = answers[step.id]
            if isinstance(data, dict):
                names = {f.name for f in step._fields}
                data = {k: hygiene.truncated(v) for k, v in data.items() if k in names}
            else:
                data = hygiene.truncated(data)
            work[step.id] = data
        limit = len(self.steps) + sum(len(s._field_whens) for s in self.steps) + 1
        applicable: list[Step] = []
        for _ in range(limit):
            changed = False
            applicable = []
            for step in self.steps:
                if not step.applies(work):
                    if step.id in work:
                        del work[step.id]
                        changed = True
                    continue
                applicable.append(step)
                data = work.get(step.id)
                if isinstance(data, dict):
                    for name, validator in step._field_whens.items():
                        if name in data and not validator.is_valid(work):
                            del data[name]
                            changed = True
            if not changed:
                break
        return applicable, work

    def applicable_steps(self, answers: dict) -> list[Step]:
        """Steps whose `when` holds for the (pruned) answers, in definition order."""
        return self._resolve(answers)[0]

    def applicable_fields(self, step: Step | str, answers: dict) -> list[str]:
        """Top-level field names of `step` whose ui `when` holds for the (pruned) answers."""
        step = self.step(step) if isinstance(step, str) else step
        _, pruned = self._resolve(answers)
        return [
            f.name
            for f in step._fields
            if f.name not in step._field_whens or step._field_whens[f.name].is_valid(pruned)
        ]

    def prune(self, answers: dict) -> dict:
        """A copy of `answers` without inapplicable steps and fields and without unknown keys."""
        return self._resolve(answers)[1]

    # --- validation ----------------------------------------------------------------------------

    def label_for(self, parts: list, lang: str = "de") -> str | None:
        """Label of the step or field at answer pointer parts (`["halter", "vorname"]`)."""
        if not parts or parts[0] not in self._steps_by_id:
            return None
        step = self._steps_by_id[parts[0]]
        if len(parts) == 1:
            return step.title.get(lang) or step.title.get("de")
        fields = step._fields
        current: Field | None = None
        for part in parts[1:]:
            if (
                current is not None
                and current.type == "repeat"
                and (isinstance(part, int) or str(part).isdigit())
            ):
                continue
            current = next((f for f in fields if f.name == part), None)
            if current is None:
                return None
            fields = current.children
        return current.label(lang) if current else None

    def validate_step(
        self,
        step_id: str,
        step_data: Any,
        answers: dict | None = None,
        *,
        today: datetime.date | str | None = None,
    ) -> list[FieldError]:
        """Errors of one step's data (pointers start with `/<step_id>`).

        Conditional fields are resolved against `answers` updated by `step_data`; data of
        fields that do not apply is ignored, unknown keys are errors. String hygiene
        (NUL, lone surrogates, length caps; see `hygiene`) comes first, at the field's pointer.
        Then the rules whose `pointer` lies in this step (code `rule`), evaluated with the
        updated answers on `today` (default: now in Europe/Berlin).
        """
        step = self.step(step_id)
        if not isinstance(step_data, dict):
            bad, step_data = hygiene.scan(step_data, step._fields, [step_id])
            return _merge(
                bad,
                field_errors(
                    step._validator.iter_errors(step_data), self.label_for, prefix=[step_id]
                ),
            )
        merged = dict(answers) if isinstance(answers, dict) else {}
        merged[step_id] = step_data
        _, pruned = self._resolve(merged)  # conditions see truncated strings only
        hidden = {
            name for name, validator in step._field_whens.items() if not validator.is_valid(pruned)
        }
        # hidden fields' data is ignored, but a NUL or a lone surrogate is refused anywhere
        bad, _ = hygiene.scan(
            {k: v for k, v in step_data.items() if k in hidden},
            step._fields,
            [step_id],
            caps=False,
        )
        shown_bad, data = hygiene.scan(
            {k: v for k, v in step_data.items() if k not in hidden}, step._fields, [step_id]
        )
        bad += shown_bad
        errors = field_errors(step._validator.iter_errors(data), self.label_for, prefix=[step_id])
        seen = {e.pointer for e in errors}
        for name in step._conditional_required:
            if name not in hidden and name not in data:
                parts = [step_id, name]
                if pointers.join(parts) not in seen:
                    errors.append(
                        required_error(
                            parts, self.label_for(parts), label_en=self.label_for(parts, "en")
                        )
                    )
        result = _merge(bad, errors)
        step_rules = [rule for rule in self.rules if rule.step == step_id]
        if step_rules:
            found = self._evaluate(
                pruned,
                today=today,
                rules=step_rules,
                errors=frozenset(e.pointer for e in result),
                only_needed=True,
            )
            result += found.errors
        return result

    def validate_answers(
        self, answers: Any, *, today: datetime.date | str | None = None
    ) -> list[FieldError]:
        """Authoritative check of a whole answer set: prunes, then validates against the data schema.

        A missing step is reported at `/<step_id>`. Then every rule (code `rule`), on `today`
        (default: now in Europe/Berlin); a rule naming an answer that has an error is skipped.
        """
        if not isinstance(answers, dict):
            return [
                FieldError(
                    "",
                    "Die Angaben haben nicht die erwartete Form.",
                    "The answers have the wrong form.",
                    "type",
                )
            ]
        pruned = self.prune(answers)  # conditions see truncated strings only
        result = self._schema_errors(pruned)
        if self.rules:
            found = self._evaluate(
                pruned,
                today=today,
                rules=self.rules,
                errors=frozenset(e.pointer for e in result),
                only_needed=True,
            )
            result += found.errors
        return result

    def _schema_errors(self, pruned: dict) -> list[FieldError]:
        """Hygiene and data-schema errors of pruned answers (no rules)."""
        bad: list[FieldError] = []
        cleaned: dict = {}
        for key, value in pruned.items():
            step_bad, cleaned[key] = hygiene.scan(value, self._steps_by_id[key]._fields, [key])
            bad += step_bad
        return _merge(
            bad,
            field_errors(
                self._data_validator.iter_errors(cleaned),
                self.label_for,
                step_ids=self._steps_by_id.keys(),
            ),
        )

    # --- rules and computed values -------------------------------------------------------------

    def _values(self, pruned: dict, today: datetime.date | str | None) -> dict:
        """Computed values of pruned answers; answers with schema errors count as absent."""
        if not self.computed:
            return {}
        errors = frozenset(e.pointer for e in self._schema_errors(pruned))
        return self._evaluate(pruned, today=today, errors=errors).computed

    def _evaluate(
        self,
        pruned: dict,
        *,
        today: datetime.date | str | None,
        rules: tuple | list = (),
        errors: frozenset[str] = frozenset(),
        only_needed: bool = False,
    ) -> rules_module.Evaluation:
        """Computed values and the errors of `rules` for pruned answers (never raises)."""
        if not self.computed and not rules:
            return rules_module.Evaluation()
        cel_answers = {
            step_id: rules_module.cel_value(data, self._steps_by_id[step_id]._fields)
            for step_id, data in pruned.items()
            if step_id in self._steps_by_id
        }
        return rules_module.evaluate(
            rules=rules,
            computed=self.computed,
            answers=pruned,
            cel_answers=cel_answers,
            params=self._cel_params,
            today=rules_module.today_iso(today),
            error_pointers=errors,
            process=f"{self.id} {self.version}",
            only_needed=only_needed,
        )

    def computed_values(
        self, answers: Any, *, today: datetime.date | str | None = None
    ) -> dict[str, Decimal | int | str]:
        """The computed values (`computed`) for the answers: name → value (money and number
        as Decimal, integer as int, date as "YYYY-MM-DD"); a value whose answers are missing
        or has an error, or whose evaluation fails, is absent. Never raises."""
        pruned = self.prune(answers) if isinstance(answers, dict) else {}
        return dict(self._values(pruned, today))

    def is_valid(self, answers: Any) -> bool:
        """Whether `validate_answers(answers)` finds nothing."""
        return not self.validate_answers(answers)

    # --- fees ----------------------------------------------------------------------------------

    def fees(self, answers: dict, *, today: datetime.date | str | None = None) -> list[AppliedFee]:
        """Fees whose `when` holds for the pruned answers, in definition order.

        A fee with `{"$computed": name}` takes that computed value (on `today`); while it has
        none (answers missing or invalid, evaluation failed: logged) the fee is left out.
        """
        pruned = self.prune(answers) if isinstance(answers, dict) else {}
        values: dict = {}
        if any(name is not None for *_, name in self._fees):
            values = self._values(pruned, today)
        result = []
        for fee, amount, validator, name in self._fees:
            if validator is not None and not validator.is_valid(pruned):
                continue
            if name is not None:
                amount = values.get(name)
                if amount is None:
                    continue
            result.append(AppliedFee(fee["id"], fee["label"], amount))
        return result

    def applicant_of(self, answers: dict) -> tuple[str, str]:
        """(name, e-mail) of the applicant, read at the definition's `applicant` pointers.

        Name parts are joined by a space; missing parts are left out; '' when unknown.
        """
        pruned = self.prune(answers) if isinstance(answers, dict) else {}
        parts = [pointers.resolve(pruned, p) for p in self.applicant["name"]]
        name = " ".join(
            str(p).strip() for p in parts if isinstance(p, str | int) and str(p).strip()
        )
        email = (
            pointers.resolve(pruned, self.applicant["email"]) if self.applicant["email"] else None
        )
        return name, email if isinstance(email, str) else ""

    def fee_total(self, answers: dict, *, today: datetime.date | str | None = None) -> Decimal:
        """Sum of applicable fees, in EUR with two decimals."""
        total = sum((fee.amount for fee in self.fees(answers, today=today)), Decimal("0"))
        return total.quantize(Decimal("0.01"))

    # --- designer tests ------------------------------------------------------------------------

    def run_tests(self) -> list[DesignerTestResult]:
        """Run the definition's designer tests (`tests`, see docs/process-format.md)."""
        results = []
        for test in self.doc.get("tests") or []:
            if "parameters" in test:
                try:
                    process = self.bind(test["parameters"])
                except DefinitionError as exc:
                    failures = [f"Parameter: {problem}" for problem in exc.problems]
                    results.append(DesignerTestResult(test["name"], False, failures))
                    continue
                if process is not self:
                    results.append(process._run_test(test))
                    continue
            results.append(self._run_test(test))
        return results

    def _run_test(self, test: dict) -> DesignerTestResult:
        """One designer test against this (possibly bound) definition."""
        answers = test.get("answers") or {}
        expect = test.get("expect") or {}
        today = test.get("today")
        failures: list[str] = []
        if "steps" in expect:
            actual = [s.id for s in self.applicable_steps(answers)]
            if actual != list(expect["steps"]):
                failures.append(f"Schritte: erwartet {expect['steps']}, tatsächlich {actual}.")
        if "fee_total" in expect:
            actual_total = self.fee_total(answers, today=today)
            if actual_total != Decimal(expect["fee_total"]):
                failures.append(
                    f"Gebühr gesamt: erwartet {expect['fee_total']}, tatsächlich {actual_total}."
                )
        errors = (
            self.validate_answers(answers, today=today)
            if ("valid" in expect or "errors" in expect)
            else []
        )
        if "valid" in expect and expect["valid"] != (not errors):
            found = ", ".join(e.pointer or "/" for e in errors) or "keine"
            failures.append(
                f"Gültigkeit: erwartet {'gültig' if expect['valid'] else 'ungültig'}, "
                f"tatsächlich {'gültig' if not errors else 'ungültig'} (Fehler: {found})."
            )
        pointers_found = {e.pointer for e in errors}
        for pointer in expect.get("errors", []):
            if pointer not in pointers_found:
                failures.append(f"Erwarteter Fehler bei {pointer} wurde nicht gemeldet.")
        if self.rules or self.computed:
            # a rule or computed value that fails on these answers is a designer's error
            pruned = self.prune(answers)
            invalid = frozenset(e.pointer for e in self._schema_errors(pruned))
            evaluation = self._evaluate(pruned, today=today, rules=self.rules, errors=invalid)
            failures += evaluation.failures
            for name, wanted in (expect.get("computed") or {}).items():
                actual = evaluation.computed.get(name)
                shown = "(kein Wert)" if actual is None else str(actual)
                if wanted is None and actual is None:
                    continue
                if wanted is None or actual is None or str(actual) != str(wanted):
                    failures.append(
                        f"Berechneter Wert {name}: erwartet {wanted or '(kein Wert)'}, "
                        f"tatsächlich {shown}."
                    )
        return DesignerTestResult(test["name"], not failures, failures)


def parameter_values_check(definition: ProcessDefinition | dict, values: Any) -> list[Problem]:
    """Problems of parameter `values` for a definition (compiled or as a document); [] if they fit.

    Refuses names the definition does not declare, values of the wrong type or outside the
    declared limits, and required parameters (no default) that `values` leaves out.
    Pointers are `/<name>` (into `values`); messages German with English. Never raises.
    """
    doc = definition.doc if isinstance(definition, ProcessDefinition) else definition
    return parameters.values_problems(doc, values)


def _merge(first: list[FieldError], rest: list[FieldError]) -> list[FieldError]:
    """`first` (hygiene errors) win: errors at or below their pointers are dropped."""
    if not first:
        return rest
    taken = {e.pointer for e in first}

    def covered(pointer: str) -> bool:
        return any(pointer == p or pointer.startswith(p + "/") for p in taken)

    seen: set[str] = set()
    result = []
    for error in first:
        if error.pointer not in seen:
            seen.add(error.pointer)
            result.append(error)
    return result + [e for e in rest if not covered(e.pointer)]


_cache: OrderedDict[str, ProcessDefinition] = OrderedDict()
_cache_lock = threading.Lock()


def compile_definition(doc: dict) -> ProcessDefinition:
    """Check and compile a definition; raises `DefinitionError` with all problems.

    Cached by sha256 (bounded LRU of CACHE_SIZE): the same document compiles once per process.
    Never raises anything but `DefinitionError`, whatever `doc` is.
    """
    try:
        sha256 = definition_sha256(doc)
    except (TypeError, ValueError, RecursionError):
        # not even hashable as JSON (surrogates, NaN, huge numbers, deep nesting, objects)
        raise DefinitionError(
            check_definition(doc)
            or [Problem("", "Kein gültiges JSON-Dokument.", "Not a valid JSON document.")]
        ) from None
    with _cache_lock:
        cached = _cache.get(sha256)
        if cached is not None:
            _cache.move_to_end(sha256)
            return cached
    problems = check_definition(doc)
    if problems:
        raise DefinitionError(problems)
    try:
        compiled = ProcessDefinition(doc, sha256)
    except ValueError as exc:
        # the checks and the validator build disagree: still only a DefinitionError
        raise DefinitionError(
            [
                Problem(
                    "",
                    f"Die Definition lässt sich nicht übersetzen: {str(exc)[:200]}",
                    f"The definition cannot be compiled: {str(exc)[:200]}",
                )
            ]
        ) from exc
    with _cache_lock:
        _cache[sha256] = compiled
        _cache.move_to_end(sha256)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


def clear_cache() -> None:
    """Empty the compile cache (tests)."""
    with _cache_lock:
        _cache.clear()
