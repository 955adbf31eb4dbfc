"""Sign in through the BundID stand-in with the Django test client, as a browser would."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlparse

from django.test import override_settings
from django.urls import reverse

ASSERTION = re.compile(r'name="assertion" value="([^"]+)"')


def start_sign_in(client, *, level: str = "basis", next_url: str = "/") -> dict:
    """POST the engine's sign-in; returns the stand-in's query parameters."""
    response = client.post(reverse("citizen:identity_sign_in"), {"level": level, "next": next_url})
    assert response.status_code == 302, response.content[:300]
    location = urlparse(response["Location"])
    assert location.path == reverse("citizen:bundid_stub")
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def stub_assertion(client, params: dict, *, persona="erika-mustermann", means="eid") -> str:
    """Pick persona and means at the stand-in; returns the signed assertion it posts on."""
    response = client.post(
        reverse("citizen:bundid_stub"), {**params, "persona": persona, "means": means}
    )
    assert response.status_code == 200, response.content[:300]
    return html.unescape(ASSERTION.search(response.content.decode())[1])


def post_assertion(client, assertion: str):
    return client.post(reverse("citizen:identity_acs"), {"assertion": assertion})


def sign_in(client, *, persona="erika-mustermann", means="eid", level="basis", next_url="/") -> str:
    """The whole sign-in; returns the URL the engine sends the citizen back to."""
    with override_settings(ENABLE_DEMO_BACKENDS=True):
        params = start_sign_in(client, level=level, next_url=next_url)
        assertion = stub_assertion(client, params, persona=persona, means=means)
        response = post_assertion(client, assertion)
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def level_process_factory(musterstadt):
    """make(level, prefill=None) -> process id: a small published process needing `level`,
    offered in `musterstadt` by its Ordnungsamt."""
    from forms_engine.catalog.models import Activation, Authority
    from forms_engine.catalog.services import process_version_create_draft, process_version_publish

    authority = Authority.objects.get(slug="ordnungsamt", municipality=musterstadt)

    def make(level, prefill=None):
        process_id = f"test-identitaet-{level}"
        doc = {
            "$schema": "urn:ozg-engine:process-format:1",
            "id": process_id,
            "version": "1.0.0",
            "title": {"de": f"Testantrag Vertrauensniveau {level}"},
            "reference_prefix": "TST",
            "identity": {"level": level, "prefill": prefill or {}},
            "steps": [
                {
                    "id": "person",
                    "title": {"de": "Person"},
                    "schema": {
                        "type": "object",
                        "properties": {
                            "vorname": {"type": "string", "title": "Vorname", "minLength": 1},
                            "email": {"type": "string", "title": "E-Mail", "format": "email"},
                        },
                        "required": ["vorname"],
                    },
                }
            ],
        }
        version = process_version_publish(version=process_version_create_draft(doc=doc))
        Activation.objects.create(
            process=version.process, municipality=musterstadt, authority=authority
        )
        return process_id

    return make


def sample_identity(level: str = "hoch", persona: str = "erika-mustermann") -> dict:
    """An identity as the stand-in gives it (for `case_submit(identity=...)` in tests that
    submit sample answers of processes needing a sign-in). Sample answers use Erika."""
    from forms_engine.identity.attributes import ATTRIBUTES
    from forms_engine.identity.stub_idp import SELF_DECLARED, bpk2_for, persona_get

    person = persona_get(persona)
    trust = {"basis": "NORMAL", "substanziell": "SUBSTANZIELL", "hoch": "HOCH"}[level]
    attributes = {
        name: {"value": person[name], "trust": "NORMAL" if name in SELF_DECLARED else trust,
               "oid": oid}
        for name, (oid, _friendly) in ATTRIBUTES.items()
        if person.get(name)
    }  # fmt: skip
    means = {"basis": "Benutzername", "substanziell": "ELSTER", "hoch": "Online-Ausweis"}[level]
    return {
        "level": level,
        "means": means,
        "bpk2": bpk2_for(person["id"], "test-service"),
        "attributes": attributes,
    }
