"""German (or English) display of answers: inputs, the summary, fees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _


def i18n(text, lang: str) -> str:
    """An i18n object {"de": …, "en": …} in the wanted language, German as fallback."""
    if not text:
        return ""
    if isinstance(text, str):
        return text
    if isinstance(text, dict):
        return text.get(lang) or text.get("de") or next(iter(text.values()), "")
    return str(text)


def date_de(iso: str) -> str:
    try:
        return dt.date.fromisoformat(iso).strftime("%d.%m.%Y")
    except (TypeError, ValueError):
        return str(iso)


def _group_thousands(integer: str, sep: str) -> str:
    out = []
    while len(integer) > 3:
        out.insert(0, integer[-3:])
        integer = integer[:-3]
    out.insert(0, integer)
    return sep.join(out)


def money(amount, lang: str = "de") -> str:
    """96 -> "96,00 €" (German) or "€96.00" (English)."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(amount)
    sign = "-" if value < 0 else ""
    integer, _dot, cents = f"{abs(value):.2f}".partition(".")
    if lang == "en":
        return f"{sign}€{_group_thousands(integer, ',')}.{cents}"
    return f"{sign}{_group_thousands(integer, '.')},{cents} €"


def number_de(value, lang: str = "de") -> str:
    text = str(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return text.replace(".", ",") if lang == "de" else text


def display_value(field, value, lang: str, uploads: dict) -> str:
    """One answer for the summary, in the citizen's language."""
    kind = field.type
    if value is None or value == "" or value == []:
        return "–"
    if kind == "boolean":
        return _("Ja") if value is True else _("Nein") if value is False else str(value)
    if kind == "date":
        return date_de(value) if lang == "de" else str(value)
    if kind == "money":
        return money(value, lang)
    if kind in ("number", "integer"):
        return number_de(value, lang)
    if kind in ("choice", "multichoice"):
        labels = {}
        for option in field.options:
            opt_value, label_de, *rest = option
            label_en = rest[0] if rest else None
            labels[opt_value] = (label_en if lang != "de" and label_en else label_de) or str(
                opt_value
            )
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, str(v)) for v in values)
    if kind == "upload":
        upload = uploads.get(value)
        return upload.original_name if upload is not None else _("Datei hochgeladen")
    return str(value)
