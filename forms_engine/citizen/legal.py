"""A municipality's legal pages (Impressum, Datenschutz, Erklärung zur Barrierefreiheit).

Its text comes from `LegalPage.body` / `body_en`: plain text, rendered escaped, with a small
safe subset of Markdown: blank lines separate paragraphs, a line break stays one, lines
starting with "# " or "## " are section headings (h2; the page title is the h1), "### "
subheadings (h3), lines starting with "- " or "* " a list, and
http(s) addresses and e-mail addresses become links. Nothing else of the text is markup.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_LINK = re.compile(
    r"(?P<url>https?://[^\s<>]+[^\s<>.,;:!?)\]\"'])"
    r"|(?P<mail>\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b)"
)
_BULLET = re.compile(r"^\s*[-*]\s+")


def _inline(text: str) -> str:
    """One line, escaped, with its addresses as links."""
    out = []
    position = 0
    for match in _LINK.finditer(text):
        out.append(escape(text[position : match.start()]))
        if match["url"]:
            url = match["url"]
            out.append(f'<a class="kern-link" href="{escape(url)}">{escape(url)}</a>')
        else:
            mail = match["mail"]
            out.append(f'<a class="kern-link" href="mailto:{escape(mail)}">{escape(mail)}</a>')
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out)


def _flush(html: list[str], paragraph: list[str], items: list[str]) -> None:
    """Close the open paragraph (lines joined by <br>) and list into `html`."""
    if paragraph:
        html.append('<p class="kern-body">' + "<br>".join(_inline(p) for p in paragraph) + "</p>")
        paragraph.clear()
    if items:
        html.append(
            '<ul class="kern-list kern-list--bullet">'
            + "".join(f"<li>{_inline(i)}</li>" for i in items)
            + "</ul>"
        )
        items.clear()


def legal_html(text: str) -> SafeString:
    """The page body as HTML (see the module docstring)."""
    blocks = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    html: list[str] = []
    for block in blocks:
        paragraph: list[str] = []
        items: list[str] = []
        for line in (line.rstrip() for line in block.split("\n") if line.strip()):
            heading = re.match(r"^\s*(#{1,3})\s+(.+)$", line)
            if heading:
                _flush(html, paragraph, items)
                level = 3 if len(heading[1]) == 3 else 2
                css = "kern-heading-medium" if level == 2 else "kern-heading-small"
                html.append(f'<h{level} class="{css}">{_inline(heading[2].strip())}</h{level}>')
            elif _BULLET.match(line):
                _flush(html, paragraph, [])
                items.append(_BULLET.sub("", line, count=1))
            else:
                _flush(html, [], items)
                paragraph.append(line.strip())
        _flush(html, paragraph, items)
    return mark_safe("".join(html))  # noqa: S308 - every piece of the text went through escape()
