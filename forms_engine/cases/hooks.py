"""What a higher layer plugs into case filing, so imports flow one way.

`payments` sits above `cases` (it reads and updates cases); `case_submit` still has to ask
it whether a draft must be paid first and to copy the payment onto the new case. The
payments app registers both in its `AppConfig.ready()`; without it nothing is owed.

- `payment_gate(draft=)` → URL of the pay page, or None when the draft may be submitted.
- `payment_record_on_case(draft=, case=)` → copies the draft's payment onto its case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _no_gate(*, draft: Any) -> str | None:
    return None


def _no_record(*, draft: Any, case: Any) -> None:
    return None


_hooks: dict[str, Callable[..., Any]] = {
    "payment_gate": _no_gate,
    "payment_record_on_case": _no_record,
}


def register_payment_hooks(*, gate: Callable[..., str | None], record: Callable[..., None]) -> None:
    """Called once by `payments.apps.PaymentsConfig.ready()`."""
    _hooks["payment_gate"] = gate
    _hooks["payment_record_on_case"] = record


def payment_gate(*, draft: Any) -> str | None:
    return _hooks["payment_gate"](draft=draft)


def payment_record_on_case(*, draft: Any, case: Any) -> None:
    _hooks["payment_record_on_case"](draft=draft, case=case)
