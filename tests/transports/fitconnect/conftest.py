"""Fixtures for the FIT-Connect module: small (2048-bit) keys made once per session, and a
stand-in Zustelldienst on a free loopback port with a demo destination and two clients."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from forms_engine.transports.fitconnect import (
    Attachment,
    SenderClient,
    generate_encryption_key,
    generate_signature_key,
)
from forms_engine.transports.fitconnect.standin import StandIn, serve_in_thread

LEIKA = "99123456789000"
SERVICE = f"urn:de:fim:leika:leistung:{LEIKA}"
SCHEMA_URI = "https://schema.fitko.de/fim/s00000121_1.0.schema.json"
ADMIN_SECRET = "admin-test-secret"


@pytest.fixture(scope="session")
def encryption_keys():
    return generate_encryption_key(2048)


@pytest.fixture(scope="session")
def signature_keys():
    return generate_signature_key(2048)


@pytest.fixture(scope="session")
def service_key_size():
    return 2048


@dataclass
class Running:
    standin: StandIn
    url: str
    destination_id: str
    sender: tuple[str, str]
    subscriber: tuple[str, str]
    encryption_private: dict
    signature_private: dict
    server: object

    def sender_client(self, **options) -> SenderClient:
        options = {"min_key_bits": 2048, **options}
        return SenderClient(self.url, self.url + "/token", *self.sender, **options)


def start(state_path, encryption_keys, signature_keys, *, setup=True) -> Running:
    standin = StandIn(state_path, admin_secret=ADMIN_SECRET, key_size=2048)
    server, url = serve_in_thread(standin)
    destination_id = sender = subscriber = None
    if setup:
        destination_id = standin.create_destination(
            encryption_key=encryption_keys[1],
            signature_key=signature_keys[1],
            services=[{"identifier": SERVICE, "submissionSchemas": [], "regions": ["09"]}],
        )
        standin.add_route(destination_id=destination_id, leika_key=LEIKA, ars="09")
        sender = standin.register_client(role="sender")
        subscriber = standin.register_client(role="subscriber", destination_id=destination_id)
    return Running(
        standin,
        url,
        destination_id,
        sender,
        subscriber,
        encryption_keys[0],
        signature_keys[0],
        server,
    )


@pytest.fixture
def zustelldienst(tmp_path, encryption_keys, signature_keys):
    running = start(tmp_path / "standin.sqlite3", encryption_keys, signature_keys)
    yield running
    running.server.shutdown()
    running.server.server_close()


PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sample_attachments() -> list[Attachment]:
    return [
        Attachment(
            str(uuid.uuid4()), PDF, "application/pdf", "antrag.pdf", "form", "Antrag als PDF"
        ),
        Attachment(
            str(uuid.uuid4()), b"\x89PNG\r\n\x1a\nfoto", "image/png", "Lichtbild.png", "attachment"
        ),
    ]
