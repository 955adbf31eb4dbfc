"""The publish page (`studio:publish`) and its actions: readiness, refusals with reasons
(nothing changed), publish now or later, unschedule, retire, what happens to open drafts
and offerings; the checks page ("Hinweise"); access."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from forms_engine.catalog.models import Activation, Authority, Municipality, ProcessVersion
from forms_engine.catalog.services import (
    process_version_create_draft,
    process_version_publish,
)

from .conftest import base_doc
from .publish_docs import rich_doc

BERLIN = ZoneInfo("Europe/Berlin")


def _reload(version):
    return ProcessVersion.objects.get(pk=version.pk)


def _url(version, tail=""):
    return f"/studio/versionen/{version.pk}/veroeffentlichen/{tail}"


@pytest.fixture
def published(studio_publisher):
    return process_version_publish(
        version=process_version_create_draft(doc=base_doc(), publisher=studio_publisher)
    )


def _draft(publisher, designer, doc):
    return process_version_create_draft(doc=doc, publisher=publisher, by=designer)


# --- refusals -------------------------------------------------------------------------------


def test_a_meta_schema_problem_refuses_with_reasons(studio_publisher, designer, client_for):
    doc = base_doc()
    doc["steps"][0]["schema"]["properties"]["name"]["type"] = "strin"
    draft = _draft(studio_publisher, designer, doc)
    client = client_for(designer)
    page = client.get(_url(draft)).content.decode()
    assert "So kann die Version noch nicht veröffentlicht werden:" in page
    assert "1 Problem in der Definition" in page
    response = client.post(_url(draft, "jetzt/"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="refusal"' in html
    assert "Die Version wird nicht veröffentlicht: 1 Problem(e) in der Definition." in html
    assert "/steps/0/schema/properties/name/type" in html
    assert "Es wurde nichts geändert." in html
    assert _reload(draft).status == "draft"


def test_a_failing_designer_test_refuses_with_its_name(studio_publisher, designer, client_for):
    doc = rich_doc()
    doc["tests"][1]["expect"]["fee_total"] = "1.00"
    draft = _draft(studio_publisher, designer, doc)
    response = client_for(designer).post(_url(draft, "jetzt/"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Designer-Tests schlagen fehl: Gebühr der Kommune" in html
    assert "Gebühr gesamt: erwartet 1.00, tatsächlich 50.00." in html
    assert _reload(draft).status == "draft"


def test_a_version_number_lower_than_the_diff_requires_is_refused(
    published, studio_publisher, designer, client_for
):
    doc = base_doc(version="1.0.1")
    del doc["steps"][0]["schema"]["properties"]["zweck"]  # removed field: a new major version
    draft = _draft(studio_publisher, designer, doc)
    client = client_for(designer)
    page = client.get(_url(draft)).content.decode()
    assert "Diese Änderungen verlangen eine neue Hauptversion: 2.0.0." in page
    response = client.post(_url(draft, "jetzt/"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Die Versionsnummer 1.0.1 reicht nicht: die Änderungen gegenüber 1.0.0" in html
    assert "verlangen eine neue Hauptversion (MAJOR), also 2.0.0." in html
    assert _reload(draft).status == "draft"


# --- publish now, later -----------------------------------------------------------------------


def test_publish_now(draft, designer, client_for):
    client = client_for(designer)
    response = client.post(_url(draft, "jetzt/"), follow=True)
    assert response.status_code == 200
    assert "Version 1.0.0 ist veröffentlicht." in response.content.decode()
    version = _reload(draft)
    assert version.status == "published"
    html = client.get(_url(version)).content.decode()
    assert "Zurückziehen" in html and "Neuen Entwurf aus dieser Version" in html
    assert client.post(_url(version, "jetzt/")).status_code == 400  # not a draft any more


def _schedule(client, version, at):
    local = at.astimezone(BERLIN)
    return client.post(
        _url(version, "planen/"),
        {"date": local.strftime("%Y-%m-%d"), "time": local.strftime("%H:%M")},
    )


def test_scheduled_publish_and_unschedule(draft, designer, client_for):
    from forms_engine.catalog.review import scheduled_publish_sweep

    client = client_for(designer)
    at = (timezone.now() + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    assert _schedule(client, draft, at).status_code == 302
    version = _reload(draft)
    assert version.publish_at == at
    html = client.get(_url(version)).content.decode()
    assert "Die Veröffentlichung ist für den" in html
    assert at.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M") in html
    assert client.post(_url(version, "planung-aufheben/")).status_code == 302
    assert _reload(draft).publish_at is None
    assert _schedule(client, draft, at).status_code == 302
    assert scheduled_publish_sweep(now=at + dt.timedelta(minutes=1))
    assert _reload(draft).status == "published"


def test_a_time_in_the_past_is_refused(draft, designer, client_for):
    client = client_for(designer)
    response = _schedule(client, draft, timezone.now() - dt.timedelta(hours=1))
    assert response.status_code == 400
    assert "Der Zeitpunkt muss in der Zukunft liegen." in response.content.decode()
    bad = client.post(_url(draft, "planen/"), {"date": "31.02.2026", "time": "25:00"})
    assert bad.status_code == 400
    version = _reload(draft)
    assert version.status == "draft" and version.publish_at is None


def test_scheduling_a_broken_draft_is_refused(studio_publisher, designer, client_for):
    doc = rich_doc()
    doc["tests"][0]["expect"]["fee_total"] = "1.00"
    draft = _draft(studio_publisher, designer, doc)
    response = _schedule(client_for(designer), draft, timezone.now() + dt.timedelta(days=1))
    assert response.status_code == 400
    assert "Designer-Tests schlagen fehl" in response.content.decode()
    assert _reload(draft).publish_at is None


# --- retire ------------------------------------------------------------------------------------


def test_retire_with_grace_days(published, designer, client_for):
    client = client_for(designer)
    assert (
        client.post(
            f"/studio/versionen/{published.pk}/zurueckziehen/", {"grace_days": "400"}
        ).status_code
        == 400
    )
    assert _reload(published).status == "published"
    response = client.post(f"/studio/versionen/{published.pk}/zurueckziehen/", {"grace_days": "7"})
    assert response.status_code == 302
    version = _reload(published)
    assert version.status == "retired"
    assert version.submit_until - version.retired_at == dt.timedelta(days=7)
    html = client.get(_url(version)).content.decode()
    assert "zurückgezogen" in html and "Neuen Entwurf aus dieser Version" in html
    again = client.post(f"/studio/versionen/{published.pk}/zurueckziehen/", {"grace_days": "7"})
    assert again.status_code == 400
    assert "Nur veröffentlichte Versionen können zurückgezogen werden." in again.content.decode()


# --- open drafts and offerings -------------------------------------------------------------------


@pytest.fixture
def offerings(published):
    result = {}
    for slug, name, ars, follow in (
        ("folgestadt", "Folgestadt", "099990000001", True),
        ("festdorf", "Festdorf", "099990000002", False),
    ):
        municipality = Municipality.objects.create(name=name, ars=ars, slug=slug)
        authority = Authority.objects.create(
            municipality=municipality, name=f"Amt {name}", slug="amt"
        )
        activation = Activation(
            process=published.process,
            municipality=municipality,
            authority=authority,
            version=published,
            follow_patches=follow,
        )
        activation.full_clean()
        activation.save()
        result[slug] = activation
    return result


def test_what_happens_to_open_drafts_and_offerings(
    published, offerings, studio_publisher, designer, client_for
):
    from forms_engine.citizen.models import Draft

    town = offerings["folgestadt"].municipality
    for _ in range(2):
        Draft.objects.create(
            process_version=published, definition_sha256=published.sha256, municipality=town
        )
    old = Draft.objects.create(
        process_version=published, definition_sha256=published.sha256, municipality=town
    )
    Draft.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=400))

    patch = _draft(
        studio_publisher,
        designer,
        base_doc(
            version="1.0.1",
            title={"de": "Sondernutzung einer Straße (neu)", "en": "Special use of a street"},
        ),
    )
    client = client_for(designer)
    html = client.get(_url(patch)).content.decode()
    assert "Version 1.0.0: 2 offene Anträge von Bürgerinnen und Bürgern." in html
    assert "Begonnene Anträge werden auf ihrer Version zu Ende geführt" in html
    assert 'data-moves="yes"><th class="kern-table__cell" scope="row">Folgestadt' in html
    assert 'data-moves="no"><th class="kern-table__cell" scope="row">Festdorf' in html
    assert "bis die Verwaltung der Kommune das Angebot umstellt" in html

    response = client.post(_url(patch, "jetzt/"), follow=True)
    assert "Das Angebot von Folgestadt bietet jetzt Version 1.0.1 an." in response.content.decode()
    assert Activation.objects.get(pk=offerings["folgestadt"].pk).version_id == patch.pk
    assert Activation.objects.get(pk=offerings["festdorf"].pk).version_id == published.pk


def test_a_minor_version_moves_no_offering(
    published, offerings, studio_publisher, designer, client_for
):
    doc = base_doc(version="1.1.0")
    doc["steps"][0]["schema"]["properties"]["ort"] = {
        "type": "string",
        "title": "Ort",
        "x-en": {"title": "Place"},
    }
    minor = _draft(studio_publisher, designer, doc)
    html = client_for(designer).get(_url(minor)).content.decode()
    assert 'data-moves="yes"' not in html
    assert "automatisch übernommen werden nur Fehlerbehebungen" in html


# --- checks page ---------------------------------------------------------------------------------


def test_the_checks_page_lists_problems_warnings_and_findings(
    studio_publisher, designer, client_for
):
    doc = rich_doc()
    doc["steps"][0]["schema"]["properties"]["telefon"] = {
        "type": "string",
        "format": "phone",
        "title": "Telefon",
    }
    draft = _draft(studio_publisher, designer, doc)
    html = client_for(designer).get(f"/studio/versionen/{draft.pk}/hinweise/").content.decode()
    assert 'id="no-problems"' in html
    assert "Hinweise zur Gestaltung" in html
    assert 'id="findings-barrierefreiheit"' in html  # phone without help text
    assert 'data-code="format_hint_missing"' in html
    assert 'id="findings-englisch"' in html  # Telefon has no English label
    try:
        reverse("studio:editor", args=[draft.pk])
    except NoReverseMatch:
        assert '<code class="studio-pointer">/steps/0/schema/properties/telefon</code>' in html
    else:
        assert "/bearbeiten/?pointer=%2Fsteps%2F0%2Fschema%2Fproperties%2Ftelefon" in html


def test_the_checks_page_shows_definition_problems(studio_publisher, designer, client_for):
    doc = base_doc()
    doc["steps"][0]["schema"]["properties"]["name"]["type"] = "strin"
    draft = _draft(studio_publisher, designer, doc)
    html = client_for(designer).get(f"/studio/versionen/{draft.pk}/hinweise/").content.decode()
    assert 'id="problems"' in html
    assert 'data-pointer="/steps/0/schema/properties/name/type"' in html


def test_the_checks_page_names_version_and_test_problems(
    published, studio_publisher, designer, client_for
):
    doc = base_doc(version="1.0.1")
    del doc["steps"][0]["schema"]["properties"]["zweck"]
    doc["tests"] = [{"name": "kaputt", "answers": {}, "expect": {"valid": True}}]
    draft = _draft(studio_publisher, designer, doc)
    html = client_for(designer).get(f"/studio/versionen/{draft.pk}/hinweise/").content.decode()
    assert 'id="version-problems"' in html and "2.0.0" in html
    assert 'id="failed-tests"' in html and "kaputt" in html


# --- access --------------------------------------------------------------------------------------


def test_access_matrix(draft, designer, reviewer, outsider, other_designer):
    def client(user):
        c = Client()
        c.force_login(user)
        return c

    pages = [_url(draft), f"/studio/versionen/{draft.pk}/hinweise/"]
    actions = [
        _url(draft, "jetzt/"),
        _url(draft, "planen/"),
        _url(draft, "planung-aufheben/"),
        f"/studio/versionen/{draft.pk}/freigabe-anfragen/",
        f"/studio/versionen/{draft.pk}/zurueckziehen/",
    ]
    for url in pages:
        assert client(designer).get(url).status_code == 200
        assert client(reviewer).get(url).status_code == 200
        assert client(outsider).get(url).status_code == 403
        assert client(other_designer).get(url).status_code == 404
        assert Client().get(url).status_code == 302
    for url in actions:
        assert client(reviewer).post(url).status_code == 403
        assert client(outsider).post(url).status_code == 403
        assert client(other_designer).post(url).status_code == 404
        assert client(designer).get(url).status_code == 405
    assert _reload(draft).status == "draft"
    reviewer_page = client(reviewer).get(_url(draft)).content.decode()
    assert "Jetzt veröffentlichen" not in reviewer_page
