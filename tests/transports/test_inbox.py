"""The transport registry and the built-in `inbox` transport."""

import pytest

from forms_engine.cases.models import Case
from forms_engine.transports import Transport, TransportError, registry
from forms_engine.transports.backends.inbox import InboxTransport
from tests.cases.test_case_submit import sample, submit


def test_the_inbox_transport_is_registered_with_an_empty_options_schema():
    assert "inbox" in registry
    assert registry.get("inbox") is InboxTransport
    assert issubclass(InboxTransport, Transport)
    assert registry.validate_options("inbox", {}) == []


def test_the_inbox_transport_refuses_options():
    problems = registry.validate_options("inbox", {"postfach": "x"})

    assert len(problems) == 1
    assert "postfach" in problems[0].message


def test_a_transport_error_is_transient_unless_said_otherwise():
    assert TransportError("weg").permanent is False
    assert TransportError("nie", permanent=True).permanent is True


def test_the_base_transport_has_no_delivery_of_its_own():
    with pytest.raises(NotImplementedError):
        Transport().deliver(case=None, casefile=None)


@pytest.mark.django_db
def test_inbox_delivery_routes_the_case_once(published_processes, musterstadt):
    case = submit(
        published_processes["hundesteuer-anmeldung"],
        musterstadt,
        sample("hundesteuer-anmeldung", "valid-normaler-hund"),
    )
    transport = InboxTransport(options={})

    transport.deliver(case=case, casefile=None)
    first = Case.objects.get(pk=case.pk).routed_at
    transport.deliver(case=Case.objects.get(pk=case.pk), casefile=None)

    assert first is not None
    assert case.routed_at == first
    assert Case.objects.get(pk=case.pk).routed_at == first
