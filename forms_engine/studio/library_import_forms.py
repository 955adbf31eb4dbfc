"""The forms of the bundle import wizard (`library_import.py`): upload (verified completely
on validation), preview (confirm the changes), offers (per process and municipality),
confirm."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext_lazy as _

from forms_engine.catalog.admin_forms import parameter_form_field, parameter_value
from forms_engine.catalog.models import Activation, Authority, Municipality
from forms_engine.definitions import parameter_values_check
from forms_engine.library.archive import ArchiveLimits
from forms_engine.library.offers import Offer
from forms_engine.library.services import BundleRefused, ImportPlan, bundle_plan

from .settings_forms import Radio


def max_bundle_bytes() -> int:
    return ArchiveLimits().max_archive_bytes


class BundleUploadForm(forms.Form):
    """Step 1: the bundle file. Valid only when `bundle_plan` accepts it (signature, trust
    store, hashes, definitions, versions); `plan`, `bundle_bytes`, `bundle_name` then hold
    the result. Without a new file the bundle already verified in this wizard is checked
    again (going back to this step, and the final revalidation)."""

    bundle = forms.FileField(
        label=_("Bündel-Datei (.zip)"),
        required=False,
        help_text=_("Ein signiertes Bündel eines Herausgebers aus dem Vertrauensspeicher."),
    )
    allow_unsigned = forms.BooleanField(
        label=_("Unsigniertes Bündel zulassen (nur lokale Tests)"), required=False
    )

    def __init__(
        self,
        *args,
        stored: bytes | None = None,
        stored_name: str = "",
        refusal=None,
        unsigned_possible: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.stored = stored
        self.stored_name = stored_name
        self.refusal = refusal
        self.plan: ImportPlan | None = None
        self.bundle_bytes: bytes | None = None
        self.bundle_name = ""
        if not unsigned_possible:
            del self.fields["allow_unsigned"]

    def clean(self):
        cleaned = super().clean()
        if self.refusal is not None:
            self.add_error("bundle", f"{self.refusal.message} / {self.refusal.message_en}")
            return cleaned
        upload = cleaned.get("bundle")
        if upload:
            limit = max_bundle_bytes()
            if upload.size > limit:
                self.add_error(
                    "bundle",
                    _(
                        "Die Datei ist größer als erlaubt (%(limit)s MB). / The file is larger "
                        "than allowed (%(limit)s MB)."
                    )
                    % {"limit": limit // (1024 * 1024)},
                )
                return cleaned
            if not (upload.name or "").lower().endswith(".zip"):
                self.add_error(
                    "bundle",
                    _(
                        "Bitte laden Sie ein Bündel als .zip-Datei hoch. / Please upload a "
                        "bundle as a .zip file."
                    ),
                )
                return cleaned
            data = b"".join(upload.chunks())
            name = upload.name
        elif self.stored:
            data, name = self.stored, self.stored_name
        else:
            self.add_error(
                "bundle",
                _("Bitte wählen Sie die Bündel-Datei (.zip) aus. / Please choose the bundle file."),
            )
            return cleaned
        try:
            self.plan = bundle_plan(data, allow_unsigned=bool(cleaned.get("allow_unsigned")))
        except BundleRefused as exc:
            self.add_error("bundle", f"{exc.message} / {exc.message_en}")
            return cleaned
        self.bundle_bytes = data
        self.bundle_name = name[:200]
        return cleaned


class PreviewForm(forms.Form):
    """Step 2: the verified plan is shown; the person confirms having read it."""

    confirmed = forms.BooleanField(
        label=_("Ich habe die Änderungen geprüft"),
        error_messages={
            "required": _(
                "Bitte bestätigen Sie, dass Sie die Änderungen geprüft haben. / Please confirm "
                "that you have checked the changes."
            )
        },
    )


class ConfirmForm(forms.Form):
    """Step 4: nothing to enter; the summary is shown and the import starts on submit."""


@dataclass
class OfferSection:
    """One process version of the bundle (new or updated) in one municipality."""

    process: str
    version: str
    title: str
    action: str  # "new" or "update" (of the bundle's item)
    municipality: Municipality
    authorities: list[Authority]
    declarations: dict
    doc: dict
    existing: Activation | None = None
    fields: dict = field(default_factory=dict)  # role → form field name

    @property
    def key(self) -> str:
        return f"{self.process}__{self.municipality.slug}"


OFFER_CHOICES = [
    ("nein", _("Nicht anbieten"), _("Die Kommune bietet die Verwaltungsleistung nicht an.")),
    (
        "ja",
        _("Anbieten"),
        _("Die Kommune bietet diese Version mit ihrer Behörde und ihren Werten an."),
    ),
]


class OffersForm(forms.Form):
    """Step 3: per section either "nicht anbieten" (default) or an offering with authority,
    typed parameter fields (the admin's `parameter_form_field`) and "follow patches"; for a
    municipality already offering the process: move its offering now (default: no)."""

    def __init__(self, *args, sections: list[OfferSection] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = list(sections)
        self.offers: list[Offer] = []
        for section in self.sections:
            key = section.key
            if section.existing is not None:
                name = f"{key}__move"
                self.fields[name] = forms.BooleanField(
                    label=_("Angebot jetzt auf die neue Version umstellen"),
                    required=False,
                    help_text=_(
                        "Sonst bleibt das Angebot bei Version %(version)s; die gespeicherten "
                        "Parameterwerte bleiben erhalten."
                    )
                    % {
                        "version": section.existing.version.version
                        if section.existing.version
                        else "–"
                    },
                )
                section.fields = {"move": name}
                continue
            names = {"offer": f"{key}__offer", "authority": f"{key}__authority"}
            self.fields[names["offer"]] = Radio(
                options=OFFER_CHOICES,
                initial="nein",
                required=False,  # not chosen: "nein"
                label=_("Angebot in %(municipality)s")
                % {"municipality": section.municipality.name},
            )
            self.fields[names["authority"]] = forms.ChoiceField(
                choices=[("", _("Bitte wählen"))]
                + [(str(a.pk), a.name) for a in section.authorities],
                required=False,
                label=_("Zuständige Behörde"),
            )
            params = []
            for param, decl in section.declarations.items():
                field_name = f"{key}__param__{param}"
                form_field = parameter_form_field(param, decl, decl.get("default"))
                form_field.required = False  # required only when offering (clean)
                self.fields[field_name] = form_field
                params.append((param, field_name))
            names["params"] = params
            names["follow"] = f"{key}__follow"
            self.fields[names["follow"]] = forms.BooleanField(
                label=Activation._meta.get_field("follow_patches").verbose_name,
                help_text=Activation._meta.get_field("follow_patches").help_text,
                required=False,
            )
            section.fields = names

    def bound_sections(self) -> list[dict]:
        """The sections with their bound fields, for the template."""
        out = []
        for section in self.sections:
            names = section.fields
            item = {"section": section}
            for role in ("move", "offer", "authority", "follow"):
                if role in names:
                    item[role] = self[names[role]]
            item["params"] = [self[name] for _param, name in names.get("params", [])]
            out.append(item)
        return out

    def clean(self):
        cleaned = super().clean()
        offers: list[Offer] = []
        for section in self.sections:
            names = section.fields
            if "move" in names:
                if cleaned.get(names["move"]):
                    stored = section.existing.parameter_values
                    stored = stored if isinstance(stored, dict) else {}
                    kept = {k: v for k, v in stored.items() if k in section.declarations}
                    problems = parameter_values_check(section.doc, kept)
                    if problems:
                        self.add_error(
                            names["move"],
                            _(
                                "Die gespeicherten Parameterwerte passen nicht zur neuen "
                                "Version: %(problems)s"
                            )
                            % {
                                "problems": "; ".join(f"{p.pointer}: {p.message}" for p in problems)
                            },
                        )
                        continue
                    offers.append(
                        Offer(
                            process=section.process,
                            version=section.version,
                            municipality_id=section.municipality.pk,
                            move=True,
                        )
                    )
                continue
            param_fields = [name for _param, name in names["params"]]
            if cleaned.get(names["offer"]) != "ja":
                for name in [*param_fields, names["authority"], names["follow"]]:
                    self._errors.pop(name, None)
                continue
            authority = next(
                (a for a in section.authorities if str(a.pk) == cleaned.get(names["authority"])),
                None,
            )
            if authority is None:
                self.add_error(
                    names["authority"],
                    _("Bitte wählen Sie die zuständige Behörde. / Please choose the authority."),
                )
            values = {}
            missing = False
            for param, name in names["params"]:
                if name in self.errors:
                    missing = True
                    continue
                decl = section.declarations[param]
                value = parameter_value(decl, cleaned.get(name))
                if value is None:
                    if "default" not in decl:
                        self.add_error(
                            name, _("Bitte geben Sie einen Wert an. / Please enter a value.")
                        )
                        missing = True
                    continue
                values[param] = value
            if missing or authority is None:
                continue
            problems = parameter_values_check(section.doc, values)
            for problem in problems:
                param = problem.pointer.strip("/").split("/")[0]
                target = f"{section.key}__param__{param}"
                self.add_error(
                    target if target in self.fields else None,
                    f"{problem.message} / {problem.message_en}",
                )
            if problems:
                continue
            offers.append(
                Offer(
                    process=section.process,
                    version=section.version,
                    municipality_id=section.municipality.pk,
                    authority_id=authority.pk,
                    parameter_values=values,
                    follow_patches=bool(cleaned.get(names["follow"])),
                )
            )
        self.offers = offers
        return cleaned
