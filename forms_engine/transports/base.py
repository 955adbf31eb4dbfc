"""The base class of transport plugins and the one error they raise."""

from __future__ import annotations

from typing import Any, ClassVar


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
        """
        raise NotImplementedError
