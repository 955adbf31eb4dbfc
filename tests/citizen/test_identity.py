"""Identity in the citizen flow: level checks at start and submit, prefill, the account.

Personas of the BundID stand-in (fixtures/personas.json): Erika Mustermann and Leonie
Schmitt; each sees only her own drafts and cases (by bPK2).
"""

import pytest
from django.test import Client
from django.urls import reverse

from forms_engine.cases.exceptions import SubmissionRefused
from forms_engine.cases.models import Case
from forms_engine.cases.services import case_submit
from forms_engine.cases.status import case_status_url
from forms_engine.citizen.models import Draft
from forms_engine.citizen.services import session_add_draft
from forms_engine.identity.base import LEVELS, level_satisfies
from forms_engine.identity.services import session_identity
from tests.citizen.flow import Flow
from tests.conftest import ANSWER_FIXTURES, load_sample
from tests.identity.helpers import level_process_factory, sign_in

pytestmark = pytest.mark.django_db

MEANS_LEVEL = {"benutzername": "basis", "elster": "substanziell", "eid": "hoch"}
MELDE_VALID = ANSWER_FIXTURES / "meldebescheinigung" / "valid-arbeitgeber-post.json"


@pytest.fixture(autouse=True)
def _demo_backends(settings, monkeypatch):
    """Demo identity and payment stand-ins on; the payment client talks to this test server."""
    from forms_engine.payments import http
    from tests.payments.conftest import ClientTransport

    settings.ENABLE_DEMO_BACKENDS = True
    settings.FORMS_SITE_URL = "http://testserver"
    monkeypatch.setattr(http, "default_transport", ClientTransport())


@pytest.fixture
def level_process(published_processes, musterstadt):
    return level_process_factory(musterstadt)


def start_url(process_id):
    return reverse("citizen:start", args=[process_id])


# --- before the first step --------------------------------------------------------------


def test_the_start_page_offers_sign_in_at_the_required_level(client, published_processes):
    page = client.get(start_url("meldebescheinigung")).content.decode()
    assert 'id="identity-offer"' in page
    assert "Mit BundID anmelden" in page
    assert "hoch (Online-Ausweis)" in page
    assert 'name="level" value="hoch"' in page
    assert 'id="btn-start"' not in page


def test_without_sign_in_no_draft_is_started(client, published_processes):
    response = client.post(start_url("meldebescheinigung"), {"municipality": "musterstadt"})
    assert response.status_code == 403
    assert "Bitte melden Sie sich zuerst an" in response.content.decode()
    assert not Draft.objects.exists()


@pytest.mark.parametrize("means", list(MEANS_LEVEL))
@pytest.mark.parametrize("required", ["basis", "substanziell", "hoch"])
def test_each_means_against_each_required_level(client, level_process, means, required):
    process_id = level_process(required)
    sign_in(client, means=means, level=required, next_url=start_url(process_id))
    page = client.get(start_url(process_id)).content.decode()
    response = client.post(start_url(process_id))
    if level_satisfies(MEANS_LEVEL[means], required):
        assert 'id="btn-start"' in page
        assert response.status_code == 302
        draft = Draft.objects.get()
        assert draft.identity_level == MEANS_LEVEL[means]
        assert draft.identity_bpk2 == session_identity(client.session)["bpk2"]
    else:
        assert "Ihr Vertrauensniveau reicht nicht aus" in page
        assert f'name="level" value="{required}"' in page  # the offer at the right level
        assert "Erneut mit BundID anmelden" in page
        assert response.status_code == 403
        assert not Draft.objects.exists()


@pytest.mark.parametrize("means", list(MEANS_LEVEL))
def test_schriftform_needs_the_online_id(client, published_processes, means):
    sign_in(client, means=means)
    response = client.post(start_url("auskunftssperre"), {"municipality": "musterstadt"})
    assert response.status_code == (302 if means == "eid" else 403)


def test_a_process_without_identity_level_starts_without_sign_in(client, published_processes):
    response = client.post(start_url("hundesteuer-anmeldung"), {"municipality": "musterstadt"})
    assert response.status_code == 302


# --- prefill and locked fields ----------------------------------------------------------


def _start_signed_in(
    client, process_id="meldebescheinigung", means="eid", persona="erika-mustermann"
):
    sign_in(client, means=means, persona=persona)
    response = client.post(start_url(process_id), {"municipality": "musterstadt"})
    assert response.status_code == 302, response.content[:300]
    return Draft.objects.get(pk=response["Location"].split("/")[2])


def test_confirmed_attributes_are_prefilled_and_read_only(client, published_processes):
    draft = _start_signed_in(client)
    assert draft.answers["person"] == {
        "vorname": "Erika",
        "familienname": "Mustermann",
        "geburtsdatum": "1964-08-12",
    }
    page = client.get(reverse("citizen:step", args=[draft.pk, "person"])).content.decode()
    assert 'name="vorname" value="Erika"' in page
    assert page.count(" readonly") == 3
    assert "aus Ihrem Ausweis übernommen" in page
    assert 'value="12.08.1964"' in page


def test_a_crafted_post_cannot_change_confirmed_attributes(client, published_processes):
    draft = _start_signed_in(client)
    url = reverse("citizen:step", args=[draft.pk, "person"])
    response = client.post(
        url,
        {
            "vorname": "Mallory",
            "familienname": "Fälscher",
            "geburtsdatum": "kein Datum",
            "_action": "next",
            "_fields": "vorname,familienname,geburtsdatum",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.answers["person"]["vorname"] == "Erika"
    assert draft.answers["person"]["familienname"] == "Mustermann"
    assert draft.answers["person"]["geburtsdatum"] == "1964-08-12"
    # Also "Zwischenspeichern" keeps the confirmed values.
    client.post(url, {"vorname": "Mallory", "_action": "save"})
    draft.refresh_from_db()
    assert draft.answers["person"]["vorname"] == "Erika"


def test_the_email_is_prefilled_but_may_be_changed(client, published_processes):
    draft = _start_signed_in(client)
    url = reverse("citizen:step", args=[draft.pk, "kontakt"])
    page = client.get(url).content.decode()
    assert 'value="erika.mustermann@example.org"' in page
    assert " readonly" not in page
    client.post(url, {"email": "neu@example.org", "_action": "next", "_fields": "email,telefon"})
    draft.refresh_from_db()
    assert draft.answers["kontakt"]["email"] == "neu@example.org"


def test_attributes_from_a_username_account_are_not_locked(client, level_process):
    process_id = level_process("basis", prefill={"/person/vorname": "givenName"})
    draft = _start_signed_in(client, process_id, means="benutzername")
    url = reverse("citizen:step", args=[draft.pk, "person"])
    assert " readonly" not in client.get(url).content.decode()
    client.post(url, {"vorname": "Eri", "_action": "next", "_fields": "vorname,email"})
    draft.refresh_from_db()
    assert draft.answers["person"]["vorname"] == "Eri"


def test_the_case_keeps_the_ids_values_even_if_the_draft_was_altered(client, published_processes):
    flow = Flow(client, "meldebescheinigung")
    result = flow.run(load_sample(MELDE_VALID), submit=False)
    flow.pay(reverse("payments:overview", args=[result.draft.pk]))  # the fee is "required"
    draft = result.draft
    draft.refresh_from_db()
    answers = dict(draft.answers)
    answers["person"] = {**answers["person"], "familienname": "Anders"}
    Draft.objects.filter(pk=draft.pk).update(answers=answers)
    draft.refresh_from_db()
    case = case_submit(
        process_version=draft.process_version,
        municipality=draft.municipality,
        answers=draft.answers,
        declarations=["wahrheit", "datenschutz"],
        submission_key=f"draft:{draft.pk}",
        upload_owner=draft,
    )
    assert case.answers["person"]["familienname"] == "Mustermann"


# --- at submit ---------------------------------------------------------------------------


def test_the_identity_is_copied_to_the_case(client, published_processes):
    result = Flow(client, "meldebescheinigung").run(load_sample(MELDE_VALID))
    assert result.case_reference.startswith("MBS-")
    case = Case.objects.get(reference=result.case_reference)
    assert case.identity_level == "hoch"
    assert case.identity_means == "Online-Ausweis"
    assert case.identity_bpk2 == result.draft.identity_bpk2 != ""
    assert case.identity_attributes["birthDate"]["value"] == "1964-08-12"
    assert case.applicant_name == "Erika Mustermann"


@pytest.mark.parametrize("lowered", [("basis", "x"), ("none", "")])
def test_a_draft_whose_identity_was_lowered_or_removed_is_refused_at_submit(
    client, published_processes, lowered
):
    flow = Flow(client, "meldebescheinigung")
    result = flow.run(load_sample(MELDE_VALID), submit=False)
    flow.pay(reverse("payments:overview", args=[result.draft.pk]))  # the fee is "required"
    client.post(reverse("citizen:account_sign_out"))
    Draft.objects.filter(pk=result.draft.pk).update(
        identity_level=lowered[0], identity_bpk2=lowered[1] or ""
    )
    # Signing out closed the draft for this session; reopen it as a resume link would.
    session = client.session
    session_add_draft(session, result.draft)
    session.save()
    response = client.post(
        reverse("citizen:submit", args=[result.draft.pk]),
        {"declaration": ["wahrheit", "datenschutz"]},
    )
    assert response.status_code == 403
    content = response.content.decode()
    assert "Vertrauensniveau" in content and "reicht dafür nicht aus" in content
    assert 'id="identity-offer"' in content
    assert not Case.objects.exists()


@pytest.mark.parametrize("achieved", LEVELS)
@pytest.mark.parametrize("required", LEVELS[1:])
def test_case_submit_checks_the_level_of_the_pinned_version(level_process, achieved, required):
    from forms_engine.catalog.models import Municipality, ProcessVersion

    process_id = level_process(required)
    version = ProcessVersion.objects.get(process__identifier=process_id)
    identity = {"level": achieved, "means": "x", "bpk2": "bpk-test", "attributes": {}}
    kwargs = {
        "process_version": version,
        "municipality": Municipality.objects.get(slug="musterstadt"),
        "answers": {"person": {"vorname": "Erika"}},
        "declarations": [],
        "submission_key": f"test:{achieved}:{required}",
        "identity": identity,
    }
    if level_satisfies(achieved, required):
        case = case_submit(**kwargs)
        assert case.identity_level == achieved
        assert case.identity_bpk2 == "bpk-test"
    else:
        with pytest.raises(SubmissionRefused) as refused:
            case_submit(**kwargs)
        assert refused.value.code == "identity_level"
        assert not Case.objects.exists()


def test_without_any_identity_an_identity_process_is_refused(published_processes, musterstadt):
    version = published_processes["auskunftssperre"]
    sample = load_sample(ANSWER_FIXTURES / "auskunftssperre" / "valid-beruf-mit-haushalt.json")
    with pytest.raises(SubmissionRefused) as refused:
        case_submit(
            process_version=version,
            municipality=musterstadt,
            answers=sample["answers"],
            declarations=sample["declarations"],
            submission_key="test:anonymous",
        )
    assert refused.value.code == "identity_level"


# --- the account -------------------------------------------------------------------------


def test_the_account_asks_to_sign_in_first(client, published_processes):
    page = client.get(reverse("citizen:account")).content.decode()
    assert "Mit BundID anmelden" in page
    assert "account-drafts" not in page


def test_the_account_shows_only_own_drafts_and_cases_by_bpk2(client, published_processes):
    erika = client
    result = Flow(erika, "meldebescheinigung").run(load_sample(MELDE_VALID))
    case = Case.objects.get(reference=result.case_reference)
    open_draft = _start_signed_in(erika, "auskunftssperre")

    leonie = Client()
    leonie_draft = _start_signed_in(leonie, "auskunftssperre", persona="leonie-schmitt")
    # A different person with the same name would not see Erika's cases either: by bPK2 only.
    Case.objects.filter(pk=case.pk).update(applicant_name="Leonie Schmitt")

    page = erika.get(reverse("citizen:account")).content.decode()
    assert case.reference in page
    assert case_status_url(case) in page
    assert reverse("citizen:account_draft", args=[open_draft.pk]) in page
    assert str(leonie_draft.pk) not in page

    other = leonie.get(reverse("citizen:account")).content.decode()
    assert case.reference not in other
    assert reverse("citizen:account_draft", args=[leonie_draft.pk]) in other
    assert str(open_draft.pk) not in other
    # Someone else's draft cannot be opened through the account.
    assert leonie.get(reverse("citizen:account_draft", args=[open_draft.pk])).status_code == 404


def test_a_draft_continues_from_the_account_in_a_new_session(client, published_processes):
    draft = _start_signed_in(client)
    later = Client()
    assert later.get(reverse("citizen:step", args=[draft.pk, "person"])).status_code == 404
    sign_in(later, means="elster")  # the same person, another means: same bPK2
    response = later.get(reverse("citizen:account_draft", args=[draft.pk]))
    assert response.status_code == 302
    assert later.get(response["Location"]).status_code == 200


def test_sign_out_forgets_the_identity_and_its_drafts(client, published_processes):
    draft = _start_signed_in(client)
    response = client.post(reverse("citizen:account_sign_out"))
    assert response.status_code == 302
    assert session_identity(client.session) is None
    assert "Sie sind abgemeldet." in client.get(response["Location"]).content.decode()
    assert client.get(reverse("citizen:step", args=[draft.pk, "person"])).status_code == 404
    assert client.get(reverse("citizen:account_draft", args=[draft.pk])).status_code == 404
