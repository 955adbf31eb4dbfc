"""Designer tests in the studio: run them and say in words what was expected and what
happened; build the form that writes a test without JSON; turn its input into a test.

A test is an entry of the definition's `tests` (docs/process-format.md, "Designer tests"):
`name`, `answers`, optional `parameters`, `expect` {steps, fee_total, valid, errors}. The
form offers one input per field of the definition (text, number, date, select for choices,
yes/no for booleans, checkboxes for multiple choice); repeatable groups and uploads are
entered as JSON. Answers the form does not show (keys the definition does not know, values
of uploads) are kept as they were when a test is edited.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from forms_engine.definitions import DefinitionError, ProcessDefinition, compile_definition

#: Field types entered as JSON in the test form: a list of items, an upload's value, and
#: ("json") any stored answer the field's own input could not show unchanged (a test of a
#: wrong answer: a number as text, an option the definition does not have, null, …).
JSON_TYPES = ("repeat", "upload", "json")
_AMOUNT_TEXT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: "No answer": distinct from an answer that is JSON null.
MISSING = _Missing()
TEXT_TYPES = ("text", "textarea", "email", "phone", "postcode", "iban")

_DECIMAL = re.compile(r"^-?\d{1,12}([.,]\d{1,6})?$")


def lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def i18n(value: Any, language: str | None = None) -> str:
    language = language or lang()
    if isinstance(value, dict):
        return str(value.get(language) or value.get("de") or "")
    return "" if value is None else str(value)


def german_decimal(value: Any) -> str:
    """ "12.50" → "12,50" (German display; English keeps the point)."""
    text = str(value)
    return text.replace(".", ",") if lang() == "de" else text


def parse_decimal(text: str) -> Decimal | None:
    """A German ("12,50", "1.234,50") or plain ("12.50") decimal, or None."""
    raw = (text or "").strip().replace(" ", "").replace("€", "")
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    if not _DECIMAL.match(raw):
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def money_text(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"


def doc_tests(doc: Any) -> list:
    tests = doc.get("tests") if isinstance(doc, dict) else None
    return tests if isinstance(tests, list) else []


# --- running -------------------------------------------------------------------------------


@dataclass
class Check:
    """One expectation of a test in words: what, expected, actual, met."""

    what: str
    expected: str
    actual: str
    ok: bool


@dataclass
class TestOutcome:
    index: int
    test: dict
    name: str
    passed: bool | None  # None: not run (the definition does not compile)
    failures: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    answers_json: str = ""
    parameters_json: str = ""


@dataclass
class TestRun:
    outcomes: list[TestOutcome]
    compiled: ProcessDefinition | None
    problems: list = field(default_factory=list)  # why the tests could not run

    @property
    def passed(self) -> int:
        return sum(1 for o in self.outcomes if o.passed)

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if o.passed is False)


def compiled_or_problems(doc: Any) -> tuple[ProcessDefinition | None, list]:
    try:
        return compile_definition(doc), []
    except DefinitionError as exc:
        return None, list(exc.problems)


def run_tests(doc: Any) -> TestRun:
    """Run the designer tests of `doc` now (`compile_definition(doc).run_tests()`) and
    explain each one."""
    tests = doc_tests(doc)
    compiled, problems = compiled_or_problems(doc)
    outcomes = []
    results = compiled.run_tests() if compiled is not None else []
    for index, test in enumerate(tests):
        test = test if isinstance(test, dict) else {}
        outcome = TestOutcome(
            index=index,
            test=test,
            name=str(test.get("name") or _("(ohne Namen)")),
            passed=None,
            answers_json=json.dumps(test.get("answers") or {}, indent=2, ensure_ascii=False),
            parameters_json=(
                json.dumps(test["parameters"], indent=2, ensure_ascii=False)
                if "parameters" in test
                else ""
            ),
        )
        if compiled is not None and index < len(results):
            outcome.passed = results[index].passed
            outcome.failures = list(results[index].failures)
            outcome.checks = explain(compiled, test)
        outcomes.append(outcome)
    return TestRun(outcomes=outcomes, compiled=compiled, problems=problems)


def _step_titles(process: ProcessDefinition, ids: list) -> str:
    titles = []
    for step_id in ids:
        try:
            titles.append(f"„{i18n(process.step(step_id).title)}“")
        except KeyError:
            titles.append(f"„{step_id}“")
    return ", ".join(titles) or _("keine")


def pointer_label(process: ProcessDefinition, pointer: str) -> str:
    """An answer pointer in words: the field's label (with its step), else the pointer."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in str(pointer).split("/")[1:]]
    label = process.label_for(parts, lang()) if parts else None
    if not label:
        return pointer or "/"
    if len(parts) > 1:
        step = process.label_for(parts[:1], lang())
        return f"„{label}“ ({step})" if step else f"„{label}“"
    return f"„{label}“"


def explain(process: ProcessDefinition, test: dict) -> list[Check]:
    """What `test` expects and what happens now, in words (the test runner's own rules)."""
    expect = test.get("expect") if isinstance(test.get("expect"), dict) else {}
    answers = test.get("answers") if isinstance(test.get("answers"), dict) else {}
    checks: list[Check] = []
    if "parameters" in test:
        try:
            process = process.bind(test["parameters"])
        except DefinitionError as exc:
            texts = [p.message_en if lang() == "en" else p.message for p in exc.problems]
            return [
                Check(
                    _("Parameterwerte"),
                    _("passende Werte"),
                    "; ".join(texts) or _("passen nicht"),
                    False,
                )
            ]
    if "steps" in expect:
        actual = [s.id for s in process.applicable_steps(answers)]
        expected = list(expect.get("steps") or [])
        checks.append(
            Check(
                _("Schritte"),
                _step_titles(process, expected),
                _step_titles(process, actual),
                actual == expected,
            )
        )
    if "fee_total" in expect:
        actual_total = process.fee_total(answers)
        expected_total = parse_decimal(str(expect.get("fee_total")))
        checks.append(
            Check(
                _("Gebühr gesamt"),
                (german_decimal(expect.get("fee_total")) + " €"),
                german_decimal(actual_total) + " €",
                expected_total is not None and expected_total == actual_total,
            )
        )
    if "valid" in expect or "errors" in expect:
        errors = process.validate_answers(answers)
        found = {e.pointer for e in errors}
        listing = "; ".join(
            f"{pointer_label(process, e.pointer)}: {e.message_en if lang() == 'en' else e.message}"
            for e in errors[:8]
        )
        if len(errors) > 8:
            listing += " " + _("(und %(n)s weitere)") % {"n": len(errors) - 8}
        if "valid" in expect:
            valid_words = {True: _("gültig"), False: _("ungültig")}
            actual_text = valid_words[not errors]
            if errors:
                actual_text += f" ({listing})"
            checks.append(
                Check(
                    _("Antworten gültig"),
                    valid_words[bool(expect.get("valid"))],
                    actual_text,
                    bool(expect.get("valid")) == (not errors),
                )
            )
        for pointer in expect.get("errors") or []:
            checks.append(
                Check(
                    _("Fehler bei %(field)s") % {"field": pointer_label(process, pointer)},
                    _("wird gemeldet"),
                    _("wird gemeldet") if pointer in found else _("wird nicht gemeldet"),
                    pointer in found,
                )
            )
    if not checks:
        checks.append(
            Check(
                _("Erwartung"),
                _("nichts"),
                _("Dieser Test prüft nichts und besteht immer."),
                True,
            )
        )
    return checks


# --- the form ------------------------------------------------------------------------------


@dataclass
class AnswerInput:
    """One input of the test form for one field: its form field name, where its value goes
    in the answers (`path`), the field's type and label, the nesting for fieldsets."""

    name: str
    path: tuple
    type: str
    label: str
    depth: int
    kind: str  # "input" | "group-start" | "group-end" | "step-start" | "step-end"
    options: tuple = ()
    required: bool = False


def _walk_fields(fields, path: tuple, depth: int, out: list, counter: list) -> None:
    for f in fields:
        label = f.label(lang())
        if f.type == "group":
            out.append(AnswerInput("", path + (f.name,), "group", label, depth, "group-start"))
            _walk_fields(f.children, path + (f.name,), depth + 1, out, counter)
            out.append(AnswerInput("", path + (f.name,), "group", label, depth, "group-end"))
            continue
        name = f"a{counter[0]}"
        counter[0] += 1
        out.append(
            AnswerInput(
                name, path + (f.name,), f.type, label, depth, "input", tuple(f.options), f.required
            )
        )


def answer_inputs(process: ProcessDefinition) -> list[AnswerInput]:
    """The inputs for all fields of all steps, in order, with group/step brackets."""
    out: list[AnswerInput] = []
    counter = [0]
    for step in process.steps:
        title = i18n(step.title)
        out.append(AnswerInput("", (step.id,), "step", title, 0, "step-start"))
        _walk_fields(step.fields(), (step.id,), 1, out, counter)
        out.append(AnswerInput("", (step.id,), "step", title, 0, "step-end"))
    return out


def error_choices(process: ProcessDefinition) -> list[tuple[str, str]]:
    """(pointer, label) of every step and field an expected error can name."""
    choices = []

    def walk(fields, prefix: str, step_title: str):
        for f in fields:
            pointer = f"{prefix}/{_escape(f.name)}"
            choices.append((pointer, f"{f.label(lang())} ({step_title})"))
            if f.type == "group":
                walk(f.children, pointer, step_title)

    for step in process.steps:
        title = i18n(step.title)
        choices.append(
            (f"/{_escape(step.id)}", _("Schritt „%(step)s“ als Ganzes") % {"step": title})
        )
        walk(step.fields(), f"/{_escape(step.id)}", title)
    return choices


def _escape(name: str) -> str:
    return str(name).replace("~", "~0").replace("/", "~1")


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return MISSING
        data = data[part]
    return data


def _set(data: dict, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        if not isinstance(data.get(part), dict):
            data[part] = {}
        data = data[part]
    data[path[-1]] = value


def _remove(data: dict, path: tuple) -> None:
    for part in path[:-1]:
        data = data.get(part) if isinstance(data, dict) else None
        if not isinstance(data, dict):
            return
    if isinstance(data, dict):
        data.pop(path[-1], None)


def _prune(data: dict, paths: set, keep: set) -> None:
    """Drop the empty objects the form left at steps and groups it shows (not those that
    were empty before: a test may answer a step with `{}` on purpose)."""
    for path in sorted(paths, key=len, reverse=True):
        if path not in keep and _get(data, path) == {}:
            _remove(data, path)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _initial(kind: str, value: Any) -> Any:
    if value is MISSING:
        return None
    if kind in JSON_TYPES:
        return json.dumps(value, indent=1, ensure_ascii=False)
    if kind == "boolean":
        return "true" if value is True else "false" if value is False else None
    if kind == "choice":
        return json.dumps(value, ensure_ascii=False)
    if kind == "multichoice":
        return [json.dumps(v, ensure_ascii=False) for v in value] if isinstance(value, list) else []
    if kind in ("money", "number", "integer"):
        return german_decimal(value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class DateWidget(forms.DateInput):
    input_type = "date"


_BOOL_CHOICES = [
    ("", gettext_lazy("keine Angabe")),
    ("true", gettext_lazy("Ja")),
    ("false", gettext_lazy("Nein")),
]


def _form_field(entry: AnswerInput) -> forms.Field:
    field = _input_field(entry)
    if entry.required:
        note = _("Pflichtfeld im Antrag.")
        field.help_text = f"{note} {field.help_text}" if field.help_text else note
    return field


def _input_field(entry: AnswerInput) -> forms.Field:
    label = entry.label
    if entry.type == "json":
        return forms.CharField(
            label=label,
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_(
                "Als JSON, weil der gespeicherte Wert nicht zu dieser Feldart passt (etwa ein "
                "Test mit einer falschen Eingabe). Leer: keine Angabe."
            ),
        )
    if entry.type in JSON_TYPES:
        what = _("Liste von Einträgen") if entry.type == "repeat" else _("Wert einer Datei")
        return forms.CharField(
            label=label,
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Nur als JSON (%(what)s), z. B. %(example)s. Leer: keine Angabe.")
            % {
                "what": what,
                "example": '[{"feld": "Wert"}]' if entry.type == "repeat" else '"upload:…"',
            },
        )
    if entry.type == "boolean":
        return forms.ChoiceField(label=label, required=False, choices=_BOOL_CHOICES)
    if entry.type == "choice":
        choices = [("", _("keine Angabe"))] + [
            (json.dumps(value, ensure_ascii=False), label_en if lang() == "en" else label_de)
            for value, label_de, label_en in entry.options
        ]
        return forms.ChoiceField(label=label, required=False, choices=choices)
    if entry.type == "multichoice":
        choices = [
            (json.dumps(value, ensure_ascii=False), label_en if lang() == "en" else label_de)
            for value, label_de, label_en in entry.options
        ]
        return forms.MultipleChoiceField(
            label=label, required=False, choices=choices, widget=forms.CheckboxSelectMultiple
        )
    if entry.type == "date":
        return forms.CharField(label=label, required=False, widget=DateWidget())
    if entry.type == "textarea":
        return forms.CharField(
            label=label, required=False, widget=forms.Textarea(attrs={"rows": 2}), strip=False
        )
    if entry.type in ("money", "number", "integer"):
        hint = _("Ganze Zahl") if entry.type == "integer" else _("Zahl, z. B. 12,50")
        return forms.CharField(label=label, required=False, help_text=hint)
    return forms.CharField(label=label, required=False, strip=False)


def _param_field(name: str, decl: dict, as_json: bool = False) -> forms.Field:
    label = i18n(decl.get("label")) or name
    kind = "choices" if as_json else decl.get("type")
    default = decl.get("default")
    shown_default = ""
    if default is not None:
        shown_default = (
            german_decimal(default)
            if kind == "money"
            else json.dumps(default, ensure_ascii=False).strip('"')
        )
    hint = (
        _("Leer lassen: Vorgabe (%(default)s).") % {"default": shown_default}
        if default is not None
        else _("Leer lassen: keine Angabe (Pflicht-Parameter ohne Vorgabe).")
    )
    if kind == "choices":
        return forms.CharField(
            label=label,
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_('Nur als JSON: Liste von {"value", "label"}.') + " " + hint,
        )
    if kind == "date":
        return forms.CharField(
            label=label,
            required=False,
            widget=DateWidget(),
            help_text=hint,
        )
    if kind == "money":
        return forms.CharField(
            label=label, required=False, help_text=_("Betrag in Euro, z. B. 12,50.") + " " + hint
        )
    return forms.CharField(label=label, required=False, help_text=hint)


class DesignerTestForm(forms.Form):
    """A designer test entered without JSON (see the module docstring)."""

    name = forms.CharField(label=gettext_lazy("Name des Tests"), max_length=200)
    check_steps = forms.BooleanField(label=gettext_lazy("Schritte prüfen"), required=False)
    steps = forms.MultipleChoiceField(
        label=gettext_lazy("Erwartete Schritte"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Wenn „Schritte prüfen“ angekreuzt ist, müssen genau diese Schritte vorkommen."
        ),
    )
    fee_total = forms.CharField(
        label=gettext_lazy("Erwartete Gebühr gesamt"),
        required=False,
        help_text=gettext_lazy("Betrag in Euro, z. B. 12,50. Leer lassen: nicht prüfen."),
    )
    valid = forms.ChoiceField(
        label=gettext_lazy("Erwartete Gültigkeit"),
        required=False,
        choices=[
            ("", gettext_lazy("nicht prüfen")),
            ("true", gettext_lazy("gültig")),
            ("false", gettext_lazy("ungültig")),
        ],
    )
    expect_errors = forms.MultipleChoiceField(
        label=gettext_lazy("Erwartete Fehler bei"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    answers_json = forms.CharField(
        label=gettext_lazy("Antworten als JSON (für Fachleute)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "Ausgefüllt ersetzt dieses JSON alle Antworten oben; leer lassen, um die "
            "Eingaben oben zu verwenden."
        ),
    )

    def __init__(self, *args, process: ProcessDefinition, test: dict | None, others, **kwargs):
        self.process = process
        self.test = copy.deepcopy(test) if isinstance(test, dict) else {}
        self.others = {str(n) for n in others}
        self.inputs = answer_inputs(process)
        self.parameter_names = list(process.parameters)
        answers = self._answers()
        for i, entry in enumerate(self.inputs):
            if entry.kind == "input":
                value = _get(answers, entry.path)
                if value is not MISSING and not self._fits(entry, value):
                    self.inputs[i] = dataclasses.replace(entry, type="json")
        values = self._parameters()
        self.parameters_as_json = {
            name
            for name in self.parameter_names
            if name in values
            and process.parameters[name].get("type") != "choices"
            and not isinstance(values[name], str)
        }
        initial = self._initial_values()
        super().__init__(*args, initial=initial, **kwargs)
        for entry in self.inputs:
            if entry.kind == "input":
                self.fields[entry.name] = _form_field(entry)
        for index, name in enumerate(self.parameter_names):
            self.fields[f"p{index}"] = _param_field(
                name, process.parameters[name], name in self.parameters_as_json
            )
        self.fields["steps"].choices = [(s.id, i18n(s.title)) for s in process.steps]
        known = error_choices(process)
        known_pointers = {p for p, _label in known}
        extra = [
            (p, p)
            for p in (self.test.get("expect") or {}).get("errors") or []
            if isinstance(p, str) and p not in known_pointers
        ]
        self.fields["expect_errors"].choices = known + extra

    def _answers(self) -> dict:
        answers = self.test.get("answers")
        return answers if isinstance(answers, dict) else {}

    def _parameters(self) -> dict:
        values = self.test.get("parameters")
        return values if isinstance(values, dict) else {}

    def _fits(self, entry: AnswerInput, value: Any) -> bool:
        """Whether the field's own input shows `value` and gives it back unchanged."""
        if entry.type in JSON_TYPES:
            return True
        consts = [option[0] for option in entry.options]
        if entry.type == "choice":
            return any(_same(value, c) for c in consts)
        if entry.type == "multichoice":
            return (
                isinstance(value, list)
                and bool(value)
                and all(any(_same(v, c) for c in consts) for v in value)
            )
        try:
            back = self._answer_value(entry, _initial(entry.type, value))
        except (ValueError, TypeError):
            return False
        return _same(back, value)

    def _initial_values(self) -> dict:
        test = self.test
        expect = test.get("expect") if isinstance(test.get("expect"), dict) else {}
        answers = self._answers()
        initial: dict = {"name": test.get("name", "")}
        for entry in self.inputs:
            if entry.kind == "input":
                initial[entry.name] = _initial(entry.type, _get(answers, entry.path))
        values = self._parameters()
        for index, name in enumerate(self.parameter_names):
            if name in values:
                kind = self.process.parameters[name].get("type")
                value = values[name]
                if name in self.parameters_as_json:
                    initial[f"p{index}"] = json.dumps(value, ensure_ascii=False)
                elif kind == "money":
                    initial[f"p{index}"] = german_decimal(value)
                elif kind == "choices":
                    initial[f"p{index}"] = json.dumps(value, indent=1, ensure_ascii=False)
                else:
                    initial[f"p{index}"] = value
        initial["check_steps"] = "steps" in expect
        initial["steps"] = list(expect.get("steps") or [])
        if "fee_total" in expect:
            initial["fee_total"] = german_decimal(expect["fee_total"])
        if "valid" in expect:
            initial["valid"] = "true" if expect["valid"] else "false"
        initial["expect_errors"] = list(expect.get("errors") or [])
        return initial

    def answer_items(self) -> list[dict]:
        """The answer inputs for the template: steps and groups as fieldsets."""
        items = []
        for entry in self.inputs:
            item = {"kind": entry.kind, "label": entry.label, "type": entry.type}
            if entry.kind == "input":
                item["field"] = self[entry.name]
            items.append(item)
        return items

    def parameter_fields(self) -> list:
        return [self[f"p{index}"] for index in range(len(self.parameter_names))]

    # --- cleaning -----------------------------------------------------------------------

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Bitte geben Sie dem Test einen Namen."))
        if name in self.others:
            raise forms.ValidationError(_("Ein anderer Test heißt schon so."))
        return name

    def clean_fee_total(self):
        raw = self.cleaned_data["fee_total"].strip()
        if not raw:
            return None
        plain = raw.replace(",", ".")
        if _AMOUNT_TEXT.match(plain):
            return plain  # as written ("30", "30.5", "30.50")
        amount = parse_decimal(raw)
        if amount is None or amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError(
                _("Bitte einen Betrag in Euro mit höchstens zwei Nachkommastellen, z. B. 12,50.")
            )
        return money_text(amount)

    def clean_answers_json(self):
        raw = self.cleaned_data["answers_json"].strip()
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise forms.ValidationError(
                _("Kein gültiges JSON: %(error)s") % {"error": exc}
            ) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Die Antworten müssen ein JSON-Objekt sein."))
        return value

    def _answer_value(self, entry: AnswerInput, raw: Any) -> Any:
        """The JSON value of one input, MISSING for "no answer"; ValueError with a message."""
        if raw is None or (isinstance(raw, str | list) and not raw):
            return MISSING
        kind = entry.type
        if kind in JSON_TYPES:
            try:
                value = json.loads(raw)
            except ValueError as exc:
                raise ValueError(_("Kein gültiges JSON: %(error)s") % {"error": exc}) from exc
            if kind == "repeat" and not isinstance(value, list):
                raise ValueError(_("Bitte eine JSON-Liste angeben, z. B. [{…}]."))
            return value
        if kind == "boolean":
            return raw == "true"
        if kind == "choice":
            return json.loads(raw)
        if kind == "multichoice":
            return [json.loads(v) for v in raw]
        if kind in ("money", "number", "integer"):
            amount = parse_decimal(raw)
            if amount is None:
                raise ValueError(_("Bitte eine Zahl angeben, z. B. 12,50."))
            if kind == "money":
                return str(amount)
            if kind == "integer":
                if amount != amount.to_integral_value():
                    raise ValueError(_("Bitte eine ganze Zahl angeben."))
                return int(amount)
            return int(amount) if amount == amount.to_integral_value() else float(amount)
        return raw

    def _parameter_value(self, name: str, raw: str) -> Any:
        if raw in (None, ""):
            return None
        kind = self.process.parameters[name].get("type")
        if name in self.parameters_as_json:
            kind = "choices"
        if kind == "money":
            plain = raw.strip().replace(",", ".")
            if _AMOUNT_TEXT.match(plain):
                return plain
            amount = parse_decimal(raw)
            if amount is None:
                raise ValueError(_("Bitte einen Betrag in Euro angeben, z. B. 12,50."))
            return money_text(amount)
        if kind == "choices":
            try:
                return json.loads(raw)
            except ValueError as exc:
                raise ValueError(_("Kein gültiges JSON: %(error)s") % {"error": exc}) from exc
        return raw.strip()

    def clean(self):
        data = super().clean()
        answers_override = data.get("answers_json")
        answers = (
            copy.deepcopy(self.test.get("answers"))
            if isinstance(self.test.get("answers"), dict)
            else {}
        )
        containers: set = set()
        empty_before = set()
        for entry in self.inputs:
            if entry.kind in ("group-start", "step-start") and _get(answers, entry.path) == {}:
                empty_before.add(entry.path)
        for entry in self.inputs:
            if entry.kind in ("group-start", "step-start"):
                containers.add(entry.path)
            if entry.kind != "input" or entry.name not in data:
                continue
            try:
                value = self._answer_value(entry, data.get(entry.name))
            except ValueError as exc:
                self.add_error(entry.name, str(exc))
                continue
            if value is MISSING:
                _remove(answers, entry.path)
            else:
                _set(answers, entry.path, value)
        _prune(answers, containers, empty_before)
        parameters = {}
        for index, name in enumerate(self.parameter_names):
            key = f"p{index}"
            try:
                value = self._parameter_value(name, data.get(key))
            except ValueError as exc:
                self.add_error(key, str(exc))
                continue
            if value is not None:
                parameters[name] = value
        if data.get("check_steps") is False and data.get("steps"):
            self.add_error(
                "check_steps",
                _("Bitte ankreuzen, damit die gewählten Schritte geprüft werden."),
            )
        data["answers"] = answers_override if answers_override is not None else answers
        data["parameters"] = parameters
        return data

    def to_test(self) -> dict:
        """The test as the definition stores it (after `is_valid()`)."""
        data = self.cleaned_data
        test: dict = {"name": data["name"], "answers": data["answers"]}
        kept = self.test.get("parameters")
        # Parameters not declared (any more) are kept as written: the check reports them.
        extra = {
            k: v
            for k, v in (kept.items() if isinstance(kept, dict) else [])
            if k not in self.parameter_names
        }
        parameters = {**extra, **data["parameters"]}
        if parameters:
            test["parameters"] = parameters
        expect: dict = {}
        if data.get("check_steps"):
            order = [s.id for s in self.process.steps]
            expect["steps"] = [s for s in order if s in set(data.get("steps") or [])]
        if data.get("fee_total"):
            expect["fee_total"] = data["fee_total"]
        if data.get("valid") in ("true", "false"):
            expect["valid"] = data["valid"] == "true"
        if data.get("expect_errors"):
            expect["errors"] = list(data["expect_errors"])
        # What this form does not edit is kept as written: the day rules see (`today`) and
        # expectations such as computed values.
        written = self.test.get("expect") if isinstance(self.test.get("expect"), dict) else {}
        for key, value in written.items():
            if key not in ("steps", "fee_total", "valid", "errors"):
                expect[key] = value
        if "today" in self.test:
            test["today"] = self.test["today"]
        test["expect"] = expect
        return test


def copy_name(name: str, taken) -> str:
    """ "Name (Kopie)", "Name (Kopie 2)", … not among `taken`."""
    taken = set(taken)
    base = _("%(name)s (Kopie)") % {"name": name}
    candidate, number = base, 2
    while candidate in taken:
        candidate = _("%(name)s (Kopie %(n)s)") % {"name": name, "n": number}
        number += 1
    return candidate
