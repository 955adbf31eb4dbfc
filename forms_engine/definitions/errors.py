"""Error types of the process language (contract: docs/architecture.md, "Contracts").

- `Problem`: something wrong in a process *definition* (pointer into the definition).
- `FieldError`: something wrong in a citizen's *answers* (pointer into the answers).
- `DefinitionError`: raised when a definition cannot be loaded or compiled; carries problems.

Every message is German first (`message`) with an English variant (`message_en`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """A problem in a process definition.

    `pointer` is a JSON pointer into the definition ("" is the whole document),
    `message` German, `message_en` English.
    """

    pointer: str
    message: str
    message_en: str = ""

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


@dataclass(frozen=True)
class FieldError:
    """A problem in a citizen's answers.

    `pointer` is a JSON pointer into the answers (`/halter/vorname`,
    `/fahrzeuge/fahrzeuge/1/kennzeichen`), `message` German, `message_en` English,
    `code` the kind of error (`required`, `maxLength`, `format`, `choice`, …).
    """

    pointer: str
    message: str
    message_en: str = ""
    code: str = ""

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


class DefinitionError(ValueError):
    """A process definition is invalid. `.problems` lists why; `str()` lists them too."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self._text())

    def _text(self) -> str:
        if not self.problems:
            return "Ungültige Prozessdefinition."
        lines = [f"Ungültige Prozessdefinition ({len(self.problems)} Problem(e)):"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self._text()
