"""Colour contrast (WCAG 2.x): a municipality's colour must stay readable on white."""

from __future__ import annotations

import re

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: WCAG 2.1 level AA for normal text (success criterion 1.4.3).
MIN_TEXT_CONTRAST = 4.5


def relative_luminance(color: str) -> float:
    """The relative luminance of a `#rrggbb` colour (WCAG 2.x definition)."""
    if not HEX_COLOR.match(color or ""):
        raise ValueError(f"not a #rrggbb colour: {color!r}")
    channels = []
    for i in (1, 3, 5):
        value = int(color[i : i + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str = "#ffffff") -> float:
    """The contrast ratio of two `#rrggbb` colours, 1.0 to 21.0 (default: against white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
