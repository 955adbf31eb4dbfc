"""Every shipped sample answer file, through the public API.

valid-*: 201 and a case; invalid-*: 400 reporting exactly the expected pointers, nothing
stored. "@file:<name>" values are uploaded first (fixtures/uploads/<name>).
"""

import pytest

from forms_engine.cases.models import Case
from forms_engine.catalog.selectors import version_definition
from forms_engine.citizen.models import Upload
from tests.api.helpers import submission_body, version_url
from tests.conftest import load_sample, sample_answer_files
from tests.identity.helpers import sign_in

pytestmark = pytest.mark.django_db

SAMPLES = sample_answer_files()


def test_there_are_samples_for_every_shipped_process(settings):
    processes = {p.parent.name for p in settings.FORMS_PROCESS_LIBRARY.glob("*/*.json")}
    assert processes <= {p.parent.name for p in SAMPLES}
    for process_id in processes:
        names = [p.name for p in SAMPLES if p.parent.name == process_id]
        assert any(n.startswith("valid-") for n in names)
        assert any(n.startswith("invalid-") for n in names)


@pytest.mark.parametrize("path", SAMPLES, ids=[f"{p.parent.name}/{p.stem}" for p in SAMPLES])
def test_sample_answers_pass_or_fail_through_the_api(api_client, published_processes, path):
    process_id = path.parent.name
    sample = load_sample(path)
    version = published_processes[process_id].version
    required = version_definition(published_processes[process_id]).identity["level"]
    if required != "none" or version_definition(published_processes[process_id]).schriftform:
        # The citizen signs in (BundID stand-in, Online-Ausweis) in the API client's session.
        sign_in(api_client, means="eid", level="hoch")
    body = submission_body(api_client, process_id, sample, version)
    response = api_client.post(
        version_url(process_id, version) + "submissions/", body, format="json"
    )
    expect = sample["expect"]
    if expect["valid"]:
        assert response.status_code == 201, response.json()
        case = Case.objects.get(pk=response.json()["case_id"])
        assert case.uploads.count() == len(body["upload_tokens"])
    else:
        assert response.status_code == 400, response.json()
        reported = sorted({e["pointer"] for e in response.json()["errors"]})
        assert reported == sorted(set(expect["errors"]))
        assert Case.objects.count() == 0
        assert not Upload.objects.filter(case__isnull=False).exists()


def test_an_identity_process_is_refused_through_the_api_without_a_signed_in_citizen(
    api_client, published_processes
):
    path = next(
        p for p in SAMPLES if p.parent.name == "meldebescheinigung" and p.stem.startswith("valid-")
    )
    sample = load_sample(path)
    version = published_processes["meldebescheinigung"].version
    body = submission_body(api_client, "meldebescheinigung", sample, version)

    response = api_client.post(
        version_url("meldebescheinigung", version) + "submissions/", body, format="json"
    )

    assert response.status_code in (400, 403), response.json()
    assert [e["code"] for e in response.json()["errors"]] == ["identity_level"]
    assert Case.objects.count() == 0
