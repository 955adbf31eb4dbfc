"""Trust levels of an identification (§ 3 Abs. 4 OZG, BundID), for every layer.

They live here (not in `identity`) so that `catalog` (an activation's minimum level, the
admin's choices) can use them without importing the identity app, which sits above it.
`forms_engine.identity.base` re-exports them.

"basis" (Benutzername, STORK-QAA-Level-1) < "substanziell" (ELSTER, STORK-QAA-Level-3) <
"hoch" (Online-Ausweis, STORK-QAA-Level-4). "none" is below all of them and means "no
sign-in needed".
"""

from __future__ import annotations

LEVELS = ("none", "basis", "substanziell", "hoch")

LEVEL_LABELS = {
    "none": ("keine Anmeldung", "no sign-in"),
    "basis": ("basisregistriert (Benutzername und Passwort)", "basic (username and password)"),
    "substanziell": ("substanziell (zum Beispiel ELSTER-Zertifikat)", "substantial (e.g. ELSTER)"),
    "hoch": ("hoch (Online-Ausweis)", "high (online ID card)"),
}


def level_rank(level: str | None) -> int:
    """Position of `level` in LEVELS; unknown or empty levels count as "none"."""
    try:
        return LEVELS.index(level or "none")
    except ValueError:
        return 0


def level_satisfies(achieved: str | None, required: str | None) -> bool:
    """True if the `achieved` trust level is at least the `required` one."""
    return level_rank(achieved) >= level_rank(required)


def level_label(level: str, lang: str = "de") -> str:
    de, en = LEVEL_LABELS.get(level, LEVEL_LABELS["none"])
    return en if lang == "en" else de
