"""HTML to tagged PDF: the only place that imports WeasyPrint.

Why this shape (figures in docs/performance.md, "PDF case file"):
- one `FontConfiguration` per process, created lazily: building it per document costs
  about 13 %;
- stylesheets are parsed once per file and the `CSS` objects reused;
- `pdf/ua-1`: a structure tree, `/MarkInfo /Marked true` and `/Lang`, for about 6 %;
- nothing is fetched from the network: the URL fetcher answers only `data:` URLs and
  `file:` URLs below the allowed roots (the project's templates and static files); every
  other URL fails quietly (WeasyPrint logs it and leaves the resource out).

Rendering holds a per-process lock: WeasyPrint's font configuration (Pango/fontconfig
state) is shared and not documented as thread-safe. Case files are rendered in Celery
worker processes, so the lock costs no parallelism there.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

__all__ = ["LocalOnlyFetcher", "html_to_pdf", "stylesheet"]

# WeasyPrint reports every rendering step at INFO; in worker logs that is noise per case.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

_lock = threading.RLock()
_font_config: FontConfiguration | None = None
_stylesheets: dict[tuple[str, float], weasyprint.CSS] = {}


def _allowed_roots() -> tuple[Path, ...]:
    from django.conf import settings

    base = Path(settings.BASE_DIR)
    return tuple(p.resolve() for p in (base / "templates", base / "static"))


class LocalOnlyFetcher(URLFetcher):
    """Answers `data:` URLs and `file:` URLs inside `roots`; refuses everything else.

    A refused URL raises ValueError, which WeasyPrint turns into a logged warning: the
    document still renders, without that resource.
    """

    def __init__(self, roots: Iterable[Path] | None = None, **kwargs):
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, **kwargs)
        self._roots = tuple(roots) if roots is not None else _allowed_roots()

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "file":
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in self._roots):
                raise ValueError(f"Lokale Datei außerhalb der erlaubten Ordner: {url}")
        elif scheme != "data":
            raise ValueError(f"Externe Adresse wird nicht geladen: {url}")
        return super().fetch(url, headers)


def _fonts() -> FontConfiguration:
    global _font_config
    if _font_config is None:
        with _lock:
            if _font_config is None:
                _font_config = FontConfiguration()
    return _font_config


def stylesheet(path: str | Path) -> weasyprint.CSS:
    """The parsed stylesheet at `path`, parsed once per file version (mtime) and reused."""
    path = Path(path).resolve()
    key = (str(path), path.stat().st_mtime)
    css = _stylesheets.get(key)
    if css is None:
        with _lock:
            css = _stylesheets.get(key)
            if css is None:
                css = weasyprint.CSS(
                    filename=path,
                    url_fetcher=LocalOnlyFetcher(),
                    font_config=_fonts(),
                )
                for old in [k for k in _stylesheets if k[0] == key[0]]:
                    del _stylesheets[old]
                _stylesheets[key] = css
    return css


def _data_url(content: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"


def html_to_pdf(
    html: str,
    *,
    base_url: str | None = None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
    lang: str = "de",
    title: str = "",
    stylesheets: Sequence[str | Path] = (),
) -> bytes:
    """Render `html` to a tagged PDF (PDF/UA-1) and return its bytes.

    `attachments` are `(file name, bytes, media type)` embedded as PDF embedded files.
    `lang` and `title` become the document's `/Lang` and `/Title` when the HTML does not
    set them (`<html lang>`, `<title>`). `stylesheets` are paths of CSS files, parsed once
    and cached. Nothing is fetched from the network (see `LocalOnlyFetcher`).
    """
    fetcher = LocalOnlyFetcher()
    css = [stylesheet(path) for path in stylesheets]
    embedded = [
        weasyprint.Attachment(
            url=_data_url(content, media_type),
            url_fetcher=fetcher,
            name=name,
            relationship="Supplement",
        )
        for name, content, media_type in attachments
    ]
    with _lock:
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
            font_config=_fonts(), stylesheets=css, pdf_variant="pdf/ua-1"
        )
        document.metadata.lang = document.metadata.lang or lang
        document.metadata.title = document.metadata.title or title or None
        return document.write_pdf(attachments=embedded, pdf_variant="pdf/ua-1")
