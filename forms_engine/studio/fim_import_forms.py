"""The studio's FIM import form (`views_fim.fim_import_page`): the XDatenfelder XML, any
number of genericode files, the publisher and, optionally, the new process's id."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

#: Upload limits (bytes): the XML message, each genericode file, all of the request.
MAX_XML_BYTES = 10 * 1024 * 1024
MAX_CODELIST_BYTES = 5 * 1024 * 1024
MAX_REQUEST_BYTES = 40 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _too_large(limit: int) -> str:
    return _(
        "Die Datei ist größer als erlaubt (%(limit)s MB). / The file is larger than allowed "
        "(%(limit)s MB)."
    ) % {"limit": limit // (1024 * 1024)}


class FimImportForm(forms.Form):
    publisher = forms.ModelChoiceField(label=_("Herausgeber"), queryset=None, empty_label=None)
    xml = forms.FileField(
        label=_("XDatenfelder-Datei (XML)"),
        help_text=_(
            "Ein Datenschema, eine Datenfeldgruppe oder ein Datenfeld aus dem FIM-Katalog "
            "(XDatenfelder 2.0 oder 3.0.0; 1.0 so gut es geht)."
        ),
    )
    codelists = MultipleFileField(
        label=_("Codelisten (genericode, optional)"),
        required=False,
        help_text=_(
            "Die genericode-Dateien der Codelisten, auf die das Schema verweist; mehrere "
            "Dateien möglich. Fehlende Codelisten erscheinen als offene Punkte."
        ),
    )
    process_id = forms.CharField(
        label=_("Kennung des neuen Prozesses (optional)"),
        max_length=64,
        required=False,
        help_text=_("Leer lassen: die Kennung wird aus der FIM-Kennung gebildet."),
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9-]{2,63}$",
                _("Nur Kleinbuchstaben, Ziffern und Bindestriche, 3 bis 64 Zeichen."),
            )
        ],
    )

    def __init__(self, *args, publishers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publisher"].queryset = publishers

    def clean_xml(self):
        upload = self.cleaned_data.get("xml")
        if upload is not None and upload.size > MAX_XML_BYTES:
            raise forms.ValidationError(_too_large(MAX_XML_BYTES))
        return upload

    def clean_codelists(self):
        uploads = self.cleaned_data.get("codelists") or []
        for upload in uploads:
            if upload.size > MAX_CODELIST_BYTES:
                raise forms.ValidationError(_too_large(MAX_CODELIST_BYTES))
        return uploads
