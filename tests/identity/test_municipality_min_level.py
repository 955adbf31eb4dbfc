"""A municipality may ask for a higher sign-in than the shared definition
(`Activation.identity_min_level`); drafts keep the level they started with."""

import re

import pytest
from django.core.exceptions import ValidationError

from forms_engine.catalog.models import Activation
from forms_engine.citizen.models import Draft
from forms_engine.citizen.selectors import submit_eligibility
from tests.identity.helpers import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def offering(level_process, musterstadt):
    """A process needing no sign-in by its definition, offered in Musterstadt with the
    minimum level "substanziell"."""
    process_id = level_process("none")
    activation = Activation.objects.get(process__identifier=process_id, municipality=musterstadt)
    activation.identity_min_level = "substanziell"
    activation.full_clean()
    activation.save()
    return process_id, activation


def _start(client, process_id):
    return client.post(f"/musterstadt/leistungen/{process_id}/")


def test_the_start_page_names_the_municipalitys_level_and_refuses_without_it(client, offering):
    process_id, _ = offering
    page = client.get(f"/musterstadt/leistungen/{process_id}/").content.decode()
    assert "substanziell" in page
    assert _start(client, process_id).status_code == 403
    assert not Draft.objects.filter(process_version__process__identifier=process_id).exists()


def test_a_lower_sign_in_is_refused_and_a_sufficient_one_starts_a_draft(client, offering):
    process_id, _ = offering
    sign_in(client, means="benutzername", level="basis")
    assert _start(client, process_id).status_code == 403

    sign_in(client, means="elster", level="substanziell")
    response = _start(client, process_id)
    assert response.status_code == 302
    draft_id = re.search(r"/antrag/([0-9a-f-]+)/", response["Location"])[1]
    assert Draft.objects.get(pk=draft_id).identity_min_level == "substanziell"


def test_a_draft_keeps_the_level_it_started_with(client, offering, musterstadt):
    process_id, activation = offering
    sign_in(client, means="elster", level="substanziell")
    draft_id = re.search(r"/antrag/([0-9a-f-]+)/", _start(client, process_id)["Location"])[1]
    activation.identity_min_level = "hoch"  # raised after the draft started
    activation.save()
    draft = Draft.objects.get(pk=draft_id)
    eligibility = submit_eligibility(
        process_version=draft.process_version, municipality=musterstadt, draft=draft
    )
    assert eligibility.allowed, eligibility.message


def test_an_api_submission_needs_the_municipalitys_level(offering, musterstadt):
    _, activation = offering
    eligibility = submit_eligibility(
        process_version=activation.version,
        municipality=musterstadt,
        identity={"level": "basis", "bpk2": "x"},
    )
    assert eligibility.code == "identity_level"
    assert "substanziell" in eligibility.message


@pytest.mark.parametrize(
    "field, value",
    [("identity_min_level", "platin"), ("identity_backend", "gibt-es-nicht")],
)
def test_unknown_levels_and_identity_plugins_are_refused(offering, field, value):
    _, activation = offering
    setattr(activation, field, value)
    with pytest.raises(ValidationError) as refused:
        activation.full_clean()
    assert field in refused.value.message_dict
