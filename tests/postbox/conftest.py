"""Postbox fixtures: the clerk personas and routed cases of tests/clerk, with e-mail."""

import pytest

from forms_engine.cases.models import Case
from tests.clerk.conftest import (  # noqa: F401 - fixtures re-exported for this package
    colleague_steuer,
    file_case,
    hund_case,
    logged_in,
    ordnung_client,
    park_case,
    sample,
    steuer_client,
)


@pytest.fixture
def case(hund_case):  # noqa: F811 - the fixture imported above
    """A Hundesteuer case in the Steueramt's inbox, in progress, with an e-mail address."""
    Case.objects.filter(pk=hund_case.pk).update(
        applicant_email="erika@example.org", status=Case.Status.IN_PROGRESS
    )
    hund_case.refresh_from_db()
    return hund_case


@pytest.fixture
def other_case(published_processes, musterstadt):
    """A second Hundesteuer case of the same authority (another citizen)."""
    return file_case(
        published_processes["hundesteuer-anmeldung"],
        musterstadt,
        sample("hundesteuer-anmeldung", "valid-normaler-hund"),
        applicant_name="Otto Anders",
        applicant_email="otto@example.org",
        status=Case.Status.IN_PROGRESS,
    )
