"""Forms of the clerk pages: inbox filters and the case actions (parsing only)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from forms_engine.cases.models import Case
from forms_engine.cases.postbox import BODY_MAX, SUBJECT_MAX
from forms_engine.cases.workflow import MESSAGE_MAX, NOTE_MAX

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]


class InboxFilterForm(forms.Form):
    """The inbox filters, read from the query string (GET), all optional."""

    q = forms.CharField(label=_("Suche"), required=False, max_length=100, strip=True)
    status = forms.ChoiceField(label=_("Status"), required=False)
    process = forms.ChoiceField(label=_("Verwaltungsleistung"), required=False)
    received_from = forms.DateField(
        label=_("Eingegangen ab"), required=False, input_formats=DATE_FORMATS
    )
    received_to = forms.DateField(
        label=_("Eingegangen bis"), required=False, input_formats=DATE_FORMATS
    )
    assigned = forms.ChoiceField(
        label=_("Zuweisung"),
        required=False,
        choices=[
            ("", _("alle")),
            ("me", _("mir zugewiesen")),
            ("unassigned", _("nicht zugewiesen")),
        ],
    )

    def __init__(self, *args, processes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("alle")), *Case.Status.choices]
        self.fields["process"].choices = [("", _("alle")), *processes]
        for name in ("received_from", "received_to"):
            self.fields[name].error_messages["invalid"] = _(
                "Bitte geben Sie ein Datum im Format TT.MM.JJJJ ein."
            )

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("Das Enddatum darf nicht vor dem Anfangsdatum liegen."))
        return data

    def filters(self) -> dict:
        """The valid filters as keyword arguments of `inbox_cases` (invalid ones dropped)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            name: data.get(name) or None
            for name in ("status", "process", "received_from", "received_to", "assigned", "q")
            if data.get(name)
        }


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=Case.Status.choices)
    message = forms.CharField(required=False, max_length=MESSAGE_MAX, strip=True)


class AssignForm(forms.Form):
    # A user id, "me", or "" to remove the assignment.
    assignee = forms.CharField(required=False, max_length=20)


class NoteForm(forms.Form):
    text = forms.CharField(
        max_length=NOTE_MAX,
        strip=True,
        error_messages={"required": _("Bitte geben Sie einen Text ein.")},
    )


class MessageForm(forms.Form):
    """A message to the applicant in the case's postbox (a question: Rückfrage)."""

    subject = forms.CharField(required=False, max_length=SUBJECT_MAX, strip=True)
    body = forms.CharField(
        max_length=BODY_MAX,
        strip=True,
        error_messages={"required": _("Bitte geben Sie eine Nachricht ein.")},
    )
    requests_documents = forms.BooleanField(required=False)
