"""The field at an answers pointer, shared by the wizard, the API and case filing.

Pure: a definition and a JSON pointer into the answers (`/step/field/0/child`) in, the
field's `x-upload` spec or the pointer's shape out.
"""

from __future__ import annotations

import re

_INDEX = re.compile(r"^\d+$")


def field_shape(pointer: str) -> str:
    """The pointer with array indices removed: `/hunde/hunde/1/foto` → `/hunde/hunde/foto`.

    An upload made for one item of a repeatable group may be used in any item of it
    (a citizen may reorder or remove items before submitting).
    """
    parts = pointer.split("/")[1:]
    return "/" + "/".join(p for p in parts if not _INDEX.match(p))


def upload_spec_for(definition, pointer: str) -> dict | None:
    """The `x-upload` dict of the field at answers `pointer`, or None if none is there.

    Walks the step schema (`properties`, `items`, local `$ref`s into `$defs`); array
    indices in the pointer select `items`.
    """
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    if len(parts) < 2:
        return None
    try:
        step = definition.step(parts[0])
    except Exception:  # noqa: BLE001 - any unknown step id means "not an upload field"
        return None
    defs = (definition.doc or {}).get("$defs", {})
    schema = step.schema
    for part in parts[1:]:
        if isinstance(schema, dict) and isinstance(schema.get("x-upload"), dict):
            return None  # an upload field has no children
        schema = _resolve(schema, defs)
        if not isinstance(schema, dict):
            return None
        if _INDEX.match(part) and schema.get("type") == "array":
            schema = schema.get("items")
        else:
            schema = (schema.get("properties") or {}).get(part)
        if schema is None:
            return None
    if isinstance(schema, dict) and isinstance(schema.get("x-upload"), dict):
        return schema["x-upload"]
    schema = _resolve(schema, defs)
    if isinstance(schema, dict) and isinstance(schema.get("x-upload"), dict):
        return schema["x-upload"]
    return None


def _resolve(schema, defs, depth: int = 0):
    while isinstance(schema, dict) and "$ref" in schema and depth < 20:
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
            return None
        schema = defs.get(ref[len("#/$defs/") :])
        depth += 1
    return schema
