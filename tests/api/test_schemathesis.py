"""The OpenAPI document says exactly what the server does (issue 7, acceptance).

schemathesis generates requests for every operation of /api/schema/ (valid and invalid
ones) and checks each answer: no server error, status code and body as documented,
content type as documented. Bounded and deterministic (derandomized hypothesis). It runs
in .ci/run's PostgreSQL run (FORMS_SCHEMATHESIS=1; about a minute), not in `make test`:
`FORMS_SCHEMATHESIS=1 .venv/bin/python -m pytest tests/api/test_schemathesis.py`.
"""

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

if not os.environ.get("FORMS_SCHEMATHESIS"):
    # Skipped before the schema is loaded: `make test` pays nothing for this module.
    pytest.skip("set FORMS_SCHEMATHESIS=1 (.ci/run does)", allow_module_level=True)

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]

EXAMPLES = int(os.environ.get("FORMS_SCHEMATHESIS_EXAMPLES", "25"))
STATEFUL_EXAMPLES = int(os.environ.get("FORMS_SCHEMATHESIS_EXAMPLES", "15"))

# The only check not applied everywhere: "a schema-valid request is accepted" cannot hold
# for submissions (answers are checked against each process's own data schema, published
# at .../data-schema/ and not inlinable in the OpenAPI document) nor for uploads (the file's
# type is sniffed from its bytes). There a schema-valid request may rightly get a 400.
# Every other check (server errors, status codes, response schemas, content types,
# headers, negative data rejected, ...) applies to every operation.
VALIDATED_BY_CONTENT = {
    "POST /api/processes/{process_id}/versions/{version}/submissions/",
    "POST /api/processes/{process_id}/versions/{version}/uploads/",
}


def excluded_checks(case):
    return [positive_data_acceptance] if case.operation.label in VALIDATED_BY_CONTENT else []


@pytest.fixture
def wsgi_in_test_transaction(published_processes, monkeypatch):
    """The real WSGI application serves the requests inside the test transaction."""
    from rest_framework.throttling import ScopedRateThrottle

    # The WSGI handler would close the test's connection (and its transaction) after each
    # request; Django's own test client prevents that the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # Many generated submissions in one test: the throttle is tested in test_errors.py.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"submit": "100000/minute"})
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The library's bundle bodies are raw zips: sent as the bytes generated for `format: binary`.
schemathesis.serializer.alias("application/zip", "application/octet-stream")
# Loaded at collection from the served document (generating it needs no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
# Valid requests and invalid ones (wrong types, missing fields, bad parameters).
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True
)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_api_operation_answers_as_its_schema_says(case, wsgi_in_test_transaction):
    case.call_and_validate(excluded_checks=excluded_checks(case))


def test_api_workflows_along_the_schema_links_answer_as_documented(wsgi_in_test_transaction):
    """Stateful: list → version → data schema / upload / submission (→ clerk case), with the
    ids taken from earlier answers through the OpenAPI links."""

    class Workflow(schema.as_state_machine()):
        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=excluded_checks(case),
                recorder=self.recorder,
            )

    workflow = Workflow
    run_state_machine_as_test(
        workflow,
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=6,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
