"""The tests page never answers 500: broken drafts, bad input, every shipped process's
fields (uploads, repeatable groups, multiple choice, groups) in the form."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from forms_engine.catalog.models import ProcessVersion, Publisher
from forms_engine.catalog.services import (
    process_version_create_draft,
    process_version_new_draft_from,
)

from .conftest import base_doc


def test_a_broken_draft_with_odd_tests(studio_publisher, designer, client_for):
    doc = base_doc(tests=["kaputt", {"name": "ohne Rest"}])
    draft = process_version_create_draft(doc=doc, publisher=studio_publisher, by=designer)
    client = client_for(designer)
    assert client.get(f"/studio/versionen/{draft.pk}/tests/").status_code == 200
    assert client.get(f"/studio/versionen/{draft.pk}/tests/0/").status_code == 404
    page = client.get(f"/studio/versionen/{draft.pk}/tests/1/")
    assert page.status_code == 200
    assert "Tests lassen sich erst schreiben" in page.content.decode()
    assert client.get(f"/studio/versionen/{draft.pk}/tests/99999999999/").status_code == 404
    for tail in ("hinweise/", "vergleich/", "veroeffentlichen/"):
        assert client.get(f"/studio/versionen/{draft.pk}/{tail}").status_code == 200


def test_bad_values_are_refused_not_crashed(draft, designer, client_for):
    client = client_for(designer)
    url = f"/studio/versionen/{draft.pk}/tests/neu/"
    cases = [
        {"name": "x" * 300},
        {"name": "a", "valid": "vielleicht"},
        {"name": "a", "steps": ["gibt-es-nicht"], "check_steps": "on"},
        {"name": "a", "expect_errors": ["/nirgends"]},
        {"name": "a", "fee_total": "-5"},
        {"name": "a", "answers_json": "{" * 50},
    ]
    for data in cases:
        response = client.post(url, {"revision": "1", **data})
        assert response.status_code == 400, data
    assert ProcessVersion.objects.get(pk=draft.pk).revision == 1
    assert (
        client.get(f"/studio/versionen/{draft.pk}/vergleich/?alt=99999999999999").status_code == 400
    )
    assert (
        client.post(f"/studio/versionen/{draft.pk}/veroeffentlichen/planen/", {}).status_code == 400
    )
    assert (
        client.post(f"/studio/versionen/{draft.pk}/zurueckziehen/", {"grace_days": "x"}).status_code
        == 400
    )


@pytest.fixture
def library_designer(published_processes):
    user = get_user_model().objects.create_user("bibliothek2", password="x", is_staff=True)
    Publisher.objects.get(slug="standard").designers.add(user)
    return user


def test_every_shipped_process_gets_a_test_form(published_processes, library_designer):
    client = Client()
    client.force_login(library_designer)
    for identifier, version in sorted(published_processes.items()):
        if version.process.publisher.slug != "standard":
            continue
        draft = process_version_new_draft_from(version=version, by=library_designer)
        form = client.get(f"/studio/versionen/{draft.pk}/tests/neu/")
        assert form.status_code == 200, identifier
        response = client.post(
            f"/studio/versionen/{draft.pk}/tests/neu/",
            {"revision": str(draft.revision), "name": "Leer", "valid": "false"},
        )
        assert response.status_code == 302, (identifier, response.content.decode()[:500])
        saved = ProcessVersion.objects.get(pk=draft.pk)
        assert saved.definition["tests"][-1] == {
            "name": "Leer",
            "answers": {},
            "expect": {"valid": False},
        }
        page = client.get(f"/studio/versionen/{draft.pk}/tests/").content.decode()
        assert 'data-test="Leer" data-passed="yes"' in page, identifier


def _post_data(form) -> dict:
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if value in (None, "", []):
            continue
        if name == "check_steps":
            if value:
                data[name] = "on"
            continue
        data[name] = value
    return data


def test_the_shipped_tests_survive_the_form_unchanged(published_processes):
    """Every designer test of the installation's library and of the starter library (with
    `today` and computed expectations) comes out of the form as it went in."""
    from forms_engine.catalog.selectors import current_versions
    from forms_engine.definitions import compile_definition
    from forms_engine.studio.designer_tests import DesignerTestForm

    checked = 0
    for version in current_versions():
        compiled = compile_definition(version.definition)
        tests = version.definition.get("tests") or []
        for index, test in enumerate(tests):
            others = [t["name"] for i, t in enumerate(tests) if i != index]
            initial = DesignerTestForm(process=compiled, test=test, others=others)
            form = DesignerTestForm(_post_data(initial), process=compiled, test=test, others=others)
            assert form.is_valid(), (test["name"], form.errors)
            assert form.to_test() == test, test["name"]
            checked += 1
    assert checked >= 5


def test_answers_the_inputs_cannot_show_are_edited_as_json_and_kept(
    studio_publisher, designer, client_for
):
    from .publish_docs import rich_doc

    doc = rich_doc()
    doc["tests"].append(
        {
            "name": "Falsche Eingaben",
            "answers": {
                "halter": {},
                "hund": {"alter": "drei", "rasse": "dogge", "listenhund": None},
            },
            "parameters": {"gebuehr": "40"},
            "expect": {"valid": False, "fee_total": "40", "errors": ["/hund/alter"]},
        }
    )
    version = process_version_create_draft(doc=doc, publisher=studio_publisher, by=designer)
    client = client_for(designer)
    page = client.get(f"/studio/versionen/{version.pk}/tests/2/").content.decode()
    assert "weil der gespeicherte Wert nicht zu dieser Feldart passt" in page
    assert "&quot;drei&quot;</textarea>" in page and "null</textarea>" in page
    data = {
        "revision": "1",
        "name": "Falsche Eingaben",
        "a5": '"drei"',
        "a3": '"dogge"',
        "a4": "null",
        "p0": "40",
        "fee_total": "40",
        "valid": "false",
        "expect_errors": ["/hund/alter"],
    }
    response = client.post(f"/studio/versionen/{version.pk}/tests/2/", data)
    assert response.status_code == 302
    saved = ProcessVersion.objects.get(pk=version.pk).definition["tests"][2]
    assert saved == doc["tests"][2]
