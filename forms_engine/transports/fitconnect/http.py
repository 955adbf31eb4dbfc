"""The small HTTP layer of the module: one callable, replaceable by the caller.

    response = urllib_transport("POST", url, headers={...}, body=b"...", timeout=10)

Any callable with this signature returning an object with `status`, `headers` and `body`
works as `http=` for the clients (a Django test client adapter, a recorded fake). Network
errors raise `OSError` (URLError, timeouts); HTTP error statuses are returned, not raised.
Redirects are never followed: an API answer that redirects is reported as an error.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return ""

    @property
    def content_type(self) -> str:
        return self.header("content-type").split(";")[0].strip().lower()

    def json(self):
        return json.loads(self.body.decode("utf-8"))


Http = Callable[..., HttpResponse]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
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
    # Only http(s) reaches urllib (checked just above), never file: or custom schemes.
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))  # noqa: S310
    try:
        with _opener.open(request, timeout=timeout) as response:  # noqa: S310
            return HttpResponse(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return HttpResponse(error.code, dict(error.headers or {}), error.read())
