"""Where a JSON pointer into a definition belongs in the editor (`?pointer=` on
`studio:editor`, and problems shown at their place).

| pointer | place |
|---|---|
| `/steps/<i>/schema/properties/<f>[/properties/<c> or /items/properties/<c>]…` | field page of `<f>` (`<f>/<c>` …), anchor `#feld-…` |
| `/steps/<i>/schema/required/<k>` | field named there, else the step |
| `/steps/<i>/ui/fields/<f>…` | field page of `<f>` |
| `/steps/<i>/when…` | step page, anchor `#bedingung` |
| `/steps/<i>…` (anything else) | step page, anchor `#schritt` |
| `/payment/fees/<i>…` | fee page |
| `/payment…` | fees page |
| `/parameters…` | `studio:parameters` |
| `/declarations…` | `studio:declarations` |
| `/tests…` | `studio:tests` |
| `/rules…`, `/computed…` | `studio:rules` |
| `/title`, `/summary`, `/identity`, `/applicant`, `/retention`, `/reference_prefix`, `/leika`, `/schriftform`, `/version`, `/id` | `studio:settings` |
| anything else (`/$defs`, `/`, unknown) | JSON view, anchor `#json` |

A page of another part that is not installed (NoReverseMatch) falls back to the JSON view.
The settings pages' anchors come from `settings_places.settings_place_url` (`#param-form`
with `?name=`, `?regel=`/`?wert=` with `#rule-form`, `#decl-<id>`, `#setting-<key>`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from forms_engine.definitions.pointers import split as split_pointer

from .settings_places import settings_place_url

SETTINGS_KEYS = {
    "title",
    "summary",
    "identity",
    "applicant",
    "retention",
    "reference_prefix",
    "leika",
    "schriftform",
    "version",
    "id",
    "$schema",
}
OTHER_PAGES = {
    "parameters": "studio:parameters",
    "declarations": "studio:declarations",
    "tests": "studio:tests",
    "rules": "studio:rules",
    "computed": "studio:rules",
}


@dataclass(frozen=True)
class Place:
    """`kind`: field | step | fee | fees | page | json; `step`/`fee` indices, `field` path."""

    kind: str
    step: int | None = None
    field: tuple[str, ...] = ()
    fee: int | None = None
    page: str = ""
    condition: bool = False
    pointer: str = ""  # for a page of the settings: its anchor (`settings_place_url`)


def _index(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 7 else None


def _field_path(parts: list[str]) -> tuple[str, ...]:
    """Field names from the parts after `schema` (`properties/a/items/properties/b/...`)."""
    path: list[str] = []
    i = 0
    while i + 1 < len(parts) and parts[i] == "properties":
        path.append(parts[i + 1])
        i += 2
        if i < len(parts) and parts[i] == "items":
            i += 1
    return tuple(path)


def place_of(doc, pointer: str) -> Place:
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        return Place("json")
    parts = split_pointer(pointer)
    if not parts:
        return Place("json")
    head = parts[0]
    if head == "steps" and len(parts) >= 2 and _index(parts[1]) is not None:
        step = _index(parts[1])
        steps = doc.get("steps") if isinstance(doc, dict) else None
        if not isinstance(steps, list) or step >= len(steps):
            return Place("json")
        rest = parts[2:]
        if rest[:1] == ["schema"]:
            if rest[1:2] == ["required"] and len(rest) >= 3:
                required = (steps[step].get("schema") or {}).get("required")
                k = _index(rest[2])
                if isinstance(required, list) and k is not None and k < len(required):
                    name = required[k]
                    props = (steps[step].get("schema") or {}).get("properties") or {}
                    if isinstance(name, str) and name in props:
                        return Place("field", step=step, field=(name,))
                return Place("step", step=step)
            path = _field_path(rest[1:])
            if path:
                return Place("field", step=step, field=path)
        if rest[:2] == ["ui", "fields"] and len(rest) >= 3:
            return Place("field", step=step, field=(rest[2],), condition=rest[3:4] == ["when"])
        return Place("step", step=step, condition=rest[:1] == ["when"])
    if head == "payment":
        if parts[1:2] == ["fees"] and len(parts) >= 3 and _index(parts[2]) is not None:
            return Place("fee", fee=_index(parts[2]), condition=parts[3:4] == ["when"])
        return Place("fees")
    if head in OTHER_PAGES:
        return Place("page", page=OTHER_PAGES[head], pointer=pointer)
    if head in SETTINGS_KEYS:
        return Place("page", page="studio:settings", pointer=pointer)
    return Place("json")


def field_anchor(path: tuple[str, ...]) -> str:
    return "feld-" + "-".join(path)


def place_url(version, place: Place) -> str:
    """The URL (with anchor) of a place in the editor of `version`."""
    vid = version.pk
    if place.kind == "field":
        try:
            url = reverse("studio:editor-field", args=[vid, place.step, "/".join(place.field)])
        except NoReverseMatch:  # a name that is no URL path segment
            return reverse("studio:editor-step", args=[vid, place.step]) + "#schritt"
        return url + ("#bedingung" if place.condition else "#feld")
    if place.kind == "step":
        anchor = "#bedingung" if place.condition else "#schritt"
        return reverse("studio:editor-step", args=[vid, place.step]) + anchor
    if place.kind == "fee":
        return reverse("studio:editor-fee", args=[vid, place.fee]) + "#gebuehr"
    if place.kind == "fees":
        return reverse("studio:editor-fees", args=[vid]) + "#zahlung"
    if place.kind == "page":
        try:
            found = settings_place_url(version, place.pointer) if place.pointer else None
            return found or reverse(place.page, args=[vid])
        except NoReverseMatch:
            pass
    return reverse("studio:editor-json", args=[vid]) + "#json"


def problems_by_place(doc, problems) -> dict:
    """Problems grouped: {"steps": {i: [...]}, "fields": {(i, path): [...]}, "fees": {i: [...]},
    "fees_page": [...], "other": [...]} — each problem in exactly one group."""
    groups: dict = {"steps": {}, "fields": {}, "fees": {}, "fees_page": [], "other": []}
    for problem in problems:
        place = place_of(doc, problem.pointer)
        if place.kind == "field":
            groups["fields"].setdefault((place.step, place.field), []).append(problem)
        elif place.kind == "step":
            groups["steps"].setdefault(place.step, []).append(problem)
        elif place.kind == "fee":
            groups["fees"].setdefault(place.fee, []).append(problem)
        elif place.kind == "fees":
            groups["fees_page"].append(problem)
        else:
            groups["other"].append(problem)
    return groups
