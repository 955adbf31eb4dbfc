"""Cases in the inboxes of the demo personas (see tests/conftest.py).

- `hund_case`: Hundesteuer, Musterstadt Steueramt → only `clerk_steuer` may see it.
- `park_case`: Bewohnerparkausweis, Musterstadt Ordnungsamt → only `clerk_ordnung`.
Cases are filed with `case_submit` and marked routed here (the pipeline does that in life).
"""

import itertools

import pytest
from django.test import Client
from django.utils import timezone

from forms_engine.cases.models import Case
from forms_engine.cases.services import case_submit
from tests.conftest import ANSWER_FIXTURES, load_sample

_keys = itertools.count(1)


def sample(process_id: str, name: str) -> dict:
    return load_sample(ANSWER_FIXTURES / process_id / f"{name}.json")


def file_case(
    version,
    municipality,
    data: dict,
    *,
    routed: bool = True,
    applicant_name: str | None = None,
    **changes,
) -> Case:
    """A submitted case (no uploads), routed to its authority's inbox unless `routed=False`."""
    case = case_submit(
        process_version=version,
        municipality=municipality,
        answers=data["answers"],
        declarations=data["declarations"],
        submission_key=f"clerk-test-{next(_keys)}",
        upload_owner=None,
    )
    if routed:
        changes.setdefault("routed_at", timezone.now())
    if applicant_name is not None:
        changes["applicant_name"] = applicant_name
    if changes:
        Case.objects.filter(pk=case.pk).update(**changes)
        case.refresh_from_db()
    return case


@pytest.fixture
def hund_case(published_processes, musterstadt):
    return file_case(
        published_processes["hundesteuer-anmeldung"],
        musterstadt,
        sample("hundesteuer-anmeldung", "valid-normaler-hund"),
        applicant_name="Erika Mustermann",
    )


@pytest.fixture
def park_case(published_processes, musterstadt):
    return file_case(
        published_processes["anwohnerparkausweis"],
        musterstadt,
        sample("anwohnerparkausweis", "valid-ein-fahrzeug-12-monate"),
        applicant_name="Max Parkmann",
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def steuer_client(clerk_steuer):
    return logged_in(clerk_steuer)


@pytest.fixture
def ordnung_client(clerk_ordnung):
    return logged_in(clerk_ordnung)


@pytest.fixture
def colleague_steuer(clerk_steuer):
    """A second clerk of the Steueramt (an assignee)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("steuer2", first_name="Jana", last_name="Kollegin")
    clerk_steuer.authorities.first().clerks.add(user)
    return user
