"""Forms of the studio's library pages: catalog filters, trust store, export."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from forms_engine.library.selectors import topic_choices


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label=_("Titel enthält"), required=False, max_length=200)
    topic = forms.ChoiceField(label=_("Thema"), required=False)
    leika = forms.CharField(
        label=_("LeiKa-Schlüssel"),
        required=False,
        max_length=20,
        help_text=_("Ganzer Schlüssel oder sein Anfang, z. B. 99050012."),
    )
    publisher = forms.ChoiceField(label=_("Herausgeber"), required=False)

    def __init__(self, *args, publishers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", _("Alle Themen")), *topic_choices(get_language())]
        self.fields["publisher"].choices = [
            ("", _("Alle Herausgeber")),
            *((p.slug, p.name) for p in publishers),
        ]

    def clean_leika(self):
        value = "".join((self.cleaned_data.get("leika") or "").split())
        if value and not re.fullmatch(r"\d{1,14}", value):
            raise forms.ValidationError(
                _("Ein LeiKa-Schlüssel besteht aus bis zu 14 Ziffern."), code="leika"
            )
        return value

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class TrustedKeyForm(forms.Form):
    publisher_slug = forms.CharField(
        label=_("Herausgeber-Kennung"),
        max_length=100,
        help_text=_("Die Kennung im Manifest der Bündel, z. B. „kreis-beispiel“."),
    )
    publisher_name = forms.CharField(label=_("Name des Herausgebers"), max_length=200)
    public_key = forms.CharField(
        label=_("Öffentlicher Schlüssel (Base64)"),
        max_length=200,
        help_text=_("44 Zeichen, wie `manage.py bundle_keygen` sie ausgibt."),
    )
    note = forms.CharField(
        label=_("Notiz"),
        max_length=200,
        required=False,
        help_text=_("Z. B. wie und mit wem der Fingerabdruck abgeglichen wurde."),
    )


class TrustedKeyConfirmForm(TrustedKeyForm):
    """The preview's hidden fields, the fingerprint shown and the confirmation."""

    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64)
    confirmed = forms.BooleanField(
        label=_(
            "Ich habe den Fingerabdruck auf einem anderen Weg (z. B. Telefon, Brief) mit dem "
            "Herausgeber abgeglichen; er stimmt überein."
        ),
        error_messages={
            "required": _("Bitte bestätigen Sie, dass der Fingerabdruck übereinstimmt.")
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("publisher_slug", "publisher_name", "public_key", "note"):
            self.fields[name].widget = forms.HiddenInput()


class RevokeKeyForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund des Widerrufs"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Bitte geben Sie einen Grund für den Widerruf an.")},
    )
    confirmed = forms.BooleanField(
        label=_(
            "Ja, diesen Schlüssel widerrufen. Bündel, die damit signiert sind, werden ab "
            "sofort abgelehnt."
        ),
        error_messages={"required": _("Bitte bestätigen Sie den Widerruf.")},
    )

    def clean_reason(self):
        reason = (self.cleaned_data.get("reason") or "").replace("\x00", "").strip()
        if not reason:
            raise forms.ValidationError(_("Bitte geben Sie einen Grund für den Widerruf an."))
        return reason
