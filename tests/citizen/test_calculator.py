"""A calculator through the citizen pages (HTTP): the steps, then "Ihr Ergebnis" with the
computed values, the note that nothing is filed and "Neu berechnen"; no submit, no case."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forms_engine.cases.models import Case
from tests.citizen.calculator import CALCULATOR_ID, calculator_sample, publish_calculator
from tests.citizen.flow import Flow

pytestmark = pytest.mark.django_db

NOTE = "Dies ist eine unverbindliche Berechnung; es wird kein Antrag gestellt."


@pytest.fixture
def calculator(musterstadt):
    return publish_calculator(musterstadt)


def test_the_start_page_offers_a_calculator(client, calculator):
    page = client.get(reverse("citizen:start", args=[CALCULATOR_ID]))
    content = page.content.decode()
    assert page.status_code == 200
    assert "Rechner starten" in content
    assert "Antrag starten" not in content
    assert "Ergebnis ansehen (unverbindlich, es wird kein Antrag gestellt)" in content


def test_the_result_page_shows_the_computed_values_and_files_nothing(client, calculator):
    cases = Case.objects.count()
    result = Flow(client, CALCULATOR_ID).run(calculator_sample("valid-alleinstehend"), submit=False)
    assert result.pointers == []
    draft = result.draft
    page = client.get(reverse("citizen:summary", args=[draft.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert "Ihr Ergebnis" in content
    assert NOTE in content
    assert "Geschätztes Wohngeld im Monat" in content
    assert "213,64 €" in content
    assert "475,20 €" in content  # the maximum rent with the climate component
    assert "1.050,00 €" in content  # the income taken into account
    restart = reverse("citizen:step", args=[draft.pk, "haushalt"])
    assert f'id="link-restart" class="kern-btn kern-btn--primary" href="{restart}"' in content
    assert "Neu berechnen" in content
    assert reverse("citizen:submit", args=[draft.pk]) not in content
    assert "Absenden" not in content

    # Submitting is no way round: the submit page leads back to the result, nothing is filed.
    for response in (
        client.get(reverse("citizen:submit", args=[draft.pk])),
        client.post(reverse("citizen:submit", args=[draft.pk]), {"declaration": []}),
    ):
        assert response.status_code == 302
        assert response["Location"] == reverse("citizen:summary", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.submitted_case_id is None
    assert Case.objects.count() == cases


def test_neu_berechnen_changes_the_result(client, calculator):
    result = Flow(client, CALCULATOR_ID).run(calculator_sample("valid-alleinstehend"), submit=False)
    draft = result.draft
    step = reverse("citizen:step", args=[draft.pk, "geld"])
    page = client.get(step)
    fields = page.content.decode().split('name="_fields" value="')[1].split('"')[0]
    response = client.post(
        step,
        {"miete": "500,00", "einkommen": "4000,00", "abzuege": "30", "_action": "next",
         "_fields": fields},
    )  # fmt: skip
    assert response.status_code == 302
    content = client.get(reverse("citizen:summary", args=[draft.pk])).content.decode()
    assert 'id="result-wohngeld"' in content
    wohngeld = content.split('id="result-wohngeld"')[1].split("</div>")[0]
    assert "0,00 €" in wohngeld


def test_the_result_page_speaks_english(client, calculator):
    client.cookies["django_language"] = "en"
    result = Flow(client, CALCULATOR_ID).run(calculator_sample("valid-familie"), submit=False)
    content = client.get(reverse("citizen:summary", args=[result.draft.pk])).content.decode()
    assert "Your result" in content
    assert "This is a calculation that is not binding; no application is submitted." in content
    assert "Calculate again" in content
    assert "Estimated housing benefit per month" in content
    assert "€" in content


def test_an_incomplete_calculation_shows_no_values(client, calculator):
    draft, _url = Flow(client, CALCULATOR_ID).start()
    content = client.get(reverse("citizen:summary", args=[draft.pk])).content.decode()
    assert 'id="result-incomplete"' in content
    wohngeld = content.split('id="result-wohngeld"')[1].split("</div>")[0]
    assert "–" in wohngeld
