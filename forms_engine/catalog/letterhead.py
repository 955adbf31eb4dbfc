"""A municipality's letterhead: what its case files and e-mails carry.

Contracts:
- `municipality_letterhead(municipality, authority=None) -> dict`: the name, the logo
  (`Logo` or None), the address lines, phone, e-mail, website and the responsible
  authority with its e-mail; empty profile fields are empty (a municipality with only a
  name gets a letterhead with only its name). Used by the case-file and supplement PDFs.
- `municipality_logo(municipality) -> Logo | None`: the profile's logo from storage as a
  `data:` URI, so the PDF renderer never fetches anything. PNG and JPEG are checked with
  Pillow and scaled down to at most `LOGO_MAX_PX` (a logo is printed about 16 mm high);
  SVG must parse as XML with an `<svg>` root and no DTD. Anything else (a missing file, a
  file over `LOGO_MAX_BYTES`, not an image) is left out with a warning in the log, never
  an error. Cached per process by storage, file name and size (a new upload gets a new
  name), so a case file reads the logo file only the first time.
- `municipality_email(*, municipality, authority, subject, body, to, english=False)`:
  an `EmailMessage` in the municipality's name: From "<name> – Bürgerservice online"
  with the address of `DEFAULT_FROM_EMAIL`, Reply-To the authority's e-mail (else the
  municipality's), and the signature block (`templates/email/_signature.txt`: name,
  authority, address, phone, e-mail, website, Impressum and Datenschutz links) appended.
  Every e-mail to a citizen is built with it.
"""

from __future__ import annotations

import base64
import io
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from email.utils import parseaddr
from xml.etree import ElementTree

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from .models import Authority, LegalPage, Municipality
from .selectors import municipality_legal_url

logger = logging.getLogger(__name__)

# A logo file larger than this is not read (a letterhead logo is a few kilobytes).
LOGO_MAX_BYTES = 1024 * 1024
# Raster logos are scaled down to fit this box: about 16 mm high at 300 dpi, with room
# for wide logos. Larger originals would only make every PDF bigger and slower.
LOGO_MAX_PX = (1200, 300)
# Beyond this a raster image is refused before it is decoded (decompression bombs).
LOGO_MAX_PIXELS = 40_000_000
_CACHE_SIZE = 64

_SVG_NS = "{http://www.w3.org/2000/svg}svg"


@dataclass(frozen=True)
class Logo:
    """A checked logo, ready for the PDF renderer."""

    media_type: str
    data_uri: str


_cache_lock = threading.Lock()
_cache: OrderedDict[tuple[str, str, str, int], Logo | None] = OrderedDict()


def logo_cache_clear() -> None:
    """Forget every checked logo (tests; a process otherwise keeps at most 64)."""
    with _cache_lock:
        _cache.clear()


class LogoRefused(ValueError):
    """The logo file is not a PNG, JPEG or SVG image we can use."""


def _raster(content: bytes, expected: str) -> tuple[str, bytes]:
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != expected:
                raise LogoRefused(f"{image.format} instead of {expected}")
            width, height = image.size
            if width * height > LOGO_MAX_PIXELS:
                raise LogoRefused(f"{width}×{height} pixels")
            image.load()
            if width <= LOGO_MAX_PX[0] and height <= LOGO_MAX_PX[1]:
                return f"image/{expected.lower()}", content
            # Scaled copy: orientation applied (the copy carries no EXIF), then re-encoded.
            scaled = ImageOps.exif_transpose(image)
            if expected == "JPEG":
                scaled = scaled.convert("RGB")
            elif scaled.mode not in ("RGB", "RGBA", "L", "LA"):
                scaled = scaled.convert("RGBA")
            scaled.thumbnail(LOGO_MAX_PX)
            out = io.BytesIO()
            if expected == "JPEG":
                scaled.save(out, "JPEG", quality=90)
            else:
                scaled.save(out, "PNG")
            return f"image/{expected.lower()}", out.getvalue()
    except LogoRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for broken files
        raise LogoRefused(f"unreadable {expected}: {exc}") from exc


def _svg(content: bytes) -> tuple[str, bytes]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LogoRefused("SVG is not UTF-8") from exc
    lowered = text.lower()
    # No DTD, so no entities (expansion bombs) and no external entities.
    if "<!doctype" in lowered or "<!entity" in lowered:
        raise LogoRefused("SVG with a DTD")
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 - no DTD (refused above), so no entities
    except ElementTree.ParseError as exc:
        raise LogoRefused(f"SVG is not well-formed XML: {exc}") from exc
    if root.tag not in (_SVG_NS, "svg"):
        raise LogoRefused(f"root element {root.tag!r} is not <svg>")
    return "image/svg+xml", text.encode("utf-8")


def logo_from_bytes(content: bytes) -> Logo:
    """A `Logo` from the bytes of a PNG, JPEG or SVG file; raises `LogoRefused` otherwise.

    The type is taken from the content, never from the file name.
    """
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        media_type, data = _raster(content, "PNG")
    elif content.startswith(b"\xff\xd8\xff"):
        media_type, data = _raster(content, "JPEG")
    elif b"<svg" in content[:4096]:
        media_type, data = _svg(content)
    else:
        raise LogoRefused("neither PNG, JPEG nor SVG")
    encoded = base64.b64encode(data).decode("ascii")
    return Logo(media_type=media_type, data_uri=f"data:{media_type};base64,{encoded}")


def _load_logo(field) -> Logo | None:
    """Read and check the stored logo; None (with a warning) when its content cannot be
    used. A failing read raises (it may be passing, so it is not cached)."""
    with field.open("rb") as handle:
        content = handle.read(LOGO_MAX_BYTES + 1)
    if len(content) > LOGO_MAX_BYTES:
        logger.warning("Logo %s is larger than %d bytes; left out", field.name, LOGO_MAX_BYTES)
        return None
    try:
        return logo_from_bytes(content)
    except LogoRefused as exc:
        logger.warning(
            "Logo %s is not a usable PNG, JPEG or SVG image (%s); left out", field.name, exc
        )
        return None


def municipality_logo(municipality: Municipality) -> Logo | None:
    """The municipality's logo as a checked `data:` URI, or None (none set, or unusable)."""
    field = municipality.logo
    if not field:
        return None
    try:
        size = field.size
    except Exception:  # noqa: BLE001 - a missing file leaves the logo out
        logger.warning("Logo %s is missing in storage; letterhead without logo", field.name)
        return None
    storage = field.storage
    key = (type(storage).__qualname__, str(getattr(storage, "location", "")), field.name, size)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    if size > LOGO_MAX_BYTES:
        logger.warning("Logo %s is larger than %d bytes; left out", field.name, LOGO_MAX_BYTES)
        logo = None
    else:
        try:
            logo = _load_logo(field)
        except Exception:  # noqa: BLE001 - an unreadable file leaves the logo out this time
            logger.warning(
                "Logo %s cannot be read; letterhead without logo", field.name, exc_info=True
            )
            return None
    with _cache_lock:
        _cache[key] = logo
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return logo


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _website_label(url: str) -> str:
    """ "https://www.musterstadt.example/" -> "www.musterstadt.example" (for print)."""
    label = url.split("://", 1)[-1]
    return label[:-1] if label.endswith("/") and label.count("/") == 1 else label


def municipality_letterhead(
    municipality: Municipality, authority: Authority | None = None, *, logo: bool = True
) -> dict:
    """What a letterhead of `municipality` shows (plain values; empty where not set).

    `contact_parts`: the printed contact line (address, "Telefon …", e-mail, website).
    """
    address_lines = _lines(municipality.address)
    phone = municipality.phone.strip()
    website_label = _website_label(municipality.website) if municipality.website else ""
    contact_parts = [
        ", ".join(address_lines),
        f"Telefon {phone}" if phone else "",
        municipality.email,
        website_label,
    ]
    return {
        "name": municipality.name,
        "logo": municipality_logo(municipality) if logo else None,
        "logo_alt": f"Logo {municipality.name}",
        "address_lines": address_lines,
        "phone": phone,
        "email": municipality.email,
        "website": municipality.website,
        "website_label": website_label,
        "contact_parts": [part for part in contact_parts if part],
        "authority": authority.name if authority is not None else "",
        "authority_email": authority.email if authority is not None else "",
    }


# --- e-mail ---------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def email_from(municipality: Municipality) -> str:
    """`"<name> – Bürgerservice online" <address>` with the address of DEFAULT_FROM_EMAIL."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    display = _one_line(f"{municipality.name} – Bürgerservice online")
    quoted = display.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{address}>'


def email_reply_to(municipality: Municipality, authority: Authority | None) -> list[str]:
    """Replies go to the responsible authority, else to the municipality, else nowhere."""
    for address in (authority.email if authority is not None else "", municipality.email):
        if address:
            return [address]
    return []


def email_signature(
    municipality: Municipality, authority: Authority | None = None, *, english: bool = False
) -> str:
    """The signature block of every e-mail (plain text, German; English labels added)."""
    context = {
        **municipality_letterhead(municipality, authority, logo=False),
        "english": english,
        "imprint_url": municipality_legal_url(municipality, LegalPage.Kind.IMPRINT),
        "privacy_url": municipality_legal_url(municipality, LegalPage.Kind.PRIVACY),
    }
    return render_to_string("email/_signature.txt", context)


def municipality_email(
    *,
    municipality: Municipality,
    authority: Authority | None,
    subject: str,
    body: str,
    to: list[str],
    english: bool = False,
) -> EmailMessage:
    """A plain-text e-mail in the name of `municipality`, signature appended (not sent)."""
    signature = email_signature(municipality, authority, english=english)
    return EmailMessage(
        _one_line(subject),
        body.rstrip("\n") + "\n\n" + signature,
        email_from(municipality),
        to,
        reply_to=email_reply_to(municipality, authority),
    )
