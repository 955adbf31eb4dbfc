"""The forms a remote transport sends a case's answers in: one registry entry per format.

    payload = data_payload(case, "fim-json")  # DataPayload(content, mime_type, schema_uri)

- `engine-json` (here): the answers as JSON (UTF-8, keys sorted, the same bytes on every
  attempt) under the process's composed data schema `urn:ozg-engine:process:<id>:<version>:data`.
- `fim-json`, `fim-xml`: registered by the cases app (`cases/fim_output.py`), which reads
  the FIM message the process was imported from; the transports layer sits below the
  catalog and cannot.

A format refuses with `TransportError(permanent=True)` (clear German and English message):
retrying cannot make answers fit a schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from forms_engine.core.registry import Registry

from .base import TransportError

registry = Registry("data_formats")


@dataclass(frozen=True)
class DataPayload:
    content: bytes
    mime_type: str
    schema_uri: str


class DataFormat:
    """A registered data format: `build(case) -> DataPayload` (a staticmethod or function)."""

    build: Callable[..., DataPayload]


@registry("engine-json")
class EngineJson(DataFormat):
    @staticmethod
    def build(case) -> DataPayload:
        definition = case.process_version.definition or {}
        schema_uri = f"urn:ozg-engine:process:{definition.get('id', '')}:{definition.get('version', '')}:data"
        content = json.dumps(
            case.answers, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        ).encode("utf-8")
        return DataPayload(content, "application/json", schema_uri)


def data_payload(case, fmt: str) -> DataPayload:
    if fmt not in registry:
        raise TransportError(
            f"Das Datenformat „{fmt}“ gibt es in dieser Installation nicht. / "
            f"There is no data format {fmt!r} in this installation.",
            permanent=True,
        )
    return registry.get(fmt).build(case)
