"""Forms of the rules page: one form per rule template (built from `RULE_TEMPLATES`, so a
new template needs no new form) and the expert forms that show the expression text."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from forms_engine.definitions import COMPUTED_TYPES, RULE_TEMPLATES, rule_template_fields

RULE_ID = r"^[a-z][a-z0-9_-]{0,62}$"
COMPUTED_NAME = r"^[a-z][a-z0-9_]{0,62}$"
FACTOR_ROWS_MIN = 3
FACTOR_ROWS_MAX = 10
COMPUTED_TYPE_LABELS = {
    "money": _("Betrag in Euro"),
    "number": _("Zahl"),
    "integer": _("Ganze Zahl"),
    "date": _("Datum"),
}


def _text(value: dict, lang: str) -> str:
    return value.get(lang) or value.get("de") or ""


def _area(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def field_choices(doc: dict, lang: str, types=None) -> list[tuple[str, str]]:
    return [
        (pointer, f"{label_en if lang == 'en' else label_de} ({pointer})")
        for pointer, label_de, label_en, _type in rule_template_fields(doc, types)
    ]


def factor_choices(
    doc: dict, lang: str, types, exclude: str | None = None
) -> list[tuple[str, str]]:
    """Number fields, money parameters and computed numbers a product may multiply (not the
    value `exclude` itself)."""
    choices = [("", _("– kein Faktor –"))]
    choices += [
        (p, _("Feld: %(label)s") % {"label": label}) for p, label in field_choices(doc, lang, types)
    ]
    for name, decl in (doc.get("parameters") or {}).items():
        if isinstance(decl, dict) and decl.get("type") == "money":
            label = _text(decl.get("label") or {}, lang) or name
            choices.append((f"param:{name}", _("Parameter: %(label)s") % {"label": label}))
    for name, entry in (doc.get("computed") or {}).items():
        if name == exclude:
            continue
        if isinstance(entry, dict) and entry.get("type") in ("money", "number", "integer"):
            label = _text(entry.get("label") or {}, lang) or name
            choices.append(
                (f"computed:{name}", _("Berechneter Wert: %(label)s") % {"label": label})
            )
    return choices


class TemplateForm(forms.Form):
    """The inputs of one `RULE_TEMPLATES` entry: `values()` gives what `rule_template_build`
    takes; `place(value name)` the form field a problem at `/<value name>` belongs to."""

    def __init__(
        self,
        *args,
        kind: str,
        doc: dict,
        lang: str = "de",
        factor_rows: int = 0,
        exclude: str | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.spec = RULE_TEMPLATES[kind]
        self.factor_names: list[str] = []
        for value in self.spec["values"]:
            name, label = value["name"], value["en" if lang == "en" else "de"]
            required = not value.get("optional")
            kind_ = value["input"]
            if kind_ == "name":
                pattern = COMPUTED_NAME if kind == "computed_product" else RULE_ID
                self.fields[name] = forms.CharField(
                    label=label,
                    max_length=63,
                    validators=[
                        RegexValidator(
                            pattern,
                            _(
                                "Kleinbuchstaben, Ziffern und _ (bei Regeln auch -); am Anfang ein Buchstabe."
                            ),
                        )
                    ],
                    help_text=(
                        _("Kurz und eindeutig, z. B. „gebuehr“; eine Gebühr nennt ihn so.")
                        if kind == "computed_product"
                        else _("Kurz und eindeutig, z. B. „ende-nach-beginn“.")
                    ),
                )
            elif kind_ == "field":
                choices = field_choices(doc, lang, value.get("types"))
                if not required:
                    choices = [("", _("– beim ersten Feld –"))] + choices
                self.fields[name] = forms.ChoiceField(
                    label=label, choices=choices, required=required
                )
            elif kind_ == "choice":
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    choices=[(v, _text(text, lang)) for v, text in value["choices"]],
                )
            elif kind_ == "integer":
                self.fields[name] = forms.IntegerField(
                    label=label, min_value=value.get("minimum"), max_value=value.get("maximum")
                )
            elif kind_ == "i18n":
                self.fields[f"{name}_de"] = forms.CharField(
                    label=_("%(label)s (Deutsch)") % {"label": label},
                    max_length=1000,
                    widget=_area(),
                )
                self.fields[f"{name}_en"] = forms.CharField(
                    label=_("%(label)s (Englisch)") % {"label": label},
                    max_length=1000,
                    required=False,
                    widget=_area(),
                )
            elif kind_ == "factors":
                initial = (kwargs.get("initial") or {}).get(name) or []
                rows = min(max(factor_rows, len(initial) + 1, FACTOR_ROWS_MIN), FACTOR_ROWS_MAX)
                choices = factor_choices(doc, lang, value.get("types"), exclude)
                for i in range(rows):
                    key = f"{name}_{i}"
                    self.fields[key] = forms.ChoiceField(
                        label=_("Faktor %(n)s") % {"n": i + 1},
                        choices=choices,
                        required=False,
                        initial=initial[i] if i < len(initial) else "",
                    )
                    self.factor_names.append(key)

    def values(self) -> dict:
        """The template values of the cleaned data."""
        values = {}
        for value in self.spec["values"]:
            name, kind_ = value["name"], value["input"]
            if kind_ == "i18n":
                values[name] = {
                    "de": self.cleaned_data.get(f"{name}_de", ""),
                    "en": self.cleaned_data.get(f"{name}_en", ""),
                }
            elif kind_ == "factors":
                values[name] = [
                    self.cleaned_data[k] for k in self.factor_names if self.cleaned_data.get(k)
                ]
            else:
                values[name] = self.cleaned_data.get(name)
        return values

    def place(self, pointer: str) -> str | None:
        """The form field of a template problem at `/<value name>[/<index>]`."""
        parts = pointer.strip("/").split("/")
        name = parts[0] if parts else ""
        if name in self.fields:
            return name
        if f"{name}_de" in self.fields:
            return f"{name}_de"
        if self.factor_names and name == "factors":
            if len(parts) > 1 and parts[1].isdigit():
                filled = [k for k in self.factor_names if self.cleaned_data.get(k)]
                index = int(parts[1])
                return filled[index] if index < len(filled) else self.factor_names[0]
            return self.factor_names[0]
        return None

    @staticmethod
    def initial_from(kind: str, values: dict) -> dict:
        """Form initial data from template values (`rule_template_match`)."""
        initial = {}
        for value in RULE_TEMPLATES[kind]["values"]:
            name = value["name"]
            got = values.get(name)
            if value["input"] == "i18n":
                got = got if isinstance(got, dict) else {}
                initial[f"{name}_de"] = got.get("de", "")
                initial[f"{name}_en"] = got.get("en", "")
            elif got is not None:
                initial[name] = got
        return initial


class ExpertRuleForm(forms.Form):
    id = forms.CharField(
        label=_("Kennung der Regel"),
        max_length=63,
        validators=[
            RegexValidator(
                RULE_ID, _("Kleinbuchstaben, Ziffern, - und _; am Anfang ein Buchstabe.")
            )
        ],
    )
    check = forms.CharField(
        label=_("Bedingung (CEL-Ausdruck, muss wahr sein)"),
        max_length=4000,
        widget=_area(3),
        help_text=_(
            "Zum Beispiel answers.nutzung.ende >= answers.nutzung.beginn. Es gibt answers, "
            "today, params und computed sowie date(), addDays() und daysBetween()."
        ),
    )
    pointer = forms.ChoiceField(label=_("Meldung zeigen bei"))
    message_de = forms.CharField(label=_("Meldung (Deutsch)"), max_length=1000, widget=_area())
    message_en = forms.CharField(
        label=_("Meldung (Englisch)"), max_length=1000, required=False, widget=_area()
    )

    def __init__(self, *args, doc: dict, lang: str = "de", **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for step in doc.get("steps") or []:
            if isinstance(step, dict) and isinstance(step.get("id"), str):
                title = _text(step.get("title") or {}, lang) or step["id"]
                choices.append(
                    (
                        f"/{step['id']}",
                        _("Schritt: %(t)s (/%(id)s)") % {"t": title, "id": step["id"]},
                    )
                )
        choices += field_choices(doc, lang)
        current = (kwargs.get("initial") or {}).get("pointer")
        if current and current not in dict(choices):
            choices.append((current, current))
        self.fields["pointer"].choices = sorted(choices, key=lambda c: c[0])

    PLACES = {
        "id": "id",
        "check": "check",
        "pointer": "pointer",
        "message": "message_de",
        "when": None,
    }


class ExpertComputedForm(forms.Form):
    name = forms.CharField(
        label=_("Name des Werts"),
        max_length=63,
        validators=[
            RegexValidator(
                COMPUTED_NAME, _("Kleinbuchstaben, Ziffern und _; am Anfang ein Buchstabe.")
            )
        ],
        help_text=_("Gebühren nutzen ihn als berechneten Betrag, Regeln als computed.<Name>."),
    )
    expression = forms.CharField(
        label=_("Berechnung (CEL-Ausdruck)"),
        max_length=4000,
        widget=_area(3),
        help_text=_("Zum Beispiel daysBetween(answers.nutzung.beginn, answers.nutzung.ende) + 1."),
    )
    type = forms.ChoiceField(
        label=_("Ergebnis"),
        choices=[(kind, COMPUTED_TYPE_LABELS[kind]) for kind in COMPUTED_TYPES],
    )
    label_de = forms.CharField(label=_("Bezeichnung (Deutsch)"), max_length=200)
    label_en = forms.CharField(label=_("Bezeichnung (Englisch)"), max_length=200, required=False)

    PLACES = {"expression": "expression", "type": "type", "label": "label_de"}
