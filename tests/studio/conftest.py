"""Studio personas on their own publisher "teststadt" (the shipped library stays untouched):
`designer`, `designer2` (two designers of it), `reviewer` (approves), `outsider` (staff with
no studio role), `other_designer` (designer of another publisher only)."""

import pytest
from django.contrib.auth import get_user_model

BASE_DOC = {
    "$schema": "urn:ozg-engine:process-format:1",
    "id": "sondernutzung",
    "version": "1.0.0",
    "title": {"de": "Sondernutzung einer Straße", "en": "Special use of a street"},
    "reference_prefix": "SNU",
    "steps": [
        {
            "id": "antrag",
            "title": {"de": "Ihr Antrag", "en": "Your application"},
            "schema": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "title": "Name", "x-en": {"title": "Name"}},
                    "zweck": {"type": "string", "title": "Zweck", "x-en": {"title": "Purpose"}},
                },
            },
        }
    ],
}


def base_doc(**changes) -> dict:
    import copy

    doc = copy.deepcopy(BASE_DOC)
    doc.update(changes)
    return doc


def _user(name: str, **extra):
    return get_user_model().objects.create_user(username=name, password="x", is_staff=True, **extra)


@pytest.fixture
def studio_publisher(db):
    from forms_engine.catalog.models import Publisher

    return Publisher.objects.create(name="Stadt Teststadt", slug="teststadt")


@pytest.fixture
def designer(studio_publisher):
    user = _user("designerin")
    studio_publisher.designers.add(user)
    return user


@pytest.fixture
def designer2(studio_publisher):
    user = _user("designer2")
    studio_publisher.designers.add(user)
    return user


@pytest.fixture
def reviewer(studio_publisher):
    user = _user("pruefer")
    studio_publisher.reviewers.add(user)
    return user


@pytest.fixture
def outsider(db):
    return _user("aussen")


@pytest.fixture
def other_designer(db):
    from forms_engine.catalog.models import Publisher

    other = Publisher.objects.create(name="Anderswo", slug="anderswo")
    user = _user("anderswo-design")
    other.designers.add(user)
    return user


@pytest.fixture
def draft(studio_publisher, designer):
    from forms_engine.catalog.services import process_version_create_draft

    return process_version_create_draft(doc=base_doc(), publisher=studio_publisher, by=designer)


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login
