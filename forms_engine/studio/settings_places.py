"""Where the settings pages show the place a JSON pointer names (for the editor's
`?pointer=` resolution and any other "go to the place" link).

`settings_place_url(version, pointer)` gives the page and anchor for pointers in the
settings' areas and None for everything else (steps, fields, fees, tests: the editor's)."""

from __future__ import annotations

from django.urls import reverse

from forms_engine.definitions import pointers

from . import settings_edit as edit

_SETTING_KEYS = (
    "title",
    "summary",
    "reference_prefix",
    "leika",
    "identity",
    "schriftform",
    "applicant",
    "retention",
    "version",
)


def settings_place_url(version, pointer: str) -> str | None:
    """`/parameters/gebuehr/default` → the parameters page with that parameter's form,
    `/rules/2/check` → the rules page with rule 2's form, `/computed/x` → value x's form,
    `/declarations/1/text` → that declaration, `/identity/prefill/…` → the prefill choices,
    `/payment/policy` and the other settings → their section; None when not a setting."""
    parts = pointers.split(pointer or "")
    if not parts:
        return None
    head, doc = parts[0], version.definition if isinstance(version.definition, dict) else {}

    def url(name: str, suffix: str) -> str:
        return reverse(name, args=[version.pk]) + suffix

    if head == "parameters":
        if len(parts) > 1 and parts[1] in edit._dict(doc.get("parameters")):
            return url("studio:parameters", f"?name={parts[1]}#param-form")
        return url("studio:parameters", "#param-form")
    if head == "rules":
        if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(edit.rules_of(doc)):
            return url("studio:rules", f"?regel={parts[1]}#rule-form")
        return url("studio:rules", "#rules-title")
    if head == "computed":
        if len(parts) > 1 and parts[1] in edit._dict(doc.get("computed")):
            return url("studio:rules", f"?wert={parts[1]}#rule-form")
        return url("studio:rules", "#computed-title")
    if head == "declarations":
        items = edit.declarations_of(doc)
        if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(items):
            return url("studio:declarations", f"#decl-{items[int(parts[1])].get('id', '')}")
        return url("studio:declarations", "#main")
    if head == "identity" and parts[1:2] == ["prefill"]:
        return url("studio:settings", "#setting-prefill")
    if head == "payment" and parts[1:2] == ["policy"]:
        return url("studio:settings", "#setting-payment")
    if head in _SETTING_KEYS:
        return url("studio:settings", f"#setting-{head}")
    return None
