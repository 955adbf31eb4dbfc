"""The citizen pages one by one: access, drafts, resume, repeatable groups, uploads, i18n."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from forms_engine.cases.models import Case
from forms_engine.citizen.models import Draft
from tests.citizen.flow import Flow, error_pointers, post_data
from tests.conftest import ANSWER_FIXTURES, load_sample

HUND = load_sample(ANSWER_FIXTURES / "hundesteuer-anmeldung" / "valid-normaler-hund.json")
PARK = load_sample(ANSWER_FIXTURES / "anwohnerparkausweis" / "valid-drei-fahrzeuge-24-monate.json")


def start(client, process_id="hundesteuer-anmeldung"):
    return Flow(client, process_id).start()


def step_url(draft, step_id, query=""):
    return reverse("citizen:step", args=[draft.pk, step_id]) + query


def fill(client, draft, step_id, values, **extra):
    from forms_engine.citizen.services import definition_for

    step = definition_for(draft.process_version).step(step_id)
    data = post_data(step.fields(), values, [])
    data.update({"_action": "next", "_fields": ",".join(f.name for f in step.fields())})
    data.update(extra)
    return client.post(step_url(draft, step_id), data)


def test_catalog_lists_the_three_published_processes(client, published_processes):
    response = client.get("/")
    content = response.content.decode()
    assert response.status_code == 200
    for process_id in ("hundesteuer-anmeldung", "anwohnerparkausweis", "gewerbeanmeldung"):
        assert reverse("citizen:start", args=[process_id]) in content
    assert content.count("<h1") == 1
    assert '<html lang="de">' in content


def test_start_page_explains_the_service_and_creates_a_pinned_draft(client, published_processes):
    # Offered by two municipalities: the shared page leads to the citizen's own start page.
    shared = client.get(reverse("citizen:start", args=["hundesteuer-anmeldung"])).content.decode()
    own = reverse("citizen:municipality_start", args=["musterstadt", "hundesteuer-anmeldung"])
    assert f'href="{own}"' in shared
    assert "Antrag starten" in client.get(own).content.decode()
    # Offered by one municipality only, the start page shows its own fees (Musterstadt's).
    parking = client.get(reverse("citizen:start", args=["anwohnerparkausweis"])).content.decode()
    assert "30,60 €" in parking and "61,20 €" in parking
    draft, location = start(client)
    version = published_processes["hundesteuer-anmeldung"]
    assert draft.process_version == version
    assert draft.definition_sha256 == version.sha256
    assert draft.municipality.slug == "musterstadt"
    assert location == step_url(draft, "halter")


def test_unknown_process_is_404(client, published_processes):
    assert client.get(reverse("citizen:start", args=["gibt-es-nicht"])).status_code == 404


def test_step_page_is_accessible_markup(client, published_processes):
    draft, url = start(client)
    content = client.get(url).content.decode()
    assert content.count("<h1") == 1
    assert "Schritt 1 von" in content
    assert 'href="#main"' in content and 'id="main"' in content
    assert "<header" in content and "<main" in content and "<footer" in content
    assert 'for="f-vorname"' in content and 'id="f-vorname"' in content
    assert 'autocomplete="email"' in content
    assert 'name="csrfmiddlewaretoken"' in content
    # No inline script or style (CSP: script-src 'self'; style-src 'self').
    assert not re.search(r"<script(?![^>]*\bsrc=)", content)
    assert " style=" not in content and "<style" not in content


def test_errors_are_listed_in_a_summary_with_links_and_next_to_the_fields(
    client, published_processes
):
    draft, url = start(client)
    values = dict(HUND["answers"]["halter"])
    values.pop("familienname")
    values["geburtsdatum"] = "31.02.1980"
    response = fill(client, draft, "halter", values)
    content = response.content.decode()
    assert response.status_code == 200
    assert "<title>Fehler:" in content
    assert 'role="alert"' in content and 'id="error-summary"' in content
    assert 'href="#f-familienname"' in content and 'href="#f-geburtsdatum"' in content
    assert 'aria-invalid="true"' in content
    assert 'aria-describedby="f-familienname-error"' in content
    assert "TT.MM.JJJJ" in content
    assert set(error_pointers(content)) >= {"/halter/familienname", "/halter/geburtsdatum"}
    # What was typed stays on the page and is saved, even though it is not valid yet.
    assert 'value="31.02.1980"' in content
    draft.refresh_from_db()
    assert draft.answers["halter"]["vorname"] == HUND["answers"]["halter"]["vorname"]


def test_answers_are_saved_after_each_step_in_the_stored_notation(client, published_processes):
    draft, url = start(client)
    response = fill(client, draft, "halter", HUND["answers"]["halter"])
    assert response.status_code == 302
    assert response["Location"] == step_url(draft, "hund")
    draft.refresh_from_db()
    assert draft.answers["halter"] == HUND["answers"]["halter"]
    assert draft.answers["halter"]["geburtsdatum"] == HUND["answers"]["halter"]["geburtsdatum"]
    # Back on the step, the date is shown the German way.
    content = client.get(url).content.decode()
    year, month, day = HUND["answers"]["halter"]["geburtsdatum"].split("-")
    assert f'value="{day}.{month}.{year}"' in content


def test_zwischenspeichern_keeps_invalid_input_and_the_resume_link_works_after_the_session_is_gone(
    client, published_processes
):
    draft, url = start(client)
    response = client.post(
        url, {"_action": "save", "vorname": "Erika", "geburtsdatum": "kein Datum", "_fields": ""}
    )
    content = response.content.decode()
    assert response.status_code == 200
    match = re.search(r'id="link-resume" href="(http://testserver/fortsetzen/([^/]+)/)"', content)
    assert match
    token = match[2]
    # The page names what was not kept, so the citizen is not surprised later.
    assert "Geburtsdatum" in content.split('id="not-kept"', 1)[1]
    draft.refresh_from_db()
    assert draft.answers["halter"]["vorname"] == "Erika"
    assert "geburtsdatum" not in draft.answers["halter"]
    assert draft.resume_token_hash and token not in draft.resume_token_hash

    # The link by e-mail.
    response = client.post(
        reverse("citizen:send_link", args=[draft.pk]),
        {"token": token, "email": "erika@example.org"},
    )
    assert response.status_code == 200
    assert len(mail.outbox) == 1 and match[1] in mail.outbox[0].body

    client.session.flush()
    fresh = Client()
    assert fresh.get(url).status_code == 404
    response = fresh.get(f"/fortsetzen/{token}/")
    assert response.status_code == 302
    assert response["Location"] == step_url(draft, "halter")
    content = fresh.get(response["Location"]).content.decode()
    assert 'value="Erika"' in content
    # Same pinned version, still.
    draft.refresh_from_db()
    assert draft.process_version == published_processes["hundesteuer-anmeldung"]


def test_a_wrong_resume_token_is_404(client, published_processes):
    assert client.get("/fortsetzen/falsch/").status_code == 404


def test_another_session_gets_404_on_someone_elses_draft(client, published_processes):
    draft, url = start(client)
    other = Client()
    for target in (
        url,
        reverse("citizen:summary", args=[draft.pk]),
        reverse("citizen:submit", args=[draft.pk]),
        reverse("citizen:confirmation", args=[draft.pk]),
    ):
        assert other.get(target).status_code == 404
    assert other.post(url, {"_action": "next"}).status_code == 404


def test_repeatable_group_grows_and_shrinks_without_javascript(client, published_processes):
    draft, _url = start(client, "anwohnerparkausweis")
    url = step_url(draft, "fahrzeuge")
    for step_id in ("antragsteller", "wohnsitz"):
        assert fill(client, draft, step_id, PARK["answers"][step_id]).status_code == 302
    content = client.get(url).content.decode()
    assert 'name="fahrzeuge._count" value="1"' in content
    assert 'id="btn-add-fahrzeuge"' in content
    assert 'value="remove:fahrzeuge:0"' not in content  # minItems 1

    first = {"kennzeichen": "MS-AB 1234", "fahrzeugart": "pkw"}
    data = {
        "fahrzeuge._count": "1",
        "fahrzeuge.0.kennzeichen": first["kennzeichen"],
        "fahrzeuge.0.fahrzeugart": "pkw",
        "_fields": "fahrzeuge",
    }
    content = client.post(url, {**data, "_action": "add:fahrzeuge"}).content.decode()
    assert 'name="fahrzeuge._count" value="2"' in content
    assert 'value="MS-AB 1234"' in content  # typed data kept
    assert "Fahrzeug 2" in content
    assert 'id="btn-remove-fahrzeuge-1"' in content

    data.update({"fahrzeuge._count": "2", "fahrzeuge.1.kennzeichen": "MS-Q 5"})
    content = client.post(url, {**data, "_action": "add:fahrzeuge"}).content.decode()
    assert 'name="fahrzeuge._count" value="3"' in content
    assert 'id="btn-add-fahrzeuge"' not in content  # maxItems 3

    data.update({"fahrzeuge._count": "3", "fahrzeuge.2.kennzeichen": "MS-ZZ 9"})
    content = client.post(url, {**data, "_action": "remove:fahrzeuge:1"}).content.decode()
    assert 'name="fahrzeuge._count" value="2"' in content
    assert 'value="MS-ZZ 9"' in content and 'value="MS-Q 5"' not in content
    draft.refresh_from_db()
    assert [v["kennzeichen"] for v in draft.answers["fahrzeuge"]["fahrzeuge"]] == [
        "MS-AB 1234",
        "MS-ZZ 9",
    ]


def test_upload_of_a_fake_pdf_is_rejected_with_a_german_message(
    client, published_processes, upload_file
):
    draft, _url = start(client, "anwohnerparkausweis")
    for step_id in ("antragsteller", "wohnsitz"):
        assert fill(client, draft, step_id, PARK["answers"][step_id]).status_code == 302
    url = step_url(draft, "fahrzeuge")
    data = {
        "fahrzeuge._count": "1",
        "fahrzeuge.0.kennzeichen": "MS-AB 1234",
        "fahrzeuge.0.fahrzeugart": "pkw",
        "fahrzeuge.0.halter_ist_antragsteller": "false",
        "fahrzeuge.0.nutzungsberechtigung": upload_file("fake.pdf"),
        "_fields": "fahrzeuge",
        "_action": "next",
    }
    response = client.post(url, data)
    content = response.content.decode()
    assert response.status_code == 200
    assert "/fahrzeuge/fahrzeuge/0/nutzungsberechtigung" in error_pointers(content)
    summary = content.split('id="error-summary"')[1].split("</ul>")[0]
    assert 'href="#f-fahrzeuge-0-nutzungsberechtigung"' in summary
    assert "Fahrzeug 1" in summary  # which entry the error is in
    message = re.search(
        r'id="f-fahrzeuge-0-nutzungsberechtigung-error".*?<span>([^<]+)</span>', content, re.S
    )[1]
    assert re.search(r"[äöüÄÖÜß]|Datei|nicht", message), message
    assert draft.uploads.count() == 0

    # A real file is kept and shown; without a new file the reference stays.
    data["fahrzeuge.0.nutzungsberechtigung"] = upload_file("fahrzeugschein.png")
    data["_action"] = "save"
    client.post(url, data)
    content = client.get(url).content.decode()
    assert "fahrzeugschein.png" in content and "Datei ersetzen" in content
    ref = re.search(r'name="fahrzeuge.0.nutzungsberechtigung._keep" value="([^"]+)"', content)[1]
    data.pop("fahrzeuge.0.nutzungsberechtigung")
    data["fahrzeuge.0.nutzungsberechtigung._keep"] = ref
    assert client.post(url, {**data, "_action": "next"}).status_code == 302
    draft.refresh_from_db()
    assert draft.answers["fahrzeuge"]["fahrzeuge"][0]["nutzungsberechtigung"] == ref


def test_keeping_a_foreign_upload_reference_is_ignored(client, published_processes):
    draft, _url = start(client, "anwohnerparkausweis")
    url = step_url(draft, "fahrzeuge")
    for step_id in ("antragsteller", "wohnsitz"):
        fill(client, draft, step_id, PARK["answers"][step_id])
    client.post(
        url,
        {
            "fahrzeuge._count": "1",
            "fahrzeuge.0.nutzungsberechtigung._keep": "upload:00000000-0000-0000-0000-000000000000",
            "_action": "save",
            "_fields": "fahrzeuge",
        },
    )
    draft.refresh_from_db()
    assert "nutzungsberechtigung" not in draft.answers["fahrzeuge"]["fahrzeuge"][0]


def test_a_conditional_question_appears_after_the_answer_that_asks_for_it(
    client, published_processes
):
    draft, _url = start(client)
    fill(client, draft, "halter", HUND["answers"]["halter"])
    url = step_url(draft, "hund")
    assert 'name="befreiungsgrund"' not in client.get(url).content.decode()
    values = {**HUND["answers"]["hund"], "steuerbefreiung": True}
    values.pop("befreiungsgrund", None)
    data = post_data_for(draft, "hund", values)
    shown = "name,rasse,wurfdatum,geschlecht,fellfarbe,chipnummer,haltung_beginn,listenhund,zweithund,steuerbefreiung"
    response = client.post(url, {**data, "_action": "next", "_fields": shown})  # as shown before
    content = response.content.decode()
    assert response.status_code == 200
    assert "weitere Fragen" in content
    assert 'name="befreiungsgrund"' in content
    assert error_pointers(content) == []


def test_summary_shows_german_formatting_and_change_links_return_to_it(client, published_processes):
    result = Flow(client, "hundesteuer-anmeldung").run(HUND, submit=False)
    draft = result.draft
    content = client.get(reverse("citizen:summary", args=[draft.pk])).content.decode()
    year, month, day = HUND["answers"]["halter"]["geburtsdatum"].split("-")
    assert f"{day}.{month}.{year}" in content
    assert "Nein" in content
    assert "96,00 €" in content
    assert HUND["answers"]["halter"]["vorname"] in content
    edit = step_url(draft, "halter", "?return=summary")
    assert f'href="{edit}"' in content
    response = client.post(
        edit,
        {**post_data_for(draft, "halter", HUND["answers"]["halter"]), "_action": "next"},
    )
    assert response["Location"] == reverse("citizen:summary", args=[draft.pk])


def post_data_for(draft, step_id, values):
    from forms_engine.citizen.services import definition_for

    step = definition_for(draft.process_version).step(step_id)
    return {
        **post_data(step.fields(), values, []),
        "_fields": ",".join(f.name for f in step.fields()),
    }


def test_declarations_are_required_before_submitting(client, published_processes):
    result = Flow(client, "hundesteuer-anmeldung").run(HUND, submit=False)
    url = reverse("citizen:submit", args=[result.draft.pk])
    response = client.post(url, {"declaration": HUND["declarations"][:1]})
    content = response.content.decode()
    assert "Bitte bestätigen Sie diese Erklärung." in content
    assert f"/declarations/{HUND['declarations'][1]}" in error_pointers(content)
    assert Case.objects.count() == 0


def test_double_submit_gives_one_case_and_the_same_confirmation(client, published_processes):
    result = Flow(client, "hundesteuer-anmeldung").run(HUND)
    assert result.case_reference
    url = reverse("citizen:submit", args=[result.draft.pk])
    again = client.post(url, {"declaration": HUND["declarations"]})
    assert again.status_code == 302
    assert again["Location"] == reverse("citizen:confirmation", args=[result.draft.pk])
    assert result.case_reference in client.get(again["Location"]).content.decode()
    assert Case.objects.count() == 1
    # A step of a submitted draft leads to the confirmation, too.
    step = client.get(step_url(result.draft, "halter"))
    assert step["Location"] == again["Location"]


def test_submit_is_idempotent_even_when_the_draft_link_was_lost(client, published_processes):
    from forms_engine.cases import services

    result = Flow(client, "hundesteuer-anmeldung").run(HUND, submit=False)
    draft = Draft.objects.get(pk=result.draft.pk)
    first = services.draft_submit(draft=draft, declarations=HUND["declarations"])
    Draft.objects.filter(pk=draft.pk).update(submitted_case=None)
    draft.refresh_from_db()
    second = services.draft_submit(draft=draft, declarations=HUND["declarations"])
    assert first.pk == second.pk and Case.objects.count() == 1


def test_confirmation_shows_the_reference_prominently(client, published_processes):
    result = Flow(client, "hundesteuer-anmeldung").run(HUND)
    content = result.confirmation.content.decode()
    assert "Ihr Antrag ist eingegangen" in content
    assert re.search(r'id="case-reference">[A-Z]{2,5}-\d{4}-\d{6}<', content)


def test_pages_render_in_english_after_the_language_switch(client, published_processes):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    content = client.get("/").content.decode()
    assert '<html lang="en">' in content
    assert "Online applications" in content
    assert "Register a dog" in content or "dog" in content.lower()
    draft, url = start(client)
    content = client.get(url).content.decode()
    assert "Step 1 of" in content and "Continue" in content and "Save for later" in content
    assert "First name" in content  # field label from the definition's x-en
    response = fill(client, draft, "halter", {"vorname": "Erika"})
    assert "Please correct" in response.content.decode()


def test_german_numbers_and_dates_are_read(published_processes):
    from forms_engine.citizen.forms import parse_date, parse_money, parse_number

    assert parse_money("1.234,56") == "1234.56"
    assert parse_money("96") == "96"
    assert parse_money("96,5 €") == "96.5"
    assert parse_money("1.234") == "1234"
    assert parse_money("12,345") is None
    assert parse_number("2,5", integer=False) == 2.5
    assert parse_number("3", integer=True) == 3
    assert parse_number("3,5", integer=True) is None
    assert parse_date("01.02.2024") == "2024-02-01"
    assert parse_date("2024-02-01") == "2024-02-01"
    assert parse_date("30.02.2024") is None


@pytest.mark.parametrize("slug", ["barrierefreiheit", "datenschutz", "impressum"])
def test_footer_pages_exist(client, db, slug):
    assert client.get(reverse("citizen:page", args=[slug])).status_code == 200


def test_submit_validates_everything_again_and_links_back_to_the_faulty_step(
    client, published_processes
):
    result = Flow(client, "hundesteuer-anmeldung").run(HUND, submit=False)
    draft = result.draft
    draft.refresh_from_db()
    answers = dict(draft.answers)
    answers["halter"] = {k: v for k, v in answers["halter"].items() if k != "vorname"}
    Draft.objects.filter(pk=draft.pk).update(answers=answers)
    response = client.post(
        reverse("citizen:submit", args=[draft.pk]), {"declaration": HUND["declarations"]}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<title>Fehler:" in content and 'role="alert"' in content
    assert "/halter/vorname" in error_pointers(content)
    assert step_url(draft, "halter", "?return=summary#f-vorname") in content
    assert Case.objects.count() == 0


def test_the_confirmation_links_to_the_status_page_of_the_case(client, published_processes):
    from forms_engine.cases.models import Case
    from tests.citizen.flow import Flow
    from tests.conftest import ANSWER_FIXTURES, load_sample

    sample = load_sample(ANSWER_FIXTURES / "hundesteuer-anmeldung" / "valid-normaler-hund.json")
    result = Flow(client, "hundesteuer-anmeldung").run(sample)
    page = result.confirmation.content.decode()
    case = Case.objects.get(reference=result.case_reference)

    link = re.search(r'id="status-link" href="([^"]+)"', page)[1]
    status = client.get(link)

    assert status.status_code == 200
    assert case.reference in status.content.decode()
