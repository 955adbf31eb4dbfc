"""The small HTTP layer payment plugins use: one function, replaceable in tests.

    response = http.send("POST", url, headers={...}, body=b"...", timeout=10)

`send` calls `default_transport`, which is `urllib_transport` unless a test routes requests
elsewhere (Django's test client, a live server). Network errors raise `OSError` (URLError,
timeouts); HTTP error statuses are returned, not raised.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        for key, value in self.headers.items():
            if key.lower() == "content-type":
                return value.split(";")[0].strip().lower()
        return ""

    def json(self):
        return json.loads(self.body.decode("utf-8"))


Transport = Callable[..., HttpResponse]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # An API answer that redirects is an error to report, not a place to follow blindly.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def urllib_transport(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: bytes | None = None,
    timeout: float = 10.0,
) -> HttpResponse:
    if urlsplit(url).scheme not in ("http", "https"):
        raise OSError(f"unsupported URL scheme: {url!r}")
    # The scheme is checked just above: only http(s), never file: or custom schemes.
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))  # noqa: S310
    try:
        with _opener.open(request, timeout=timeout) as response:  # noqa: S310 - checked above
            return HttpResponse(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return HttpResponse(error.code, dict(error.headers or {}), error.read())


default_transport: Transport = urllib_transport


def send(method: str, url: str, *, headers, body=None, timeout=10.0, transport=None):
    return (transport or default_transport)(
        method, url, headers=headers, body=body, timeout=timeout
    )
