"""Reading a case through the API: identity level, payment and the postbox, for the citizen
by the status link token and for the clerk through the one door; nothing for anyone else."""

import pytest
from django.utils import timezone

from forms_engine.cases.models import CaseMessage, CaseNote, PaymentStatus
from forms_engine.cases.postbox import message_send_to_citizen
from forms_engine.cases.status import case_status_token
from tests.cases.test_case_submit import sample, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(published_processes, musterstadt, clerk_steuer):
    case = submit(
        published_processes["hundesteuer-anmeldung"],
        musterstadt,
        sample("hundesteuer-anmeldung", "valid-normaler-hund"),
    )
    case.routed_at = timezone.now()
    case.save(update_fields=["routed_at"])
    message_send_to_citizen(
        case=case, author=clerk_steuer, subject="Impfpass", body="Bitte senden Sie den Impfpass."
    )
    CaseNote.objects.create(case=case, author=clerk_steuer, text="intern: Nachbar fragen")
    case.refresh_from_db()
    return case


def test_the_citizen_reads_status_identity_payment_and_messages_by_the_status_token(
    api_client, case
):
    response = api_client.get(f"/api/status/{case_status_token(case.pk)}/")

    assert response.status_code == 200
    data = response.json()
    assert data["reference"] == case.reference and data["status"] == "query"
    assert data["identity"] == {"level": "none", "means": ""}
    assert data["payment"]["status"] == PaymentStatus.INVOICE
    assert data["payment"]["amount"] == "96.00"
    assert [m["body"] for m in data["messages"]] == ["Bitte senden Sie den Impfpass."]
    assert [h["status"] for h in data["history"]][-1] == "query"
    assert "intern" not in response.content.decode()


def test_a_wrong_status_token_answers_404_in_the_api_error_format(api_client, case):
    response = api_client.get("/api/status/" + "A" * 43 + "/")

    assert response.status_code == 404
    assert "errors" in response.json()


def test_the_clerk_reads_the_case_with_answers_through_the_one_door(api_client, case, clerk_steuer):
    api_client.force_login(clerk_steuer)

    data = api_client.get(f"/api/sachbearbeitung/faelle/{case.pk}/").json()

    assert data["reference"] == case.reference
    assert data["answers"] == case.answers
    assert data["messages"][0]["direction"] == CaseMessage.Direction.TO_CITIZEN
    assert data["payment"]["status"] == PaymentStatus.INVOICE


def test_another_authoritys_clerk_and_anonymous_get_nothing(api_client, case, clerk_ordnung):
    anonymous = api_client.get(f"/api/sachbearbeitung/faelle/{case.pk}/")
    api_client.force_login(clerk_ordnung)
    foreign = api_client.get(f"/api/sachbearbeitung/faelle/{case.pk}/")

    assert anonymous.status_code in (401, 403) and foreign.status_code == 404
    for response in (anonymous, foreign):
        assert case.reference not in response.content.decode()
