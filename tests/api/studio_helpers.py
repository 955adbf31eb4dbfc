"""Helpers for the studio API tests (personas come from tests/studio/conftest.py)."""

import json

from tests.studio.conftest import base_doc

STUDIO = "/api/studio/"


def version_url(version_id, tail=""):
    return f"{STUDIO}versions/{version_id}/{tail}"


def send(client, method, url, body=None, **extra):
    if method == "get":
        return client.get(url, **extra)
    data = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
    return getattr(client, method)(url, data=data, content_type="application/json", **extra)


def errors_of(response, status, code=None):
    """The error list of `response`, checked for the API's one error shape."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"errors"}, body
    assert body["errors"]
    for item in body["errors"]:
        assert set(item) == {"pointer", "message", "message_en", "code"}, item
        assert item["message"] and item["message_en"], item
    if code is not None:
        assert code in [item["code"] for item in body["errors"]], body
    return body["errors"]


def fee_doc(**changes) -> dict:
    """A definition with a parameter-bound fee, a conditional fee and a second step."""
    doc = base_doc(
        parameters={
            "gebuehr": {
                "type": "money",
                "label": {"de": "Gebühr", "en": "Fee"},
                "minimum": "10.00",
                "maximum": "500.00",
                "default": "30.00",
            }
        },
        payment={
            "policy": "optional",
            "fees": [
                {"id": "grund", "label": {"de": "Grundgebühr"}, "amount": {"$param": "gebuehr"}},
                {
                    "id": "eilig",
                    "label": {"de": "Eilzuschlag"},
                    "amount": "20.00",
                    "when": {
                        "properties": {
                            "antrag": {
                                "properties": {"zweck": {"const": "eilig"}},
                                "required": ["zweck"],
                            }
                        },
                        "required": ["antrag"],
                    },
                },
            ],
        },
    )
    doc["steps"].append(
        {
            "id": "details",
            "title": {"de": "Einzelheiten", "en": "Details"},
            "when": {
                "properties": {
                    "antrag": {"properties": {"zweck": {"const": "eilig"}}, "required": ["zweck"]}
                },
                "required": ["antrag"],
            },
            "schema": {
                "type": "object",
                "required": ["grund"],
                "properties": {
                    "grund": {"type": "string", "title": "Grund", "x-en": {"title": "Reason"}}
                },
            },
        }
    )
    doc.update(changes)
    return doc
