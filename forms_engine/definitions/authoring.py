"""Authoring checks: accessibility and plain-language findings on a process definition.

Contract: `authoring_findings(doc) -> list[Finding]`. Pure, never raises, whatever `doc` is
(a malformed document simply gives fewer findings; `check_definition` reports its problems).
A finding never refuses a definition: the studio shows it as a warning before publishing,
with a link to `pointer` (a JSON pointer into the definition, the place to change).

Each `Finding` has a stable `code` (see `AUTHORING_CODES` and docs/process-format.md,
"Authoring checks"), a German `message` and an English `message_en` saying what is wrong at
that place, and a short "what to do" in German (`hint`) and English (`hint_en`).

Heuristics (thresholds are constants below):
- formatted fields: the citizen page already shows a format hint for `date`, `money` and
  `iban` (and the size and types of an upload); `phone`, `postcode-de` and text fields with
  a `pattern` need a help text (`description` or `ui.fields.<f>.hint`) saying what to type;
  an `email` field needs one only when its label does not say "Mail";
- choices: an explicit `widget: radio` with more than 10 options, a select list (more than
  6 options or `widget: select`) with more than 50, checkboxes with more than 15;
- labels (fields, options, steps, fees, the process title, repeat labels) over 80
  characters; sentences over 25 words in help texts, descriptions, the summary and
  declarations (German and English);
- English is "offered" when the process title has a non-empty `en`; then every text a
  citizen reads needs its English version (`en`, or `x-en` in schemas);
- "conditionally required but looks optional": a field named in a `required` inside
  `then`/`else` or an `anyOf`/`oneOf` branch of its object, but not in the object's own
  `required`, is shown as "optional" and refused under the condition. A field under a
  step's or field's `when` is fine (it is shown only when its condition holds and then
  marked like any other). The finding stays silent when the field's label or help says
  when it is needed ("wenn", "falls", "sofern", "Pflicht", "erforderlich", …). A required
  field whose label says "(freiwillig)" or "(optional)" is reported too;
- conditions (`when` of steps, fields and fees) that hold although the answer they test is
  missing: each `properties` entry not named in `required` next to it (outside `not` and
  `if`) is tried with `jsonschema` on answers where that entry is absent (its parents
  present, empty); a `when` that is `true`/`{}` always holds;
- uploads without `max_bytes`, or with archives / arbitrary bytes / more than 6 types;
- steps with more than 15 input fields (fields of groups and of one repeat item counted).
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema

from . import pointers
from .fields import build_fields, choice_options, field_type, resolve

AUTHORING_CODES = (
    "format_hint_missing",
    "radio_too_many_options",
    "select_too_many_options",
    "checkboxes_too_many_options",
    "label_too_long",
    "sentence_too_long",
    "english_missing",
    "conditional_required_looks_optional",
    "optional_label_on_required",
    "condition_true_when_empty",
    "upload_size_missing",
    "upload_types_broad",
    "step_too_many_fields",
)

MAX_RADIO_OPTIONS = 10
MAX_SELECT_OPTIONS = 50
MAX_CHECKBOX_OPTIONS = 15
DEFAULT_RADIO_UP_TO = 6  # docs/process-format.md: radio up to 6 options, select above
MAX_LABEL_CHARS = 80
MAX_SENTENCE_WORDS = 25
MAX_STEP_FIELDS = 15
MAX_UPLOAD_TYPES = 6
BROAD_MEDIA_TYPES = frozenset(
    {
        "application/octet-stream",
        "application/zip",
        "application/x-zip-compressed",
        "application/x-7z-compressed",
        "application/x-rar-compressed",
        "application/vnd.rar",
        "application/x-tar",
        "application/gzip",
        "application/x-gzip",
        "multipart/mixed",
    }
)

_MAX_DEPTH = 32
_MAX_CONDITION_PATHS = 40
_OPTIONAL_LABEL = re.compile(r"\((freiwillig|optional)\)|\b(freiwillig|optional)\s*$", re.I)
_EXPLAINS_CONDITION = re.compile(
    r"\b(wenn|falls|sofern|soweit|nur bei|nur für|pflicht\w*|erforderlich|notwendig|nötig|"
    r"benötigt|if|when|only for|required|mandatory)\b",
    re.I,
)
_SAYS_FORMAT = re.compile(
    r"\d|beispiel|z\.\s?b\.|format|ziffer|zeichen|buchstabe|stellig|stellen|muster", re.I
)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
_WORD = re.compile(r"\S*[\w\d]\S*")


@dataclass(frozen=True)
class Finding:
    """One authoring finding (see the module docstring): where, what, what to do."""

    pointer: str
    code: str
    message: str
    message_en: str
    hint: str = ""
    hint_en: str = ""

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"

    def text(self, lang: str = "de") -> str:
        return self.message_en if lang == "en" and self.message_en else self.message


def authoring_findings(doc: Any) -> list[Finding]:
    """Accessibility and plain-language findings on `doc` (see the module docstring)."""
    if not isinstance(doc, dict):
        return []
    try:
        return _Auditor(doc).run()
    except Exception:  # noqa: BLE001 - advice only; a malformed doc is check_definition's job
        return []


# --- small helpers ------------------------------------------------------------------------


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) and value.strip() else ""


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _longest_sentence(text: str) -> tuple[int, str]:
    best = (0, "")
    for sentence in _SENTENCE_END.split(text):
        words = len(_WORD.findall(sentence))
        if words > best[0]:
            best = (words, sentence.strip())
    return best


def _required(schema: dict) -> set[str]:
    return {r for r in _list(schema.get("required")) if isinstance(r, str)}


# --- the auditor --------------------------------------------------------------------------


class _Auditor:
    def __init__(self, doc: dict):
        self.doc = doc
        self.defs = _dict(doc.get("$defs"))
        self.english = bool(_text(_dict(doc.get("title")).get("en")))
        self.findings: dict[tuple[str, str], Finding] = {}
        self.step_ids = [
            s["id"] for s in _list(doc.get("steps")) if isinstance(s, dict) and _text(s.get("id"))
        ]

    def add(self, code: str, pointer: str, de: str, en: str, hint_de: str, hint_en: str):
        key = (code, pointer)
        if key not in self.findings:
            self.findings[key] = Finding(pointer, code, de, en, hint_de, hint_en)

    def run(self) -> list[Finding]:
        self._guarded(self._process_texts)
        for index, step in enumerate(_list(self.doc.get("steps"))):
            if isinstance(step, dict):
                self._guarded(self._step, index, step)
        fees = _list(_dict(self.doc.get("payment")).get("fees"))
        for index, fee in enumerate(fees):
            if isinstance(fee, dict):
                self._guarded(self._fee, index, fee)
        for index, declaration in enumerate(_list(self.doc.get("declarations"))):
            if isinstance(declaration, dict):
                self._guarded(self._declaration, index, declaration)
        return list(self.findings.values())

    def _guarded(self, method, *args) -> None:
        # one unreadable part must not hide the findings on the others
        with contextlib.suppress(Exception):
            method(*args)

    # --- texts --------------------------------------------------------------------------

    def _i18n(self, pointer: str, value: Any, what_de: str, what_en: str, *, label=False):
        """An i18n object `{"de", "en"}`: English offered but missing, length, sentences."""
        if not isinstance(value, dict):
            return
        german = _text(value.get("de"))
        english = _text(value.get("en"))
        if german and self.english and not english:
            self._english_missing(pointer, what_de, what_en, german, '"en"')
        for lang, text in (("de", german), ("en", english)):
            if not text:
                continue
            if label:
                self._label_length(f"{pointer}/{lang}", text)
            else:
                self._sentences(f"{pointer}/{lang}", text, lang)

    def _english_missing(self, pointer, what_de, what_en, german, key):
        self.add(
            "english_missing",
            pointer,
            f"Der Prozess bietet Englisch an, aber {what_de} „{_short(german)}“ hat keine "
            "englische Fassung.",
            f"The process offers English, but {what_en} '{_short(german)}' has no English version.",
            f"Ergänzen Sie den englischen Text ({key}). Sonst sehen englischsprachige "
            "Nutzerinnen und Nutzer hier Deutsch.",
            f"Add the English text ({key}). Otherwise people using English see German here.",
        )

    def _label_length(self, pointer: str, text: str):
        if len(text) <= MAX_LABEL_CHARS:
            return
        self.add(
            "label_too_long",
            pointer,
            f"Die Bezeichnung ist {len(text)} Zeichen lang (mehr als {MAX_LABEL_CHARS}): "
            f"„{_short(text)}“.",
            f"The label is {len(text)} characters long (more than {MAX_LABEL_CHARS}): "
            f"'{_short(text)}'.",
            "Kürzen Sie die Bezeichnung auf das Wesentliche und erklären Sie Einzelheiten im "
            "Hilfetext.",
            "Shorten the label to the essentials and explain details in the help text.",
        )

    def _sentences(self, pointer: str, text: str, lang: str):
        words, sentence = _longest_sentence(text)
        if words <= MAX_SENTENCE_WORDS:
            return
        self.add(
            "sentence_too_long",
            pointer,
            f"Ein Satz hat {words} Wörter (mehr als {MAX_SENTENCE_WORDS}): „{_short(sentence)}“.",
            f"A sentence has {words} words (more than {MAX_SENTENCE_WORDS}): '{_short(sentence)}'.",
            "Teilen Sie den Satz in kürzere Sätze: eine Aussage pro Satz (Einfache Sprache).",
            "Split the sentence into shorter ones: one statement per sentence (plain language).",
        )

    def _process_texts(self):
        self._i18n("/title", self.doc.get("title"), "der Titel", "the title", label=True)
        self._i18n("/summary", self.doc.get("summary"), "die Kurzbeschreibung", "the summary")

    # --- steps --------------------------------------------------------------------------

    def _step(self, index: int, step: dict):
        pointer = f"/steps/{index}"
        self._i18n(
            f"{pointer}/title", step.get("title"), "der Schritttitel", "the step title", label=True
        )
        self._i18n(
            f"{pointer}/description",
            step.get("description"),
            "die Schrittbeschreibung",
            "the step description",
        )
        if "when" in step:
            self._condition(f"{pointer}/when", step.get("when"))
        ui_fields = _dict(_dict(step.get("ui")).get("fields"))
        for name, entry in ui_fields.items():
            if isinstance(entry, dict):
                self._ui_entry(f"{pointer}/ui/fields/{pointers.escape(name)}", entry)
        for j, block in enumerate(_list(_dict(step.get("ui")).get("blocks"))):
            text = _dict(block).get("text")
            self._i18n(f"{pointer}/ui/blocks/{j}/text", text, "der Textblock", "the text block")
        schema = step.get("schema")
        self._object(schema, f"{pointer}/schema", ui_fields, f"{pointer}/ui/fields", 0)
        self._field_count(pointer, schema, ui_fields)

    def _ui_entry(self, pointer: str, entry: dict):
        if "when" in entry:
            self._condition(f"{pointer}/when", entry.get("when"))
        self._i18n(f"{pointer}/hint", entry.get("hint"), "der Hilfetext", "the help text")
        for key, de, en in (
            ("add_label", "die Beschriftung „hinzufügen“", "the 'add' label"),
            ("remove_label", "die Beschriftung „entfernen“", "the 'remove' label"),
        ):
            self._i18n(f"{pointer}/{key}", entry.get(key), de, en, label=True)

    def _field_count(self, pointer: str, schema: Any, ui_fields: dict):
        def leaves(fields) -> int:
            return sum(leaves(f.children) if f.children else 1 for f in fields)

        count = leaves(build_fields(_dict(schema), self.defs, ui_fields))
        if count <= MAX_STEP_FIELDS:
            return
        self.add(
            "step_too_many_fields",
            pointer,
            f"Der Schritt hat {count} Eingabefelder (mehr als {MAX_STEP_FIELDS}).",
            f"The step has {count} input fields (more than {MAX_STEP_FIELDS}).",
            "Teilen Sie den Schritt in mehrere Schritte mit je einem Thema; lange Seiten "
            "überfordern viele Menschen.",
            "Split the step into several steps with one topic each; long pages overwhelm "
            "many people.",
        )

    # --- schemas and fields ---------------------------------------------------------------

    def _target(self, schema: Any, pointer: str) -> tuple[Any, str]:
        """Follow a `$ref` to its target and its pointer (`/$defs/<name>`)."""
        for _ in range(_MAX_DEPTH):
            if not isinstance(schema, dict):
                break
            ref = schema.get("$ref")
            if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
                break
            name = ref.removeprefix("#/$defs/")
            if not isinstance(self.defs.get(name), dict):
                break
            schema, pointer = self.defs[name], f"/$defs/{pointers.escape(name)}"
        return schema, pointer

    def _origin(self, raw: Any, pointer: str, keys: tuple[str, ...]) -> str:
        """Where the keys that matter are written: at the field itself if it has any of them,
        else in the `$ref` target (so a shared field is reported once, at `$defs`)."""
        for _ in range(_MAX_DEPTH):
            if not isinstance(raw, dict) or any(k in raw for k in keys) or "$ref" not in raw:
                return pointer
            target, target_pointer = self._target({"$ref": raw["$ref"]}, pointer)
            if target_pointer == pointer:
                return pointer
            ref = raw["$ref"]
            name = ref.removeprefix("#/$defs/") if isinstance(ref, str) else ""
            raw, pointer = self.defs.get(name), f"/$defs/{pointers.escape(name)}"
        return pointer

    def _merged(self, raw: Any) -> dict:
        """The field's schema with `$ref`s followed (siblings over the target)."""
        merged = resolve(raw, self.defs)
        return merged if isinstance(merged, dict) else {}

    def _object(self, raw: Any, pointer: str, ui_fields: dict, ui_pointer: str, depth: int):
        """The fields of an object schema (a step, a group, one item of a repeat)."""
        if depth > _MAX_DEPTH:
            return
        merged = self._merged(raw)
        holder, holder_pointer = (
            (raw, pointer) if "properties" in _dict(raw) else self._target(raw, pointer)
        )
        properties = _dict(_dict(holder).get("properties"))
        required = _required(merged)
        for name, field_raw in properties.items():
            field_pointer = f"{holder_pointer}/properties/{pointers.escape(name)}"
            ui = _dict(ui_fields.get(name))
            ui_at = f"{ui_pointer}/{pointers.escape(name)}" if ui_pointer else ""
            self._field(field_raw, field_pointer, ui, ui_at, name in required, depth)
        self._conditional_required(merged, properties, holder_pointer, ui_fields)

    def _field(self, raw: Any, pointer: str, ui: dict, ui_pointer: str, required: bool, depth):
        schema = self._merged(raw)
        if not schema:
            return
        kind = field_type(schema, ui, self.defs)
        title = _text(schema.get("title"))
        at_title = self._origin(raw, pointer, ("title",))
        self._texts_of_schema(raw, pointer)
        self._own_texts_over_ref(raw, pointer)
        help_de = _text(schema.get("description")) or _text(_dict(ui.get("hint")).get("de"))
        self._format_hint(
            kind,
            schema,
            title,
            help_de,
            self._origin(raw, pointer, ("format", "pattern", "description")),
        )
        if required and _OPTIONAL_LABEL.search(title):
            self.add(
                "optional_label_on_required",
                at_title,
                f"Das Feld „{_short(title)}“ ist Pflicht, die Bezeichnung sagt aber "
                "„freiwillig“ oder „optional“.",
                f"The field '{_short(title)}' is required, but its label says 'optional'.",
                "Nehmen Sie „(freiwillig)“ aus der Bezeichnung oder nehmen Sie das Feld aus "
                "„required“. Freiwillige Felder kennzeichnet die Seite selbst als „optional“.",
                "Remove '(optional)' from the label or remove the field from 'required'. "
                "The page marks optional fields as 'optional' itself.",
            )
        if kind in ("choice", "multichoice"):
            self._choices(raw, pointer, schema, kind, ui, title)
        elif kind == "upload":
            self._upload(self._origin(raw, pointer, ("x-upload",)), schema, title)
        elif kind == "group":
            self._object(raw, pointer, {}, "", depth + 1)
        elif kind == "repeat":
            holder, holder_pointer = (
                (raw, pointer) if "items" in _dict(raw) else self._target(raw, pointer)
            )
            items = _dict(holder).get("items")
            items_pointer = f"{holder_pointer}/items"
            self._texts_of_schema(items, items_pointer, help_too=False)
            self._object(items, items_pointer, {}, "", depth + 1)

    def _own_texts_over_ref(self, raw: Any, pointer: str):
        """`{"$ref": …, "title": "Ihre PLZ"}` without its own `x-en.title` would show the
        shared definition's English label next to its own German one."""
        if not self.english or not isinstance(raw, dict) or "$ref" not in raw:
            return
        own_en = _dict(raw.get("x-en"))
        for key, what_de, what_en in (
            ("title", "die Bezeichnung", "the label"),
            ("description", "der Hilfetext", "the help text"),
        ):
            german = _text(raw.get(key))
            if german and not _text(own_en.get(key)):
                self._english_missing(
                    f"{pointer}/{key}", what_de, what_en, german, f'"x-en": {{"{key}": …}}'
                )

    def _texts_of_schema(self, raw: Any, pointer: str, help_too: bool = True):
        """`title`/`description` and their `x-en`: English, length, sentences. Each at the
        place it is written (the field, or the `$defs` entry it takes it from)."""
        schema = self._merged(raw)
        title = _text(schema.get("title"))
        x_en = _dict(schema.get("x-en"))
        title_en = _text(x_en.get("title"))
        at_en = self._origin(raw, pointer, ("x-en",))
        if title:
            self._label_length(f"{self._origin(raw, pointer, ('title',))}/title", title)
            if self.english and not title_en:
                self._english_missing(
                    f"{self._origin(raw, pointer, ('title', 'x-en'))}/title",
                    "die Bezeichnung",
                    "the label",
                    title,
                    '"x-en": {"title": …}',
                )
        if title_en:
            self._label_length(f"{at_en}/x-en/title", title_en)
        if not help_too:
            return
        description = _text(schema.get("description"))
        description_en = _text(x_en.get("description"))
        if description:
            at_de = self._origin(raw, pointer, ("description",))
            self._sentences(f"{at_de}/description", description, "de")
            if self.english and not description_en:
                self._english_missing(
                    f"{self._origin(raw, pointer, ('description', 'x-en'))}/description",
                    "der Hilfetext",
                    "the help text",
                    description,
                    '"x-en": {"description": …}',
                )
        if description_en:
            self._sentences(f"{at_en}/x-en/description", description_en, "en")

    def _format_hint(self, kind: str, schema: dict, title: str, help_de: str, pointer: str):
        strict = kind == "postcode" or (kind in ("text", "textarea") and "pattern" in schema)
        if help_de and (not strict or _SAYS_FORMAT.search(help_de)):
            return
        if kind in ("phone", "postcode"):
            what_de = {"phone": "eine Telefonnummer", "postcode": "eine Postleitzahl"}[kind]
            what_en = {"phone": "a phone number", "postcode": "a postcode"}[kind]
        elif kind in ("text", "textarea") and _text(schema.get("pattern")):
            what_de, what_en = "eine Angabe in einem festen Muster", "an entry in a fixed pattern"
        elif kind == "email" and "mail" not in title.lower():
            what_de, what_en = "eine E-Mail-Adresse", "an e-mail address"
        else:
            return  # date, money and iban: the citizen page shows the format itself
        name = _short(title) or pointer
        self.add(
            "format_hint_missing",
            pointer,
            f"Das Feld „{name}“ verlangt {what_de}, sagt aber nicht, in welcher Form "
            "(kein Hilfetext mit Format oder Beispiel).",
            f"The field '{name}' asks for {what_en} but does not say in which form "
            "(no help text with a format or an example).",
            "Schreiben Sie in den Hilfetext („description“), was erwartet wird, mit einem "
            "Beispiel (etwa „5 Ziffern, zum Beispiel 10115“).",
            "Say in the help text ('description') what is expected, with an example "
            "(e.g. '5 digits, for example 10115').",
        )

    def _choices(self, raw: Any, pointer: str, schema: dict, kind: str, ui: dict, title: str):
        if kind == "choice":
            source, source_at = schema, self._origin(raw, pointer, ("oneOf", "anyOf", "enum"))
        else:
            holder, holder_pointer = (
                (raw, pointer) if "items" in _dict(raw) else self._target(raw, pointer)
            )
            source = self._merged(_dict(holder).get("items"))
            source_at = self._origin(
                _dict(holder).get("items"), f"{holder_pointer}/items", ("oneOf", "anyOf", "enum")
            )
        options = choice_options(source)
        count = len(options)
        name = _short(title) or pointer
        widget = ui.get("widget")
        if kind == "choice" and widget == "radio" and count > MAX_RADIO_OPTIONS:
            self.add(
                "radio_too_many_options",
                pointer,
                f"Das Feld „{name}“ zeigt {count} Optionsfelder (mehr als {MAX_RADIO_OPTIONS}).",
                f"The field '{name}' shows {count} radio buttons (more than {MAX_RADIO_OPTIONS}).",
                "Lassen Sie „widget: radio“ weg (ab 7 Möglichkeiten wird eine Auswahlliste "
                "gezeigt) oder fassen Sie Möglichkeiten zusammen.",
                "Drop 'widget: radio' (from 7 options on a select list is shown) or combine "
                "options.",
            )
        is_select = widget == "select" or (not widget and count > DEFAULT_RADIO_UP_TO)
        if kind == "choice" and is_select and count > MAX_SELECT_OPTIONS:
            self.add(
                "select_too_many_options",
                pointer,
                f"Die Auswahlliste „{name}“ hat {count} Einträge (mehr als {MAX_SELECT_OPTIONS}).",
                f"The select list '{name}' has {count} entries (more than {MAX_SELECT_OPTIONS}).",
                "Lange Listen sind mit Tastatur und Screenreader mühsam. Fragen Sie in zwei "
                "Schritten (erst eine Gruppe, dann den Eintrag) oder als Text mit Prüfung.",
                "Long lists are tedious with a keyboard and a screen reader. Ask in two "
                "steps (a group first, then the entry) or as text with a check.",
            )
        if kind == "multichoice" and count > MAX_CHECKBOX_OPTIONS:
            self.add(
                "checkboxes_too_many_options",
                pointer,
                f"Das Feld „{name}“ zeigt {count} Kontrollkästchen (mehr als "
                f"{MAX_CHECKBOX_OPTIONS}).",
                f"The field '{name}' shows {count} checkboxes (more than {MAX_CHECKBOX_OPTIONS}).",
                "Fassen Sie Möglichkeiten zusammen oder teilen Sie die Frage auf.",
                "Combine options or split the question.",
            )
        alternatives_key = "oneOf" if isinstance(source.get("oneOf"), list) else "anyOf"
        alternatives = _list(source.get(alternatives_key))
        missing = []
        for index, option in enumerate(alternatives):
            if not isinstance(option, dict):
                continue
            label = _text(option.get("title"))
            label_en = _text(_dict(option.get("x-en")).get("title"))
            option_at = f"{source_at}/{alternatives_key}/{index}"
            if label:
                self._label_length(f"{option_at}/title", label)
                if self.english and not label_en:
                    missing.append(label)
        if missing:
            shown = ", ".join(f"„{_short(m, 30)}“" for m in missing[:3])
            shown_en = ", ".join(f"'{_short(m, 30)}'" for m in missing[:3])
            more = f" und {len(missing) - 3} weitere" if len(missing) > 3 else ""
            more_en = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            self.add(
                "english_missing",
                f"{source_at}/{alternatives_key}",
                f"Der Prozess bietet Englisch an, aber {len(missing)} Auswahlmöglichkeit(en) "
                f"von „{name}“ haben keine englische Fassung: {shown}{more}.",
                f"The process offers English, but {len(missing)} option(s) of '{name}' have "
                f"no English version: {shown_en}{more_en}.",
                'Ergänzen Sie bei jeder Möglichkeit "x-en": {"title": …}.',
                'Add "x-en": {"title": …} to every option.',
            )

    def _upload(self, pointer: str, schema: dict, title: str):
        spec = _dict(schema.get("x-upload"))
        name = _short(title) or pointer
        if "max_bytes" not in spec:
            self.add(
                "upload_size_missing",
                f"{pointer}/x-upload",
                f"Das Hochladefeld „{name}“ nennt keine höchste Dateigröße („max_bytes“); es "
                "gilt die Obergrenze der Installation.",
                f"The upload field '{name}' names no largest file size ('max_bytes'); the "
                "installation's limit applies.",
                "Setzen Sie „max_bytes“ passend zum Dokument (etwa 10 MB für Scans), damit "
                "die Seite die Grenze nennt, bevor jemand hochlädt.",
                "Set 'max_bytes' to fit the document (e.g. 10 MB for scans) so that the page "
                "names the limit before anyone uploads.",
            )
        types = [t for t in _list(spec.get("media_types")) if isinstance(t, str)]
        broad = sorted(set(types) & BROAD_MEDIA_TYPES)
        if broad or len(types) > MAX_UPLOAD_TYPES:
            listed = ", ".join(broad) if broad else f"{len(types)}"
            self.add(
                "upload_types_broad",
                f"{pointer}/x-upload/media_types",
                f"Das Hochladefeld „{name}“ erlaubt sehr viele oder unprüfbare Dateiarten "
                f"({listed}).",
                f"The upload field '{name}' allows very many or uncheckable file types ({listed}).",
                "Erlauben Sie nur die Dateiarten, die die Sachbearbeitung öffnen kann, "
                "meist PDF, JPEG und PNG; Archive und beliebige Dateien lassen sich nicht "
                "prüfen.",
                "Allow only the file types the clerks can open, usually PDF, JPEG and PNG; "
                "archives and arbitrary files cannot be checked.",
            )

    # --- conditionally required ----------------------------------------------------------

    def _conditional_names(self, schema: Any, in_branch: bool, depth: int = 0) -> set[str]:
        """Names in a `required` that holds only under a condition (then/else/anyOf/oneOf)."""
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return set()
        names = _required(schema) if in_branch else set()
        for key in ("then", "else"):
            names |= self._conditional_names(schema.get(key), True, depth + 1)
        for sub in _list(schema.get("allOf")):
            names |= self._conditional_names(sub, in_branch, depth + 1)
        for key in ("anyOf", "oneOf"):
            for sub in _list(schema.get(key)):
                names |= self._conditional_names(sub, True, depth + 1)
        return names

    def _conditional_required(self, merged: dict, properties: dict, pointer: str, ui_fields):
        always = _required(merged)
        for name in sorted(self._conditional_names(merged, False) - always):
            if name not in properties:
                continue
            field_pointer = f"{pointer}/properties/{pointers.escape(name)}"
            schema = self._merged(properties[name])
            title = _text(schema.get("title"))
            said = " ".join(
                [
                    title,
                    _text(schema.get("description")),
                    _text(_dict(_dict(ui_fields.get(name)).get("hint")).get("de")),
                ]
            )
            if _EXPLAINS_CONDITION.search(said):
                continue
            shown = _short(title) or name
            self.add(
                "conditional_required_looks_optional",
                field_pointer,
                f"Das Feld „{shown}“ ist nur unter einer Bedingung Pflicht („if/then“ oder "
                "„anyOf“). Die Seite zeigt es als „optional“; wer es leer lässt, bekommt "
                "trotzdem einen Fehler.",
                f"The field '{shown}' is required only under a condition ('if/then' or "
                "'anyOf'). The page shows it as 'optional'; who leaves it empty still gets an "
                "error.",
                "Zeigen Sie das Feld nur, wenn es gebraucht wird („ui.fields.<Feld>.when“), "
                "und nehmen Sie es in „required“ auf, oder sagen Sie im Hilfetext, wann es "
                "nötig ist.",
                "Show the field only when it is needed ('ui.fields.<field>.when') and list "
                "it in 'required', or say in the help text when it is needed.",
            )

    # --- conditions -----------------------------------------------------------------------

    def _condition(self, pointer: str, condition: Any):
        trivial = condition is True or (
            isinstance(condition, dict)
            and not set(condition) - {"title", "description", "$comment"}
        )
        if trivial:
            self.add(
                "condition_true_when_empty",
                pointer,
                "Diese Bedingung ist immer erfüllt.",
                "This condition always holds.",
                "Nennen Sie, was gelten muss (etwa "
                '{"properties": {"schritt": {"properties": {"feld": {"const": true}}, '
                '"required": ["feld"]}}, "required": ["schritt"]}), oder lassen Sie „when“ weg.',
                "Say what must hold (e.g. "
                '{"properties": {"step": {"properties": {"field": {"const": true}}, '
                '"required": ["field"]}}, "required": ["step"]}), or drop \'when\'.',
            )
            return
        if not isinstance(condition, dict):
            return
        holds = []
        for path in itertools.islice(_unrequired_paths(condition), _MAX_CONDITION_PATHS):
            if len(holds) >= 3:
                break
            if _holds(condition, _absent(path)):
                holds.append(path)
        if not holds:
            return
        names = ", ".join("/".join(path) for path in holds)
        self.add(
            "condition_true_when_empty",
            pointer,
            f"Diese Bedingung ist auch erfüllt, wenn die geprüfte Angabe fehlt ({names}): "
            "„properties“ prüft eine Angabe nur, wenn es sie gibt.",
            f"This condition also holds when the answer it tests is missing ({names}): "
            "'properties' checks an answer only when it is there.",
            "Nennen Sie die geprüfte Angabe (und ihren Schritt) zusätzlich in „required“ "
            "neben „properties“.",
            "Also name the tested answer (and its step) in 'required' next to 'properties'.",
        )

    # --- fees and declarations ------------------------------------------------------------

    def _fee(self, index: int, fee: dict):
        pointer = f"/payment/fees/{index}"
        self._i18n(f"{pointer}/label", fee.get("label"), "die Gebühr", "the fee", label=True)
        if "when" in fee:
            self._condition(f"{pointer}/when", fee.get("when"))

    def _declaration(self, index: int, declaration: dict):
        self._i18n(
            f"/declarations/{index}/text",
            declaration.get("text"),
            "die Erklärung",
            "the declaration",
        )


def _unrequired_paths(schema: Any, prefix: tuple = (), depth: int = 0) -> Iterator[tuple]:
    """Paths of `properties` entries not named in the `required` beside them, outside `not`
    and `if` (where a missing answer makes the condition true, not false)."""
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return
    required = _required(schema)
    for name, sub in _dict(schema.get("properties")).items():
        if name not in required:
            yield (*prefix, name)
        yield from _unrequired_paths(sub, (*prefix, name), depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in _list(schema.get(key))[:_MAX_CONDITION_PATHS]:
            yield from _unrequired_paths(sub, prefix, depth + 1)
    for key in ("then", "else"):
        yield from _unrequired_paths(schema.get(key), prefix, depth + 1)


def _absent(path: tuple) -> dict:
    """Answers in which the last name of `path` is missing and its parents are empty."""
    answers: dict = {}
    node = answers
    for name in path[:-1]:
        node[name] = {}
        node = node[name]
    return answers


def _holds(condition: dict, answers: dict) -> bool:
    try:
        return bool(jsonschema.Draft202012Validator(condition).is_valid(answers))
    except Exception:  # noqa: BLE001 - an unresolvable $ref or a pattern Python cannot read
        return False
