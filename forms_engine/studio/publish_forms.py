"""Forms of the publish and approval pages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forms_engine.catalog.services import RETIRE_GRACE_DAYS, RETIRE_GRACE_MAX_DAYS

BERLIN = ZoneInfo("Europe/Berlin")


class DateWidget(forms.DateInput):
    input_type = "date"


class TimeWidget(forms.TimeInput):
    input_type = "time"


class ScheduleForm(forms.Form):
    """Publish later: a date and a time in Europe/Berlin, in the future."""

    date = forms.DateField(label=_("Datum"), widget=DateWidget(format="%Y-%m-%d"))
    time = forms.TimeField(
        label=_("Uhrzeit (deutsche Zeit)"),
        widget=TimeWidget(format="%H:%M"),
    )

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("time"):
            at = dt.datetime.combine(data["date"], data["time"]).replace(tzinfo=BERLIN)
            if at <= timezone.now() + dt.timedelta(minutes=1):
                raise forms.ValidationError(
                    _("Der Zeitpunkt muss in der Zukunft liegen. / The time must be in the future.")
                )
            data["at"] = at
        return data


class RetireForm(forms.Form):
    grace_days = forms.IntegerField(
        label=_("Frist für begonnene Anträge (Tage)"),
        min_value=0,
        max_value=RETIRE_GRACE_MAX_DAYS,
        initial=RETIRE_GRACE_DAYS,
        help_text=_(
            "So viele Tage können Bürgerinnen und Bürger begonnene Anträge noch abschicken "
            "(0 bis 366)."
        ),
    )


class ApprovalRequestForm(forms.Form):
    comment = forms.CharField(
        label=_("Kommentar für die Freigabe"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Begründung"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Bei einer Ablehnung nötig."),
    )
