"""Cases in the inboxes of the demo personas (see tests/conftest.py).

- `hund_case`: Hundesteuer, Musterstadt Steueramt → only `clerk_steuer` may see it.
- `park_case`: Bewohnerparkausweis, Musterstadt Ordnungsamt → only `clerk_ordnung`.
Cases are filed with `case_submit` and marked routed here (the pipeline does that in life).
"""

import itertools

import pytest
from django.test import Client
from django.utils import timezone

from forms_engine.cases.models import Case, CaseDocument
from forms_engine.cases.services import case_submit
from tests.citizen.flow import Flow
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


PDF = b"%PDF-1.7\n% test case file\n"


@pytest.fixture
def fake_casefile():
    """Case-file bytes in the casefiles storage without rendering a PDF (the casefile
    helper's tests render real ones); returns their storage name."""
    from forms_engine.core.storage import CASEFILES, file_save

    return file_save(CASEFILES, "te/test-casefile.pdf", PDF)


@pytest.fixture
def citizen_case(client, published_processes, fake_casefile):
    """A Hundesteuer case with an upload, filed through the citizen pages by `client`,
    routed to the Steueramt, with its case file recorded."""
    result = Flow(client, "hundesteuer-anmeldung").run(
        sample("hundesteuer-anmeldung", "valid-listenhund-mit-lastschrift")
    )
    assert result.case_reference
    case = Case.objects.get(reference=result.case_reference)
    Case.objects.filter(pk=case.pk).update(
        routed_at=timezone.now(), applicant_name="Sabine Geheimname"
    )
    CaseDocument.objects.create(
        case=case,
        kind=CaseDocument.Kind.CASEFILE,
        storage_name=fake_casefile,
        file_name=f"{case.reference}-Fallakte.pdf",
        sha256="0" * 64,
        size=len(PDF),
    )
    case.refresh_from_db()
    assert case.uploads.exists()
    return case
