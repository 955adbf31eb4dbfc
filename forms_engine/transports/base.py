"""The base class of transport plugins and the one error they raise."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol


class TransportError(Exception):
    """Delivery did not happen.

    `permanent=False` (the default) means "try again later" (a remote system is down, a
    timeout): the pipeline task retries with backoff. `permanent=True` means retrying
    cannot help (rejected by the recipient, misconfigured options): the case is marked
    `failed` and the message is shown to operators.
    """

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class DeliveryStore(Protocol):
    """Where a remote transport keeps its progress on one delivery (`remote = True`).

    The pipeline hands one to `deliver(..., store=)`: `state` is a copy of what was saved
    last (an empty dict on the first attempt); `save(state)` stores the whole dict at once
    in its own short transaction and raises `TransportError` (transient) when this run no
    longer holds the delivery (its lease ran out and another run took it over), so the
    transport stops before it sends anything more.
    """

    state: dict[str, Any]

    def save(self, state: dict[str, Any]) -> None: ...


class Transport:
    """A way to route a case to its authority. Subclass and register with `@registry("id")`.

    One instance per delivery attempt, built with the Activation's options (already
    validated against `options_schema`).
    """

    plugin_id: ClassVar[str]
    #: What an administrator chooses (German msgid, translated); the id if empty.
    label: ClassVar[Any] = ""
    #: JSON Schema of `Activation.transport_options` for this plugin. Each property may
    #: carry `title` (German) and `x-en.title`: the admin form's field labels.
    options_schema: ClassVar[dict[str, Any]] = {"type": "object", "additionalProperties": False}
    #: A transport that talks to another system over the network. The pipeline then calls
    #: `deliver(case=, casefile=, store=)` with no database transaction open: it claims
    #: the delivery first (a lease), and records the outcome afterwards, each in a short
    #: transaction of its own. The transport saves its progress after every remote step
    #: through `store` (a `DeliveryStore`), so a run after a crash continues and never
    #: sends twice.
    remote: ClassVar[bool] = False

    def __init__(self, *, options: dict[str, Any] | None = None):
        self.options = options or {}

    def deliver(self, *, case, casefile) -> None:
        """Hand `case` (a Case) and its case file (`casefile`, a CaseDocument) to the authority.

        Contract:
        - Return normally once the recipient has accepted the case; the pipeline then
          records the CaseDelivery as delivered and never calls `deliver` for this case and
          transport again.
        - Raise `TransportError(message, permanent=False)` for failures worth retrying and
          `TransportError(message, permanent=True)` for those that are not.
        - Be idempotent on the recipient's side where possible (use `case.pk` or
          `case.reference` as the key): a worker that dies after the recipient accepted but
          before the pipeline recorded it makes the pipeline deliver once more.
        - Remote transports (`remote = True`) take a third argument, `store` (a
          `DeliveryStore`), run with no database transaction open, save their progress
          after every remote step and, given the saved state, continue instead of
          repeating: exactly once.
        """
        raise NotImplementedError

    def poll_events(self, *, state: dict[str, Any]) -> list[RemoteEvent]:
        """Remote transports: what the recipient said about a delivered case since
        (its whole event log; the caller keeps what it has not seen). `state` is the
        delivery's saved state. Raise `TransportError` when the remote system cannot be
        asked now. The default: a transport without an event log."""
        return []


@dataclass
class RemoteEvent:
    """One entry of a remote delivery's event log, as the transport read it.

    `kind`: "accept" | "reject" | anything else (kept, not acted on). `verified`: the
    token's signature and its subject (this delivery) were checked; only verified events
    change a case. `problems`: [{"title", "detail", "type", "instance"}] of a rejection.
    """

    token: str
    kind: str
    event_uri: str = ""
    issuer: str = ""
    issued_at: datetime | None = None
    jti: str = ""
    problems: list[dict[str, Any]] = field(default_factory=list)
    verified: bool = False
    note: str = ""
