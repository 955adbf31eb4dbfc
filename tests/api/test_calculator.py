"""A calculator (`"kind": "calculator"`) files nothing: the API refuses a submission with a
409 problem (code `calculator`, German and English) and stores nothing, valid answers or not."""

from __future__ import annotations

import pytest

from forms_engine.cases.models import Case
from tests.api.helpers import submission_body, version_url
from tests.citizen.calculator import CALCULATOR_ID, calculator_sample, publish_calculator

pytestmark = pytest.mark.django_db


@pytest.fixture
def calculator(musterstadt):
    return publish_calculator(musterstadt)


@pytest.mark.parametrize("name", ["valid-alleinstehend", "invalid-mietstufe"])
def test_a_calculator_refuses_submissions_with_409(api_client, calculator, name):
    cases = Case.objects.count()
    body = submission_body(api_client, CALCULATOR_ID, calculator_sample(name))
    response = api_client.post(
        version_url(CALCULATOR_ID) + "submissions/",
        body,
        format="json",
        headers={"Idempotency-Key": f"rechner-{name}"},
    )
    assert response.status_code == 409, response.json()
    [problem] = response.json()["errors"]
    assert problem["code"] == "calculator"
    assert problem["pointer"] == ""
    assert "kein Antrag" in problem["message"]
    assert "No application" in problem["message_en"]
    assert Case.objects.count() == cases


def test_a_calculator_is_still_described_by_the_api(api_client, calculator):
    response = api_client.get(version_url(CALCULATOR_ID))
    assert response.status_code == 200
    assert response.json()["definition"]["kind"] == "calculator"
