import uuid

import pytest

from forms_engine.cases.models import Case
from forms_engine.catalog.selectors import current_versions
from forms_engine.catalog.services import process_version_create_draft, process_version_retire
from forms_engine.citizen.models import Upload
from tests.api.helpers import api_upload, submission_body, version_url
from tests.conftest import ANSWER_FIXTURES, MUSTERSTADT_ARS, load_sample

pytestmark = pytest.mark.django_db

HST = "hundesteuer-anmeldung"


def sample(process_id, name):
    return load_sample(ANSWER_FIXTURES / process_id / f"{name}.json")


def post_submission(api_client, body, process_id=HST, version=None, **headers):
    return api_client.post(
        version_url(process_id, version) + "submissions/", body, format="json", headers=headers
    )


def test_the_list_shows_current_published_processes_and_where_they_are_offered(
    api_client, published_processes
):
    response = api_client.get("/api/processes/")
    assert response.status_code == 200
    items = {item["id"]: item for item in response.json()}
    # every current published process: the installation's own and the starter library's
    assert set(items) == {v.process.identifier for v in current_versions()}
    assert set(published_processes) < set(items)
    hst = items[HST]
    assert hst["version"] == published_processes[HST].version
    assert hst["sha256"] == published_processes[HST].sha256
    assert hst["title"]["de"]
    # each offering municipality with the version it offers (submissions go there)
    assert hst["municipalities"] == [
        {
            "ars": MUSTERSTADT_ARS,
            "name": "Stadt Musterstadt",
            "slug": "musterstadt",
            "version": published_processes[HST].version,
            "sha256": published_processes[HST].sha256,
        },
        {
            "ars": "079995001000",
            "name": "Verbandsgemeinde Beispieltal",
            "slug": "beispieltal",
            "version": published_processes[HST].version,
            "sha256": published_processes[HST].sha256,
        },
    ]


def test_detail_serves_definition_hash_and_status(api_client, published_processes):
    response = api_client.get(version_url(HST))
    assert response.status_code == 200
    body = response.json()
    assert body["sha256"] == published_processes[HST].sha256
    assert body["status"] == "published"
    assert body["definition"]["id"] == HST


def test_drafts_and_unknown_versions_are_404(api_client, published_processes):
    doc = dict(published_processes[HST].definition, version="9.0.0")
    process_version_create_draft(doc=doc)
    for url in (version_url(HST, "9.0.0"), version_url(HST, "7.7.7"), version_url("gibtsnicht")):
        assert api_client.get(url).status_code == 404
        assert api_client.get(url + "data-schema/").status_code == 404
        assert post_submission(api_client, {}, *url.split("/")[3:6:2]).status_code == 404


def test_data_schema_is_the_composed_schema(api_client, published_processes):
    response = api_client.get(version_url(HST) + "data-schema/")
    assert response.status_code == 200
    schema = response.json()
    assert schema["$id"] == f"urn:ozg-engine:process:{HST}:{published_processes[HST].version}:data"
    assert "halter" in schema["properties"]


def test_openapi_schema_lists_every_endpoint(api_client):
    response = api_client.get("/api/schema/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/processes/",
        "/api/processes/{process_id}/versions/{version}/",
        "/api/processes/{process_id}/versions/{version}/data-schema/",
        "/api/processes/{process_id}/versions/{version}/uploads/",
        "/api/processes/{process_id}/versions/{version}/submissions/",
    ):
        assert path in text
    assert "SubmissionRequest" in text and "ErrorResponse" in text


def test_the_api_docs_page_loads(client):
    assert client.get("/api/docs/").status_code == 200


def test_upload_returns_a_reference_and_an_owner_token(api_client, published_processes):
    response = api_upload(api_client, HST, "/sachkunde/nachweis", "sachkunde.pdf")
    assert response.status_code == 201
    body = response.json()
    assert body["ref"].startswith("upload:")
    assert body["media_type"] == "application/pdf"
    assert len(body["sha256"]) == 64 and body["size"] > 0 and body["owner_token"]


def test_a_fake_pdf_upload_is_400_with_a_german_message(api_client, published_processes):
    response = api_upload(api_client, HST, "/sachkunde/nachweis", "fake.pdf")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["pointer"] == "/sachkunde/nachweis"
    assert error["message"] == "Die Datei ist keine PDF-Datei." or "PDF" in error["message"]
    assert error["message_en"]
    assert not Upload.objects.exists()


def test_upload_to_a_field_that_takes_no_file_is_400(api_client, published_processes):
    response = api_upload(api_client, HST, "/halter/vorname", "sachkunde.pdf")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "not_an_upload_field"


def test_valid_submission_is_201_with_a_reference(api_client, published_processes):
    body = submission_body(api_client, HST, sample(HST, "valid-normaler-hund"))
    response = post_submission(api_client, body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["reference"].startswith("HST-")
    case = Case.objects.get(pk=data["case_id"])
    assert case.reference == data["reference"]


def test_invalid_submission_is_400_with_pointers_and_stores_nothing(
    api_client, published_processes
):
    data = sample(HST, "invalid-chipnummer")
    response = post_submission(api_client, submission_body(api_client, HST, data))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {e["pointer"] for e in errors} == {"/hund/chipnummer"}
    assert set(errors[0]) == {"pointer", "message", "message_en", "code"}
    assert Case.objects.count() == 0
    assert not Upload.objects.filter(case__isnull=False).exists()


def test_a_foreign_upload_reference_is_400_and_nothing_is_attached(api_client, published_processes):
    body = submission_body(api_client, HST, sample(HST, "valid-listenhund-mit-lastschrift"))
    body["upload_tokens"] = dict.fromkeys(body["upload_tokens"], "gestohlen")
    response = post_submission(api_client, body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/sachkunde/nachweis"
    body["answers"]["sachkunde"]["nachweis"] = f"upload:{uuid.uuid4()}"
    assert post_submission(api_client, body).status_code == 400
    assert Case.objects.count() == 0
    assert not Upload.objects.filter(case__isnull=False).exists()


def test_the_same_idempotency_key_gives_one_case(api_client, published_processes):
    body = submission_body(api_client, HST, sample(HST, "valid-normaler-hund"))
    first = post_submission(api_client, body, **{"Idempotency-Key": "abc-123"})
    second = post_submission(api_client, body, **{"Idempotency-Key": "abc-123"})
    assert first.status_code == second.status_code == 201
    assert first.json()["reference"] == second.json()["reference"]
    assert Case.objects.count() == 1
    third = post_submission(api_client, body)
    assert third.json()["reference"] != first.json()["reference"]


def test_a_retired_version_refuses_submissions_and_uploads(api_client, published_processes):
    number = published_processes[HST].version
    body = submission_body(api_client, HST, sample(HST, "valid-normaler-hund"))
    process_version_retire(version=published_processes[HST])
    response = post_submission(api_client, body, version=number)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "version_retired"
    upload = api_upload(api_client, HST, "/sachkunde/nachweis", "sachkunde.pdf", number)
    assert upload.status_code == 404
    assert api_client.get(version_url(HST, number)).json()["status"] == "retired"
    assert Case.objects.count() == 0


def test_unknown_municipality_and_bad_shape_are_400(api_client, published_processes):
    body = submission_body(api_client, HST, sample(HST, "valid-normaler-hund"))
    response = post_submission(api_client, dict(body, municipality="123456789012"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/municipality"
    response = post_submission(api_client, {"municipality": "x", "answers": []})
    assert response.status_code == 400
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert {"/municipality", "/answers"} <= pointers
    assert Case.objects.count() == 0


def test_submissions_are_throttled(api_client, published_processes, settings):
    from rest_framework.throttling import ScopedRateThrottle

    body = submission_body(api_client, HST, sample(HST, "invalid-chipnummer"))
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "submit": "2/minute"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
        codes = [post_submission(api_client, body).status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_a_forged_forwarded_header_does_not_escape_the_throttle(
    api_client, published_processes, settings
):
    from rest_framework.throttling import ScopedRateThrottle

    body = submission_body(api_client, HST, sample(HST, "invalid-chipnummer"))
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "submit": "2/minute"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
        codes = [
            post_submission(api_client, body, **{"X-Forwarded-For": f"192.0.2.{n}"}).status_code
            for n in range(3)
        ]
    assert codes == [400, 400, 429]


def test_anonymous_json_clients_need_no_csrf_token(published_processes):
    from rest_framework.test import APIClient

    strict = APIClient(enforce_csrf_checks=True)
    body = submission_body(strict, HST, sample(HST, "valid-normaler-hund"))
    assert post_submission(strict, body).status_code == 201
