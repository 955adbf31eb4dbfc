"""The errors of the FIT-Connect module: one base class, two kinds.

`TransientError`: try again later (network error, timeout, HTTP 5xx, 408, 429).
`PermanentError`: retrying cannot help (other 4xx, a bad key, invalid metadata, a forged or
tampered token). Both carry a German `message`, an English `message_en`, the HTTP `status`
(or None) and the RFC 7807 `problem` the server answered with (or None).
"""

from __future__ import annotations


class FitConnectError(Exception):
    def __init__(
        self,
        message: str,
        message_en: str | None = None,
        *,
        status: int | None = None,
        problem: dict | None = None,
    ):
        super().__init__(message_en or message)
        self.message = message
        self.message_en = message_en or message
        self.status = status
        self.problem = problem

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message_en!r}, status={self.status!r})"


class TransientError(FitConnectError):
    """Network error, timeout, 5xx, 408 or 429: the caller should retry later."""


class PermanentError(FitConnectError):
    """4xx other than 408/429, a bad key, invalid metadata, a forged token: do not retry."""
