"""The designer tests page (`studio:tests`): results in words, writing a test without JSON
(inputs from the definition's fields), editing, duplicating, deleting; access."""

import pytest
from django.test import Client

from forms_engine.catalog.models import ProcessVersion

from .publish_docs import rich_doc


@pytest.fixture
def rich(studio_publisher, designer):
    from forms_engine.catalog.services import process_version_create_draft

    return process_version_create_draft(doc=rich_doc(), publisher=studio_publisher, by=designer)


def _url(version, tail=""):
    return f"/studio/versionen/{version.pk}/tests/{tail}"


def _reload(version):
    return ProcessVersion.objects.get(pk=version.pk)


def test_the_page_lists_each_test_with_its_result_in_words(rich, designer, client_for):
    response = client_for(designer).get(_url(rich) + "?ausfuehren=1")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Eben ausgeführt:" in html
    assert "2 Tests, 2 bestanden, 0 fehlgeschlagen" in html
    assert 'data-test="Listenhund zahlt Zuschlag" data-passed="yes"' in html
    # expected and actual, in words: step titles, the fee in German notation, the error's label
    assert "„Halterin oder Halter“, „Ihr Hund“, „Sachkunde“" in html
    assert "130,00 €" in html
    assert "Fehler bei „Name“ (Halterin oder Halter)" in html
    assert "Antworten als JSON (für Fachleute)" in html
    assert "&quot;listenhund&quot;: true" in html


def test_a_failing_test_says_what_was_expected_and_what_happened(
    studio_publisher, designer, client_for
):
    from forms_engine.catalog.services import process_version_create_draft

    doc = rich_doc()
    doc["tests"][1]["expect"]["fee_total"] = "12.50"
    version = process_version_create_draft(doc=doc, publisher=studio_publisher, by=designer)
    html = client_for(designer).get(_url(version)).content.decode()
    assert 'data-test="Gebühr der Kommune" data-passed="no"' in html
    assert "12,50 €" in html and "50,00 €" in html
    assert "nicht erfüllt" in html


def test_a_broken_definition_says_why_tests_do_not_run(studio_publisher, designer, client_for):
    from forms_engine.catalog.services import process_version_create_draft

    doc = rich_doc()
    doc["steps"][0]["schema"]["properties"]["name"]["type"] = "strin"
    version = process_version_create_draft(doc=doc, publisher=studio_publisher, by=designer)
    html = client_for(designer).get(_url(version)).content.decode()
    assert 'id="tests-not-run"' in html
    assert 'data-passed="none"' in html
    assert client_for(designer).get(_url(version, "neu/")).status_code == 200


def test_the_form_offers_inputs_generated_from_the_fields(rich, designer, client_for):
    html = client_for(designer).get(_url(rich, "neu/")).content.decode()
    assert 'type="date" id="id_a1" name="a1"' in html  # Geburtsdatum
    assert '<option value="&quot;dackel&quot;">Dackel</option>' in html  # a choice: a select
    assert '<option value="true">Ja</option>' in html  # a boolean
    assert "Nur als JSON (Liste von Einträgen)" in html  # the repeatable group
    assert 'name="p0"' in html and "Vorgabe (30,00)" in html  # the declared parameter
    assert 'name="steps" value="sachkunde"' in html
    assert 'name="expect_errors" value="/halter/name"' in html
    assert '<legend class="kern-label">Anschrift</legend>' in html  # a group: a fieldset


def _new_test_post(**extra):
    data = {
        "revision": "1",
        "name": "Pudel ohne Namen",
        "a1": "1990-05-17",  # halter/geboren
        "a2": "Hafenstadt",  # halter/anschrift/ort
        "a3": '"pudel"',  # hund/rasse
        "a4": "false",  # hund/listenhund
        "a5": "3",  # hund/alter
        "a6": '[{"name": "Bello"}]',  # hund/welpen (JSON)
        "p0": "75,50",
        "check_steps": "on",
        "steps": ["halter", "hund"],
        "fee_total": "75,50",
        "valid": "false",
        "expect_errors": ["/halter/name"],
    }
    data.update(extra)
    return data


def test_a_designer_writes_a_test_without_json(rich, designer, client_for):
    client = client_for(designer)
    response = client.post(_url(rich, "neu/"), _new_test_post())
    assert response.status_code == 302
    version = _reload(rich)
    assert version.revision == 2
    test = version.definition["tests"][2]
    assert test == {
        "name": "Pudel ohne Namen",
        "answers": {
            "halter": {"geboren": "1990-05-17", "anschrift": {"ort": "Hafenstadt"}},
            "hund": {
                "rasse": "pudel",
                "listenhund": False,
                "alter": 3,
                "welpen": [{"name": "Bello"}],
            },
        },
        "parameters": {"gebuehr": "75.50"},
        "expect": {
            "steps": ["halter", "hund"],
            "fee_total": "75.50",
            "valid": False,
            "errors": ["/halter/name"],
        },
    }
    html = client.get(_url(rich)).content.decode()
    assert 'data-test="Pudel ohne Namen" data-passed="yes"' in html


def test_bad_input_is_refused_with_reasons_and_nothing_saved(rich, designer, client_for):
    client = client_for(designer)
    response = client.post(
        _url(rich, "neu/"),
        _new_test_post(
            name="Listenhund zahlt Zuschlag",  # taken
            a5="drei",
            a6="{kein json",
            fee_total="12,345",
            check_steps="",
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ein anderer Test heißt schon so." in html
    assert "Bitte eine Zahl angeben" in html
    assert "Kein gültiges JSON" in html
    assert "höchstens zwei Nachkommastellen" in html
    assert "Bitte ankreuzen, damit die gewählten Schritte geprüft werden." in html
    assert _reload(rich).revision == 1


def test_experts_can_give_the_answers_as_json(rich, designer, client_for):
    client = client_for(designer)
    data = _new_test_post(answers_json='{"hund": {"rasse": "dackel", "unbekannt": 1}}')
    data.pop("steps")
    data.pop("check_steps")
    assert client.post(_url(rich, "neu/"), data).status_code == 302
    assert _reload(rich).definition["tests"][2]["answers"] == {
        "hund": {"rasse": "dackel", "unbekannt": 1}
    }
    bad = client.post(_url(rich, "neu/"), _new_test_post(name="x", answers_json="[1]"))
    assert bad.status_code == 400
    assert "JSON-Objekt" in bad.content.decode()


def test_editing_keeps_answers_the_form_does_not_show(studio_publisher, designer, client_for):
    from forms_engine.catalog.services import process_version_create_draft

    doc = rich_doc()
    doc["tests"][1]["answers"]["hund"]["extra"] = "bleibt"
    version = process_version_create_draft(doc=doc, publisher=studio_publisher, by=designer)
    client = client_for(designer)
    page = client.get(_url(version, "1/")).content.decode()
    assert 'value="Erika"' in page and 'value="50,00"' in page
    data = {
        "revision": "1",
        "name": "Gebühr der Kommune",
        "a0": "Erika Muster",
        "a3": '"pudel"',
        "p0": "50,00",
        "fee_total": "50,00",
        "valid": "",
    }
    assert client.post(_url(version, "1/"), data).status_code == 302
    test = _reload(version).definition["tests"][1]
    assert test["answers"] == {
        "halter": {"name": "Erika Muster"},
        "hund": {"rasse": "pudel", "extra": "bleibt"},
    }
    assert test["expect"] == {"fee_total": "50.00"}


def test_a_stale_revision_is_refused_and_nothing_lost(rich, designer, client_for):
    client = client_for(designer)
    response = client.post(_url(rich, "neu/"), _new_test_post(revision="7"), follow=True)
    assert _reload(rich).revision == 1
    assert response.status_code == 400


def test_duplicate_and_delete(rich, designer, client_for):
    client = client_for(designer)
    response = client.post(
        _url(rich, "0/duplizieren/"), {"revision": "1", "name": "Listenhund zahlt Zuschlag"}
    )
    assert response.status_code == 302
    names = [t["name"] for t in _reload(rich).definition["tests"]]
    assert names == [
        "Listenhund zahlt Zuschlag",
        "Listenhund zahlt Zuschlag (Kopie)",
        "Gebühr der Kommune",
    ]
    response = client.post(
        _url(rich, "1/loeschen/"), {"revision": "2", "name": "Listenhund zahlt Zuschlag (Kopie)"}
    )
    assert response.status_code == 302
    names = [t["name"] for t in _reload(rich).definition["tests"]]
    assert names == ["Listenhund zahlt Zuschlag", "Gebühr der Kommune"]
    # a name that no longer matches the index (changed meanwhile) deletes nothing
    client.post(_url(rich, "0/loeschen/"), {"revision": "3", "name": "Gebühr der Kommune"})
    assert len(_reload(rich).definition["tests"]) == 2
    assert client.post(_url(rich, "9/loeschen/"), {"revision": "3", "name": "x"}).status_code == 404


def test_access(rich, designer, reviewer, outsider, other_designer):
    def status(user, url, method="get"):
        client = Client()
        client.force_login(user)
        return getattr(client, method)(url).status_code

    assert status(reviewer, _url(rich)) == 200
    assert status(reviewer, _url(rich, "neu/")) == 403
    assert status(reviewer, _url(rich, "0/loeschen/"), "post") == 403
    assert status(outsider, _url(rich)) == 403
    assert status(other_designer, _url(rich)) == 404
    assert status(other_designer, _url(rich, "neu/")) == 404
    assert Client().get(_url(rich)).status_code == 302  # to the sign-in


def test_published_versions_are_read_only(rich, designer, client_for):
    from forms_engine.catalog.services import process_version_publish

    published = process_version_publish(version=rich)
    client = client_for(designer)
    html = client.get(_url(published)).content.decode()
    assert "Neuen Test anlegen" not in html
    assert client.get(_url(published, "neu/")).status_code == 403
    assert client.post(_url(published, "0/loeschen/"), {"name": "x"}).status_code == 403


def test_the_pages_speak_english(rich, designer, client_for, settings):
    client = client_for(designer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(_url(rich)).content.decode()
    assert "Run all tests" in html and "2 tests, 2 passed, 0 failed" in html
    assert "Total fee" in html and "130.00 €" in html
    form = client.get(_url(rich, "neu/")).content.decode()
    assert "Expected total fee" in form and "Dachshund" in form
    checks = client.get(f"/studio/versionen/{rich.pk}/hinweise/").content.decode()
    assert "Authoring findings" in checks
    publish = client.get(f"/studio/versionen/{rich.pk}/veroeffentlichen/").content.decode()
    assert "Publish now" in publish and "Ready to publish?" in publish
