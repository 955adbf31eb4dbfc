"""The municipality profile's checks and its stylesheet: colour contrast, logo files, the
short name (path) and the own host name. Used by `Municipality.clean()` and the citizen
pages that serve the theme and the logo.

Messages are German / English in one string, as in the other `clean()` methods.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.parsers import expat

# --- colour -------------------------------------------------------------------------------

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
# WCAG 2.x 1.4.3 (Kontrast, Minimum): normal text needs 4.5:1. The colour is used for
# white text on buttons and as text on white, so it must reach that against white.
MIN_CONTRAST = 4.5


def normalize_hex(value: str) -> str | None:
    """`#rgb` or `#rrggbb` (any case) as lower-case `#rrggbb`; None when malformed."""
    value = (value or "").strip()
    if not _HEX.match(value):
        return None
    digits = value[1:].lower()
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return "#" + digits


def relative_luminance(color: str) -> float:
    """WCAG 2.x relative luminance of a `#rrggbb` colour (0 = black, 1 = white)."""

    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(color[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str = "#ffffff") -> float:
    """WCAG contrast ratio (1 … 21) of two `#rrggbb` colours."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def color_problem(value: str) -> str:
    """Why `value` cannot be the house colour ("" when it can)."""
    color = normalize_hex(value)
    if color is None:
        return (
            "Bitte geben Sie die Hausfarbe als Hex-Wert mit # und sechs Ziffern oder "
            "Buchstaben a–f an, z. B. #004b87. / Please give the colour as a hex value with "
            "# and six digits or letters a–f, e.g. #004b87."
        )
    ratio = contrast_ratio(color)
    if ratio < MIN_CONTRAST:
        # Rounded down: 4.49 must not read as "4,5".
        shown = int(ratio * 10) / 10
        return (
            f"Die Hausfarbe {color} hat zu Weiß nur ein Kontrastverhältnis von "
            f"{shown:.1f}:1".replace(".", ",")
            + " – nötig sind mindestens 4,5:1 (WCAG 1.4.3), damit Schrift auf der Farbe und "
            "die Farbe als Schrift lesbar bleiben. Bitte wählen Sie eine dunklere Farbe. / "
            f"The colour {color} has a contrast ratio of only {shown:.1f}:1 against white; "
            "at least 4.5:1 is required (WCAG 1.4.3) so that text on it and in it stays "
            "readable. Please choose a darker colour."
        )
    return ""


def theme_css(color: str) -> str:
    """The per-municipality stylesheet: our and KERN's custom properties for its colour.

    Only in the light scheme: KERN switches to dark colours with `prefers-color-scheme:
    dark`, where a colour chosen for contrast on white would be dark on dark. Applied to the
    header and primary buttons (white text on the colour, the colour as text on white),
    never to links on tinted backgrounds, where 4.5:1 against white is not enough.
    """
    color = normalize_hex(color)
    if color is None:
        return "/* keine Hausfarbe / no house colour */\n"
    return (
        "/* Hausfarbe / house colour (contrast to white "
        f"{contrast_ratio(color):.2f}:1) */\n"
        "@media not all and (prefers-color-scheme: dark) {\n"
        "  :root {\n"
        f"    --app-brand-color: {color};\n"
        f"    --app-brand-color-hover: color-mix(in srgb, {color}, black 15%);\n"
        f"    --app-brand-color-active: color-mix(in srgb, {color}, black 30%);\n"
        "  }\n"
        "  .app-header__home,\n"
        "  .kern-btn--primary {\n"
        "    --kern-color-action-default: var(--app-brand-color);\n"
        "    --kern-color-action-default-contextual: var(--app-brand-color);\n"
        "    --kern-color-action-state-indicator-shade-hover: var(--app-brand-color-hover);\n"
        "    --kern-color-action-state-indicator-shade-active: var(--app-brand-color-active);\n"
        "  }\n"
        "}\n"
    )


# --- logo ---------------------------------------------------------------------------------

LOGO_MAX_BYTES = 512 * 1024
LOGO_TYPES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/svg+xml": ".svg",
}


class LogoRefused(ValueError):
    """The file cannot be a logo; `str()` is the German / English message."""


def sniff_raster(data: bytes) -> str | None:
    """PNG, JPEG or WebP by their magic bytes, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def logo_media_type(data: bytes) -> str | None:
    """The media type of stored logo bytes (raster by magic bytes, else a safe SVG)."""
    raster = sniff_raster(data)
    if raster is not None:
        return raster
    try:
        svg_check(data)
    except LogoRefused:
        return None
    return "image/svg+xml"


def logo_check(data: bytes) -> str:
    """The media type of an uploaded logo; `LogoRefused` for anything that is not a PNG,
    JPEG or WebP image (by magic bytes, and readable as one) or a safe SVG, or too big."""
    if len(data) > LOGO_MAX_BYTES:
        raise LogoRefused(
            f"Das Logo ist {len(data) // 1024} KiB groß; erlaubt sind höchstens 512 KiB. / "
            f"The logo is {len(data) // 1024} KiB; at most 512 KiB are allowed."
        )
    if not data:
        raise LogoRefused("Die Logodatei ist leer. / The logo file is empty.")
    raster = sniff_raster(data)
    if raster is not None:
        _raster_verify(data)
        return raster
    svg_check(data)
    return "image/svg+xml"


def _raster_verify(data: bytes) -> None:
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise LogoRefused(
            "Die Logodatei ist beschädigt oder kein lesbares Bild. / "
            "The logo file is damaged or not a readable image."
        ) from exc
    except Image.DecompressionBombError as exc:
        raise LogoRefused(
            "Das Logo hat zu viele Bildpunkte. / The logo has too many pixels."
        ) from exc


SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# Elements that run code, embed other documents or media, or pull in other resources.
_SVG_FORBIDDEN_ELEMENTS = frozenset(
    {
        "script",
        "foreignobject",
        "iframe",
        "embed",
        "object",
        "handler",
        "listener",
        "audio",
        "video",
        "canvas",
    }
)
_REFERENCE_ATTRIBUTES = frozenset({"href", "src"})
_URL_FUNCTION = re.compile(r"url\s*\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)
_SVG_NOT_OK = (
    "Das SVG-Logo ist nicht erlaubt: {reason}. Erlaubt sind reine Grafiken ohne Skripte und "
    "ohne Verweise auf andere Dateien. / The SVG logo is not allowed: {reason_en}. Only plain "
    "graphics without scripts and without references to other files are allowed."
)


def _svg_refused(reason: str, reason_en: str) -> LogoRefused:
    return LogoRefused(_SVG_NOT_OK.format(reason=reason, reason_en=reason_en))


def _css_problem(text: str) -> tuple[str, str] | None:
    lowered = text.lower()
    if "@import" in lowered or "expression(" in lowered or "javascript:" in lowered:
        return ("es enthält CSS mit @import oder Skript", "it holds CSS with @import or script")
    for target in _URL_FUNCTION.findall(text):
        if not target.startswith("#"):
            return (
                "es verweist mit url(…) auf eine andere Datei",
                "it refers to another file with url(…)",
            )
    return None


@dataclass
class _SvgWalk:
    depth: int = 0
    root_seen: bool = False
    in_style: int = 0
    problem: tuple[str, str] | None = None


def svg_check(data: bytes) -> None:
    """Refuse (`LogoRefused`) an SVG that is not well-formed XML with an `<svg>` root in the
    SVG namespace, or that holds a DOCTYPE/entity, a processing instruction, a script,
    foreignObject or other embedding element, an event-handler attribute (`on…`), a
    `javascript:` value, or any reference to something outside the file (`href`/`src` not
    starting with `#`, `url(…)`, `@import`).

    Parsed with the standard library's expat and refusing DTDs at all, so neither entity
    expansion nor external entities can happen (what defusedxml guards against).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _svg_refused("die Datei ist kein UTF-8-Text", "the file is not UTF-8 text") from exc
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered:
        raise _svg_refused(
            "es enthält eine DOCTYPE- oder ENTITY-Deklaration",
            "it holds a DOCTYPE or ENTITY declaration",
        )
    walk = _SvgWalk()
    parser = expat.ParserCreate(encoding="utf-8", namespace_separator=" ")

    def fail(reason: tuple[str, str]) -> None:
        if walk.problem is None:
            walk.problem = reason
        raise _StopParse

    def start(name: str, attributes: dict) -> None:
        namespace, _sep, local = name.rpartition(" ")
        local_lower = local.lower()
        if not walk.root_seen:
            walk.root_seen = True
            if namespace != SVG_NS or local != "svg":
                fail(("das Wurzelelement ist kein <svg>", "the root element is not <svg>"))
        if local_lower in _SVG_FORBIDDEN_ELEMENTS:
            fail((f"es enthält das Element <{local}>", f"it holds the element <{local}>"))
        if local_lower == "style":
            walk.in_style += 1
        for key, value in attributes.items():
            _attr_ns, _sep2, attr = key.rpartition(" ")
            attr_lower = attr.lower()
            value_lower = value.strip().lower()
            if attr_lower.startswith("on"):
                fail(
                    (
                        f"es enthält das Ereignisattribut „{attr}“",
                        f"it holds the event-handler attribute '{attr}'",
                    )
                )
            if "javascript:" in re.sub(r"\s", "", value_lower):
                fail(("ein Attribut enthält javascript:", "an attribute holds javascript:"))
            if attr_lower in _REFERENCE_ATTRIBUTES and not value.strip().startswith("#"):
                fail(
                    (
                        f"das Attribut „{attr}“ verweist auf eine andere Datei",
                        f"the attribute '{attr}' refers to another file",
                    )
                )
            if attr_lower == "attributename" and (
                value_lower.endswith("href") or value_lower.startswith("on")
            ):
                fail(
                    (
                        "eine Animation verändert einen Verweis oder ein Ereignis",
                        "an animation changes a reference or an event handler",
                    )
                )
            if attr_lower == "style" or "url(" in value_lower:
                css = _css_problem(value)
                if css:
                    fail(css)

    def end(name: str) -> None:
        if name.rpartition(" ")[2].lower() == "style":
            walk.in_style -= 1

    def characters(content: str) -> None:
        if walk.in_style:
            css = _css_problem(content)
            if css:
                fail(css)

    def refuse_declaration(*_args) -> None:
        fail(
            (
                "es enthält eine DOCTYPE- oder ENTITY-Deklaration",
                "it holds a DOCTYPE or ENTITY declaration",
            )
        )

    def refuse_instruction(*_args) -> None:
        fail(
            (
                "es enthält eine Verarbeitungsanweisung (<?…?>)",
                "it holds a processing instruction (<?…?>)",
            )
        )

    def refuse_external(*_args) -> int:
        fail(("es lädt eine externe Entität", "it loads an external entity"))
        return 0

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.StartDoctypeDeclHandler = refuse_declaration
    parser.EntityDeclHandler = refuse_declaration
    parser.ProcessingInstructionHandler = refuse_instruction
    parser.ExternalEntityRefHandler = refuse_external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(text.encode("utf-8"), True)
    except _StopParse:
        pass
    except expat.ExpatError as exc:
        raise _svg_refused(
            "die Datei ist kein gültiges XML", "the file is not well-formed XML"
        ) from exc
    if walk.problem is not None:
        raise _svg_refused(*walk.problem)
    if not walk.root_seen:
        raise _svg_refused("es enthält kein <svg>-Element", "it holds no <svg> element")


class _StopParse(Exception):
    """Ends the expat parse at the first refused construct."""


# --- short name (path) and host name ------------------------------------------------------

# First path segments the installation uses or may use; the URL configuration's own first
# segments are added at check time (`reserved_slugs()`), so a new top-level page is covered.
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "api",
        "static",
        "media",
        "i18n",
        "healthz",
        "sachbearbeitung",
        "antrag",
        "konto",
        "leistungen",
        "status",
        "seite",
        "anmelden",
        "abmelden",
        "fortsetzen",
        "zahlung",
        "bundid-stub",
        "xbezahldienste-stub",
        "kommune-finden",
        "favicon-ico",
        "robots-txt",
        "well-known",
    }
)


def reserved_slugs() -> frozenset[str]:
    """`RESERVED_SLUGS` and the first literal segment of every top-level URL pattern."""
    from django.urls import get_resolver

    found = set(RESERVED_SLUGS)
    for pattern in get_resolver().url_patterns:
        route = str(getattr(pattern, "pattern", "")).lstrip("^")
        first = route.split("/", 1)[0]
        if first and re.fullmatch(r"[A-Za-z0-9_-]+", first):
            found.add(first.lower())
    for name in list(found):
        found.add(name.replace("_", "-"))
    return frozenset(found)


def slug_problem(slug: str) -> str:
    """Why `slug` cannot be a municipality's path (`/<slug>/`), "" when it can."""
    if (slug or "").lower() in reserved_slugs():
        return (
            f"Der Kurzname „{slug}“ ist für eine Seite der Installation reserviert (/{slug}/) "
            "und kann nicht der Pfad einer Kommune sein. Bitte wählen Sie einen anderen, z. B. "
            f"„{slug}-stadt“. / The short name '{slug}' is reserved for a page of the "
            "installation and cannot be a municipality's path. Please choose another one."
        )
    return ""


_HOST = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$"
)


def normalize_host(value: str) -> str:
    """A host name as compared with a request's host: stripped, lower case, no dot at the end."""
    return (value or "").strip().lower().rstrip(".")


def host_problem(value: str) -> str:
    """Why `value` is not a host name like `service.musterstadt.de` ("" when it is)."""
    if not _HOST.match(normalize_host(value)):
        return (
            "Bitte geben Sie nur den Hostnamen an, ohne https://, Port und Pfad, z. B. "
            "„service.musterstadt.de“. / Please give the host name only, without https://, "
            "port and path, e.g. 'service.musterstadt.de'."
        )
    return ""
