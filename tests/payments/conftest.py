"""Payment fixtures: the demo stand-in reachable through Django's test client, drafts made
by the citizen services, and variants of the dog tax process for each payment policy.

Personas: the anonymous citizen (`client`) owns the drafts it created (`session_draft`);
another citizen (`other_client`) owns none of them.
"""

from __future__ import annotations

import copy
import json
from urllib.parse import urlsplit

import pytest
from django.test import Client

from forms_engine.payments import http
from tests.conftest import ANSWER_FIXTURES, load_sample

DOG = "hundesteuer-anmeldung"


def sample_answers(name: str = "valid-normaler-hund") -> dict:
    return load_sample(ANSWER_FIXTURES / DOG / f"{name}.json")["answers"]


class ClientTransport:
    """Routes the payment client's HTTP calls to this Django's URLs (no network)."""

    def __init__(self):
        self.client = Client()
        self.calls: list[dict] = []

    def __call__(self, method, url, *, headers, body=None, timeout=10.0):
        parts = urlsplit(url)
        assert parts.netloc == "testserver", url
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        extra = {
            "HTTP_" + key.upper().replace("-", "_"): value
            for key, value in headers.items()
            if key.lower() != "content-type"
        }
        response = self.client.generic(
            method,
            path,
            data=body or b"",
            content_type=headers.get("Content-Type", "application/octet-stream"),
            **extra,
        )
        self.calls.append(
            {
                "method": method,
                "url": url,
                "headers": dict(headers),
                "json": json.loads(body) if body else None,
                "status": response.status_code,
            }
        )
        return http.HttpResponse(response.status_code, dict(response.headers), response.content)

    def requests(self, method: str = "POST") -> list[dict]:
        return [c for c in self.calls if c["method"] == method]


@pytest.fixture
def transport(monkeypatch):
    routed = ClientTransport()
    monkeypatch.setattr(http, "default_transport", routed)
    return routed


@pytest.fixture
def demo(settings, transport):
    """Demo backends on; the stand-in is this test server."""
    settings.ENABLE_DEMO_BACKENDS = True
    settings.FORMS_SITE_URL = "http://testserver"
    return transport


@pytest.fixture
def dog_version(published_processes):
    """Dog tax 1.0.0: still published, policy "required" (the online-payment example).
    The current dog tax (1.1.0 and later) is "deferred": the tax follows by Steuerbescheid."""
    return dog_version_required()


def dog_version_required():
    from forms_engine.catalog.models import ProcessVersion

    return ProcessVersion.objects.get(process__identifier=DOG, version="1.0.0")


def make_draft(version, municipality, answers=None):
    from forms_engine.citizen.models import Draft
    from forms_engine.citizen.services import draft_start

    draft = draft_start(process_version=version, municipality=municipality)
    Draft.objects.filter(pk=draft.pk).update(answers=answers or sample_answers())
    draft.refresh_from_db()
    return draft


@pytest.fixture
def draft(dog_version, musterstadt):
    """A dog tax draft (policy required, 96,00 €), made by the citizen services."""
    return make_draft(dog_version, musterstadt)


@pytest.fixture
def session_draft(client, draft):
    """`draft`, reachable from `client`'s session."""
    from forms_engine.citizen.services import session_add_draft

    session = client.session
    session_add_draft(session, draft)
    session.save()
    return draft


@pytest.fixture
def other_client():
    return Client()


@pytest.fixture
def policy_version(published_processes, musterstadt):
    """A published copy of the dog tax process with another payment policy, offered in
    Musterstadt: `policy_version("optional")`."""
    from forms_engine.catalog.models import Activation, Authority
    from forms_engine.catalog.services import (
        process_version_create_draft,
        process_version_publish,
    )

    base = dog_version_required()
    authority = Authority.objects.get(municipality=musterstadt, slug="steueramt")
    made = {}

    def make(policy: str):
        if policy in made:
            return made[policy]
        doc = copy.deepcopy(base.definition)
        doc["id"] = f"{DOG}-{policy}"
        doc["payment"]["policy"] = policy
        version = process_version_publish(version=process_version_create_draft(doc=doc))
        Activation.objects.create(
            process=version.process, municipality=musterstadt, authority=authority
        )
        made[policy] = version
        return version

    return make


def pay_on_standin(transport, pay_url: str, action: str = "pay"):
    """The citizen presses a button on the stand-in's pay page; the redirect target."""
    path = urlsplit(pay_url).path
    response = transport.client.post(path, {"action": action})
    assert response.status_code == 302, response.content
    return response["Location"]
