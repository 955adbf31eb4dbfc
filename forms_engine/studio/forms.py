from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from forms_engine.catalog.models import Process


class NewProcessForm(forms.Form):
    publisher = forms.ModelChoiceField(label=_("Herausgeber"), queryset=None, empty_label=None)
    title_de = forms.CharField(label=_("Titel (Deutsch)"), max_length=200)
    title_en = forms.CharField(
        label=_("Titel (Englisch)"),
        max_length=200,
        required=False,
        help_text=_("Leer lassen, wenn der Antrag nur auf Deutsch angeboten wird."),
    )
    identifier = forms.CharField(
        label=_("Kennung"),
        max_length=64,
        help_text=_(
            "Kleinbuchstaben, Ziffern und Bindestriche, z. B. „sondernutzung-strasse“. "
            "Bleibt über alle Versionen gleich."
        ),
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9-]{2,63}$",
                _("Nur Kleinbuchstaben, Ziffern und Bindestriche, 3 bis 64 Zeichen."),
            )
        ],
    )
    reference_prefix = forms.CharField(
        label=_("Kürzel für Aktenzeichen"),
        max_length=5,
        help_text=_("2 bis 5 Großbuchstaben, z. B. „SNU“ für SNU-2026-000001."),
        validators=[RegexValidator(r"^[A-Z]{2,5}$", _("2 bis 5 Großbuchstaben."))],
    )

    def __init__(self, *args, publishers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publisher"].queryset = publishers

    def clean(self):
        data = super().clean()
        publisher, identifier = data.get("publisher"), data.get("identifier")
        if (
            publisher
            and identifier
            and Process.objects.filter(publisher=publisher, identifier=identifier).exists()
        ):
            self.add_error("identifier", _("Diese Kennung hat der Herausgeber schon vergeben."))
        return data
