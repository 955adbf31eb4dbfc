"""The structured editor's changes to a definition: pure functions from a document to a new
document (the input is never changed). Saving is `editing.document_save` (revision check).

Steps are addressed by index, fields by their path of names within the step
(`("anschrift", "plz")`; a repeatable group's children directly under the group's name).
Bad input raises `EditorError` (German and English) and changes nothing."""

from __future__ import annotations

import copy
import re
from typing import Any

from forms_engine.definitions.conditions import Condition, condition_to_when, when_to_condition
from forms_engine.definitions.field_types import FIELD_KINDS, build_field

STEP_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
FEE_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
POLICIES = ("none", "optional", "required", "deferred")


class EditorError(ValueError):
    def __init__(self, message: str, message_en: str):
        self.message = message
        self.message_en = message_en
        super().__init__(message)


_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)


def slug(text: str, *, fallback: str) -> str:
    """A name from a label: `Name des Hundes` → `name_des_hundes` (ASCII, at most 40)."""
    value = re.sub(r"[^a-z0-9]+", "_", (text or "").translate(_UMLAUTS).lower()).strip("_")
    value = value[:40].strip("_")
    if not value or not value[0].isalpha():
        value = f"{fallback}_{value}".strip("_") if value else fallback
    return value


def unique(name: str, taken) -> str:
    if name not in taken:
        return name
    n = 2
    while f"{name}_{n}" in taken:
        n += 1
    return f"{name}_{n}"


def _i18n(de: str, en: str = "") -> dict:
    value = {"de": de.strip()}
    if en and en.strip():
        value["en"] = en.strip()
    return value


# --- steps --------------------------------------------------------------------------------


def steps_of(doc: dict) -> list:
    steps = doc.get("steps")
    return steps if isinstance(steps, list) else []


def step_at(doc: dict, index: int) -> dict:
    steps = steps_of(doc)
    if not 0 <= index < len(steps) or not isinstance(steps[index], dict):
        raise EditorError("Diesen Schritt gibt es nicht.", "There is no such step.")
    return steps[index]


def step_add(doc: dict, *, title: str, title_en: str = "", step_id: str = "") -> tuple[dict, int]:
    doc = copy.deepcopy(doc)
    steps = doc.setdefault("steps", [])
    if not isinstance(steps, list):
        raise EditorError("Die Schritte sind kein Liste.", "The steps are not a list.")
    taken = {s.get("id") for s in steps if isinstance(s, dict)}
    if step_id:
        if not STEP_ID.match(step_id):
            raise EditorError(
                "Die Kennung des Schritts: Kleinbuchstaben, Ziffern und _, mit einem Buchstaben vorn.",
                "The step id: lower-case letters, digits and _, starting with a letter.",
            )
        if step_id in taken:
            raise EditorError("Diese Kennung hat schon ein Schritt.", "A step has this id already.")
    else:
        step_id = unique(slug(title, fallback="schritt"), taken)
    steps.append(
        {
            "id": step_id,
            "title": _i18n(title, title_en),
            "schema": {"type": "object", "properties": {}, "required": []},
        }
    )
    return doc, len(steps) - 1


def step_update(doc: dict, index: int, *, title, title_en, description, description_en) -> dict:
    doc = copy.deepcopy(doc)
    step = step_at(doc, index)
    step["title"] = _i18n(title, title_en)
    if description.strip():
        step["description"] = _i18n(description, description_en)
    else:
        step.pop("description", None)
    return _step_ordered(doc, index)


def _step_ordered(doc: dict, index: int) -> dict:
    order = ("id", "title", "description", "when", "schema", "ui")
    step = doc["steps"][index]
    doc["steps"][index] = {
        **{k: step[k] for k in order if k in step},
        **{k: v for k, v in step.items() if k not in order},
    }
    return doc


def step_delete(doc: dict, index: int) -> dict:
    doc = copy.deepcopy(doc)
    step_at(doc, index)
    if len(doc["steps"]) == 1:
        raise EditorError(
            "Ein Antrag braucht mindestens einen Schritt.", "A process needs at least one step."
        )
    del doc["steps"][index]
    return doc


def _move(items: list, index: int, delta: int) -> None:
    target = index + delta
    if not 0 <= index < len(items) or not 0 <= target < len(items):
        raise EditorError("Weiter geht es nicht.", "It cannot move further.")
    items[index], items[target] = items[target], items[index]


def step_move(doc: dict, index: int, delta: int) -> dict:
    doc = copy.deepcopy(doc)
    step_at(doc, index)
    _move(doc["steps"], index, delta)
    return doc


# --- fields -------------------------------------------------------------------------------


def _container(step: dict, parent: tuple[str, ...]) -> dict:
    """The object schema holding the children of `parent` (the step schema for `()`)."""
    node = step.get("schema")
    for name in parent:
        props = node.get("properties") if isinstance(node, dict) else None
        child = props.get(name) if isinstance(props, dict) else None
        if not isinstance(child, dict):
            raise EditorError("Dieses Feld gibt es nicht.", "There is no such field.")
        if child.get("type") == "array" and isinstance(child.get("items"), dict):
            child = child["items"]
        node = child
    if not isinstance(node, dict):
        raise EditorError("Dieses Feld gibt es nicht.", "There is no such field.")
    if "$ref" in node:
        raise EditorError(
            "Diese Gruppe ist eine gemeinsame Vorlage: bitte im JSON-Modus bearbeiten.",
            "This group is a shared template: please edit it in the JSON view.",
        )
    if not isinstance(node.get("properties"), dict):
        node["properties"] = {}
    if not isinstance(node.get("required"), list):
        node["required"] = []
    return node


def field_at(doc: dict, index: int, path: tuple[str, ...]) -> tuple[dict, Any, dict]:
    """(step, field schema, ui entry) of the field `path` of step `index`."""
    step = step_at(doc, index)
    if not path:
        raise EditorError("Dieses Feld gibt es nicht.", "There is no such field.")
    node = _container(step, path[:-1])
    if path[-1] not in node["properties"]:
        raise EditorError("Dieses Feld gibt es nicht.", "There is no such field.")
    schema = node["properties"][path[-1]]  # may be no schema at all (shown as JSON)
    ui = {}
    if len(path) == 1:
        ui_fields = (step.get("ui") or {}).get("fields") if isinstance(step.get("ui"), dict) else {}
        ui = ui_fields.get(path[0], {}) if isinstance(ui_fields, dict) else {}
    return step, schema, ui if isinstance(ui, dict) else {}


def field_required(doc: dict, index: int, path: tuple[str, ...]) -> bool:
    node = _container(copy.deepcopy(step_at(doc, index)), path[:-1])
    return path[-1] in node["required"]


def _set_ui(step: dict, name: str, ui: dict) -> None:
    step_ui = step.get("ui") if isinstance(step.get("ui"), dict) else {}
    fields = step_ui.get("fields") if isinstance(step_ui.get("fields"), dict) else {}
    if ui:
        fields[name] = ui
    else:
        fields.pop(name, None)
    if fields:
        step_ui["fields"] = fields
    else:
        step_ui.pop("fields", None)
    if step_ui:
        step["ui"] = step_ui
    else:
        step.pop("ui", None)


def _set_required(node: dict, name: str, required: bool) -> None:
    names = [n for n in node["required"] if n != name]
    if required:
        names.append(name)
        order = list(node["properties"])
        names.sort(key=lambda n: order.index(n) if n in order else len(order))
    node["required"] = names


DEFAULT_OPTIONS = {
    "choice": {"choices": [{"value": "option_1", "label": "Option 1"}]},
    "multichoice": {"choices": [{"value": "option_1", "label": "Option 1"}]},
    "upload": {"media_types": ["application/pdf", "image/jpeg", "image/png"], "max_mb": 10},
}


def field_add(
    doc: dict,
    index: int,
    parent: tuple[str, ...],
    *,
    type_id: str,
    title: str,
    title_en: str = "",
    name: str = "",
    required: bool = False,
) -> tuple[dict, tuple[str, ...]]:
    if type_id not in FIELD_KINDS:
        raise EditorError("Diesen Feldtyp gibt es nicht.", "There is no such field type.")
    if not title.strip():
        raise EditorError("Bitte geben Sie eine Beschriftung an.", "Please give a label.")
    doc = copy.deepcopy(doc)
    step = step_at(doc, index)
    node = _container(step, parent)
    if name:
        if not FIELD_NAME.match(name):
            raise EditorError(
                "Die Kennung des Felds: Buchstaben, Ziffern und _, mit einem Buchstaben vorn.",
                "The field id: letters, digits and _, starting with a letter.",
            )
        if name in node["properties"]:
            raise EditorError("Diese Kennung hat schon ein Feld.", "A field has this id already.")
    else:
        name = unique(slug(title, fallback="feld"), set(node["properties"]))
    options = {"title": title, "title_en": title_en, **DEFAULT_OPTIONS.get(type_id, {})}
    schema, ui = build_field(type_id, options)
    node["properties"][name] = schema
    _set_required(node, name, required)
    if not parent and ui:
        _set_ui(step, name, ui)
    return doc, (*parent, name)


def field_update(
    doc: dict, index: int, path: tuple[str, ...], *, type_id: str, options: dict, required: bool
) -> dict:
    doc = copy.deepcopy(doc)
    step, schema, ui = field_at(doc, index, path)
    new_schema, new_ui = build_field(type_id, options, (schema, ui))
    node = _container(step, path[:-1])
    node["properties"][path[-1]] = new_schema
    _set_required(node, path[-1], required)
    if len(path) == 1:
        _set_ui(step, path[0], new_ui)
    return doc


def field_delete(doc: dict, index: int, path: tuple[str, ...]) -> dict:
    doc = copy.deepcopy(doc)
    step, _schema, _ui = field_at(doc, index, path)
    node = _container(step, path[:-1])
    if len(path) == 1:
        _blocks_after_field_delete(step, path[0])
    del node["properties"][path[-1]]
    node["required"] = [n for n in node["required"] if n != path[-1]]
    if len(path) == 1:
        _set_ui(step, path[0], {})
    return doc


def field_move(doc: dict, index: int, path: tuple[str, ...], delta: int) -> dict:
    doc = copy.deepcopy(doc)
    step, _schema, _ui = field_at(doc, index, path)
    node = _container(step, path[:-1])
    items = list(node["properties"].items())
    position = [k for k, _ in items].index(path[-1])
    _move(items, position, delta)
    node["properties"] = dict(items)
    order = list(node["properties"])
    node["required"] = sorted(node["required"], key=lambda n: order.index(n) if n in order else 0)
    return doc


# --- text blocks (`ui.blocks`: explanatory text between the fields, no answer) -------------


def blocks_of(step: dict) -> list:
    ui = step.get("ui") if isinstance(step.get("ui"), dict) else {}
    blocks = ui.get("blocks")
    return blocks if isinstance(blocks, list) else []


def _top_names(step: dict) -> list[str]:
    schema = step.get("schema") if isinstance(step.get("schema"), dict) else {}
    props = schema.get("properties")
    return list(props) if isinstance(props, dict) else []


def block_slot(step: dict, block: Any) -> int:
    """Where a block stands: the index of the field it stands before (the field count: at
    the end; also for a `before` that names no field)."""
    names = _top_names(step)
    before = block.get("before") if isinstance(block, dict) else None
    return names.index(before) if before in names else len(names)


def blocks_in_order(step: dict) -> list[tuple[int, dict]]:
    """(index in `ui.blocks`, block) in the order the citizen sees them."""
    blocks = blocks_of(step)
    order = sorted(range(len(blocks)), key=lambda i: (block_slot(step, blocks[i]), i))
    return [(i, blocks[i]) for i in order]


def _set_blocks(step: dict, blocks: list) -> None:
    step_ui = step.get("ui") if isinstance(step.get("ui"), dict) else {}
    if blocks:
        step_ui["blocks"] = blocks
    else:
        step_ui.pop("blocks", None)
    if step_ui:
        step["ui"] = step_ui
    else:
        step.pop("ui", None)


def _block_at(step: dict, block_index: int) -> dict:
    blocks = blocks_of(step)
    if not 0 <= block_index < len(blocks) or not isinstance(blocks[block_index], dict):
        raise EditorError("Diesen Textblock gibt es nicht.", "There is no such text block.")
    return blocks[block_index]


def block_save(
    doc: dict, index: int, block_index: int | None, *, text: str, text_en: str = "", before=""
) -> tuple[dict, int]:
    """Add (`block_index` None) or change a text block; `before`: a top-level field name of
    the step, or "" for after the last field. Returns the document and the block's index."""
    if not (text or "").strip():
        raise EditorError("Bitte geben Sie den Text an.", "Please give the text.")
    doc = copy.deepcopy(doc)
    step = step_at(doc, index)
    if before and before not in _top_names(step):
        raise EditorError(
            "Vor diesem Feld kann der Textblock nicht stehen: es ist kein Feld des Schritts.",
            "The text block cannot stand before this field: it is not a field of the step.",
        )
    blocks = list(blocks_of(step))
    if block_index is None:
        taken = {b.get("id") for b in blocks if isinstance(b, dict)}
        block = {"id": unique(slug(text[:30], fallback="hinweis"), taken)}
        blocks.append(block)
        block_index = len(blocks) - 1
    else:
        block = dict(_block_at(step, block_index))
        blocks[block_index] = block
    block["text"] = _i18n(text, text_en)
    if before:
        block["before"] = before
    else:
        block.pop("before", None)
    blocks[block_index] = {k: block[k] for k in ("id", "before", "text") if k in block}
    _set_blocks(step, blocks)
    return doc, block_index


def block_delete(doc: dict, index: int, block_index: int) -> dict:
    doc = copy.deepcopy(doc)
    step = step_at(doc, index)
    _block_at(step, block_index)
    blocks = list(blocks_of(step))
    del blocks[block_index]
    _set_blocks(step, blocks)
    return doc


def block_move(doc: dict, index: int, block_index: int, delta: int) -> dict:
    """One place up (-1) or down (1) in what the citizen sees: past a neighbouring block at
    the same place, else before the previous / next field (the end after the last field)."""
    doc = copy.deepcopy(doc)
    step = step_at(doc, index)
    block = _block_at(step, block_index)
    names = _top_names(step)
    order = blocks_in_order(step)
    position = [i for i, _b in order].index(block_index)
    slot = block_slot(step, block)
    neighbour = position + delta
    if 0 <= neighbour < len(order) and block_slot(step, order[neighbour][1]) == slot:
        _move(order, position, delta)
    else:
        target = slot + delta
        if not 0 <= target <= len(names):
            raise EditorError("Weiter geht es nicht.", "It cannot move further.")
        moved = dict(block)
        if target < len(names):
            moved["before"] = names[target]
        else:
            moved.pop("before", None)
        moved = {k: moved[k] for k in ("id", "before", "text") if k in moved}
        del order[position]
        # up: the last one at its new place; down: the first one
        at = sum(1 for _i, b in order if block_slot(step, b) <= target) if delta < 0 else None
        if at is None:
            at = sum(1 for _i, b in order if block_slot(step, b) < target)
        order.insert(at, (block_index, moved))
    _set_blocks(step, [b for _i, b in order])
    return doc


def _blocks_after_field_delete(step: dict, name: str) -> None:
    """Blocks before a deleted top-level field now stand before the next field (or at the end)."""
    names = _top_names(step)
    if not any(isinstance(b, dict) and b.get("before") == name for b in blocks_of(step)):
        return
    following = names[names.index(name) + 1] if name in names[:-1] else None
    blocks = []
    for block in blocks_of(step):
        if isinstance(block, dict) and block.get("before") == name:
            block = {**block, "before": following}
            block = {k: v for k, v in block.items() if k != "before" or following}
        blocks.append(block)
    _set_blocks(step, blocks)


# --- conditions ---------------------------------------------------------------------------


def _when_set(target: dict, condition: Condition) -> None:
    when = condition_to_when(condition)
    if when is None:
        target.pop("when", None)
    else:
        target["when"] = when


def step_condition_set(doc: dict, index: int, condition: Condition) -> dict:
    doc = copy.deepcopy(doc)
    _when_set(step_at(doc, index), condition)
    return _step_ordered(doc, index)


def field_condition_set(doc: dict, index: int, name: str, condition: Condition) -> dict:
    doc = copy.deepcopy(doc)
    step, _schema, ui = field_at(doc, index, (name,))
    ui = dict(ui)
    _when_set(ui, condition)
    _set_ui(step, name, ui)
    return doc


def condition_of(target: Any) -> Condition | None:
    """The rows of a step's/field's/fee's `when` (None: only editable as JSON)."""
    return when_to_condition(target.get("when") if isinstance(target, dict) else None)


# --- fees ---------------------------------------------------------------------------------


def fees_of(doc: dict) -> list:
    payment = doc.get("payment")
    fees = payment.get("fees") if isinstance(payment, dict) else None
    return fees if isinstance(fees, list) else []


def fee_at(doc: dict, index: int) -> dict:
    fees = fees_of(doc)
    if not 0 <= index < len(fees) or not isinstance(fees[index], dict):
        raise EditorError("Diese Gebühr gibt es nicht.", "There is no such fee.")
    return fees[index]


def _payment(doc: dict) -> dict:
    payment = doc.get("payment")
    if not isinstance(payment, dict):
        payment = doc["payment"] = {"policy": "none"}
    if not isinstance(payment.get("fees"), list):
        payment["fees"] = []
    return payment


def policy_set(doc: dict, policy: str) -> dict:
    if policy not in POLICIES:
        raise EditorError("Diese Zahlungsart gibt es nicht.", "There is no such payment policy.")
    doc = copy.deepcopy(doc)
    payment = _payment(doc)
    payment["policy"] = policy
    if not payment["fees"]:
        payment.pop("fees")
    return doc


def fee_save(
    doc: dict,
    index: int | None,
    *,
    fee_id: str,
    label: str,
    label_en: str,
    amount: str | dict,
    condition: Condition | None,
) -> tuple[dict, int]:
    """Add (`index` None) or change a fee; `condition` None keeps the existing `when`."""
    doc = copy.deepcopy(doc)
    payment = _payment(doc)
    fees = payment["fees"]
    if not FEE_ID.match(fee_id or ""):
        raise EditorError(
            "Die Kennung der Gebühr: Kleinbuchstaben, Ziffern und _, mit einem Buchstaben vorn.",
            "The fee id: lower-case letters, digits and _, starting with a letter.",
        )
    others = [f.get("id") for i, f in enumerate(fees) if isinstance(f, dict) and i != index]
    if fee_id in others:
        raise EditorError("Diese Kennung hat schon eine Gebühr.", "A fee has this id already.")
    if index is None:
        fee: dict = {}
        fees.append(fee)
        index = len(fees) - 1
    else:
        fee = fee_at(doc, index)
    fee["id"] = fee_id
    fee["label"] = _i18n(label, label_en)
    fee["amount"] = amount
    if condition is not None:
        _when_set(fee, condition)
    order = ("id", "label", "amount", "when")
    fees[index] = {
        **{k: fee[k] for k in order if k in fee},
        **{k: v for k, v in fee.items() if k not in order},
    }
    if payment.get("policy") in (None, "none"):
        payment["policy"] = "optional"
    return doc, index


def fee_delete(doc: dict, index: int) -> dict:
    doc = copy.deepcopy(doc)
    fee_at(doc, index)
    del doc["payment"]["fees"][index]
    if not doc["payment"]["fees"]:
        doc["payment"].pop("fees")
    return doc


def fee_move(doc: dict, index: int, delta: int) -> dict:
    doc = copy.deepcopy(doc)
    fee_at(doc, index)
    _move(doc["payment"]["fees"], index, delta)
    return doc


def parse_amount(text: str) -> str:
    """German `12,50` (or `12.50`, `1.234,50`) → `"12.50"`; EditorError otherwise."""
    value = (text or "").strip().replace(" ", "").replace("€", "")
    if "," in value:
        value = value.replace(".", "").replace(",", ".")
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", value):
        raise EditorError(
            "Bitte geben Sie den Betrag in Euro an, z. B. 12,50.",
            "Please give the amount in euros, e.g. 12.50.",
        )
    whole, _, cents = value.partition(".")
    return f"{int(whole)}.{cents.ljust(2, '0')}"
