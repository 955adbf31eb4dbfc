"""FIT-Connect (FITKO) Submission API v1 for Python: a sender client, a subscriber client,
JWE/JWS helpers, metadata 1.0.0 and Security Event Tokens. No Django, no project imports:
this package only needs the standard library, jwcrypto and jsonschema (see README.md).
"""

from .client import (
    Destination,
    SenderClient,
    SubscriberClient,
    new_attachment_id,
    send_submission,
    status_from_events,
    verify_destination_signature,
)
from .crypto import (
    authentication_tag,
    decrypt,
    encrypt,
    generate_encryption_key,
    generate_signature_key,
    jwe_header,
    public_part,
    sha512_hex,
)
from .errors import FitConnectError, PermanentError, TransientError
from .events import EVENT_PREFIX, Event, event_uri, make_event, parse_event, problem
from .http import HttpResponse, urllib_transport
from .metadata import (
    METADATA_SCHEMA_URI,
    Attachment,
    build_metadata,
    metadata_schema,
    validate_metadata,
)

__all__ = [
    "EVENT_PREFIX",
    "METADATA_SCHEMA_URI",
    "Attachment",
    "Destination",
    "Event",
    "FitConnectError",
    "HttpResponse",
    "PermanentError",
    "SenderClient",
    "SubscriberClient",
    "TransientError",
    "authentication_tag",
    "build_metadata",
    "decrypt",
    "encrypt",
    "event_uri",
    "generate_encryption_key",
    "generate_signature_key",
    "jwe_header",
    "make_event",
    "metadata_schema",
    "new_attachment_id",
    "parse_event",
    "problem",
    "public_part",
    "send_submission",
    "sha512_hex",
    "status_from_events",
    "urllib_transport",
    "validate_metadata",
    "verify_destination_signature",
]
