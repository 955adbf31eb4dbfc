"""Errors of the catalog, each with a German message first and an English one second."""


class CatalogError(Exception):
    """Base class: `message` (German), `message_en` (English); str() shows both."""

    def __init__(self, message: str, message_en: str, *, problems=None):
        self.message = message
        self.message_en = message_en
        # For publish refusals: the definition problems or failed designer tests.
        self.problems = list(problems or [])
        super().__init__(f"{message} / {message_en}")


class ImmutableVersionError(CatalogError):
    """A published or retired ProcessVersion was asked to change. It never does."""


class PublishRefused(CatalogError):
    """A draft cannot be published: its definition is broken or a designer test fails."""


class InvalidTransition(CatalogError):
    """A status change that the life cycle draft → published → retired does not allow."""


class EditConflict(CatalogError):
    """A draft was saved by someone else since the editor loaded it (optimistic
    concurrency). `current_revision` is the draft's revision now; nothing was changed."""

    def __init__(self, message: str, message_en: str, *, current_revision: int):
        self.current_revision = current_revision
        super().__init__(message, message_en)


class ApprovalRequired(CatalogError):
    """The publisher requires a second person's approval (four-eyes) and there is none for
    the draft as it is now."""


class AmbiguousProcess(CatalogError):
    """A process id that several publishers use was named without a publisher.

    `identifier` is the id; `candidates` the publishers as `[(slug, name)]`, by slug. The
    caller says how to name the publisher (API: the `publisher` parameter)."""

    def __init__(self, identifier: str, candidates: list[tuple[str, str]]):
        self.identifier = identifier
        self.candidates = list(candidates)
        names = ", ".join(f"„{slug}“ ({name})" for slug, name in self.candidates)
        names_en = ", ".join(f"'{slug}' ({name})" for slug, name in self.candidates)
        super().__init__(
            f"Die Kennung „{identifier}“ verwenden mehrere Herausgeber: {names}. "
            "Bitte geben Sie den Herausgeber an.",
            f"Several publishers use the id '{identifier}': {names_en}. Please name the publisher.",
        )
