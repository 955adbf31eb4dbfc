"""The library API against its OpenAPI document, signed in (test_schemathesis.py sends every
operation anonymously, which the library answers with 403 before reading anything).

schemathesis generates requests for every `/api/library/` operation, positive and negative,
sent with a signed-in superuser's session and CSRF token. The zip bodies it generates are
garbage (they must be refused with a 4xx, never a 500); positive cases get a real signed
bundle every other time, real publishers for the export and the fingerprints of real keys
to revoke, so generated requests reach the library services. A signing key is configured,
so exports succeed. Checks as in test_studio_schemathesis.py: every check except "a
schema-valid request is accepted" (a schema-valid zip or key may rightly be refused) and
"auth is enforced" (covered by the anonymous run). Runs with FORMS_SCHEMATHESIS=1.
"""

import os
from itertools import cycle

import pytest

if not os.environ.get("FORMS_SCHEMATHESIS"):
    pytest.skip("set FORMS_SCHEMATHESIS=1 (.ci/run does)", allow_module_level=True)

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
)
from schemathesis.transport.serialization import Binary

from tests.library.helpers import definition
from tests.studio.conftest import base_doc

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]

EXAMPLES = int(os.environ.get("FORMS_SCHEMATHESIS_EXAMPLES", "25"))
CSRF_SECRET = "s" * 32
BUNDLE_OPERATIONS = {"/api/library/bundles/", "/api/library/bundles/plan"}

# The library's bundle bodies are raw zips: sent as the bytes generated for `format: binary`.
schemathesis.serializer.alias("application/zip", "application/octet-stream")
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True
)


@pytest.fixture
def signed_in_library(db, monkeypatch):
    """A superuser's session, a trusted publisher with a real bundle, a signing key."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from forms_engine.catalog.models import Publisher
    from forms_engine.catalog.services import process_version_create_draft, process_version_publish
    from forms_engine.library import signing
    from forms_engine.library.bundle import BundleProcess, build_bundle
    from forms_engine.library.services import trust_key_add

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    signing_key = signing.generate()
    monkeypatch.delenv("FORMS_BUNDLE_SIGNING_KEY_FILE", raising=False)
    monkeypatch.setenv("FORMS_BUNDLE_SIGNING_KEY", signing_key.private_pem().decode())
    admin = get_user_model().objects.create_superuser("library-admin", password="x")
    publisher = Publisher.objects.create(name="Stadt Teststadt", slug="teststadt")
    process_version_publish(
        version=process_version_create_draft(doc=base_doc(), publisher=publisher)
    )
    keys = [signing.generate() for _ in range(3)]
    for n, pair in enumerate(keys):
        trust_key_add(
            publisher_slug="kreis-beispiel" if n == 0 else f"kreis-{n}",
            publisher_name="Landkreis Beispiel",
            public_key=pair.public_b64,
        )
    bundle = build_bundle(
        publisher_id="kreis-beispiel",
        publisher_name="Landkreis Beispiel",
        processes=[BundleProcess(doc=definition("bib-schema"))],
        shared=[],
        key=keys[0],
    )
    client = Client()
    client.force_login(admin)
    ids = {
        "fingerprint": cycle([k.fingerprint for k in keys]),
        "publisher": cycle(["teststadt", "standard"]),
    }
    yield {
        "session": client.cookies["sessionid"].value,
        "ids": ids,
        "bundles": cycle([bundle, None]),
    }
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.include(path_regex="^/api/library/").parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_library_operation_answers_as_its_schema_says_when_signed_in(case, signed_in_library):
    excluded = [positive_data_acceptance, ignored_auth]
    if case.meta is not None and case.meta.generation.mode.is_positive:
        ids = signed_in_library["ids"]
        for name in list(case.path_parameters or {}):
            if name in ids:
                case.path_parameters[name] = next(ids[name])
        if case.operation.path == "/api/library/exports/" and isinstance(case.body, dict):
            case.body["publisher"] = next(ids["publisher"])
        if case.operation.path in BUNDLE_OPERATIONS:
            bundle = next(signed_in_library["bundles"])
            if bundle is not None and case.media_type == "application/zip":
                case.body = Binary(bundle)  # schemathesis' wrapper for `format: binary`
            elif bundle is not None and isinstance(case.body, dict):
                case.body = {**case.body, "file": Binary(bundle)}
            if bundle is not None:
                # schemathesis re-checks a changed body and takes any binary one for invalid:
                # this positive case would count as negative data "accepted".
                excluded.append(negative_data_rejection)
    case.cookies = {
        **(case.cookies or {}),
        "sessionid": signed_in_library["session"],
        "csrftoken": CSRF_SECRET,
    }
    case.headers = {**(case.headers or {}), "X-CSRFToken": CSRF_SECRET}
    case.call_and_validate(excluded_checks=excluded)
