"""Forms of the structured editor: field options per field type (from the registry), rows of
choices and of conditions (plain POST rows, so they work without JavaScript)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from forms_engine.definitions.conditions import (
    NO_VALUE,
    OPERATORS,
    Condition,
    ConditionError,
    Row,
    operators_for,
    row_schema,
)
from forms_engine.definitions.field_types import FIELD_KINDS, UPLOAD_MEDIA_TYPES
from forms_engine.definitions.fields import build_fields

from .editor_doc import slug

BLANK_ROWS = 2


def lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def parse_number(text: str) -> int | float | None:
    """German or plain decimal text → int (whole) or float; None when it is no number."""
    value = (text or "").strip().replace(" ", "")
    if not value:
        return None
    if "," in value:
        value = value.replace(".", "").replace(",", ".")
    if not re.fullmatch(r"-?\d{1,15}(\.\d{1,10})?", value):
        raise ValueError(value)
    try:
        number = Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern rules it out
        raise ValueError(value) from exc
    return int(number) if number == number.to_integral_value() else float(number)


def format_number(value) -> str:
    if value is None or value == "":
        return ""
    return str(value).replace(".", ",") if lang() == "de" else str(value)


class GermanNumberField(forms.Field):
    """A number typed the German way (`12,5`); the value is an int or a float."""

    widget = forms.TextInput

    def __init__(self, *, max_length: int = 30, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def to_python(self, value):
        text = str(value or "").strip()
        if len(text) > self.max_length:
            raise forms.ValidationError(_("Bitte geben Sie eine Zahl an, z. B. 12,5."))
        try:
            return parse_number(text)
        except ValueError as exc:
            raise forms.ValidationError(_("Bitte geben Sie eine Zahl an, z. B. 12,5.")) from exc

    def prepare_value(self, value):
        return format_number(value) if isinstance(value, int | float) else value


class StepForm(forms.Form):
    title = forms.CharField(label=_("Titel (Deutsch)"), max_length=300)
    title_en = forms.CharField(label=_("Titel (Englisch)"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Einleitung (Deutsch)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description_en = forms.CharField(
        label=_("Einleitung (Englisch)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NewStepForm(forms.Form):
    title = forms.CharField(label=_("Titel des neuen Schritts (Deutsch)"), max_length=300)
    title_en = forms.CharField(label=_("Titel (Englisch)"), max_length=300, required=False)


def field_type_choices():
    return [(k.id, k.label if lang() == "de" else k.label_en) for k in FIELD_KINDS.values()]


class NewFieldForm(forms.Form):
    type = forms.ChoiceField(label=_("Feldtyp"), choices=())
    title = forms.CharField(label=_("Beschriftung (Deutsch)"), max_length=500)
    title_en = forms.CharField(label=_("Beschriftung (Englisch)"), max_length=500, required=False)
    required = forms.BooleanField(label=_("Pflichtfeld"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = field_type_choices()


class TextBlockForm(forms.Form):
    """A text block of a step (`ui.blocks`): not a field, it carries no answer."""

    text = forms.CharField(
        label=_("Text (Deutsch)"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    text_en = forms.CharField(
        label=_("Text (Englisch)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    before = forms.ChoiceField(label=_("Position"), required=False, choices=())

    def __init__(self, *args, fields=(), **kwargs):
        """`fields`: (name, label) of the step's top-level fields."""
        super().__init__(*args, **kwargs)
        self.fields["before"].choices = [
            *((name, _("vor Feld „%(label)s“") % {"label": label}) for name, label in fields),
            ("", _("am Ende")),
        ]


_OPTION_FIELDS = {
    "min_length": lambda: forms.IntegerField(
        label=_("Mindestlänge (Zeichen)"), min_value=0, max_value=100000, required=False
    ),
    "max_length": lambda: forms.IntegerField(
        label=_("Höchstlänge (Zeichen)"), min_value=1, max_value=100000, required=False
    ),
    "pattern": lambda: forms.CharField(
        label=_("Muster (regulärer Ausdruck)"),
        max_length=1000,
        required=False,
        help_text=_(
            "Für Fachleute: die Antwort muss zu diesem Muster passen, z. B. ^[A-Z]{2}[0-9]{4}$ "
            "für zwei Großbuchstaben und vier Ziffern. Sagen Sie im Hilfetext in Worten, "
            "was erwartet wird."
        ),
    ),
    "minimum": lambda: GermanNumberField(label=_("Kleinster Wert"), required=False, max_length=30),
    "maximum": lambda: GermanNumberField(label=_("Größter Wert"), required=False, max_length=30),
    "widget": lambda: forms.ChoiceField(
        label=_("Darstellung"),
        required=False,
        choices=[
            ("", _("automatisch (bis 6 Antworten als Optionsfelder)")),
            ("radio", _("Optionsfelder")),
            ("select", _("Auswahlliste")),
        ],
    ),
    "min_items": lambda: forms.IntegerField(
        label=_("Mindestens (Anzahl)"), min_value=0, max_value=1000, required=False
    ),
    "max_items": lambda: forms.IntegerField(
        label=_("Höchstens (Anzahl)"), min_value=1, max_value=1000, required=False
    ),
    "media_types": lambda: forms.MultipleChoiceField(
        label=_("Erlaubte Dateiarten"),
        choices=list(UPLOAD_MEDIA_TYPES.items()),
        widget=forms.CheckboxSelectMultiple,
    ),
    "max_mb": lambda: GermanNumberField(
        label=_("Höchste Dateigröße (MB)"), required=False, max_length=10
    ),
    "add_label": lambda: forms.CharField(
        label=_("Text der Schaltfläche „Hinzufügen“ (Deutsch)"), max_length=200, required=False
    ),
    "add_label_en": lambda: forms.CharField(
        label=_("Text der Schaltfläche „Hinzufügen“ (Englisch)"), max_length=200, required=False
    ),
    "remove_label": lambda: forms.CharField(
        label=_("Text der Schaltfläche „Entfernen“ (Deutsch)"), max_length=200, required=False
    ),
    "remove_label_en": lambda: forms.CharField(
        label=_("Text der Schaltfläche „Entfernen“ (Englisch)"), max_length=200, required=False
    ),
}


class FieldOptionsForm(forms.Form):
    """The options of one field type (`kind`): the common labels plus the type's own
    options from the registry; choices come as rows (`choice_rows`)."""

    title = forms.CharField(label=_("Beschriftung (Deutsch)"), max_length=500)
    title_en = forms.CharField(label=_("Beschriftung (Englisch)"), max_length=500, required=False)
    help = forms.CharField(
        label=_("Hilfetext (Deutsch)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    help_en = forms.CharField(
        label=_("Hilfetext (Englisch)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    required = forms.BooleanField(label=_("Pflichtfeld"), required=False)

    def __init__(self, *args, kind, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        for option in kind.options:
            if option in _OPTION_FIELDS:
                self.fields[option] = _OPTION_FIELDS[option]()
        self.choice_rows = choices if choices is not None else []

    def simple_fields(self):
        return [self[n] for n in self.fields if n not in ("media_types",)]

    def clean(self):
        data = super().clean()
        for low, high in (
            ("min_length", "max_length"),
            ("minimum", "maximum"),
            ("min_items", "max_items"),
        ):
            a, b = data.get(low), data.get(high)
            if a is not None and b is not None and a > b:
                self.add_error(high, _("Der größte Wert ist kleiner als der kleinste."))
        if "max_mb" in self.fields and data.get("max_mb") is not None and data["max_mb"] <= 0:
            self.add_error("max_mb", _("Bitte geben Sie eine Größe über 0 an."))
        if "choices" in self.kind.options:
            rows, errors = self.choice_rows
            for error in errors:
                self.add_error(None, error)
            if not rows and not errors:
                self.add_error(None, _("Bitte geben Sie mindestens eine Antwortmöglichkeit an."))
            data["choices"] = rows
        return data

    def options(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "required"}


def choice_rows_initial(choices: list[dict]) -> list[dict]:
    rows = [
        {
            "value": str(c.get("value")),
            "label": c.get("label", ""),
            "label_en": c.get("label_en", ""),
        }
        for c in choices
    ]
    rows += [{"value": "", "label": "", "label_en": ""} for _i in range(3)]
    for number, row in enumerate(rows, start=1):
        row["n"] = number
        row["position"] = number
    return rows


def choice_rows_posted(post, original: list[dict]) -> tuple[list[dict], list[str]]:
    """Choice rows from the POST (`choice-<n>-value|label|label_en|position|remove`):
    blank and removed rows are dropped, the rest sorted by position. Existing values keep
    their JSON type (a number stays a number)."""
    by_text = {str(c.get("value")): c.get("value") for c in original}
    rows, errors = [], []
    try:
        count = min(int(post.get("choice-count", "0")), 5000)
    except ValueError:
        count = 0
    seen = set()
    for n in range(1, count + 1):
        value = post.get(f"choice-{n}-value", "").strip()
        label = post.get(f"choice-{n}-label", "").strip()
        label_en = post.get(f"choice-{n}-label_en", "").strip()
        if post.get(f"choice-{n}-remove") or not (value or label):
            continue
        if not label:
            errors.append(_("Antwort %(n)s: bitte eine Beschriftung angeben.") % {"n": n})
            continue
        if not value:
            value = slug(label, fallback=f"option_{n}")
        if len(value) > 200 or len(label) > 1000 or len(label_en) > 1000:
            errors.append(_("Antwort %(n)s ist zu lang.") % {"n": n})
            continue
        if value in seen:
            errors.append(_("Der Wert „%(v)s“ steht zweimal in der Liste.") % {"v": value})
            continue
        seen.add(value)
        try:
            position = float(post.get(f"choice-{n}-position", n) or n)
        except ValueError:
            position = n
        row = {"value": by_text.get(value, value), "label": label}
        if label_en:
            row["label_en"] = label_en
        rows.append((position, n, row))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in rows], errors


# --- condition rows -----------------------------------------------------------------------


def condition_fields(doc: dict, step_limit: int | None, *, exclude=None) -> list[dict]:
    """The fields a condition may ask about: every field of the steps before `step_limit`
    (all steps with None), with groups' children (not those of repeatable groups).
    Each: {"key": "step/field", "path", "label", "type", "options"}."""
    steps = doc.get("steps") if isinstance(doc.get("steps"), list) else []
    defs = doc.get("$defs") if isinstance(doc.get("$defs"), dict) else {}
    result = []
    language = lang()
    for step in steps if step_limit is None else steps[:step_limit]:
        if not isinstance(step, dict) or not isinstance(step.get("id"), str):
            continue
        title = step.get("title") if isinstance(step.get("title"), dict) else {}
        step_title = title.get(language) or title.get("de") or step["id"]
        ui = step.get("ui", {}).get("fields") if isinstance(step.get("ui"), dict) else None

        def walk(fields, prefix, labels):
            for f in fields:
                path = (*prefix, f.name)
                if exclude is not None and path == exclude:
                    continue
                result.append(
                    {
                        "key": "/".join(path),
                        "path": path,
                        "label": " › ".join([*labels, f.label(language)]),
                        "type": f.type,
                        "options": f.options,
                    }
                )
                if f.type == "group":
                    walk(f.children, path, [*labels, f.label(language)])

        walk(build_fields(step.get("schema") or {}, defs, ui), (step["id"],), [step_title])
    return result


def condition_initial(condition: Condition | None, fields: list[dict]) -> list[dict]:
    rows = []
    by_path = {f["path"]: f for f in fields}
    for row in condition.rows if condition else ():
        known = by_path.get(row.path)
        if row.op in NO_VALUE:
            value = ""
        elif row.op == "in":
            value = ", ".join(str(v) for v in row.value)
        elif isinstance(row.value, int | float) and not isinstance(row.value, bool):
            value = format_number(row.value)
        else:
            value = str(row.value)
        rows.append(
            {
                "field": "/".join(row.path),
                "op": row.op,
                "value": value,
                "unknown": known is None,
            }
        )
    rows += [{"field": "", "op": "", "value": "", "unknown": False} for _i in range(BLANK_ROWS)]
    for n, row in enumerate(rows, start=1):
        row["n"] = n
    return rows


def operator_choices(fields) -> list[tuple[str, str]]:
    index = 0 if lang() == "de" else 1
    return [(op, labels[index]) for op, labels in OPERATORS.items()]


def _typed_value(text: str, field: dict):
    kind = field["type"]
    if kind in ("number", "integer"):
        try:
            number = parse_number(text)
        except ValueError:
            number = None
        if number is None:
            raise ConditionError(
                f"„{field['label']}“: bitte eine Zahl angeben.",
                f"“{field['label']}”: please give a number.",
            )
        return number
    if kind in ("choice", "multichoice") and field["options"]:
        for value, label, label_en in field["options"]:
            if text in (str(value), label, label_en):
                return value
        names = ", ".join(str(v) for v, _l, _e in field["options"])
        raise ConditionError(
            f"„{field['label']}“ hat die Antwort „{text}“ nicht (möglich: {names}).",
            f"“{field['label']}” has no answer “{text}” (possible: {names}).",
        )
    return text


def condition_posted(post, fields: list[dict]) -> tuple[Condition | None, list[str]]:
    """The condition from POSTed rows (`cond-<n>-field|op|value|remove`, `cond-combine`),
    or (None, errors)."""
    by_key = {f["key"]: f for f in fields}
    errors: list[str] = []
    rows: list[Row] = []
    try:
        count = min(int(post.get("cond-count", "0")), 200)
    except ValueError:
        count = 0
    language = lang()
    for n in range(1, count + 1):
        key = post.get(f"cond-{n}-field", "")
        op = post.get(f"cond-{n}-op", "")
        text = post.get(f"cond-{n}-value", "").strip()
        if post.get(f"cond-{n}-remove") or not key:
            continue
        field = by_key.get(key)
        try:
            if field is None:
                raise ConditionError(
                    f"Zeile {n}: dieses Feld gibt es hier nicht.",
                    f"Row {n}: there is no such field here.",
                )
            if op not in operators_for(field["type"]):
                raise ConditionError(
                    f"Zeile {n}: „{OPERATORS.get(op, (op,))[0]}“ passt nicht zu „{field['label']}“.",
                    f"Row {n}: “{OPERATORS.get(op, ('', op))[1]}” does not fit “{field['label']}”.",
                )
            if op in NO_VALUE:
                value = None
            elif op == "in":
                parts = [p.strip() for p in text.split(",") if p.strip()]
                value = tuple(_typed_value(p, field) for p in parts)
            else:
                if not text:
                    raise ConditionError(
                        f"Zeile {n}: bitte einen Wert angeben.", f"Row {n}: please give a value."
                    )
                value = _typed_value(text, field)
            row = Row(field["path"], op, value)
            row_schema(row)
            rows.append(row)
        except ConditionError as exc:
            errors.append(exc.message if language == "de" else exc.message_en)
    combine = "any" if post.get("cond-combine") == "any" else "all"
    if errors:
        return None, errors
    return Condition(tuple(rows), combine), []


def fee_amount_sources(doc: dict) -> list[tuple[str, str]]:
    """Where a fee's amount can come from: a fixed amount, a money parameter (each
    municipality sets it) or a computed money value (e.g. Fläche × Tage × Satz)."""
    sources = [("fixed", _("Fester Betrag"))]
    parameters = doc.get("parameters") if isinstance(doc.get("parameters"), dict) else {}
    for name, declaration in parameters.items():
        if isinstance(declaration, dict) and declaration.get("type") == "money":
            label = declaration.get("label") if isinstance(declaration.get("label"), dict) else {}
            sources.append(
                (
                    f"param:{name}",
                    _("Parameter „%(label)s“ (setzt jede Kommune)")
                    % {"label": label.get("de") or name},
                )
            )
    computed = doc.get("computed") if isinstance(doc.get("computed"), dict) else {}
    for name, entry in computed.items():
        if isinstance(entry, dict) and entry.get("type") == "money":
            label = entry.get("label") if isinstance(entry.get("label"), dict) else {}
            sources.append(
                (
                    f"computed:{name}",
                    _("Berechneter Betrag „%(label)s“") % {"label": label.get("de") or name},
                )
            )
    return sources


def fee_form_initial(fee: dict) -> dict:
    label = fee.get("label") if isinstance(fee.get("label"), dict) else {}
    amount = fee.get("amount")
    source = "fixed"
    if isinstance(amount, dict) and len(amount) == 1:
        key, name = next(iter(amount.items()))
        if key in ("$param", "$computed") and isinstance(name, str):
            source = f"{key[1:]}:{name}"
    return {
        "fee_id": fee.get("id", ""),
        "label": label.get("de", ""),
        "label_en": label.get("en", ""),
        "amount_source": source,
        "amount": amount.replace(".", ",") if isinstance(amount, str) else "",
    }


class FeeForm(forms.Form):
    fee_id = forms.CharField(
        label=_("Kennung"),
        max_length=63,
        help_text=_("Kleinbuchstaben, Ziffern und _, z. B. „grundgebuehr“."),
    )
    label = forms.CharField(label=_("Bezeichnung (Deutsch)"), max_length=500)
    label_en = forms.CharField(label=_("Bezeichnung (Englisch)"), max_length=500, required=False)
    amount_source = forms.ChoiceField(
        label=_("Betrag"),
        required=False,
        choices=[("fixed", _("Fester Betrag"))],
        help_text=_(
            "Ein fester Betrag, ein Parameter, den jede Kommune selbst setzt, oder ein "
            "berechneter Betrag (unter „Regeln und Berechnungen“ anlegen)."
        ),
    )
    amount = forms.CharField(
        label=_("Betrag in Euro"),
        max_length=20,
        required=False,
        help_text=_("Nur bei einem festen Betrag, zum Beispiel 12,50."),
    )

    def __init__(self, *args, sources=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sources:
            self.fields["amount_source"].choices = sources

    def clean(self):
        data = super().clean()
        data["amount_source"] = data.get("amount_source") or "fixed"
        if data["amount_source"] == "fixed" and not (data.get("amount") or "").strip():
            self.add_error("amount", _("Bitte geben Sie den Betrag in Euro an, z. B. 12,50."))
        return data

    def amount_value(self, parse_amount):
        """The fee's `amount`: a decimal string, `{"$param": name}` or `{"$computed": name}`."""
        source = self.cleaned_data["amount_source"]
        if source == "fixed":
            return parse_amount(self.cleaned_data["amount"])
        kind, _sep, name = source.partition(":")
        return {f"${kind}": name}


class PolicyForm(forms.Form):
    policy = forms.ChoiceField(
        label=_("Bezahlung"),
        choices=[
            ("none", _("keine Gebühr")),
            ("optional", _("Online-Bezahlung angeboten")),
            ("required", _("vor dem Absenden online bezahlen")),
            ("deferred", _("Rechnung oder Bescheid folgt")),
        ],
    )
