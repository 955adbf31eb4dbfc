"""Metadata 1.0.0 against the official schema (vendored in the package)."""

import json
import uuid

import pytest

from forms_engine.transports.fitconnect import (
    METADATA_SCHEMA_URI,
    Attachment,
    PermanentError,
    build_metadata,
    metadata_schema,
    sha512_hex,
    validate_metadata,
)
from forms_engine.transports.fitconnect.metadata import SCHEMA_FILE

from .conftest import SCHEMA_URI, SERVICE, sample_attachments

DATA = json.dumps({"F00000001": "Erika", "F00000002": "Mustermann"}).encode()


def realistic(**overrides):
    arguments = {
        "data": DATA,
        "data_mime": "application/json",
        "schema_uri": SCHEMA_URI,
        "attachments": sample_attachments(),
        "service_name": "Hundesteuer Anmeldung",
        "service_identifier": SERVICE,
        "sender_reference": "ozg-engine:case:42",
        "application_date": "2026-12-01",
        "reply_email": "erika@example.org",
        "payment": {
            "transactionId": "9xxd-432x-6543",
            "transactionReference": "KZ-2026-0001",
            "paymentMethod": "CREDITCARD",
            "status": "BOOKED",
            "grossAmount": 100.0,
        },
    }
    arguments.update(overrides)
    return arguments


def test_the_vendored_schema_is_the_official_1_0_0():
    schema = metadata_schema()
    assert schema["$id"] == METADATA_SCHEMA_URI
    assert METADATA_SCHEMA_URI.endswith("/1.0.0/metadata.schema.json")
    assert (SCHEMA_FILE.parent / "README.md").read_text().count(METADATA_SCHEMA_URI) == 1


def test_realistic_metadata_is_valid_and_hashes_the_exact_bytes():
    arguments = realistic()
    metadata = build_metadata(**arguments)

    assert validate_metadata(metadata) == []
    structure = metadata["contentStructure"]
    assert structure["data"]["hash"] == {"type": "sha512", "content": sha512_hex(DATA)}
    assert structure["data"]["submissionSchema"] == {
        "schemaUri": SCHEMA_URI,
        "mimeType": "application/json",
    }
    form, upload = structure["attachments"]
    assert form["purpose"] == "form" and form["mimeType"] == "application/pdf"
    assert form["hash"]["content"] == sha512_hex(arguments["attachments"][0].content)
    assert form["description"] == "Antrag als PDF"
    assert upload["purpose"] == "attachment" and upload["filename"] == "Lichtbild.png"
    assert "description" not in upload
    assert metadata["publicServiceType"] == {"name": "Hundesteuer Anmeldung", "identifier": SERVICE}
    assert metadata["replyChannel"] == {"eMail": {"address": "erika@example.org"}}
    assert metadata["additionalReferenceInfo"] == {
        "senderReference": "ozg-engine:case:42",
        "applicationDate": "2026-12-01",
    }
    assert metadata["paymentInformation"]["status"] == "BOOKED"


def test_minimal_metadata_without_attachments_or_options_is_valid():
    metadata = build_metadata(
        data=b"<antrag/>",
        data_mime="application/xml",
        schema_uri="https://example.org/s.xsd",
        attachments=[],
        service_name="X",
        service_identifier=SERVICE,
    )
    assert metadata["contentStructure"]["attachments"] == []
    assert set(metadata) == {"$schema", "contentStructure", "publicServiceType"}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"data_mime": "text/plain"}, "mimeType"),
        ({"service_identifier": "Hundesteuer"}, "identifier"),
        ({"reply_email": "keine-adresse"}, "email"),
        ({"application_date": "1.12.2026"}, "date"),
        ({"payment": {"transactionId": "x"}}, "paymentMethod"),
        (
            {"attachments": [Attachment("not-a-uuid", b"x", "application/pdf", "a.pdf", "form")]},
            "attachmentId",
        ),
        (
            {"attachments": [Attachment(str(uuid.uuid4()), b"x", "application/pdf", "a", "misc")]},
            "purpose",
        ),
        (
            {"attachments": [Attachment(str(uuid.uuid4()), b"x", "kein mime", "a", "form")]},
            "mimeType",
        ),
    ],
)
def test_invalid_input_is_refused_with_the_schema_message(overrides, expected):
    with pytest.raises(PermanentError) as caught:
        build_metadata(**realistic(**overrides))
    assert expected in caught.value.message
    assert caught.value.message.startswith("Die Metadaten entsprechen nicht")
    assert caught.value.message_en.startswith("The metadata does not match")


def test_an_attachment_id_used_twice_is_refused():
    one = sample_attachments()[0]
    with pytest.raises(PermanentError) as caught:
        build_metadata(**realistic(attachments=[one, one]))
    assert "used twice" in caught.value.message_en


def test_validate_metadata_lists_every_problem_with_its_place():
    problems = validate_metadata(
        {"contentStructure": {"data": {"hash": {"type": "md5", "content": "ab"}}}}
    )
    text = "\n".join(problems)
    assert "contentStructure: 'attachments' is a required property" in text
    assert "contentStructure/data/hash/type" in text
    assert "contentStructure/data/hash/content" in text
    assert validate_metadata([]) == ["(root): metadata must be an object"]


def test_attachment_repr_never_shows_the_content():
    attachment = sample_attachments()[0]
    assert "PDF" not in repr(attachment) and "bytes" in repr(attachment)
