"""The diff page (`studio:diff`): any two versions of a process in words, grouped by area,
with the version step the changes need; on pairs of the shipped library's versions."""

import pytest
from django.contrib.auth import get_user_model

from forms_engine.catalog.models import ProcessVersion, Publisher


@pytest.fixture
def library_designer(published_processes):
    user = get_user_model().objects.create_user("bibliothek", password="x", is_staff=True)
    Publisher.objects.get(slug="standard").designers.add(user)
    return user


def _versions(identifier):
    return {
        v.version: v
        for v in ProcessVersion.objects.filter(
            process__identifier=identifier, process__publisher__slug="standard"
        )
    }


@pytest.mark.parametrize(
    ("identifier", "old", "new"),
    [
        ("hundesteuer-anmeldung", "1.0.0", "1.1.0"),
        ("hundesteuer-anmeldung", "1.1.0", "1.2.0"),
        ("hundesteuer-anmeldung", "1.0.0", "1.2.0"),
        ("anwohnerparkausweis", "1.0.0", "1.1.0"),
        ("gewerbeanmeldung", "1.0.0", "1.1.0"),
        ("meldebescheinigung", "1.0.0", "1.1.0"),
    ],
)
def test_pairs_of_the_shipped_library(library_designer, client_for, identifier, old, new):
    from forms_engine.definitions import definition_diff, required_bump

    versions = _versions(identifier)
    a, b = versions[old], versions[new]
    response = client_for(library_designer).get(
        f"/studio/versionen/{b.pk}/vergleich/", {"alt": a.pk, "neu": b.pk}
    )
    assert response.status_code == 200
    html = response.content.decode()
    changes = definition_diff(a.definition, b.definition)
    assert changes
    assert f"Änderungen von {old} zu {new}." in html or f"Änderung von {old} zu {new}." in html
    for change in changes[:5]:
        assert change.message.replace('"', "&quot;") in html.replace("&#x27;", "'")
    bump = required_bump(changes)
    word = {"major": "Hauptversion", "minor": "Nebenversion", "patch": "Korrektur"}[bump]
    assert (
        f"Diese Änderungen verlangen {'eine neue' if bump == 'major' else 'mindestens eine neue'} {word}"
        in html
    )
    # published versions are not edited in place: no links into the editor
    assert "/bearbeiten/?pointer=" not in html


def test_default_is_the_current_published_version(library_designer, client_for):
    versions = _versions("hundesteuer-anmeldung")
    from forms_engine.catalog.services import process_version_new_draft_from

    draft = process_version_new_draft_from(version=versions["1.2.0"], by=library_designer)
    html = client_for(library_designer).get(f"/studio/versionen/{draft.pk}/vergleich/").content
    html = html.decode()
    assert f'<option value="{versions["1.2.0"].pk}" selected>' in html
    assert f'<option value="{draft.pk}" selected>' in html
    assert "Keine Änderungen" in html


def test_a_draft_links_each_entry_to_its_place_and_gives_advice(
    studio_publisher, designer, client_for
):
    from forms_engine.catalog.services import (
        process_version_create_draft,
        process_version_publish,
    )

    from .conftest import base_doc

    first = process_version_publish(
        version=process_version_create_draft(doc=base_doc(), publisher=studio_publisher)
    )
    doc = base_doc(version="1.0.1")
    del doc["steps"][0]["schema"]["properties"]["zweck"]
    draft = process_version_create_draft(doc=doc, publisher=studio_publisher, by=designer)
    html = client_for(designer).get(f"/studio/versionen/{draft.pk}/vergleich/").content.decode()
    assert f'<option value="{first.pk}" selected>' in html
    assert "Diese Änderungen verlangen eine neue Hauptversion: 2.0.0." in html
    assert "reicht nicht" in html
    assert 'data-kind="removed"' in html


def test_versions_of_other_processes_are_refused(library_designer, client_for):
    hund = _versions("hundesteuer-anmeldung")["1.2.0"]
    other = _versions("meldebescheinigung")["1.1.0"]
    response = client_for(library_designer).get(
        f"/studio/versionen/{hund.pk}/vergleich/", {"alt": other.pk}
    )
    assert response.status_code == 400
    assert "gehört nicht zu diesem Prozess" in response.content.decode()
    response = client_for(library_designer).get(
        f"/studio/versionen/{hund.pk}/vergleich/", {"alt": "x' or 1=1"}
    )
    assert response.status_code == 400


def test_diff_access(draft, reviewer, outsider, other_designer, client_for):
    from django.test import Client

    url = f"/studio/versionen/{draft.pk}/vergleich/"
    for user, expected in ((reviewer, 200), (outsider, 403), (other_designer, 404)):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == expected
    html = client_for(reviewer).get(url).content.decode()
    assert "Es gibt keine andere Version zum Vergleichen." in html
