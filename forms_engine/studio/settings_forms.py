"""Forms of the settings pages: process settings, declarations, parameters.

Every form validates what a person typed and says in words what is wrong; the views turn
valid data into a new document (`settings_edit`) and save it with the revision check."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from forms_engine.definitions import PARAMETER_TYPES

from .settings_edit import (
    EMAIL_FIELD_TYPES,
    IDENTITY_ATTRIBUTES,
    NAME_FIELD_TYPES,
    FieldRef,
    prefill_key,
)

LEIKA = re.compile(r"^99\d{12}$")
SEMVER = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$"
NAME = r"^[a-z][a-z0-9_]{0,62}$"
DECLARATION_ID = r"^[a-z][a-z0-9_-]{0,62}$"


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ProblemsMixin:
    """Problems of the saved document shown at a form field (also on an unbound form)."""

    def add_problem(self, name: str | None, text: str) -> None:
        errors = self.errors  # runs (an empty) validation on unbound forms first
        key = name if name in self.fields else "__all__"
        errors.setdefault(key, self.error_class()).append(text)


class Radio(forms.ChoiceField):
    """A choice shown as radio buttons, each with a plain explanation (`studio/_radios.html`)."""

    def __init__(self, *, options, **kwargs):
        super().__init__(choices=[(value, label) for value, label, _hint in options], **kwargs)
        self.options = options


IDENTITY_LEVELS = [
    (
        "none",
        _("Keine Anmeldung"),
        _("Jede Person kann den Antrag ohne Konto stellen. Es wird nichts geprüft."),
    ),
    (
        "basis",
        _("Niedrig (Basis)"),
        _(
            "Anmeldung mit einem BundID-Konto aus Benutzername und Passwort. Die Angaben "
            "sind nicht amtlich geprüft; die Person kann Nachrichten im Postfach empfangen."
        ),
    ),
    (
        "substanziell",
        _("Substanziell"),
        _(
            "Anmeldung mit einem geprüften Zugang, z. B. ELSTER-Zertifikat. Name, Anschrift "
            "und Geburtsdatum stammen aus einer geprüften Quelle."
        ),
    ),
    (
        "hoch",
        _("Hoch"),
        _(
            "Anmeldung mit dem Online-Ausweis (Personalausweis, eID-Karte oder "
            "Aufenthaltstitel mit PIN). Nötig, wenn das Gesetz die Schriftform verlangt."
        ),
    ),
]

PAYMENT_POLICIES = [
    ("none", _("Keine Gebühr"), _("Der Antrag kostet nichts; es wird nichts berechnet.")),
    (
        "optional",
        _("Online-Zahlung möglich"),
        _("Die Gebühr wird angezeigt; wer möchte, bezahlt gleich online, sonst per Rechnung."),
    ),
    (
        "required",
        _("Online-Zahlung vor dem Absenden"),
        _(
            "Wo die Kommune Online-Zahlung anbietet, wird vor dem Absenden bezahlt; "
            "sonst folgt eine Rechnung."
        ),
    ),
    (
        "deferred",
        _("Bescheid oder Rechnung folgt"),
        _(
            "Nie online bezahlt: Die Person erfährt den Betrag, und die Behörde schickt "
            "später einen Bescheid oder eine Rechnung (z. B. bei Steuern)."
        ),
    ),
]


class SettingsForm(ProblemsMixin, forms.Form):
    title_de = forms.CharField(label=_("Titel (Deutsch)"), max_length=200)
    title_en = forms.CharField(
        label=_("Titel (Englisch)"),
        max_length=200,
        required=False,
        help_text=_("Leer lassen, wenn der Antrag nur auf Deutsch angeboten wird."),
    )
    summary_de = forms.CharField(
        label=_("Kurzbeschreibung (Deutsch)"),
        required=False,
        max_length=2000,
        widget=_textarea(),
        help_text=_("Erscheint im Verzeichnis der Leistungen und auf der Startseite."),
    )
    summary_en = forms.CharField(
        label=_("Kurzbeschreibung (Englisch)"), required=False, max_length=2000, widget=_textarea()
    )
    reference_prefix = forms.CharField(
        label=_("Kürzel für Aktenzeichen"),
        max_length=5,
        help_text=_("2 bis 5 Großbuchstaben, z. B. „SNU“ für SNU-2026-000001."),
        validators=[RegexValidator(r"^[A-Z]{2,5}$", _("2 bis 5 Großbuchstaben."))],
    )
    leika = forms.CharField(
        label=_("LeiKa-Schlüssel"),
        required=False,
        max_length=2000,
        widget=_textarea(2),
        help_text=_(
            "Je Zeile ein Schlüssel aus dem Leistungskatalog: 14 Ziffern, beginnend mit 99."
        ),
    )
    identity_level = Radio(label=_("Anmeldung mit der BundID"), options=IDENTITY_LEVELS)
    schriftform = forms.BooleanField(
        label=_("Das Gesetz verlangt die Schriftform"),
        required=False,
        help_text=_("Dann muss sich die Person mit dem Online-Ausweis anmelden (Niveau „Hoch“)."),
    )
    payment_policy = Radio(label=_("Bezahlung"), options=PAYMENT_POLICIES)
    applicant_name_1 = forms.ChoiceField(label=_("Name der antragstellenden Person (Feld 1)"))
    applicant_name_2 = forms.ChoiceField(
        label=_("Name der antragstellenden Person (Feld 2)"), required=False
    )
    applicant_name_3 = forms.ChoiceField(
        label=_("Name der antragstellenden Person (Feld 3)"), required=False
    )
    applicant_email = forms.ChoiceField(
        label=_("E-Mail-Adresse der antragstellenden Person"),
        required=False,
        help_text=_(
            "An diese Adresse gehen Eingangsbestätigung und Nachrichten. Ohne sie erfährt die "
            "Person nur über den Statuslink von ihrem Antrag."
        ),
    )
    draft_days = forms.IntegerField(
        label=_("Entwürfe aufbewahren (Tage)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("Nicht abgeschickte Anträge werden danach gelöscht. Leer: 30 Tage."),
    )
    case_days = forms.IntegerField(
        label=_("Vorgänge aufbewahren (Tage)"),
        required=False,
        min_value=1,
        max_value=36500,
        help_text=_("Abgeschlossene Vorgänge werden danach gelöscht. Leer: 730 Tage."),
    )
    version = forms.CharField(
        label=_("Versionsnummer"),
        max_length=40,
        help_text=_("HAUPT.NEBEN.KORREKTUR, z. B. 1.2.0."),
        validators=[RegexValidator(SEMVER, _("Drei Zahlen mit Punkten, z. B. 1.2.0."))],
    )

    def __init__(self, *args, fields: list[FieldRef], lang: str = "de", **kwargs):
        super().__init__(*args, **kwargs)
        self.definition_fields = fields
        none = [("", _("– keines –"))]
        initial = kwargs.get("initial") or {}

        def offered(types, *keys):
            # the fields of fitting type, and whatever field the draft names already
            # (so that saving never drops a setting the page does not offer)
            current = {initial.get(key) for key in keys} - {None, ""}
            return none + [
                (f.pointer, f.label) for f in fields if f.type in types or f.pointer in current
            ]

        names = offered(
            NAME_FIELD_TYPES, "applicant_name_1", "applicant_name_2", "applicant_name_3"
        )
        self.fields["applicant_name_1"].choices = names
        self.fields["applicant_name_1"].required = False
        self.fields["applicant_name_2"].choices = names
        self.fields["applicant_name_3"].choices = names
        self.fields["applicant_email"].choices = offered(EMAIL_FIELD_TYPES, "applicant_email")
        attributes = [("", _("– nicht vorbefüllen –"))] + [
            (name, f"{labels[1] if lang == 'en' else labels[0]} ({name})")
            for name, labels in IDENTITY_ATTRIBUTES.items()
        ]
        self.prefill_names = []
        for field in fields:
            key = prefill_key(field.pointer)
            self.fields[key] = forms.ChoiceField(
                label=field.label, choices=attributes, required=False
            )
            self.fields[key].pointer = field.pointer
            self.prefill_names.append(key)

    @property
    def prefill_fields(self):
        return [self[name] for name in self.prefill_names]

    def clean_leika(self):
        keys = []
        for key in re.split(r"[\s,;]+", self.cleaned_data["leika"]):
            if not key:
                continue
            if not LEIKA.match(key):
                raise forms.ValidationError(
                    _("„%(key)s“ ist kein LeiKa-Schlüssel (14 Ziffern, beginnend mit 99)."),
                    params={"key": key[:40]},
                )
            if key not in keys:
                keys.append(key)
        return keys

    def clean(self):
        data = super().clean()
        if data.get("summary_en") and not data.get("summary_de"):
            self.add_error(
                "summary_de", _("Die deutsche Kurzbeschreibung fehlt (die englische ist da).")
            )
        if data.get("schriftform") and data.get("identity_level") not in (None, "hoch"):
            self.add_error(
                "schriftform",
                _("Schriftform braucht die Anmeldung mit dem Online-Ausweis (Niveau „Hoch“)."),
            )
        names = [data.get(f"applicant_name_{i}") for i in (1, 2, 3)]
        chosen = [n for n in names if n]
        if len(chosen) != len(set(chosen)):
            self.add_error("applicant_name_2", _("Ein Feld ist mehrfach als Name gewählt."))
        if names[0] == "" and chosen:
            self.add_error("applicant_name_1", _("Wählen Sie das erste Namensfeld zuerst."))
        return data

    def prefill(self) -> dict[str, str]:
        """Field pointer → attribute for the chosen prefills (after `is_valid`)."""
        return {
            self.fields[name].pointer: self.cleaned_data[name]
            for name in self.prefill_names
            if self.cleaned_data.get(name)
        }


class DeclarationForm(forms.Form):
    ident = forms.CharField(
        label=_("Kennung"),
        max_length=63,
        help_text=_("Kleinbuchstaben, Ziffern, - und _, z. B. „wahrheit“."),
        validators=[
            RegexValidator(
                DECLARATION_ID, _("Nur Kleinbuchstaben, Ziffern, - und _; am Anfang ein Buchstabe.")
            )
        ],
    )
    text_de = forms.CharField(label=_("Text (Deutsch)"), max_length=4000, widget=_textarea())
    text_en = forms.CharField(
        label=_("Text (Englisch)"), max_length=4000, required=False, widget=_textarea()
    )

    def __init__(self, *args, taken: set[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.taken = taken

    def clean_ident(self):
        ident = self.cleaned_data["ident"]
        if ident in self.taken:
            raise forms.ValidationError(_("Diese Kennung hat schon eine andere Erklärung."))
        return ident


PARAMETER_TYPE_LABELS = {
    "money": _("Geldbetrag"),
    "text": _("Text"),
    "email": _("E-Mail-Adresse"),
    "url": _("Internetadresse (URL)"),
    "choices": _("Auswahlliste"),
    "date": _("Datum"),
}
OPTION_ROWS_MIN = 3
OPTION_ROWS_MAX = 300  # three fields each; Django accepts 1,000 fields per request


def money_value(raw: str) -> str | None:
    """'96', '96,5', '1.234,50', '96.00' → '96.00' style text; None if no amount."""
    text = raw.strip().replace("€", "").replace(" ", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", text):
        return None
    try:
        return f"{Decimal(text):.2f}"
    except InvalidOperation:
        return None


def date_value(raw: str) -> str | None:
    """'2027-01-31' or '31.01.2027' → '2027-01-31'; None if no date."""
    text = raw.strip()
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return datetime.date(year, month, day).isoformat()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        return None
    return None


class ParameterForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=63,
        help_text=_("Kleinbuchstaben, Ziffern und _, z. B. „gebuehr_tag“; so heißt er in Texten."),
        validators=[
            RegexValidator(NAME, _("Nur Kleinbuchstaben, Ziffern und _; am Anfang ein Buchstabe."))
        ],
    )
    type = forms.ChoiceField(label=_("Art"), choices=())
    label_de = forms.CharField(
        label=_("Bezeichnung (Deutsch)"),
        max_length=200,
        help_text=_("Danach wird die Verwaltung der Kommune gefragt."),
    )
    label_en = forms.CharField(label=_("Bezeichnung (Englisch)"), max_length=200, required=False)
    description_de = forms.CharField(
        label=_("Erläuterung (Deutsch)"), max_length=2000, required=False, widget=_textarea(2)
    )
    description_en = forms.CharField(
        label=_("Erläuterung (Englisch)"), max_length=2000, required=False, widget=_textarea(2)
    )
    required = forms.BooleanField(
        label=_("Muss jede Kommune setzen"),
        required=False,
        help_text=_("Dann gibt es keinen Standardwert: ohne eigenen Wert kein Angebot."),
    )
    default = forms.CharField(
        label=_("Standardwert"),
        max_length=10000,
        required=False,
        help_text=_(
            "Gilt, wenn die Kommune nichts eigenes setzt. Betrag wie 96,00; Datum wie 31.12.2027. "
            "Bei einer Auswahlliste: die Optionen unten."
        ),
    )
    minimum = forms.CharField(
        label=_("Mindestens"),
        max_length=20,
        required=False,
        help_text=_("Nur bei Geldbetrag und Datum."),
    )
    maximum = forms.CharField(
        label=_("Höchstens"),
        max_length=20,
        required=False,
        help_text=_("Nur bei Geldbetrag und Datum."),
    )
    max_length = forms.IntegerField(
        label=_("Höchstzahl Zeichen"),
        required=False,
        min_value=1,
        max_value=10000,
        help_text=_("Nur bei Text, E-Mail-Adresse und URL."),
    )

    def __init__(self, *args, taken: set[str] = frozenset(), option_rows: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.taken = taken
        self.fields["type"].choices = [(t, PARAMETER_TYPE_LABELS[t]) for t in PARAMETER_TYPES]
        initial_options = (kwargs.get("initial") or {}).get("options") or []
        # the existing options and three empty rows (after each save there are three more)
        self.option_count = min(
            max(option_rows, len(initial_options) + OPTION_ROWS_MIN), OPTION_ROWS_MAX
        )
        for i in range(self.option_count):
            initial = initial_options[i] if i < len(initial_options) else {}
            for key, label in (
                ("value", _("Wert")),
                ("label_de", _("Bezeichnung (Deutsch)")),
                ("label_en", _("Bezeichnung (Englisch)")),
            ):
                self.fields[f"option_{i}_{key}"] = forms.CharField(
                    label=label, max_length=1000, required=False, initial=initial.get(key, "")
                )

    @property
    def option_rows(self):
        return [
            {
                "number": i + 1,
                "value": self[f"option_{i}_value"],
                "label_de": self[f"option_{i}_label_de"],
                "label_en": self[f"option_{i}_label_en"],
            }
            for i in range(self.option_count)
        ]

    def clean_name(self):
        name = self.cleaned_data["name"]
        if name in self.taken:
            raise forms.ValidationError(_("Einen Parameter mit diesem Namen gibt es schon."))
        return name

    def _bound(self, key: str, kind: str) -> str | None:
        raw = self.cleaned_data.get(key) or ""
        if not raw.strip():
            return None
        if kind not in ("money", "date"):
            self.add_error(key, _("Mindest- und Höchstwerte gibt es nur bei Geldbetrag und Datum."))
            return None
        value = money_value(raw) if kind == "money" else date_value(raw)
        if value is None:
            self.add_error(
                key,
                _("Kein Betrag (z. B. 96,00).")
                if kind == "money"
                else _("Kein Datum (TT.MM.JJJJ)."),
            )
        return value

    def options(self) -> list[dict]:
        result, seen = [], set()
        for i in range(self.option_count):
            value = (self.cleaned_data.get(f"option_{i}_value") or "").strip()
            label_de = (self.cleaned_data.get(f"option_{i}_label_de") or "").strip()
            label_en = (self.cleaned_data.get(f"option_{i}_label_en") or "").strip()
            if not (value or label_de or label_en):
                continue
            if not value or not label_de:
                self.add_error(
                    f"option_{i}_value" if not value else f"option_{i}_label_de",
                    _("Eine Option braucht einen Wert und eine deutsche Bezeichnung."),
                )
                continue
            if len(value) > 200:
                self.add_error(f"option_{i}_value", _("Ein Wert hat höchstens 200 Zeichen."))
                continue
            if value in seen:
                self.add_error(f"option_{i}_value", _("Dieser Wert kommt doppelt vor."))
                continue
            seen.add(value)
            label = {"de": label_de}
            if label_en:
                label["en"] = label_en
            result.append({"value": value, "label": label})
        return result

    def clean(self):
        data = super().clean()
        kind = data.get("type")
        if not kind:
            return data
        decl: dict = {"type": kind}
        label = {"de": (data.get("label_de") or "").strip()}
        if (data.get("label_en") or "").strip():
            label["en"] = data["label_en"].strip()
        decl["label"] = label
        if (data.get("description_de") or "").strip():
            description = {"de": data["description_de"].strip()}
            if (data.get("description_en") or "").strip():
                description["en"] = data["description_en"].strip()
            decl["description"] = description
        elif (data.get("description_en") or "").strip():
            self.add_error("description_de", _("Die deutsche Erläuterung fehlt."))
        low, high = self._bound("minimum", kind), self._bound("maximum", kind)
        if low is not None:
            decl["minimum"] = low
        if high is not None:
            decl["maximum"] = high
        if data.get("max_length") is not None:
            if kind in ("text", "email", "url"):
                decl["max_length"] = data["max_length"]
            else:
                self.add_error(
                    "max_length", _("Eine Höchstzahl Zeichen gibt es nur bei Text, E-Mail und URL.")
                )
        raw_default = (data.get("default") or "").strip()
        options = self.options()
        if not data.get("required"):
            if kind == "choices":
                if raw_default:
                    self.add_error(
                        "default", _("Die Optionen einer Auswahlliste stehen in den Zeilen unten.")
                    )
                elif not options:
                    self.add_error(
                        "option_0_value",
                        _(
                            "Geben Sie mindestens eine Option an oder kreuzen Sie "
                            "„Muss jede Kommune setzen“ an."
                        ),
                    )
                else:
                    decl["default"] = options
            elif not raw_default:
                self.add_error(
                    "default",
                    _(
                        "Geben Sie einen Standardwert an oder kreuzen Sie „Muss jede Kommune setzen“ an."
                    ),
                )
            elif kind == "money":
                value = money_value(raw_default)
                if value is None:
                    self.add_error("default", _("Kein Betrag (z. B. 96,00)."))
                decl["default"] = value
            elif kind == "date":
                value = date_value(raw_default)
                if value is None:
                    self.add_error("default", _("Kein Datum (TT.MM.JJJJ)."))
                decl["default"] = value
            else:
                decl["default"] = raw_default
        elif raw_default or (kind == "choices" and options):
            self.add_error(
                "default",
                _("Ein Parameter, den jede Kommune setzen muss, hat keinen Standardwert."),
            )
        self.declaration = decl
        return data
