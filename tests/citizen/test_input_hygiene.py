"""Text no database column may hold (NUL, lone surrogates) is refused at the boundaries
with a field error, before anything is stored (issue 7, observation 4). Run on SQLite and,
in .ci/run, on PostgreSQL, where NUL in jsonb used to be a 500."""

import pytest
from django.test import Client
from django.urls import reverse

from forms_engine.cases.models import CaseMessage
from forms_engine.cases.postbox import (
    PostboxRefused,
    message_reply_from_citizen,
    message_send_to_citizen,
)
from forms_engine.cases.status import case_status_url
from forms_engine.citizen.models import Draft
from forms_engine.core.text import json_text_problems, text_problem
from tests.citizen.flow import error_pointers
from tests.clerk.conftest import file_case, sample

pytestmark = pytest.mark.django_db

HST = "hundesteuer-anmeldung"


@pytest.fixture
def draft_client(published_processes):
    client = Client()
    client.post(reverse("citizen:start", args=[HST]), {"municipality": "musterstadt"})
    return client, Draft.objects.get()


@pytest.mark.parametrize("action", ["next", "save"])
def test_a_nul_in_a_wizard_answer_is_a_field_error_and_never_stored(draft_client, action):
    client, draft = draft_client
    url = reverse("citizen:step", args=[draft.pk, "halter"])
    response = client.post(
        url, {"vorname": "Anna\x00", "familienname": "Muster", "_action": action}
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert json_text_problems(draft.answers) == []
    assert draft.answers.get("halter", {}).get("familienname") == "Muster"
    content = response.content.decode()
    assert "\x00" not in content
    if action == "next":
        assert "/halter/vorname" in error_pointers(content)
    else:  # "Zwischenspeichern": the saved page names the entry that was not kept
        not_kept = content.split('id="not-kept"', 1)[1].split("</div>\n</div>", 1)[0]
        assert "Vorname" in not_kept and "Steuerzeichen" in not_kept
        assert 'id="link-resume"' in content


def test_a_nul_in_a_multichoice_value_is_refused(draft_client):
    client, draft = draft_client
    definition = draft.process_version.definition
    # Post a NUL under every field name of every step: nothing may reach the draft.
    for step in definition["steps"]:
        names = list(step["schema"].get("properties", {}))
        data = {name: ["x\x00", "y\x00"] for name in names}
        client.post(reverse("citizen:step", args=[draft.pk, step["id"]]), data)
        draft.refresh_from_db()
        assert json_text_problems(draft.answers) == []


def test_a_nul_in_a_postbox_answer_is_refused_and_nothing_is_stored(
    published_processes, musterstadt, clerk_steuer
):
    case = file_case(published_processes[HST], musterstadt, sample(HST, "valid-normaler-hund"))
    question = message_send_to_citizen(
        case=case, author=clerk_steuer, subject="Frage", body="Bitte Nachweis senden."
    )
    with pytest.raises(PostboxRefused) as refused:
        message_reply_from_citizen(case=case, in_reply_to=question, body="Hier\x00")
    assert refused.value.code == "nul_character"
    response = Client().post(
        case_status_url(case), {"in_reply_to": question.pk, "body": "Hier\x00 bitte"}
    )
    assert response.status_code == 400
    assert not CaseMessage.objects.filter(direction=CaseMessage.Direction.FROM_CITIZEN).exists()


def test_text_problems_name_nul_and_lone_surrogates():
    assert text_problem("Anna") is None
    assert text_problem("A\x00") == "nul_character"
    assert text_problem("A\ud800") == "invalid_unicode"
    assert text_problem("😀") is None
    assert json_text_problems({"a": ["ok", "b\x00"], "c\udc00": 1}) == [
        ("/a/1", "nul_character"),
        ("/c", "invalid_unicode"),
    ]


def test_the_draft_service_refuses_unstorable_text_and_keeps_the_draft(draft_client):
    from forms_engine.citizen.services import draft_save_step

    _client, draft = draft_client
    before = dict(draft.answers)
    with pytest.raises(ValueError):
        draft_save_step(draft=draft, step_id="halter", step_data={"vorname": "A\x00"})
    draft.refresh_from_db()
    assert draft.answers == before
