"""The typed activation form of the admin: plugins as choices, their options and the
version's parameters as generated form fields (never raw JSON, never typed ids).

`activation_form_class(...)` builds the form for one request: which municipalities,
authorities and versions may be chosen, which option fields each plugin gets (from its
options JSON Schema) and one field per parameter the version declares. `Activation.clean()`
stays the final check; its messages land on the matching generated field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import jsonschema
from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from forms_engine.core.levels import level_label, level_rank
from forms_engine.core.registry import registry_for
from forms_engine.definitions import parameters as definition_parameters

from .models import Activation, ProcessVersion

PLUGIN_KINDS = {
    # kind → (model field with the plugin id, model field with its options or None)
    "transports": ("transport", "transport_options"),
    "payments": ("payment_backend", "payment_options"),
    "identity": ("identity_backend", None),
}


def _english() -> bool:
    return (get_language() or "de").startswith("en")


def _i18n(value: Any, fallback: str = "") -> str:
    """A definition's i18n text ({"de", "en"} or a string) in the active language."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        text = value.get("en") if _english() else None
        return str(text or value.get("de") or fallback)
    return fallback


def _schema_title(prop: dict, name: str) -> str:
    if _english():
        english = (prop.get("x-en") or {}).get("title") if isinstance(prop, dict) else None
        if english:
            return str(english)
    return str(prop.get("title") or name)


def plugin_label(kind: str, plugin_id: str) -> str:
    try:
        label = getattr(registry_for(kind).get(plugin_id), "label", "")
    except LookupError:
        label = ""
    return f"{label} ({plugin_id})" if label else plugin_id


def plugin_ids(kind: str, current: str = "") -> list[str]:
    """The plugins an administrator may choose: every registered one, demo plugins only
    where demo backends are on (or when already chosen)."""
    registry = registry_for(kind)
    return [
        plugin_id
        for plugin_id in registry
        if plugin_id == current
        or settings.ENABLE_DEMO_BACKENDS
        or not getattr(registry.get(plugin_id), "demo", False)
    ]


def _key(plugin_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", plugin_id)


# --- plugin options from JSON Schema ---------------------------------------------------


@dataclass(frozen=True)
class OptionSpec:
    field_name: str
    option: str
    schema: dict


def _schema_validator(prop: dict, title: str):
    """A form validator that checks one value against its property schema."""
    validator = jsonschema.Draft202012Validator(prop)

    def validate(value):
        for error in validator.iter_errors(value):
            if error.validator == "pattern":
                raise ValidationError(
                    _("Der Wert hat nicht das erwartete Format. / The value has the wrong format."),
                    code="pattern",
                )
            raise ValidationError(
                f"{title}: {error.message}",
                code=str(error.validator),
            )

    return validate


def option_form_field(prop: dict, name: str, initial: Any) -> forms.Field:
    """One form field for an option property: string, number, integer, boolean or enum;
    anything nested (objects, arrays) as a JSON text field. Never required here: the form
    checks required options of the chosen plugin only."""
    prop = prop if isinstance(prop, dict) else {}
    title = _schema_title(prop, name)
    help_text = str(prop.get("description") or "")
    common = {"label": title, "required": False, "help_text": help_text, "initial": initial}
    if name.endswith("_env"):
        common["help_text"] = _(
            "Nur der Name einer Umgebungsvariable des Servers (z. B. EPAYBL_SECRET), nie "
            "das Geheimnis selbst."
        )
    kind = prop.get("type")
    if isinstance(prop.get("enum"), list):
        choices = [("", "–")] + [(str(v), str(v)) for v in prop["enum"]]
        return forms.ChoiceField(choices=choices, **common)
    if kind == "boolean":
        return forms.BooleanField(**common)
    if kind == "integer":
        return forms.IntegerField(
            min_value=prop.get("minimum"), max_value=prop.get("maximum"), **common
        )
    if kind == "number":
        return forms.FloatField(
            min_value=prop.get("minimum"), max_value=prop.get("maximum"), localize=True, **common
        )
    if kind == "string":
        return forms.CharField(
            max_length=prop.get("maxLength"),
            min_length=prop.get("minLength"),
            validators=[_schema_validator(prop, title)],
            **common,
        )
    return OptionalJSONField(widget=forms.Textarea(attrs={"rows": 4}), **common)


class OptionalJSONField(forms.JSONField):
    """A JSON text field that shows nothing (not `null`) while it has no value."""

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)


def option_specs(kind: str, plugins: list[str]) -> dict[str, list[OptionSpec]]:
    """Plugin id → its option fields (plugins without options have none)."""
    _, options_field = PLUGIN_KINDS[kind]
    if options_field is None:
        return {}
    registry = registry_for(kind)
    specs: dict[str, list[OptionSpec]] = {}
    for plugin_id in plugins:
        schema = getattr(registry.get(plugin_id), "options_schema", {}) or {}
        props = schema.get("properties") or {}
        specs[plugin_id] = [
            OptionSpec(f"{kind}__{_key(plugin_id)}__{name}", name, prop)
            for name, prop in props.items()
        ]
    return specs


# --- parameters --------------------------------------------------------------------------


def format_option_list(value: Any) -> str:
    """A `choices` value as lines "value | label de | label en"."""
    if not isinstance(value, list):
        return "" if value in (None, "") else str(value)
    lines = []
    for option in value:
        option = option if isinstance(option, dict) else {}
        label = option.get("label") if isinstance(option.get("label"), dict) else {}
        parts = [str(option.get("value", "")), str(label.get("de", ""))]
        if label.get("en"):
            parts.append(str(label["en"]))
        lines.append(" | ".join(parts))
    return "\n".join(lines)


class OptionListField(forms.CharField):
    """A choice list as text, one option a line: `value | Bezeichnung | English label`
    (English optional). Each line's problem names its line number."""

    widget = forms.Textarea

    def __init__(self, *, declaration: dict, **kwargs):
        self.declaration = declaration
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return format_option_list(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value)
        if not text or not text.strip():
            return None
        options = []
        errors = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
                errors.append(
                    ValidationError(
                        _(
                            "Zeile %(line)s: bitte „Wert | Bezeichnung“ oder „Wert | "
                            "Bezeichnung | englische Bezeichnung“. / Line %(line)s: please "
                            "write “value | label” or “value | label | English label”."
                        ),
                        params={"line": number},
                        code="option_line",
                    )
                )
                continue
            label = {"de": parts[1]}
            if len(parts) == 3 and parts[2]:
                label["en"] = parts[2]
            options.append(({"value": parts[0], "label": label}, number))
        if errors:
            raise ValidationError(errors)
        value = [option for option, _ in options]
        lines = [number for _, number in options]
        problems = definition_parameters.value_problems(self.declaration, value, "")
        if problems:
            messages = []
            for problem in problems:
                index = problem.pointer.strip("/").split("/")[0]
                where = (
                    f"Zeile {lines[int(index)]} / line {lines[int(index)]}: "
                    if index.isdigit() and int(index) < len(lines)
                    else ""
                )
                messages.append(f"{where}{problem.message} / {problem.message_en}")
            raise ValidationError(messages)
        return value


def _money_help(decl: dict) -> str:
    lang = "en" if _english() else "de"
    low, high = (
        definition_parameters.render(decl[key], "money", lang) if _is_amount(decl.get(key)) else ""
        for key in ("minimum", "maximum")
    )
    if low and high:
        return f"{low} – {high}"
    if low:
        return f"≥ {low}"
    if high:
        return f"≤ {high}"
    return ""


def parameter_form_field(name: str, decl: dict, initial: Any) -> forms.Field:
    """One typed form field for a declared parameter (docs/process-format.md, "Parameters")."""
    kind = decl["type"]
    required = "default" not in decl
    label = _i18n(decl.get("label"), name)
    help_parts = [_i18n(decl.get("description"))]
    common: dict[str, Any] = {"label": label, "required": required, "initial": initial}
    if kind == "money":
        help_parts.append(_money_help(decl))
        low, high = decl.get("minimum"), decl.get("maximum")
        amount = definition_parameters.AMOUNT
        field: forms.Field = forms.DecimalField(
            max_digits=11,
            decimal_places=2,
            min_value=Decimal(low) if isinstance(low, str) and amount.match(low) else Decimal(0),
            max_value=Decimal(high) if isinstance(high, str) and amount.match(high) else None,
            localize=True,
            **{**common, "initial": Decimal(initial) if _is_amount(initial) else initial},
        )
    elif kind in ("text", "email", "url"):
        limit = decl.get("max_length")
        limit = limit if isinstance(limit, int) and not isinstance(limit, bool) else None
        limit = min(limit or definition_parameters.TEXT_MAX_LENGTH, 10_000)
        if kind == "email":
            field = forms.EmailField(max_length=limit, **common)
        elif kind == "url":
            field = forms.URLField(max_length=limit, assume_scheme="https", **common)
        else:
            widget = forms.TextInput if limit <= 200 else forms.Textarea(attrs={"rows": 3})
            field = forms.CharField(max_length=limit, widget=widget, **common)
    elif kind == "date":
        low, high = decl.get("minimum"), decl.get("maximum")
        if low or high:
            help_parts.append(f"{low or '…'} – {high or '…'}")
        field = forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            input_formats=["%Y-%m-%d", "%d.%m.%Y"],
            **common,
        )
    else:  # choices
        help_parts.append(
            str(
                _(
                    "Eine Option je Zeile: Wert | Bezeichnung | englische Bezeichnung "
                    "(optional), z. B. „d | Zone D – Hafen | Zone D – harbour“."
                )
            )
        )
        field = OptionListField(declaration=decl, **common)
    if not required:
        help_parts.append(str(_("Leer lassen: der Standardwert der Definition gilt.")))
    field.help_text = " ".join(part for part in help_parts if part)
    return field


def _is_amount(value: Any) -> bool:
    return isinstance(value, str) and bool(definition_parameters.AMOUNT.match(value))


def parameter_value(decl: dict, cleaned: Any) -> Any:
    """The stored value of a cleaned parameter field (None: not set)."""
    if cleaned in (None, "", []):
        return None
    kind = decl["type"]
    if kind == "money":
        return f"{cleaned:.2f}"
    if kind == "date":
        return cleaned.isoformat()
    return cleaned


@dataclass
class FormSpec:
    """What one request's activation form holds."""

    process: Any = None
    parameters_version: ProcessVersion | None = None
    declarations: dict[str, dict] = field(default_factory=dict)
    options: dict[str, dict[str, list[OptionSpec]]] = field(default_factory=dict)
    required_level: str = "none"

    def parameter_field_names(self) -> list[str]:
        return [f"param__{name}" for name in self.declarations]


# --- the form ----------------------------------------------------------------------------


class ActivationAdminForm(forms.ModelForm):
    """Base of the generated forms (see `activation_form_class`)."""

    spec: FormSpec = FormSpec()

    class Meta:
        model = Activation
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        spec = self.spec
        if spec.process is not None and self.instance.process_id is None:
            self.instance.process = spec.process
        self.version_changed = False
        if "parameters_for" in self.fields:
            shown = spec.parameters_version.pk if spec.parameters_version else ""
            if self.is_bound and self.data.get("parameters_for") != str(shown):
                self.version_changed = self.data.get("parameters_for") not in (None, "")
                self.data = self.data.copy()
                self.data["parameters_for"] = str(shown)

    # plugins and options

    def _plugin_options(self, kind: str) -> dict:
        plugin_field, _options = PLUGIN_KINDS[kind]
        plugin_id = self.cleaned_data.get(plugin_field) or ""
        specs = self.spec.options.get(kind, {}).get(plugin_id, [])
        schema = getattr(registry_for(kind).get(plugin_id), "options_schema", {}) if specs else {}
        options: dict = {}
        for spec in specs:
            if spec.field_name in self.errors:
                continue
            value = self.cleaned_data.get(spec.field_name)
            if value in (None, "") and spec.schema.get("type") != "boolean":
                if spec.option in (schema.get("required") or []):
                    self.add_error(
                        spec.field_name,
                        _("Pflichtangabe für diesen Dienst. / Required for this service."),
                    )
                continue
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            options[spec.option] = value
        if plugin_id and specs:
            by_option = {spec.option: spec.field_name for spec in specs}
            for problem in registry_for(kind).validate_options(plugin_id, options):
                option = problem.pointer.strip("/").split("/")[0]
                target = by_option.get(option, plugin_field)
                if target not in self.errors:
                    self.add_error(target, f"{problem.message} / {problem.message_en}")
        return options

    def _drop_unchosen_option_errors(self, cleaned) -> None:
        """Option fields of plugins not chosen are ignored, their errors too."""
        for kind, by_plugin in self.spec.options.items():
            chosen = cleaned.get(PLUGIN_KINDS[kind][0]) or ""
            for plugin_id, specs in by_plugin.items():
                if plugin_id == chosen:
                    continue
                for spec in specs:
                    self._errors.pop(spec.field_name, None)

    def clean(self):
        cleaned = super().clean()
        self._drop_unchosen_option_errors(cleaned)
        instance = self.instance
        if self.spec.process is not None:
            instance.process = self.spec.process
        if self.version_changed:
            self.add_error(
                None,
                _(
                    "Sie haben eine andere Version gewählt. Bitte prüfen Sie die Parameter "
                    "dieser Version und speichern Sie erneut. / You chose another version. "
                    "Please check its parameters and save again."
                ),
            )
        instance.transport_options = self._plugin_options("transports")
        instance.payment_options = (
            self._plugin_options("payments") if cleaned.get("payment_backend") else {}
        )
        values = {}
        for name, decl in self.spec.declarations.items():
            field_name = f"param__{name}"
            if field_name in self.errors:
                continue
            value = parameter_value(decl, cleaned.get(field_name))
            if value is not None:
                values[name] = value
        instance.parameter_values = values
        municipality = cleaned.get("municipality") or getattr(instance, "municipality", None)
        if (
            municipality is not None
            and instance.process_id
            and Activation.objects.filter(process_id=instance.process_id, municipality=municipality)
            .exclude(pk=instance.pk)
            .exists()
        ):
            self.add_error(
                "municipality" if "municipality" in self.fields else None,
                _(
                    "Diese Kommune bietet die Verwaltungsleistung schon an. / This "
                    "municipality already offers the process."
                ),
            )
        return cleaned

    def _update_errors(self, errors):
        """Activation.clean() is the final check: its messages go to the generated field
        they are about; those already reported by a field are not repeated."""
        if hasattr(errors, "error_dict"):
            error_dict = errors.error_dict
        else:
            error_dict = {NON_FIELD_ERRORS: errors.error_list}
        remapped: dict[str, list] = {}
        param_fields = set(self.spec.parameter_field_names())
        for key, messages in error_dict.items():
            if key == "parameter_values":
                if param_fields & set(self.errors):
                    continue
                for message in messages:
                    text = " ".join(message.messages)
                    match = re.match(r"^/([a-z][a-z0-9_]*)", text)
                    target = f"param__{match.group(1)}" if match else None
                    remapped.setdefault(
                        target if target in self.fields else NON_FIELD_ERRORS, []
                    ).append(message)
                continue
            if key in ("transport", "payment_backend"):
                kind = "transports" if key == "transport" else "payments"
                option_fields = {
                    spec.field_name
                    for specs in self.spec.options.get(kind, {}).values()
                    for spec in specs
                }
                if (option_fields | {key}) & set(self.errors):
                    continue
            target = key if key in self.fields else NON_FIELD_ERRORS
            remapped.setdefault(target, []).extend(messages)
        if remapped:
            super()._update_errors(ValidationError(remapped))


def version_title(version: ProcessVersion) -> str:
    """The version's title in the active language, parameter references shown as their
    defaults or placeholders (never raw `{{param:…}}`)."""
    from forms_engine.definitions import DefinitionError

    from .selectors import version_definition

    try:
        return _i18n(version_definition(version).title, version.title)
    except DefinitionError:
        return version.title


def _version_label(version: ProcessVersion) -> str:
    return f"{version.version} – {version_title(version)}"


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _version_label(obj)


class AuthorityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.municipality.name})"


def level_choices(required: str) -> list[tuple[str, str]]:
    lang = "en" if _english() else "de"
    default = _("Wie in der Definition verlangt: %(level)s") % {
        "level": level_label(required, lang)
    }
    return [("", default)] + [
        (level, level_label(level, lang))
        for level in Activation.MIN_LEVELS
        if level_rank(level) >= level_rank(required)
    ]


def activation_form_class(
    *,
    instance: Activation | None,
    spec: FormSpec,
    municipalities,
    authorities,
    versions=None,
) -> type[ActivationAdminForm]:
    """The form class for one request.

    `municipalities`/`authorities`: the querysets the user may choose from (already
    narrowed to what they administer); `versions`: the published versions of the process
    on the add form (None on the change form, where the version is read-only).
    """
    attrs: dict[str, Any] = {"spec": spec}
    if instance is None or instance.pk is None:
        single = list(municipalities[:2])
        attrs["municipality"] = forms.ModelChoiceField(
            queryset=municipalities,
            label=_("Kommune"),
            initial=single[0] if len(single) == 1 else None,
            disabled=len(single) == 1,
        )
    attrs["authority"] = AuthorityChoiceField(
        queryset=authorities,
        label=_("Zuständige Behörde"),
        help_text=_("Nur Behörden der Kommune, die die Leistung anbietet."),
    )
    if versions is not None:
        attrs["version"] = VersionChoiceField(
            queryset=versions,
            label=_("Angebotene Version"),
            initial=spec.parameters_version,
            empty_label=None,
            help_text=_("Nur veröffentlichte Versionen dieser Verwaltungsleistung."),
        )
        attrs["parameters_for"] = forms.CharField(
            widget=forms.HiddenInput,
            label="",
            required=False,
            initial=spec.parameters_version.pk if spec.parameters_version else "",
        )

    current = instance or Activation()
    for kind, (plugin_field, _options) in PLUGIN_KINDS.items():
        chosen = getattr(current, plugin_field, "") or ""
        ids = plugin_ids(kind, chosen)
        choices = [(plugin_id, plugin_label(kind, plugin_id)) for plugin_id in ids]
        model_field = Activation._meta.get_field(plugin_field)
        if kind == "transports":
            # Preselect the stored transport (a new activation: the model default, the
            # built-in inbox), never merely the first registered one.
            field_kwargs = {"required": True, "initial": chosen or model_field.default}
        else:
            empty = (
                _("Kein Bezahldienst (keine Online-Zahlung)")
                if kind == "payments"
                else _("Standard dieser Installation")
            )
            choices = [("", empty), *choices]
            field_kwargs = {"required": False}
        attrs[plugin_field] = forms.ChoiceField(
            choices=choices, label=model_field.verbose_name, **field_kwargs
        )
        stored = getattr(current, _options, None) if _options else None
        for plugin_id, specs in spec.options.get(kind, {}).items():
            for option in specs:
                initial = (
                    stored.get(option.option)
                    if isinstance(stored, dict) and plugin_id == chosen
                    else None
                )
                attrs[option.field_name] = option_form_field(option.schema, option.option, initial)
    attrs["identity_min_level"] = forms.ChoiceField(
        choices=level_choices(spec.required_level),
        required=False,
        label=Activation._meta.get_field("identity_min_level").verbose_name,
    )
    values = current.parameter_values if isinstance(current.parameter_values, dict) else {}
    for name, decl in spec.declarations.items():
        initial = values[name] if name in values else decl.get("default")
        if decl["type"] == "date" and isinstance(initial, str):
            initial = definition_parameters._date(initial)
        attrs[f"param__{name}"] = parameter_form_field(name, decl, initial)
    return type("ActivationForm", (ActivationAdminForm,), attrs)


def option_fields_of(spec: FormSpec, kind: str) -> dict[str, list[str]]:
    return {
        plugin_id: [option.field_name for option in specs]
        for plugin_id, specs in spec.options.get(kind, {}).items()
        if specs
    }


def form_spec(*, process, version: ProcessVersion | None, instance: Activation | None) -> FormSpec:
    """Declarations and option fields for the form of `process` at `version`."""
    from forms_engine.definitions import DefinitionError

    from .selectors import version_definition

    spec = FormSpec(process=process, parameters_version=version)
    if version is not None:
        try:
            definition = version_definition(version)
        except DefinitionError:
            definition = None
        if definition is not None:
            spec.declarations = dict(definition.parameters)
            spec.required_level = definition.identity.get("level", "none") or "none"
    for kind, (plugin_field, _options) in PLUGIN_KINDS.items():
        chosen = getattr(instance, plugin_field, "") if instance is not None else ""
        spec.options[kind] = option_specs(kind, plugin_ids(kind, chosen or ""))
    return spec
