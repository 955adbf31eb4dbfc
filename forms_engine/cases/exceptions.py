"""Why a submission is not accepted. German message first, English second."""

from __future__ import annotations


class AnswersInvalid(Exception):
    """The answers (or declarations, or upload references) do not pass. Nothing was stored.

    `errors`: list of `forms_engine.definitions.FieldError` (pointer into the answers;
    declarations use `/declarations/<id>`).
    """

    message = "Die Angaben sind unvollständig oder fehlerhaft."
    message_en = "The answers are incomplete or invalid."

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__(
            f"{self.message} / {self.message_en} "
            + "; ".join(f"{e.pointer}: {e.message}" for e in self.errors[:10])
        )


class SubmissionRefused(Exception):
    """The submission cannot be taken at all (version not published, process not offered in
    the municipality, draft of another version, …). Nothing was stored.

    `code` is machine-readable: `version_not_published`, `version_retired`, `not_offered`,
    `draft_mismatch`, `draft_submitted`, `key_reused`, `identity_level` (the achieved
    identity is below the version's `identity.level`, or Schriftform without "hoch"),
    `payment_required` (policy "required" and the fee for the current answers is unpaid),
    `calculator` (the process is a calculator: it shows a result and files nothing).
    """

    def __init__(self, message: str, message_en: str, code: str):
        self.message = message
        self.message_en = message_en
        self.code = code
        super().__init__(f"{message} / {message_en}")
