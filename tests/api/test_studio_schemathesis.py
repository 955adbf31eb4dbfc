"""The studio API against its OpenAPI document, signed in (test_schemathesis.py sends every
operation anonymously, which the studio answers with 403 before reading anything).

schemathesis generates requests for every `/api/studio/` operation, positive and negative,
sent with a signed-in superuser's session and CSRF token. Positive cases get the ids of real
versions and approvals (generated integers name nothing), so generated definitions, answers,
parameters, dates and comments reach the catalog services and the definitions API. Every
check applies except "schema-valid data is accepted": a schema-valid definition, answer set
or parameter set may rightly be refused (400/409/422), as for submissions; and "auth is
enforced" (its probes drop the session cookie, but the WSGI client keeps the cookies the
answers set): the anonymous run of test_schemathesis.py checks that for every operation.
Runs with FORMS_SCHEMATHESIS=1, like test_schemathesis.py.
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
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from tests.studio.conftest import base_doc

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]

EXAMPLES = int(os.environ.get("FORMS_SCHEMATHESIS_EXAMPLES", "25"))
CSRF_SECRET = "s" * 32

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True
)


@pytest.fixture
def signed_in_studio(db, monkeypatch):
    """A superuser's session and real ids to put into the generated requests."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from forms_engine.catalog.models import Publisher
    from forms_engine.catalog.review import approval_request
    from forms_engine.catalog.services import process_version_create_draft

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    admin = get_user_model().objects.create_superuser("studio-admin", password="x")
    requester = get_user_model().objects.create_user("studio-req", password="x", is_staff=True)
    publisher = Publisher.objects.create(name="Stadt Teststadt", slug="teststadt")
    publisher.designers.add(requester)
    drafts = [
        process_version_create_draft(doc=base_doc(version=f"1.{n}.0"), publisher=publisher)
        for n in range(3)
    ]
    approval = approval_request(version=drafts[0], by=requester)
    client = Client()
    client.force_login(admin)
    ids = {
        "version_id": cycle([v.pk for v in drafts]),
        "approval_id": cycle([approval.pk]),
        "number": cycle([1]),
        "publisher": cycle(["teststadt"]),
        "process_id": cycle(["sondernutzung", "neu"]),
    }
    yield {"session": client.cookies["sessionid"].value, "ids": ids, "versions": drafts}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.include(path_regex="^/api/studio/").parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_studio_operation_answers_as_its_schema_says_when_signed_in(case, signed_in_studio):
    if case.meta is not None and case.meta.generation.mode.is_positive:
        ids = signed_in_studio["ids"]
        for name in list(case.path_parameters or {}):
            if name in ids:
                case.path_parameters[name] = next(ids[name])
        if case.operation.path == "/api/studio/diff/":
            versions = signed_in_studio["versions"]
            case.query = {"from": versions[0].pk, "to": versions[-1].pk}
    case.cookies = {
        **(case.cookies or {}),
        "sessionid": signed_in_studio["session"],
        "csrftoken": CSRF_SECRET,
    }
    case.headers = {**(case.headers or {}), "X-CSRFToken": CSRF_SECRET}
    case.call_and_validate(excluded_checks=[positive_data_acceptance, ignored_auth])
