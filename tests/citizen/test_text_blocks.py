"""Text blocks (`ui.blocks`) on the citizen's step page: a paragraph before the named field or
after the last one, in the page language (German as fallback); they carry no answer."""

from __future__ import annotations

import copy

import pytest
from django.urls import reverse

from forms_engine.catalog.services import process_version_create_draft, process_version_publish
from forms_engine.citizen.services import draft_start, session_add_draft

pytestmark = pytest.mark.django_db

HST = "hundesteuer-anmeldung"
BLOCKS = [
    {
        "id": "geburt",
        "before": "geburtsdatum",
        "text": {
            "de": "Das Geburtsdatum steht in Ihrem Ausweis.",
            "en": "Your date of birth is on your ID card.",
        },
    },
    {"id": "schluss", "text": {"de": "Danke für Ihre Angaben & Geduld."}},
]


def publish_with_blocks(version, blocks=BLOCKS):
    doc = copy.deepcopy(version.definition)
    doc["version"] = "9.0.0"
    step = doc["steps"][0]
    assert step["id"] == "halter"
    step.setdefault("ui", {})["blocks"] = copy.deepcopy(blocks)
    draft = process_version_create_draft(
        doc=doc, publisher=version.process.publisher, based_on=version
    )
    return process_version_publish(version=draft)


@pytest.fixture
def step_page(client, published_processes, musterstadt):
    version = publish_with_blocks(published_processes[HST])
    draft = draft_start(process_version=version, municipality=musterstadt)
    session = client.session
    session_add_draft(session, draft)
    session.save()
    return reverse("citizen:step", args=[draft.pk, "halter"])


def test_the_block_stands_before_its_field_and_the_last_one_after_the_fields(client, step_page):
    response = client.get(step_page)
    assert response.status_code == 200
    page = response.content.decode()
    block = page.index('<p class="kern-body app-text-block" id="textblock-geburt">')
    assert "Das Geburtsdatum steht in Ihrem Ausweis." in page
    # after the field before it, before the field it names
    assert page.index('name="familienname"') < block < page.index('name="geburtsdatum"')
    end = page.index('id="textblock-schluss"')
    assert page.index('name="telefon"') < end < page.index('id="btn-next"')
    assert "Danke für Ihre Angaben &amp; Geduld." in page  # escaped text


def test_english_page_shows_english_and_falls_back_to_german(client, step_page):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(step_page).content.decode()
    assert "Your date of birth is on your ID card." in page
    assert "Das Geburtsdatum steht in Ihrem Ausweis." not in page
    assert "Danke für Ihre Angaben &amp; Geduld." in page  # no English: German


def test_a_block_carries_no_answer(client, step_page):
    page = client.get(step_page).content.decode()
    fields = page.split('name="_fields" value="')[1].split('"')[0].split(",")
    assert "geburt" not in fields and "schluss" not in fields
