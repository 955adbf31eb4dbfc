"""Studio API (/api/studio/): who may do what, drafts with revisions, tests, diff, preview,
validation and hostile bodies. Approval and publishing: test_studio_api_publish.py."""

import json

import pytest
from django.test import Client

from tests.api.studio_helpers import STUDIO, errors_of, fee_doc, send, version_url
from tests.studio.conftest import base_doc

pytestmark = pytest.mark.django_db


def endpoints(version_id, approval_id=1):
    return [
        ("post", f"{STUDIO}validate/"),
        ("get", f"{STUDIO}processes/"),
        ("post", f"{STUDIO}processes/teststadt/sondernutzung/drafts/"),
        ("get", version_url(version_id)),
        ("put", version_url(version_id)),
        ("get", version_url(version_id, "revisions/")),
        ("get", version_url(version_id, "revisions/1/")),
        ("post", version_url(version_id, "tests/")),
        ("post", version_url(version_id, "preview/")),
        ("get", version_url(version_id, "approval-requests/")),
        ("post", version_url(version_id, "approval-requests/")),
        ("post", f"{STUDIO}approvals/{approval_id}/decision/"),
        ("post", version_url(version_id, "publish/")),
        ("delete", version_url(version_id, "publish/")),
        ("post", version_url(version_id, "retire/")),
        ("get", f"{STUDIO}diff/?from={version_id}&to={version_id}"),
    ]


# --- who may -------------------------------------------------------------------------------


def test_anonymous_gets_403_on_every_studio_endpoint(client, draft):
    for method, url in endpoints(draft.pk):
        errors_of(send(client, method, url, base_doc()), 403, "not_authenticated")


def test_staff_without_a_studio_role_gets_403(client_for, outsider, draft):
    client = client_for(outsider)
    for method, url in endpoints(draft.pk):
        errors_of(send(client, method, url, base_doc()), 403, "no_studio_role")


def test_another_publishers_designer_gets_404_for_everything_of_this_publisher(
    client_for, other_designer, draft, designer
):
    from forms_engine.catalog.review import approval_request

    approval = approval_request(version=draft, by=designer)
    client = client_for(other_designer)
    for method, url in endpoints(draft.pk, approval.pk):
        if url.endswith(("validate/", "processes/")):
            continue  # not about any one publisher
        errors_of(send(client, method, url, base_doc()), 404, "not_found")
    listed = client.get(f"{STUDIO}processes/").json()
    assert [p["publisher"]["slug"] for p in listed] == []


def test_a_reviewer_reads_but_does_not_design(client_for, reviewer, draft):
    client = client_for(reviewer)
    assert client.get(version_url(draft.pk)).status_code == 200
    assert send(client, "post", version_url(draft.pk, "tests/")).status_code == 200
    for method, tail in [
        ("put", ""),
        ("post", "publish/"),
        ("post", "retire/"),
        ("post", "approval-requests/"),
    ]:
        errors_of(
            send(client, method, version_url(draft.pk, tail), base_doc(), HTTP_IF_MATCH='"1"'),
            403,
            "designer_role_required",
        )
    errors_of(
        send(client, "post", f"{STUDIO}processes/teststadt/neu/drafts/", {"definition": {}}),
        403,
        "designer_role_required",
    )


def test_unknown_or_huge_ids_are_404(client_for, designer, draft):
    client = client_for(designer)
    for url in [version_url(999999), version_url(2**40), f"{STUDIO}approvals/{2**40}/decision/"]:
        response = send(client, "post" if "decision" in url else "get", url, {"approve": True})
        errors_of(response, 404)
    errors_of(client.get(version_url(draft.pk, "revisions/99/")), 404, "not_found")
    errors_of(client.get(f"{STUDIO}diff/?from={draft.pk}&to=999999"), 404, "not_found")


def test_unsafe_methods_need_the_csrf_token(designer, draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(designer)
    response = send(client, "put", version_url(draft.pk), base_doc(), HTTP_IF_MATCH='"1"')
    errors_of(response, 403, "permission_denied")
    assert client.get(version_url(draft.pk)).status_code == 200  # safe methods need none
    secret = "a" * 32  # the CSRF cookie's secret, sent back in the header
    client.cookies["csrftoken"] = secret
    ok = send(
        client,
        "put",
        version_url(draft.pk),
        base_doc(summary={"de": "Neu"}),
        HTTP_IF_MATCH='"1"',
        HTTP_X_CSRFTOKEN=secret,
    )
    assert ok.status_code == 200, ok.content[:300]


# --- validate ------------------------------------------------------------------------------


def test_validate_answers_problems_and_warnings(client_for, designer):
    client = client_for(designer)
    good = send(client, "post", f"{STUDIO}validate/", base_doc()).json()
    assert good["valid"] is True and good["problems"] == []
    assert good["warnings"]  # no e-mail pointer and identity level none: citizen unreachable
    assert {"pointer", "message", "message_en"} == set(good["warnings"][0])
    broken = base_doc()
    broken["steps"][0]["schema"]["properties"]["name"]["type"] = "zahl"
    body = send(client, "post", f"{STUDIO}validate/", broken).json()
    assert body["valid"] is False
    assert any(p["pointer"].startswith("/steps/0/schema") for p in body["problems"]), body
    assert all(p["message"] and p["message_en"] for p in body["problems"])


def test_validate_reports_authoring_findings(client_for, designer):
    doc = base_doc()
    doc["steps"][0]["schema"]["properties"]["name"]["title"] = "Name " * 30  # a long label
    body = send(client_for(designer), "post", f"{STUDIO}validate/", doc).json()
    assert body["valid"] is True
    found = {f["code"]: f for f in body["findings"]}
    assert "label_too_long" in found, body["findings"]
    finding = found["label_too_long"]
    assert finding["pointer"].startswith("/steps/0/schema/properties/name")
    assert finding["message"] and finding["message_en"] and finding["hint"] and finding["hint_en"]


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        ("[1, 2]", 400, "invalid_definition"),
        ('"text"', 400, "invalid_definition"),
        ("{nope", 400, "invalid_definition"),
        ('{"id": "a\\u0000b"}', 400, "invalid_definition"),
        ('{"id": "a", "id": "b"}', 400, "invalid_definition"),
        ('{"x": ' + "[" * 200 + "]" * 200 + "}", 400, "invalid_definition"),
        ('{"x": ' + "[" * 100_000 + "]" * 100_000 + "}", 400, "invalid_definition"),
        ('{"x": 1e999}', 400, "invalid_definition"),
        ('{"x": ' + "1" * 5000 + "}", 400, "invalid_definition"),
        ('{"x": "' + "a" * (3 * 1024 * 1024) + '"}', 413, "too_large"),
        ('{"x": "' + "a" * (6 * 1024 * 1024) + '"}', 413, "too_large"),
    ],
)
def test_hostile_definition_bodies_are_refused_in_the_error_shape(
    client_for, designer, draft, raw, status, code
):
    client = client_for(designer)
    for method, url in [
        ("post", f"{STUDIO}validate/"),
        ("put", version_url(draft.pk)),
        ("post", f"{STUDIO}processes/teststadt/sondernutzung/drafts/"),
    ]:
        errors = errors_of(send(client, method, url, raw, HTTP_IF_MATCH='"1"'), status, code)
        assert len(errors) <= 60
    draft.refresh_from_db()
    assert draft.revision == 1


def test_a_nul_in_the_body_is_refused_with_its_pointer(client_for, designer):
    errors = errors_of(
        send(client_for(designer), "post", f"{STUDIO}validate/", '{"title": {"de": "a\\u0000"}}'),
        400,
        "invalid_definition",
    )
    assert errors[0]["pointer"] == "/title/de"


def test_other_content_types_are_415(client_for, designer):
    response = client_for(designer).post(
        f"{STUDIO}validate/", data="id=x", content_type="application/x-www-form-urlencoded"
    )
    errors_of(response, 415, "unsupported_media_type")


# --- processes, drafts and revisions -------------------------------------------------------


def test_the_process_list_shows_this_users_processes_with_versions(client_for, designer, draft):
    body = client_for(designer).get(f"{STUDIO}processes/").json()
    assert len(body) == 1
    process = body[0]
    assert process["identifier"] == "sondernutzung"
    assert process["publisher"] == {"slug": "teststadt", "name": "Stadt Teststadt"}
    assert process["roles"] == {"can_design": True, "can_review": False}
    assert [v["id"] for v in process["versions"]] == [draft.pk]
    assert process["versions"][0]["status"] == "draft"
    assert process["versions"][0]["revision"] == 1


def test_create_a_draft_from_a_definition(client_for, designer, studio_publisher):
    client = client_for(designer)
    doc = base_doc(id="parkplatz")
    response = send(
        client, "post", f"{STUDIO}processes/teststadt/parkplatz/drafts/", {"definition": doc}
    )
    assert response.status_code == 201, response.content[:300]
    body = response.json()
    assert response["Location"] == version_url(body["id"])
    assert response["ETag"] == '"1"'
    assert body["status"] == "draft" and body["version"] == "1.0.0"
    assert body["definition"] == doc
    assert body["process"]["publisher"]["slug"] == "teststadt"
    again = send(
        client, "post", f"{STUDIO}processes/teststadt/parkplatz/drafts/", {"definition": doc}
    )
    errors_of(again, 409, "invalid_transition")


@pytest.mark.parametrize(
    ("body", "pointer", "code"),
    [
        ({"definition": base_doc(id="anders")}, "/definition/id", "id_mismatch"),
        ({"definition": base_doc(version="eins")}, "/definition/version", "invalid_version"),
        (
            {"definition": base_doc(version="1.0.0" + "0" * 50)},
            "/definition/version",
            "invalid_version",
        ),
        ({"definition": [1]}, "/definition", "not_a_dict"),
        ({}, "/definition", "one_source"),
        ({"definition": base_doc(), "from_version": "1.0.0"}, "/definition", "one_source"),
        ({"from_version": "x"}, "/from_version", "invalid"),
        ({"from_version": "1.0.0", "version": "1.0"}, "/version", "invalid"),
    ],
)
def test_a_bad_draft_request_is_400_with_its_pointer(
    client_for, designer, draft, body, pointer, code
):
    response = send(
        client_for(designer), "post", f"{STUDIO}processes/teststadt/sondernutzung/drafts/", body
    )
    errors = errors_of(response, 400, code)
    assert pointer in [e["pointer"] for e in errors], errors


def test_an_overlong_process_id_is_refused(client_for, designer, studio_publisher):
    long_id = "p" * 101
    response = send(
        client_for(designer),
        "post",
        f"{STUDIO}processes/teststadt/{long_id}/drafts/",
        {"definition": base_doc(id=long_id)},
    )
    errors_of(response, 400, "id_mismatch")


def test_create_a_draft_from_an_existing_version(client_for, designer, draft):
    client = client_for(designer)
    url = f"{STUDIO}processes/teststadt/sondernutzung/drafts/"
    response = send(client, "post", url, {"from_version": "1.0.0"})
    assert response.status_code == 201, response.content[:300]
    body = response.json()
    assert body["version"] == "1.1.0" and body["based_on"] == draft.pk
    assert body["definition"]["steps"] == draft.definition["steps"]
    numbered = send(client, "post", url, {"from_version": "1.0.0", "version": "2.0.0"})
    assert numbered.json()["version"] == "2.0.0"
    errors_of(send(client, "post", url, {"from_version": "1.0.0", "version": "2.0.0"}), 409)
    errors_of(send(client, "post", url, {"from_version": "9.9.9"}), 404, "not_found")
    unknown = f"{STUDIO}processes/teststadt/gibtsnicht/drafts/"
    errors_of(send(client, "post", unknown, {"from_version": "1.0.0"}), 404, "not_found")
    errors_of(
        send(client, "post", f"{STUDIO}processes/nirgends/x/drafts/", {"from_version": "1.0.0"}),
        404,
    )


def test_update_a_draft_with_its_revision(client_for, designer, designer2, draft):
    first, second = client_for(designer), Client()
    second.force_login(designer2)
    url = version_url(draft.pk)
    assert first.get(url)["ETag"] == '"1"'
    saved = send(first, "put", url, base_doc(summary={"de": "Kurz"}), HTTP_IF_MATCH='"1"')
    assert saved.status_code == 200, saved.content[:300]
    assert saved["ETag"] == '"2"' and saved.json()["revision"] == 2
    # the second designer still has revision 1: refused, nothing lost
    stale = send(second, "put", url, base_doc(summary={"de": "Anders"}), HTTP_IF_MATCH='"1"')
    errors = errors_of(stale, 409, "edit_conflict")
    assert "designerin" in errors[0]["message"] and "designerin" in errors[0]["message_en"]
    assert stale["ETag"] == '"2"'
    draft.refresh_from_db()
    assert draft.definition["summary"] == {"de": "Kurz"}
    # W/ and unquoted forms; "*" saves without the check
    assert (
        send(second, "put", url, base_doc(summary={"de": "B"}), HTTP_IF_MATCH='W/"2"').status_code
        == 200
    )
    assert (
        send(second, "put", url, base_doc(summary={"de": "C"}), HTTP_IF_MATCH="*").json()[
            "revision"
        ]
        == 4
    )
    revisions = first.get(version_url(draft.pk, "revisions/")).json()
    assert [r["number"] for r in revisions] == [4, 3, 2, 1]
    assert revisions[0]["saved_by"] == "designer2" and revisions[2]["saved_by"] == "designerin"
    one = first.get(version_url(draft.pk, "revisions/2/")).json()
    assert one["definition"]["summary"] == {"de": "Kurz"}


@pytest.mark.parametrize(
    ("header", "status", "code"),
    [(None, 428, "revision_required"), ("drei", 400, "invalid_if_match"), ('"1', 400, None)],
)
def test_an_update_without_a_usable_if_match_is_refused(
    client_for, designer, draft, header, status, code
):
    extra = {} if header is None else {"HTTP_IF_MATCH": header}
    response = send(
        client_for(designer), "put", version_url(draft.pk), base_doc(summary={"de": "x"}), **extra
    )
    if header == '"1':
        assert response.status_code == 200  # a lone quote is forgiven
        return
    errors_of(response, status, code)
    draft.refresh_from_db()
    assert draft.revision == 1


def test_an_update_keeps_the_process_id_and_a_storable_number(client_for, designer, draft):
    client = client_for(designer)
    url = version_url(draft.pk)
    errors_of(
        send(client, "put", url, base_doc(id="anders"), HTTP_IF_MATCH='"1"'), 400, "id_mismatch"
    )
    errors_of(
        send(client, "put", url, base_doc(version="x" * 50), HTTP_IF_MATCH='"1"'),
        400,
        "invalid_version",
    )
    renumbered = send(client, "put", url, base_doc(version="1.0.1"), HTTP_IF_MATCH='"1"')
    assert renumbered.json()["version"] == "1.0.1"


def test_a_published_version_is_immutable(client_for, designer, draft):
    from forms_engine.catalog.services import process_version_publish

    process_version_publish(version=draft)
    response = send(
        client_for(designer),
        "put",
        version_url(draft.pk),
        base_doc(summary={"de": "x"}),
        HTTP_IF_MATCH='"1"',
    )
    errors_of(response, 409, "version_immutable")


# --- tests, diff, preview ------------------------------------------------------------------


def test_run_the_designer_tests(client_for, designer, studio_publisher):
    from forms_engine.catalog.services import process_version_create_draft

    doc = fee_doc(
        tests=[
            {
                "name": "Eilig kostet mehr",
                "answers": {"antrag": {"name": "A", "zweck": "eilig"}},
                "expect": {"fee_total": "50.00"},
            },
            {"name": "Falsch erwartet", "answers": {}, "expect": {"valid": True}},
            {
                "name": "Mit Parameter",
                "parameters": {"gebuehr": "100.00"},
                "answers": {},
                "expect": {"fee_total": "100.00"},
            },
        ]
    )
    version = process_version_create_draft(doc=doc, publisher=studio_publisher, by=designer)
    client = client_for(designer)
    body = send(client, "post", version_url(version.pk, "tests/")).json()
    assert body["passed"] == 2 and body["failed"] == 1
    results = {r["name"]: r for r in body["results"]}
    assert results["Eilig kostet mehr"]["passed"] is True
    assert results["Falsch erwartet"]["passed"] is False and results["Falsch erwartet"]["failures"]
    only = send(
        client, "post", version_url(version.pk, "tests/"), {"names": ["Mit Parameter"]}
    ).json()
    assert [r["name"] for r in only["results"]] == ["Mit Parameter"]


def test_tests_and_preview_of_a_broken_definition_are_422_with_its_problems(
    client_for, designer, studio_publisher
):
    from forms_engine.catalog.services import process_version_create_draft

    doc = base_doc()
    doc["steps"][0]["schema"]["properties"]["name"]["type"] = "zahl"
    version = process_version_create_draft(doc=doc, publisher=studio_publisher, by=designer)
    client = client_for(designer)
    for tail in ("tests/", "preview/"):
        errors = errors_of(
            send(client, "post", version_url(version.pk, tail)), 422, "definition_invalid"
        )
        assert any(
            e["code"] == "definition_problem" and e["pointer"].startswith("/steps/0")
            for e in errors
        )


def test_diff_of_two_versions(client_for, designer, draft):
    from forms_engine.catalog.services import process_version_create_draft

    doc = base_doc(version="2.0.0")
    del doc["steps"][0]["schema"]["properties"]["zweck"]
    doc["title"] = {"de": "Sondernutzung", "en": "Special use"}
    newer = process_version_create_draft(doc=doc, publisher=draft.process.publisher, by=designer)
    body = client_for(designer).get(f"{STUDIO}diff/?from={draft.pk}&to={newer.pk}").json()
    assert body["from"] == {"id": draft.pk, "version": "1.0.0", "status": "draft"}
    assert body["to"]["id"] == newer.pk
    assert body["required_bump"] == "major" and body["version_step"] == "major"
    pointers = {c["pointer"] for c in body["changes"]}
    assert "/steps/0/schema/properties/zweck" in pointers, body["changes"]
    change = body["changes"][0]
    assert set(change) == {"kind", "pointer", "area", "message", "message_en", "bump"}
    same = client_for(designer).get(f"{STUDIO}diff/?from={draft.pk}&to={draft.pk}").json()
    assert (
        same["changes"] == [] and same["required_bump"] == "none" and same["version_step"] == "same"
    )


@pytest.mark.parametrize(
    "query", ["", "?from=1", "?from=x&to=1", "?from=1&to=-3", f"?from=1&to={2**40}"]
)
def test_diff_needs_two_version_ids(client_for, designer, query):
    errors_of(client_for(designer).get(f"{STUDIO}diff/{query}"), 400)


def test_preview_answers_with_fees_bound_to_parameters(client_for, designer, studio_publisher):
    from forms_engine.catalog.services import process_version_create_draft

    version = process_version_create_draft(doc=fee_doc(), publisher=studio_publisher, by=designer)
    client = client_for(designer)
    url = version_url(version.pk, "preview/")
    answers = {"antrag": {"name": "Ada", "zweck": "eilig"}, "fremd": {"x": 1}}
    body = send(
        client, "post", url, {"answers": answers, "parameters": {"gebuehr": "45.00"}}
    ).json()
    assert [s["id"] for s in body["steps"]] == ["antrag", "details"]
    assert body["fee_total"] == "65.00"
    assert [(f["id"], f["amount"]) for f in body["fees"]] == [
        ("grund", "45.00"),
        ("eilig", "20.00"),
    ]
    assert body["valid"] is False
    assert [e["pointer"] for e in body["errors"]] == ["/details"]
    assert body["errors"][0]["message_en"]
    assert body["answers"] == {"antrag": {"name": "Ada", "zweck": "eilig"}}
    # one step only: the step's own errors
    step = send(
        client, "post", url, {"answers": {"antrag": {"zweck": "normal"}}, "step": "antrag"}
    ).json()
    assert step["step"] == "antrag"
    assert [e["pointer"] for e in step["errors"]] == ["/antrag/name"]
    assert [s["id"] for s in step["steps"]] == ["antrag"]
    assert step["fee_total"] == "30.00"  # the parameter's default
    # bad parameter values and unknown steps: 400 with pointers
    errors = errors_of(
        send(client, "post", url, {"parameters": {"gebuehr": "9999.00"}}), 400, "parameter_invalid"
    )
    assert errors[0]["pointer"] == "/parameters/gebuehr"
    errors_of(send(client, "post", url, {"parameters": {"unbekannt": 1}}), 400, "parameter_invalid")
    errors_of(send(client, "post", url, {"step": "nirgends"}), 400, "unknown_step")
    errors_of(send(client, "post", url, {"answers": [1]}), 400, "not_a_dict")
    errors_of(send(client, "post", url, "[]"), 400, "not_a_dict")
    errors_of(send(client, "post", url, '{"answers": {"antrag": {"name": "\\u0000"}}}'), 400)


def test_preview_of_a_reviewer_and_of_a_published_version(client_for, reviewer, draft):
    from forms_engine.catalog.services import process_version_publish

    process_version_publish(version=draft)
    body = send(
        client_for(reviewer),
        "post",
        version_url(draft.pk, "preview/"),
        {"answers": {"antrag": {"name": "A"}}},
    ).json()
    assert body["valid"] is True and body["fee_total"] == "0.00" and body["fees"] == []


def test_every_studio_operation_is_in_the_openapi_document(client, db):
    doc = client.get("/api/schema/?format=json").json()
    studio = {
        (path, method)
        for path, item in doc["paths"].items()
        if path.startswith("/api/studio/")
        for method in item
    }
    assert studio == {
        ("/api/studio/validate/", "post"),
        ("/api/studio/processes/", "get"),
        ("/api/studio/processes/{publisher}/{process_id}/drafts/", "post"),
        ("/api/studio/versions/{version_id}/", "get"),
        ("/api/studio/versions/{version_id}/", "put"),
        ("/api/studio/versions/{version_id}/revisions/", "get"),
        ("/api/studio/versions/{version_id}/revisions/{number}/", "get"),
        ("/api/studio/versions/{version_id}/tests/", "post"),
        ("/api/studio/versions/{version_id}/preview/", "post"),
        ("/api/studio/versions/{version_id}/approval-requests/", "get"),
        ("/api/studio/versions/{version_id}/approval-requests/", "post"),
        ("/api/studio/approvals/{approval_id}/decision/", "post"),
        ("/api/studio/versions/{version_id}/publish/", "post"),
        ("/api/studio/versions/{version_id}/publish/", "delete"),
        ("/api/studio/versions/{version_id}/retire/", "post"),
        ("/api/studio/diff/", "get"),
    }
    put = doc["paths"]["/api/studio/versions/{version_id}/"]["put"]
    assert {"409", "428", "403", "413"} <= set(put["responses"])
    publish = doc["paths"]["/api/studio/versions/{version_id}/publish/"]["post"]
    assert {"409", "422"} <= set(publish["responses"])
    diff = doc["components"]["schemas"]["Diff"]
    assert {"from", "to"} <= set(diff["properties"]) and "from_" not in json.dumps(diff)
