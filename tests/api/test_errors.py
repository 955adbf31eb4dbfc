"""Bad input never gives a 500 and every API error has the documented shape:
{"errors": [{pointer, message, message_en, code}]} (issue 7, observation 4)."""

import json

import pytest
from rest_framework.throttling import ScopedRateThrottle

from forms_engine.cases.models import Case
from tests.api.helpers import version_url
from tests.conftest import MUSTERSTADT_ARS

pytestmark = pytest.mark.django_db

HST = "hundesteuer-anmeldung"


def submit_url():
    """The current Hundesteuer version's submissions URL (needs the database)."""
    return version_url(HST) + "submissions/"


def upload_url():
    return version_url(HST) + "uploads/"


def assert_error_shape(response, status, code=None):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"errors"}
    assert body["errors"]
    for item in body["errors"]:
        assert set(item) == {"pointer", "message", "message_en", "code"}
        assert item["message"] and item["message_en"]
    if code is not None:
        assert code in [item["code"] for item in body["errors"]], body
    return body["errors"]


def post_json(client, url, text, **extra):
    return client.post(url, data=text, content_type="application/json", **extra)


def with_answer_x(raw_json: str) -> str:
    """A submission body whose answer "x" is `raw_json`, spliced in as text."""
    return '{"municipality": "' + MUSTERSTADT_ARS + '", "answers": {"x": ' + raw_json + "}}"


def body_with_answers(answers):
    return {"municipality": MUSTERSTADT_ARS, "answers": answers}


@pytest.mark.parametrize(
    ("bad", "code"), [("Anna\u0000", "nul_character"), ("Anna\ud800", "invalid_unicode")]
)
def test_a_nul_or_lone_surrogate_in_an_api_answer_is_a_field_error_and_nothing_is_stored(
    client, published_processes, bad, code
):
    text = json.dumps(body_with_answers({"halter": {"vorname": bad}}))
    response = post_json(client, submit_url(), text)
    errors = assert_error_shape(response, 400, code)
    assert errors[0]["pointer"] == "/answers/halter/vorname"
    assert Case.objects.count() == 0


def test_a_nul_in_an_answer_key_is_refused(client, published_processes):
    text = json.dumps(body_with_answers({"halter\u0000": {"vorname": "Anna"}}))
    assert_error_shape(post_json(client, submit_url(), text), 400, "nul_character")


def test_json_nested_a_thousand_deep_is_refused_not_a_crash(client, published_processes):
    for depth in (100, 1000, 100_000):
        deep = "[" * depth + "]" * depth
        text = with_answer_x(deep)
        errors = assert_error_shape(post_json(client, submit_url(), text), 400)
        assert errors[0]["code"] in {"too_deep", "parse_error"}
    deep = "[" * 65 + "]" * 65
    text = with_answer_x(deep)
    assert_error_shape(post_json(client, submit_url(), text), 400, "too_deep")


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "1" * 5000])
def test_numbers_json_cannot_store_are_a_parse_error(client, published_processes, number):
    text = with_answer_x(number)
    assert_error_shape(post_json(client, submit_url(), text), 400, "parse_error")


def test_broken_json_is_a_parse_error(client, published_processes):
    assert_error_shape(post_json(client, submit_url(), '{"municipality": '), 400, "parse_error")
    assert_error_shape(post_json(client, submit_url(), b"\xff\xfe{}"), 400, "parse_error")


def test_a_json_body_over_the_size_limit_is_413(client, published_processes, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    text = json.dumps(body_with_answers({"halter": {"vorname": "a" * 2000}}))
    assert_error_shape(post_json(client, submit_url(), text), 413, "too_large")


def test_a_multipart_body_over_the_size_limit_is_413(client, published_processes, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(upload_url(), {"field": "/x/" + "y" * 5000})
    assert_error_shape(response, 413, "too_large")


def test_a_broken_multipart_body_is_a_parse_error(client, published_processes):
    response = client.post(
        upload_url(),
        data=b"--zzz\r\nContent-Disposition: form-data; name=\r\n\r\nbroken",
        content_type="multipart/form-data; boundary=zzz",
    )
    assert_error_shape(response, 400)
    response = client.post(upload_url(), data=b"x", content_type="multipart/form-data")
    assert_error_shape(response, 400, "parse_error")


def test_submissions_take_json_only_and_uploads_multipart_only(client, published_processes):
    response = client.post(submit_url(), {"municipality": MUSTERSTADT_ARS})
    assert_error_shape(response, 415, "unsupported_media_type")
    response = client.post(
        submit_url(), "municipality=1", content_type="application/x-www-form-urlencoded"
    )
    assert_error_shape(response, 415, "unsupported_media_type")
    assert_error_shape(post_json(client, upload_url(), "{}"), 415, "unsupported_media_type")


def test_an_unknown_url_under_api_answers_json_404(client, db):
    for url in ("/api/gibtsnicht/", "/api/processes/x/y/z/", "/api/", "/api", "/api/x%00/"):
        assert_error_shape(client.get(url), 404, "not_found")


def test_an_unknown_url_under_api_answers_json_404_also_in_debug_mode_and_for_posts(
    client, db, settings
):
    settings.DEBUG = True  # `make run`: Django would show its HTML debug page
    assert_error_shape(client.get("/api/gibtsnicht/"), 404, "not_found")
    assert_error_shape(client.post("/api/gibtsnicht/", {}), 404, "not_found")


def test_pages_outside_the_api_keep_html_404(client, db):
    response = client.get("/gibtsnicht/ganz/sicher/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_a_wrong_method_is_405_in_the_error_shape(client, published_processes):
    response = client.delete("/api/processes/")
    assert_error_shape(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_an_unacceptable_accept_header_is_406_in_the_error_shape(client, published_processes):
    response = client.get("/api/processes/", headers={"Accept": "text/html"})
    assert_error_shape(response, 406, "not_acceptable")


def test_the_clerk_case_api_refuses_strangers_in_the_error_shape(client, db):
    response = client.get("/api/sachbearbeitung/faelle/00000000-0000-0000-0000-000000000000/")
    assert_error_shape(response, 403, "not_authenticated")


def test_throttled_requests_are_429_in_the_error_shape(client, published_processes, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"submit": "1/minute"})
    post_json(client, submit_url(), "{}")
    response = post_json(client, submit_url(), "{}")
    assert_error_shape(response, 429, "throttled")
    assert int(response["Retry-After"]) >= 1


def test_serializer_errors_keep_the_error_shape(client, published_processes):
    errors = assert_error_shape(post_json(client, submit_url(), "{}"), 400)
    assert "/municipality" in [item["pointer"] for item in errors]
    errors = assert_error_shape(post_json(client, submit_url(), "[]"), 400)


def test_a_crash_under_api_answers_json_500(published_processes, monkeypatch):
    from django.test import Client

    def crash():
        raise RuntimeError("boom")

    monkeypatch.setattr("forms_engine.api.views.current_versions", crash)
    client = Client(raise_request_exception=False)
    assert_error_shape(client.get("/api/processes/"), 500, "server_error")


def test_a_csrf_failure_of_a_signed_in_session_is_403_in_the_error_shape(
    published_processes, clerk_steuer
):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk_steuer)
    response = post_json(client, submit_url(), "{}")
    assert_error_shape(response, 403, "permission_denied")


def test_request_field_errors_speak_both_languages(client, published_processes):
    errors = assert_error_shape(post_json(client, submit_url(), '{"answers": []}'), 400)
    by_pointer = {item["pointer"]: item for item in errors}
    assert by_pointer["/municipality"]["code"] == "required"
    assert by_pointer["/municipality"]["message_en"] == "This field is required."
    assert by_pointer["/answers"]["message"].startswith("Hier wird")


def test_the_openapi_document_states_bodies_and_errors_as_served(client, db):
    doc = client.get("/api/schema/?format=json").json()
    operations = [
        (path, method, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert operations
    error_ref = "#/components/schemas/ErrorResponse"
    for path, method, op in operations:
        for code in ("400", "406"):
            content = op["responses"][code]["content"]["application/json"]
            assert content["schema"]["$ref"] == error_ref, (path, method, code)
        if "{" in path:
            assert "404" in op["responses"], (path, method)
        if method == "post":
            assert {"413", "415"} <= set(op["responses"]), (path, method)
    bodies = {p: op["requestBody"]["content"] for p, m, op in operations if m == "post"}
    assert bodies
    for path, content in bodies.items():
        expected = ["multipart/form-data"] if path.endswith("/uploads/") else ["application/json"]
        if path.startswith("/api/library/bundles/"):  # the bundle: a raw zip or a form's file
            expected = ["application/zip", "multipart/form-data"]
        assert list(content) == expected, path
