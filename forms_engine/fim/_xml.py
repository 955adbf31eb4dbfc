"""Safe XML reading for FIM inputs (XDatenfelder, genericode): one parser configuration.

- at most `MAX_BYTES` (20 MB) of input, at most `MAX_DEPTH` element levels and
  `MAX_ELEMENTS` elements;
- no DTD at all: a DOCTYPE (and with it every entity declaration: billion laughs, external
  entities/XXE) is refused before and after parsing; entities are never resolved, no DTD is
  loaded, nothing is fetched from the network; huge_tree stays off (libxml2's own limits);
- NUL bytes are refused; comments and processing instructions are dropped.

Every failure is a `FimError`; nothing else leaves `parse_bytes`.
"""

from __future__ import annotations

import re

from lxml import etree

from .model import FimError

MAX_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 200
MAX_ELEMENTS = 500_000

# "<!DOCTYPE" / "<!ENTITY" in UTF-8/Latin-1 and in UTF-16 (either byte order).
_DTD_MARKERS = [
    re.compile(re.escape(word)) for word in (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
] + [
    re.compile(re.escape(word.encode(enc)))
    for word in ("<!DOCTYPE", "<!ENTITY", "<!doctype", "<!entity")
    for enc in ("utf-16-le", "utf-16-be")
]


def as_bytes(data: object, what: str) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8", "surrogatepass")
    raise FimError(
        "fim.not_bytes",
        f"{what}: Erwartet werden die Bytes einer XML-Datei.",
        f"{what}: the bytes of an XML file are expected.",
    )


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def _refuse_dtd(line: int | None = None) -> FimError:
    return FimError(
        "fim.xml_doctype",
        "Die XML-Datei enthält eine DOCTYPE- oder ENTITY-Deklaration; das ist aus Sicherheitsgründen nicht erlaubt.",
        "The XML file contains a DOCTYPE or ENTITY declaration, which is refused for security reasons.",
        line,
    )


def parse_bytes(data: object, what: str) -> etree._Element:
    """Parse `data` safely and return the root element (or raise FimError)."""
    raw = as_bytes(data, what)
    if len(raw) > MAX_BYTES:
        raise FimError(
            "fim.too_large",
            f"Die Datei ist zu groß (höchstens {MAX_BYTES // (1024 * 1024)} MB).",
            f"The file is too large (at most {MAX_BYTES // (1024 * 1024)} MB).",
        )
    if not raw.strip():
        raise FimError("fim.xml_empty", "Die Datei ist leer.", "The file is empty.")
    if b"\x00" in raw and not (
        raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:2] in (b"<\x00", b"\x00<")
    ):
        # NUL bytes are never valid XML (UTF-16 input carries zero bytes by design).
        raise FimError(
            "fim.xml_nul",
            "Die Datei enthält NUL-Bytes und ist keine gültige XML-Datei.",
            "The file contains NUL bytes and is not valid XML.",
        )
    if any(marker.search(raw) for marker in _DTD_MARKERS):
        raise _refuse_dtd()
    try:
        root = etree.fromstring(raw, parser=_parser())
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None)
        raise FimError(
            "fim.xml_malformed",
            f"Die Datei ist kein wohlgeformtes XML (Zeile {line}): {_short(exc)}",
            f"The file is not well-formed XML (line {line}): {_short(exc)}",
            line,
        ) from None
    except (
        ValueError,
        TypeError,
        LookupError,
        MemoryError,
        RecursionError,
        etree.LxmlError,
    ) as exc:
        raise FimError(
            "fim.xml_malformed",
            f"Die Datei kann nicht als XML gelesen werden: {_short(exc)}",
            f"The file cannot be read as XML: {_short(exc)}",
        ) from None
    if root is None:
        raise FimError("fim.xml_empty", "Die Datei ist leer.", "The file is empty.")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _refuse_dtd()
    _check_shape(root)
    return root


def _check_shape(root: etree._Element) -> None:
    depth = 0
    count = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            depth += 1
            count += 1
            if depth > MAX_DEPTH:
                raise FimError(
                    "fim.xml_too_deep",
                    f"Die XML-Datei ist zu tief verschachtelt (mehr als {MAX_DEPTH} Ebenen).",
                    f"The XML file is nested too deeply (more than {MAX_DEPTH} levels).",
                    element.sourceline,
                )
            if count > MAX_ELEMENTS:
                raise FimError(
                    "fim.xml_too_many_elements",
                    f"Die XML-Datei enthält zu viele Elemente (mehr als {MAX_ELEMENTS}).",
                    f"The XML file contains too many elements (more than {MAX_ELEMENTS}).",
                    element.sourceline,
                )
            if isinstance(element, etree._Entity):
                raise _refuse_dtd(element.sourceline)
        else:
            depth -= 1


def _short(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return text if len(text) <= 200 else text[:200] + "…"


def local(element: etree._Element) -> str:
    """The local name of an element ("" for comments, entities and the like)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(element: etree._Element) -> str:
    tag = element.tag
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return ""


def text_of(element: etree._Element | None) -> str:
    """The element's text content (all text below it), whitespace-trimmed, CRLF → LF."""
    if element is None:
        return ""
    text = "".join(element.itertext())
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()
