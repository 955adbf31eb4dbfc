"""One registry shape for every plugin kind (transports now; identity and payments next).

    registry = Registry("transports")

    @registry("inbox")
    class InboxTransport(Transport):
        options_schema = {"type": "object", "additionalProperties": False}

Plugin ids are stored in the database forever: never rename one. Each plugin declares a
JSON Schema for its options; `validate_options` checks them (at publish/activation time)
and answers with German and English messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import jsonschema


class PluginNotFound(LookupError):
    def __init__(self, kind: str, plugin_id: str):
        super().__init__(f"{kind}: {plugin_id!r}")
        self.message = f"Das Plugin „{plugin_id}“ ({kind}) gibt es nicht."
        self.message_en = f"There is no {kind} plugin “{plugin_id}”."


@dataclass(frozen=True)
class OptionProblem:
    pointer: str
    message: str
    message_en: str


# Every registry by kind, so a lower layer (catalog checking an activation's plugin ids)
# can reach the plugins of a higher one (payments) without importing it upward.
_REGISTRIES: dict[str, Registry] = {}


def registry_for(kind: str) -> Registry:
    """The registry of one plugin kind ("payments", "transports", "identity").

    It exists once its app is imported; Django imports every installed app at start-up.
    """
    return _REGISTRIES[kind]


class Registry:
    """Plugins of one kind, by id. Register with `@registry("id")` on the plugin class."""

    def __init__(self, kind: str):
        self.kind = kind
        _REGISTRIES.setdefault(kind, self)  # the app's own, created first at start-up
        self._plugins: dict[str, type] = {}

    def __call__(self, plugin_id: str) -> Callable[[type], type]:
        def register(cls: type) -> type:
            if plugin_id in self._plugins and self._plugins[plugin_id] is not cls:
                raise ValueError(f"{self.kind} plugin {plugin_id!r} is registered twice")
            cls.plugin_id = plugin_id
            self._plugins[plugin_id] = cls
            return cls

        return register

    def __contains__(self, plugin_id: object) -> bool:
        return plugin_id in self._plugins

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._plugins))

    def get(self, plugin_id: str) -> type:
        try:
            return self._plugins[plugin_id]
        except KeyError:
            raise PluginNotFound(self.kind, plugin_id) from None

    def validate_options(self, plugin_id: str, options: object) -> list[OptionProblem]:
        """Problems of `options` against the plugin's `options_schema` ([] when valid)."""
        cls = self.get(plugin_id)
        schema = getattr(cls, "options_schema", {"type": "object"})
        validator = jsonschema.Draft202012Validator(schema)
        return [
            OptionProblem(
                "/" + "/".join(str(p) for p in error.absolute_path),
                f"Ungültige Option für „{plugin_id}“: {error.message}",
                f"Invalid option for “{plugin_id}”: {error.message}",
            )
            for error in validator.iter_errors(options)
        ]
