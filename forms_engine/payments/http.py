"""The small HTTP layer payment plugins use: one function, replaceable in tests.

    response = http.send("POST", url, headers={...}, body=b"...", timeout=10)

`send` calls `default_transport`, which is `urllib_transport` unless a test routes requests
elsewhere (Django's test client, a live server). Network errors raise `OSError` (URLError,
timeouts); HTTP error statuses are returned, not raised; redirects are never followed.
The urllib transport and the response type are the FIT-Connect module's (a pure module
below payments, `transports/fitconnect/http.py`): one plain HTTP client in the project.
"""

from __future__ import annotations

from forms_engine.transports.fitconnect.http import Http as Transport
from forms_engine.transports.fitconnect.http import HttpResponse, urllib_transport

__all__ = ["HttpResponse", "Transport", "default_transport", "send", "urllib_transport"]

default_transport: Transport = urllib_transport


def send(method: str, url: str, *, headers, body=None, timeout=10.0, transport=None):
    return (transport or default_transport)(
        method, url, headers=headers, body=body, timeout=timeout
    )
