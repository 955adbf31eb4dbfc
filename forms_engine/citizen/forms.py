"""Step forms built per request from the pinned version's `Field` objects.

Not Django forms: the fields of a step are data (JSON Schema) and may nest (groups,
repeatable groups), so the parser and the template tree are built here directly.

HTML naming scheme (stable, used by browser tests):
- a field's `name` is its path inside the step joined by dots: `vorname`,
  `anschrift.plz`, `fahrzeuge.0.kennzeichen`; its `id` is `f-` + the path joined by dashes
  (`f-anschrift-plz`); a radio/checkbox option adds `-<n>` (`f-listenhund-0`).
- a repeatable group posts its entry count in `<path>._count`; an upload field keeps the
  current file in `<path>._keep` (the `upload:<uuid>` reference, checked server side).
- `_fields` lists the top-level fields that were on the page; `_action` is the button:
  `next`, `save`, `add:<path>`, `remove:<path>:<index>`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html import escape as html_escape
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.template.loader import get_template
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from forms_engine.core.formatting import date_de, i18n, number_de
from forms_engine.core.text import scrub, text_message, text_problem

MAX_REPEAT = 50


@dataclass(frozen=True)
class Raw:
    """What a citizen typed that could not be read (shown again, never stored)."""

    text: str


@dataclass
class PendingUpload:
    key: str
    pointer: str
    file: Any
    field: Any


@dataclass
class Parsed:
    data: dict
    errors: dict[str, str] = field(default_factory=dict)
    uploads: list[PendingUpload] = field(default_factory=list)
    # References a citizen may keep: uploads of this draft only.
    known_uploads: set = field(default_factory=set)


# --- parsing ----------------------------------------------------------------------------

_DATE_DE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONEY = re.compile(r"^\d+(\.\d{1,2})?$")


def parse_date(text: str) -> str | None:
    m = _DATE_DE.match(text)
    if m:
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _DATE_ISO.match(text)
        if not m:
            return None
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _normalise_decimal(text: str) -> str:
    """German or plain notation to a plain decimal string ("1.234,56" -> "1234.56")."""
    text = text.replace("€", "").replace("EUR", "").replace(" ", "").replace("\u00a0", "")
    if "," in text:
        return text.replace(".", "").replace(",", ".")
    # "1.234" with a three-digit tail is a German thousands separator.
    if text.count(".") >= 1 and re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
        return text.replace(".", "")
    return text


def parse_money(text: str) -> str | None:
    value = _normalise_decimal(text)
    return value if _MONEY.match(value) else None


def parse_number(text: str, integer: bool) -> int | float | None:
    value = _normalise_decimal(text)
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    if integer:
        if number != number.to_integral_value():
            return None
        return int(number)
    if number == number.to_integral_value() and "." not in value and "e" not in value.lower():
        return int(number)
    return float(number)


def _key(path: list[str]) -> str:
    return ".".join(path)


def parse_fields(fields, post, files, path: list[str], step_id: str, out: Parsed) -> dict:
    data: dict = {}
    for f in fields:
        fpath = [*path, f.name]
        key = _key(fpath)
        value = _parse_one(f, post, files, fpath, key, step_id, out)
        if value is not None:
            data[f.name] = value
    return data


def _parse_one(f, post, files, fpath, key, step_id, out: Parsed):  # noqa: C901 - one branch per type
    kind = f.type
    if kind == "group":
        uploads_before = len(out.uploads)
        sub = parse_fields(f.children, post, files, fpath, step_id, out)
        # An optional group is answered only when something in it is (a required group
        # inside it yields {} even when blank, which alone is no answer).
        answered = _has_answer(sub) or len(out.uploads) > uploads_before
        return sub if (answered or f.required) else None
    if kind == "repeat":
        try:
            count = int(post.get(key + "._count", "0"))
        except ValueError:
            count = 0
        # Not clamped to maxItems: a longer list is reported by validation, never cut.
        count = max(0, min(count, MAX_REPEAT))
        entries, blank = [], []
        for i in range(count):
            uploads_before = len(out.uploads)
            entries.append(parse_fields(f.children, post, files, [*fpath, str(i)], step_id, out))
            blank.append(not entries[-1] and len(out.uploads) == uploads_before)
        if _min_items(f) == 0:
            # Entries left entirely blank at the end of a list that may be empty are no
            # entries (an optional list is skipped by leaving its one empty entry blank);
            # only trailing ones, so every other entry keeps its place.
            while entries and blank[len(entries) - 1]:
                entries.pop()
        return entries or None
    if kind == "multichoice":
        by_text = {str(o[0]): o[0] for o in f.options}
        values = []
        # Unknown values are kept (not dropped silently), so validation names them.
        for text in post.getlist(key):
            if _refused_text(text, key, out):
                continue
            value = by_text.get(text, text)
            if value not in values:
                values.append(value)
        return values or None
    if kind == "upload":
        upload = files.get(key) if files is not None else None
        if upload is not None and getattr(upload, "size", 0):
            pointer = "/" + "/".join([step_id, *fpath])
            out.uploads.append(PendingUpload(key, pointer, upload, f))
            return None
        keep = post.get(key + "._keep", "").strip()
        return keep if keep in out.known_uploads else None

    text = post.get(key, "")
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        return None
    if _refused_text(text, key, out):
        return Raw(scrub(text))  # shown again without the bad characters, never stored
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, Raw(text))
    if kind == "choice":
        for value, *_labels in f.options:
            if str(value) == text:
                return value
        return Raw(text)
    if kind == "date":
        iso = parse_date(text)
        if iso is None:
            out.errors[key] = _("Bitte geben Sie ein gültiges Datum im Format TT.MM.JJJJ ein.")
            return Raw(text)
        return iso
    if kind == "money":
        amount = parse_money(text)
        if amount is None:
            out.errors[key] = _(
                "Bitte geben Sie einen Betrag in Euro mit höchstens zwei Nachkommastellen ein, zum Beispiel 1.234,56."
            )
            return Raw(text)
        return amount
    if kind in ("number", "integer"):
        number = parse_number(text, integer=kind == "integer")
        if number is None:
            out.errors[key] = (
                _("Bitte geben Sie eine ganze Zahl ein.")
                if kind == "integer"
                else _("Bitte geben Sie eine Zahl ein.")
            )
            return Raw(text)
        return number
    if kind == "iban":
        return re.sub(r"\s+", "", text).upper()
    if kind == "postcode":
        return re.sub(r"\s+", "", text)
    if kind == "textarea":
        # Keep the citizen's line breaks, but normalise them.
        return post.get(key, "").replace("\r\n", "\n").strip()
    return text


def _has_answer(value) -> bool:
    if isinstance(value, dict):
        return any(_has_answer(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_answer(v) for v in value)
    return value is not None


def _refused_text(text: str, key: str, out: Parsed) -> bool:
    """A NUL or lone surrogate is a field error; the text is never stored (PostgreSQL
    refuses NUL in JSON, UTF-8 has no lone surrogates)."""
    problem = text_problem(text)
    if problem is None:
        return False
    message, message_en = text_message(problem)
    lang = (get_language() or "de")[:2]
    out.errors[key] = message_en if lang == "en" else message
    return True


def _max_items(f) -> int:
    return min(int(f.schema.get("maxItems", MAX_REPEAT)), MAX_REPEAT)


def _min_items(f) -> int:
    return int(f.schema.get("minItems", 0))


def strip_raw(value):
    """The data without unreadable input (what may be stored and validated)."""
    if isinstance(value, dict):
        return {k: strip_raw(v) for k, v in value.items() if not isinstance(v, Raw)}
    if isinstance(value, list):
        return [strip_raw(v) for v in value if not isinstance(v, Raw)]
    return value


def pointer_to_key(pointer: str, step_id: str) -> str | None:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    if not parts or parts[0] != step_id:
        return None
    return ".".join(parts[1:])


# --- repeat actions ---------------------------------------------------------------------


def _get_path(data: dict, parts: list[str]):
    node: Any = data
    for p in parts:
        if isinstance(node, list):
            node = node[int(p)] if p.isdigit() and int(p) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(p)
        else:
            return None
    return node


def _set_path(data: dict, parts: list[str], value) -> None:
    node: Any = data
    for p in parts[:-1]:
        node = node[int(p)] if isinstance(node, list) else node.setdefault(p, {})
    node[parts[-1]] = value


def find_field(fields, parts: list[str]):
    """The Field at a dotted path (indices of repeat entries are skipped)."""
    current = None
    candidates = fields
    for p in parts:
        if p.isdigit():
            continue
        current = next((f for f in candidates if f.name == p), None)
        if current is None:
            return None
        candidates = current.children or []
    return current


def apply_repeat_action(fields, data: dict, action: str) -> tuple[dict, str | None]:
    """Add or remove an entry of a repeatable group; returns the data and the id to focus."""
    kind, _sep, rest = action.partition(":")
    if kind == "add":
        parts = rest.split(".")
        f = find_field(fields, parts)
        if f is None or f.type != "repeat":
            return data, None
        entries = list(_get_path(data, parts) or [])
        if len(entries) < _max_items(f):
            entries.append({})
            _set_path(data, parts, entries)
            return data, "f-" + "-".join([*parts, str(len(entries) - 1)])
        return data, None
    if kind == "remove":
        target, _sep, index = rest.rpartition(":")
        parts = target.split(".")
        f = find_field(fields, parts)
        if f is None or f.type != "repeat" or not index.isdigit():
            return data, None
        entries = list(_get_path(data, parts) or [])
        i = int(index)
        if i < len(entries) and len(entries) > max(_min_items(f), 1 if f.required else 0):
            del entries[i]
            _set_path(data, parts, entries)
        return data, "f-" + "-".join(parts)
    return data, None


# --- rendering tree ---------------------------------------------------------------------


AUTOCOMPLETE_DEFAULTS = {"email": "email", "phone": "tel", "postcode": "postal-code"}
INPUT_TYPES = {"email": "email", "phone": "tel"}
INPUT_MODES = {
    "number": "decimal",
    "integer": "numeric",
    "money": "decimal",
    "postcode": "numeric",
}


@dataclass
class Item:
    kind: str
    key: str
    id: str
    label: str
    pointer: str = ""
    hint: str = ""
    required: bool = False
    error: str = ""
    value: str = ""
    values: list = field(default_factory=list)
    options: list = field(default_factory=list)
    children: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    autocomplete: str = ""
    input_type: str = "text"
    inputmode: str = ""
    widget: str = ""
    upload: Any = None
    accept: str = ""
    add_action: str = ""
    add_label: str = ""
    can_add: bool = False
    autofocus: bool = False
    extra_hint: str = ""
    context: str = ""  # e.g. "Fahrzeug 2" for a field inside a repeatable group entry
    readonly: bool = False  # confirmed by the citizen's ID (identity prefill)

    @property
    def template(self) -> str:
        return f"citizen/fields/{self.kind}.html"

    @property
    def add_id(self) -> str:
        return "btn-add-" + self.id[2:]

    @property
    def hint_id(self) -> str:
        return f"{self.id}-hint"

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"

    @property
    def describedby(self) -> str:
        ids = []
        if self.hint or self.extra_hint:
            ids.append(self.hint_id)
        if self.error:
            ids.append(self.error_id)
        return " ".join(ids)

    @property
    def anchor(self) -> str:
        if self.kind in ("boolean", "multichoice") or (
            self.kind == "choice" and self.widget == "radio"
        ):
            return f"{self.id}-0"
        if self.kind == "repeat" and self.entries and not self.error:
            return self.entries[0].id
        return self.id


@dataclass
class Entry:
    index: int
    id: str
    legend: str
    children: list
    remove_action: str
    remove_label: str
    can_remove: bool

    @property
    def remove_id(self) -> str:
        return "btn-remove-" + self.id[2:]


@dataclass
class Form:
    items: list
    error_list: list  # [(anchor or "", message)] in page order
    shown: list
    focus: str | None = None
    # text blocks of the step (`ui.blocks`): (id, before: field name or None = at the end, text)
    blocks: list = field(default_factory=list)

    @property
    def html(self) -> SafeString:
        """The fields' markup (rendered when the page template prints it), with the step's
        text blocks before their field (a block before a field not shown is not shown)."""
        if not self.blocks:
            return render_items(self.items)
        out: list[str] = []
        for name, item in zip(self.shown, self.items, strict=False):
            out += [_text_block(b) for b in self.blocks if b[1] == name]
            _render_item(item, out)
        out += [_text_block(b) for b in self.blocks if b[1] is None]
        return SafeString("".join(out))

    @property
    def has_repeat(self) -> bool:
        return any(i.kind == "repeat" for i in self.items)

    @property
    def has_upload(self) -> bool:
        def walk(items):
            for i in items:
                if i.kind == "upload":
                    return True
                if walk(i.children) or any(walk(e.children) for e in i.entries):
                    return True
            return False

        return walk(self.items)


def build_form(
    *,
    step,
    fields,
    data: dict,
    errors: dict[str, str],
    lang: str,
    uploads: dict,
    focus: str | None = None,
    extra_errors: list[str] | None = None,
    locked: Collection[str] = (),
) -> Form:
    """The step's form. `locked`: form keys confirmed by the ID, rendered read-only."""
    error_list: list = []
    used: set[str] = set()
    step_id = step.id
    items = [
        _item(
            f, data.get(f.name), [f.name], errors, lang, uploads, error_list, used, focus, step_id
        )
        for f in fields
    ]
    if locked:
        _mark_locked(items, set(locked))
    error_list = [(i.anchor, _summary_text(i)) if a is None else (a, i) for a, i in error_list]
    for key, message in errors.items():
        if key not in used:
            error_list.append(("", message))
    for message in extra_errors or []:
        error_list.append(("", message))
    blocks = [(b.id, b.before, i18n(b.text, lang)) for b in getattr(step, "blocks", ())]
    return Form(
        items=items,
        error_list=error_list,
        shown=[f.name for f in fields],
        focus=focus,
        blocks=blocks,
    )


def _text_block(block: tuple) -> str:
    block_id, _before, text = block
    return f'<p class="kern-body app-text-block" id="textblock-{_e(block_id)}">{_e(text)}</p>'


def _mark_locked(items: list[Item], locked: set[str]) -> None:
    for item in items:
        if item.key in locked and item.kind not in ("group", "repeat", "upload"):
            item.readonly = True
            note = _("aus Ihrem Ausweis übernommen")
            item.extra_hint = f"{item.extra_hint} ({note})" if item.extra_hint else note
        _mark_locked(item.children, locked)


def _label(f, lang: str) -> str:
    return f.label(lang) if callable(getattr(f, "label", None)) else str(f.name)


def _hint(f, lang: str) -> str:
    text = f.help(lang) if callable(getattr(f, "help", None)) else ""
    if not text and isinstance(getattr(f, "ui", None), dict):
        text = i18n(f.ui.get("hint"), lang)
    return text or ""


def _item(f, value, path, errors, lang, uploads, error_list, used, focus, step_id) -> Item:  # noqa: C901
    key = _key(path)
    ui = f.ui if isinstance(getattr(f, "ui", None), dict) else {}
    item = Item(
        kind=f.type,
        key=key,
        id="f-" + "-".join(path),
        label=_label(f, lang),
        pointer="/" + "/".join([step_id, *path]),
        hint=_hint(f, lang),
        required=bool(f.required),
        error=errors.get(key, ""),
        autocomplete=ui.get("autocomplete") or AUTOCOMPLETE_DEFAULTS.get(f.type, ""),
        input_type=INPUT_TYPES.get(f.type, "text"),
        inputmode=INPUT_MODES.get(f.type, ""),
        widget=ui.get("widget", ""),
    )
    if item.error:
        used.add(key)
    if focus and focus == item.id:
        item.autofocus = True
    if f.type == "date":
        item.extra_hint = _("Format: TT.MM.JJJJ, zum Beispiel 24.12.2025")
    if f.type == "money":
        item.extra_hint = _("Betrag in Euro, zum Beispiel 1.234,56")
    if f.type == "iban":
        item.extra_hint = _("Zum Beispiel DE02 1203 0000 0000 2020 51")
    # Errors are listed in page order: a container's own error before its children's.
    if item.error:
        error_list.append((None, item))
    if f.type == "group":
        item.children = [
            _item(
                c,
                (value or {}).get(c.name) if isinstance(value, dict) else None,
                [*path, c.name],
                errors,
                lang,
                uploads,
                error_list,
                used,
                focus,
                step_id,
            )
            for c in f.children
        ]
    elif f.type == "repeat":
        entries = value if isinstance(value, list) else []
        count = max(len(entries), _min_items(f), 1 if not entries else 0)
        count = min(count, MAX_REPEAT)
        item_schema = f.schema.get("items", {}) if isinstance(f.schema, dict) else {}
        item_title = _schema_title(item_schema, lang) or item.label
        minimum = max(_min_items(f), 1 if f.required else 0)
        for i in range(count):
            entry_value = entries[i] if i < len(entries) and isinstance(entries[i], dict) else {}
            epath = [*path, str(i)]
            children = [
                _item(
                    c,
                    entry_value.get(c.name),
                    [*epath, c.name],
                    errors,
                    lang,
                    uploads,
                    error_list,
                    used,
                    focus,
                    step_id,
                )
                for c in f.children
            ]
            _set_context(children, f"{item_title} {i + 1}")
            entry_id = "f-" + "-".join(epath)
            if focus == entry_id and children:
                _first_input(children).autofocus = True
            item.entries.append(
                Entry(
                    index=i,
                    id=entry_id,
                    legend=f"{item_title} {i + 1}",
                    children=children,
                    remove_action=f"remove:{key}:{i}",
                    remove_label=i18n(ui.get("remove_label"), lang)
                    or _("%(item)s %(number)s entfernen") % {"item": item_title, "number": i + 1},
                    can_remove=count > minimum,
                )
            )
        item.add_action = f"add:{key}"
        item.add_label = i18n(ui.get("add_label"), lang) or _(
            "Weiteren Eintrag hinzufügen: %(item)s"
        ) % {"item": item_title}
        item.can_add = count < _max_items(f)
        if focus == item.id:
            item.autofocus = True
    elif f.type in ("choice", "multichoice", "boolean"):
        if f.type == "boolean":
            options = [(True, _("Ja")), (False, _("Nein"))]
        else:
            options = [(o[0], _option_label(o, lang)) for o in f.options]
        chosen = value if isinstance(value, list) else [value]
        for n, (opt_value, opt_label) in enumerate(options):
            item.options.append(
                {
                    "value": _option_value(opt_value),
                    "label": opt_label,
                    "id": f"{item.id}-{n}",
                    "checked": any(
                        c is not None
                        and not isinstance(c, Raw)
                        and c == opt_value
                        and type(c) is type(opt_value)
                        for c in chosen
                    ),
                }
            )
        if f.type == "choice" and item.widget not in ("radio", "select"):
            item.widget = "radio" if len(options) <= 6 else "select"
        if f.type == "boolean":
            item.widget = "radio"
    elif f.type == "upload":
        spec = f.upload or {}
        item.accept = ",".join(spec.get("media_types", []))
        if isinstance(value, str) and value in uploads:
            item.upload = uploads[value]
        if not item.hint:
            item.extra_hint = _upload_hint(spec)
    else:
        item.value = input_value(f.type, value)
    return item


def _set_context(items: list[Item], context: str) -> None:
    for child in items:
        child.context = child.context or context
        _set_context(child.children, context)


def _summary_text(item: Item) -> str:
    """The error as listed in the summary: says which field, also inside repeated entries."""
    label = "" if f"„{item.label}“" in item.error else item.label
    where = ", ".join(part for part in (item.context, label) if part)
    return f"{where}: {item.error}" if where else item.error


def _first_input(children: list[Item]) -> Item:
    first = children[0]
    if first.kind in ("group",) and first.children:
        return _first_input(first.children)
    return first


def _schema_title(schema: dict, lang: str) -> str:
    if not isinstance(schema, dict):
        return ""
    if lang != "de":
        en = schema.get("x-en") or {}
        if en.get("title"):
            return en["title"]
    return schema.get("title", "")


def _option_label(option, lang: str) -> str:
    value, label_de, *rest = option
    label_en = rest[0] if rest else None
    if lang != "de" and label_en:
        return label_en
    return label_de or str(value)


def _option_value(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _upload_hint(spec: dict) -> str:
    names = {
        "application/pdf": "PDF",
        "image/jpeg": "JPEG",
        "image/png": "PNG",
        "image/tiff": "TIFF",
        "image/gif": "GIF",
    }
    types = [names.get(t, t) for t in spec.get("media_types", [])]
    max_bytes = spec.get("max_bytes")
    parts = []
    if types:
        parts.append(_("Erlaubte Dateitypen: %(types)s.") % {"types": ", ".join(types)})
    if max_bytes:
        parts.append(_("Höchstens %(size)s MB.") % {"size": f"{max_bytes / 1048576:.0f}"})
    return " ".join(parts)


# --- HTML of the fields -----------------------------------------------------------------
#
# The field markup (KERN classes, labels, hints, errors, ARIA) is written here rather than
# in ~40 nested `{% include %}`s per page: the template engine spent about a millisecond
# per step page on them. Every text and attribute value goes through `_e` (the escaping
# of `{{ }}`). The page itself is still `templates/citizen/step.html`.


def _e(value) -> str:
    """What `{{ value }}` prints: escaped, unless already safe HTML."""
    if type(value) is str:
        return html_escape(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html_escape(str(value))


_INPUT_WIDTHS = {
    "date": "app-input--medium",
    "integer": "app-input--medium",
    "money": "app-input--medium",
    "number": "app-input--medium",
    "postcode": "kern-form-input__input--width-4",
}
_OPTIONAL = '<span class="kern-label__optional">– {}</span>'
_ERROR_ICON = (
    '<span class="kern-icon kern-icon--danger kern-icon--small" aria-hidden="true"></span>'
)


def render_items(items: list) -> SafeString:
    out: list[str] = []
    for item in items:
        _render_item(item, out)
    return SafeString("".join(out))


def _render_item(f: Item, out: list[str]) -> None:
    render = _RENDERERS.get(f.kind)
    if render is not None:
        render(f, out)
    else:
        # A field type registered elsewhere brings its own partial (context: `f`).
        out.append(get_template(f.template).render({"f": f}))


def _optional(f: Item) -> str:
    return "" if f.required else " " + _OPTIONAL.format(_e(_("optional")))


def _hint_error(f: Item, out: list[str]) -> None:
    if f.hint or f.extra_hint:
        space = " " if f.hint and f.extra_hint else ""
        out.append(
            f'<div class="kern-hint" id="{_e(f.hint_id)}">{_e(f.hint)}{space}{_e(f.extra_hint)}</div>'
        )
    out.append("\n")
    if f.error:
        out.append(
            f'<p class="kern-error" id="{_e(f.error_id)}" data-pointer="{_e(f.pointer)}">'
            f"{_ERROR_ICON}<span>{_e(f.error)}</span></p>"
        )
    out.append("\n")


def _html_label(f: Item, out: list[str]) -> None:
    out.append(f'<label class="kern-label" for="{_e(f.id)}">{_e(f.label)}{_optional(f)}</label>\n')
    _hint_error(f, out)


def _html_legend(f: Item, out: list[str]) -> None:
    out.append(f'<legend class="kern-label">{_e(f.label)}{_optional(f)}</legend>\n')
    _hint_error(f, out)


def _common_attrs(f: Item, describedby: str) -> str:
    """autocomplete, aria-describedby, aria-invalid, aria-required, autofocus (in this order)."""
    attrs = []
    if f.autocomplete:
        attrs.append(f' autocomplete="{_e(f.autocomplete)}"')
    if describedby:
        attrs.append(f' aria-describedby="{_e(describedby)}"')
    if f.error:
        attrs.append(' aria-invalid="true"')
    if f.required:
        attrs.append(' aria-required="true"')
    if f.autofocus:
        attrs.append(" autofocus")
    return "".join(attrs)


def _wrapper_open(f: Item) -> str:
    error = " kern-form-input--error" if f.error else ""
    return f'<div class="kern-form-input{error}" data-field="{_e(f.key)}">\n'


def _render_input(f: Item, out: list[str]) -> None:
    out.append(_wrapper_open(f))
    _html_label(f, out)
    width = _INPUT_WIDTHS.get(f.kind, "")
    classes = "kern-form-input__input"
    if f.error:
        classes += " kern-form-input__input--error"
    if width:
        classes += " " + width
    attrs = []
    if f.autocomplete:
        attrs.append(f' autocomplete="{_e(f.autocomplete)}"')
    if f.inputmode:
        attrs.append(f' inputmode="{_e(f.inputmode)}"')
    describedby = f.describedby
    if describedby:
        attrs.append(f' aria-describedby="{_e(describedby)}"')
    if f.error:
        attrs.append(' aria-invalid="true"')
    if f.required:
        attrs.append(' aria-required="true"')
    if f.autofocus:
        attrs.append(" autofocus")
    if f.kind == "iban":
        attrs.append(' spellcheck="false"')
    if f.readonly:
        attrs.append(" readonly")
    out.append(
        f'<input class="{classes}" type="{_e(f.input_type)}" id="{_e(f.id)}" name="{_e(f.key)}"'
        f' value="{_e(f.value)}"{"".join(attrs)}>\n</div>\n'
    )


def _render_textarea(f: Item, out: list[str]) -> None:
    out.append(_wrapper_open(f))
    _html_label(f, out)
    error = " kern-form-input__input--error" if f.error else ""
    out.append(
        f'<textarea class="kern-form-input__input{error}" id="{_e(f.id)}" name="{_e(f.key)}"'
        f' rows="5"{_common_attrs(f, f.describedby)}{" readonly" if f.readonly else ""}>'
        f"{_e(f.value)}</textarea>\n</div>\n"
    )


def _fieldset_open(f: Item, extra_class: str = "", tabindex: bool = False) -> str:
    error = " kern-fieldset--error" if f.error else ""
    describedby = f.describedby
    aria = f' aria-describedby="{_e(describedby)}"' if describedby else ""
    tab = ' tabindex="-1"' if tabindex else ""
    return (
        f'<fieldset class="kern-fieldset{extra_class}{error}" id="{_e(f.id)}"'
        f' data-field="{_e(f.key)}"{tab}{aria}>\n'
    )


def _render_checks(f: Item, out: list[str], kind: str, body_class: str) -> None:
    out.append(_fieldset_open(f))
    _html_legend(f, out)
    out.append(f'<div class="kern-fieldset__body{body_class}">\n')
    error_class = f" kern-form-check__{kind}--error" if f.error else ""
    invalid = ' aria-invalid="true"' if f.error else ""
    for n, o in enumerate(f.options):
        checked = " checked" if o["checked"] else ""
        focus = " autofocus" if f.autofocus and n == 0 else ""
        option_id = _e(o["id"])
        out.append(
            f'<div class="kern-form-check">\n<input class="kern-form-check__{kind}{error_class}"'
            f' type="{kind}" id="{option_id}" name="{_e(f.key)}" value="{_e(o["value"])}"'
            f'{checked}{invalid}{focus}>\n<label class="kern-label" for="{option_id}">'
            f"{_e(o['label'])}</label>\n</div>\n"
        )
    out.append("</div>\n</fieldset>\n")


def _render_radios(f: Item, out: list[str]) -> None:
    horizontal = len(f.options) <= 2 and f.kind == "boolean"
    _render_checks(f, out, "radio", " kern-fieldset__body--horizontal" if horizontal else "")


def _render_multichoice(f: Item, out: list[str]) -> None:
    _render_checks(f, out, "checkbox", "")


def _render_choice(f: Item, out: list[str]) -> None:
    if f.widget != "select":
        _render_radios(f, out)
        return
    out.append(_wrapper_open(f))
    _html_label(f, out)
    error = " kern-form-input__select--error" if f.error else ""
    options = "".join(
        f'<option value="{_e(o["value"])}"{" selected" if o["checked"] else ""}>'
        f"{_e(o['label'])}</option>"
        for o in f.options
    )
    out.append(
        f'<div class="kern-form-input__select-wrapper">\n<select class="kern-form-input__select'
        f'{error}" id="{_e(f.id)}" name="{_e(f.key)}"{_common_attrs(f, f.describedby)}>\n'
        f'<option value="">{_e(_("Bitte auswählen"))}</option>\n{options}\n</select>\n'
        "</div>\n</div>\n"
    )


def _render_group(f: Item, out: list[str]) -> None:
    out.append(_fieldset_open(f, " app-group"))
    _html_legend(f, out)
    out.append('<div class="kern-fieldset__body">\n')
    for child in f.children:
        _render_item(child, out)
    out.append("\n</div>\n</fieldset>\n")


def _render_repeat(f: Item, out: list[str]) -> None:
    out.append(_fieldset_open(f, " app-repeat", tabindex=True))
    _html_legend(f, out)
    out.append(
        f'<input type="hidden" name="{_e(f.key)}._count" value="{len(f.entries)}">\n'
        '<div class="kern-fieldset__body">\n'
    )
    for entry in f.entries:
        out.append(
            f'<fieldset class="kern-fieldset app-repeat__entry" id="{_e(entry.id)}">\n'
            f'<legend class="kern-label kern-label--large">{_e(entry.legend)}</legend>\n'
            '<div class="kern-fieldset__body">\n'
        )
        for child in entry.children:
            _render_item(child, out)
        out.append("\n</div>\n")
        if entry.can_remove:
            out.append(
                '<div class="kern-btn-wrapper">\n<button class="kern-btn kern-btn--tertiary'
                f' app-repeat__remove" type="submit" name="_action" value="{_e(entry.remove_action)}"'
                f' id="{_e(entry.remove_id)}"><span class="kern-icon kern-icon--delete"'
                f' aria-hidden="true"></span><span class="kern-label">{_e(entry.remove_label)}'
                "</span></button>\n</div>\n"
            )
        out.append("</fieldset>\n")
    if f.can_add:
        focus = " autofocus" if f.autofocus else ""
        out.append(
            '<div class="kern-btn-wrapper">\n<button class="kern-btn kern-btn--secondary'
            f' app-repeat__add" type="submit" name="_action" value="{_e(f.add_action)}"'
            f' id="{_e(f.add_id)}"{focus}><span class="kern-icon kern-icon--add"'
            f' aria-hidden="true"></span><span class="kern-label">{_e(f.add_label)}</span>'
            "</button>\n</div>\n"
        )
    out.append("</div>\n</fieldset>\n")


def _render_upload(f: Item, out: list[str]) -> None:
    out.append(_wrapper_open(f))
    upload = f.upload
    if upload:
        current = _("Hochgeladen: %(name)s (%(size)s)") % {
            "name": _e(upload.original_name),
            "size": _e(filesizeformat(upload.size)),
        }
        out.append(
            f'<p class="kern-body app-upload-current" id="{_e(f.id)}-current">\n'
            '<span class="kern-icon kern-icon--check kern-icon--small" aria-hidden="true"></span>\n'
            f"{current}\n</p>\n"
            f'<input type="hidden" name="{_e(f.key)}._keep" value="{_e(upload.ref)}">\n'
            f'<label class="kern-label" for="{_e(f.id)}">{_e(_("Datei ersetzen"))}: {_e(f.label)}'
            f" {_OPTIONAL.format(_e(_('optional')))}</label>\n"
        )
        _hint_error(f, out)
    else:
        _html_label(f, out)
    error = " kern-form-input__input--error" if f.error else ""
    attrs = []
    if f.accept:
        attrs.append(f' accept="{_e(f.accept)}"')
    describedby = f.describedby
    if describedby or upload:
        current_id = f"{f.id}-current " if upload else ""
        attrs.append(f' aria-describedby="{_e(current_id)}{_e(describedby)}"')
    if f.error:
        attrs.append(' aria-invalid="true"')
    if f.required and not upload:
        attrs.append(' aria-required="true"')
    if f.autofocus:
        attrs.append(" autofocus")
    out.append(
        f'<input class="kern-form-input__input{error}" type="file" id="{_e(f.id)}"'
        f' name="{_e(f.key)}"{"".join(attrs)}>\n</div>\n'
    )


_RENDERERS = {
    **dict.fromkeys(
        ("text", "email", "phone", "date", "integer", "number", "money", "postcode", "iban"),
        _render_input,
    ),
    "boolean": _render_radios,
    "choice": _render_choice,
    "multichoice": _render_multichoice,
    "textarea": _render_textarea,
    "group": _render_group,
    "repeat": _render_repeat,
    "upload": _render_upload,
}


def input_value(kind: str, value) -> str:
    """A stored answer as the text an input shows (German notation)."""
    if value is None:
        return ""
    if isinstance(value, Raw):
        return value.text
    if kind == "date":
        return date_de(value)
    if kind == "money":
        return str(value).replace(".", ",")
    if kind == "number":
        return number_de(value)
    return str(value)
