"""The OpenAPI document says exactly what the server does (issue 7, acceptance).

schemathesis generates requests for every operation of /api/schema/ (valid and invalid
ones) and checks each answer: no server error, status code and body as documented,
content type as documented. Bounded and deterministic (derandomized hypothesis), so it is
part of the suite on SQLite and on PostgreSQL (.ci/run).
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]

EXAMPLES = 25


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
    case.call_and_validate()
