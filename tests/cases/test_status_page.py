"""The citizen's status page behind an unguessable link: what it shows and what it never shows."""

import hashlib

import pytest
from django.utils import timezone

from forms_engine.cases.models import Case, CaseNote, CaseStatusChange
from forms_engine.cases.status import (
    case_for_status_token,
    case_status_token,
    case_status_url,
)
from tests.cases.test_case_submit import sample, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(published_processes, musterstadt):
    return submit(
        published_processes["hundesteuer-anmeldung"],
        musterstadt,
        sample("hundesteuer-anmeldung", "valid-normaler-hund"),
    )


def test_submit_stores_only_the_hash_of_the_status_token(case):
    token = case_status_token(case.pk)

    assert case.status_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Case.objects.filter(pk=case.pk).values().get())
    assert case_status_url(case) == f"/status/{token}/"
    assert len(token) == 43


def test_the_token_is_derived_from_the_secret_key(case, settings):
    before = case_status_token(case.pk)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only"

    assert case_status_token(case.pk) != before
    assert case_for_status_token(before) is None  # a rotated key invalidates the links


def test_the_status_page_shows_reference_process_date_and_history(client, case):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.IN_PROGRESS)
    CaseStatusChange.objects.create(
        case=case,
        from_status="received",
        to_status="in_progress",
        message="Wir prüfen Ihre Unterlagen.",
        changed_at=timezone.now(),
    )

    response = client.get(case_status_url(case))

    assert response.status_code == 200
    page = response.content.decode()
    assert case.reference in page
    assert "Anmeldung eines Hundes" in page or "Hundesteuer" in page
    assert "Eingegangen am" in page
    assert "In Bearbeitung" in page and "Eingegangen" in page
    assert "Wir prüfen Ihre Unterlagen." in page
    assert '<html lang="de">' in page


def test_the_status_page_never_shows_internal_notes_or_answers(client, case):
    CaseNote.objects.create(case=case, text="INTERN: Halter schon dreimal gemahnt")

    page = client.get(case_status_url(case)).content.decode()

    assert "INTERN" not in page
    assert case.applicant_name not in page
    assert case.applicant_email not in page


def test_the_status_page_is_kept_out_of_caches_and_referrers(client, case):
    response = client.get(case_status_url(case))

    assert response["Cache-Control"] == "private, no-store"
    # same-origin: never sent to other sites; no-referrer would make browsers send
    # `Origin: null` on the answer form and fail the CSRF origin check.
    assert response["Referrer-Policy"] == "same-origin"


def test_the_status_page_speaks_english(client, case):
    client.cookies["django_language"] = "en"

    page = client.get(case_status_url(case), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="en">' in page
    assert "Received" in page


@pytest.mark.parametrize(
    "token",
    [
        "x",
        "A" * 43,
        "A" * 44,
        "../../admin",
        "%00",
    ],
)
def test_anything_but_the_token_is_not_found(client, case, token):
    assert client.get(f"/status/{token}/").status_code == 404


def test_a_token_with_one_character_changed_is_not_found(client, case):
    token = case_status_token(case.pk)
    wrong = ("B" if token[0] != "B" else "C") + token[1:]

    assert client.get(f"/status/{wrong}/").status_code == 404


def test_a_hash_match_with_a_different_token_is_refused(case):
    # Only a token that re-derives from the case id opens it (constant-time compare).
    forged = "Z" * 43
    Case.objects.filter(pk=case.pk).update(
        status_token_hash=hashlib.sha256(forged.encode()).hexdigest()
    )

    assert case_for_status_token(forged) is None
