"""html_to_pdf (core/pdf.py): tagged PDF/UA, metadata, embedded files, no network."""

import io
import json
from unittest import mock

from pypdf import PdfReader

from forms_engine.core import pdf as core_pdf
from forms_engine.core.pdf import LocalOnlyFetcher, html_to_pdf

PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Prüfseite</title></head>
<body><h1>Überschrift</h1><p>Grüße aus Musterstadt: 1.234,56 €</p></body></html>"""


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def test_the_pdf_is_tagged_with_structure_tree_language_and_title():
    reader = read(html_to_pdf(PAGE))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "de"
    assert reader.metadata.title == "Prüfseite"
    assert "Grüße aus Musterstadt: 1.234,56 €" in reader.pages[0].extract_text()


def test_language_and_title_arguments_fill_in_what_the_html_lacks():
    reader = read(html_to_pdf("<p>ohne Kopf</p>", lang="de", title="Ersatztitel"))
    assert reader.trailer["/Root"]["/Lang"] == "de"
    assert reader.metadata.title == "Ersatztitel"


def test_attachments_round_trip_byte_for_byte():
    answers = json.dumps({"name": "Jürgen", "betrag": "12.50"}, ensure_ascii=False).encode()
    blob = bytes(range(256))
    reader = read(
        html_to_pdf(
            PAGE,
            attachments=[
                ("antworten.json", answers, "application/json"),
                ("roh.bin", blob, "application/octet-stream"),
            ],
        )
    )
    assert {name: data[0] for name, data in reader.attachments.items()} == {
        "antworten.json": answers,
        "roh.bin": blob,
    }


def test_a_remote_image_is_never_fetched_and_the_page_still_renders():
    html = '<html lang="de"><body><p>vorher</p><img src="http://example.org/x.png" alt=""><p>nachher</p></body></html>'
    with (
        mock.patch("urllib.request.OpenerDirector.open") as opener,
        mock.patch("socket.create_connection") as connect,
    ):
        pdf = html_to_pdf(html)
    opener.assert_not_called()
    connect.assert_not_called()
    text = read(pdf).pages[0].extract_text()
    assert "vorher" in text and "nachher" in text


def test_the_fetcher_refuses_remote_urls_and_local_files_outside_its_roots(tmp_path):
    inside = tmp_path / "inside"
    inside.mkdir()
    (inside / "a.css").write_text("p { color: red }")
    (tmp_path / "secret.txt").write_text("geheim")
    fetcher = LocalOnlyFetcher(roots=[inside])
    for url in (
        "http://example.org/x.png",
        "https://example.org/x.css",
        "ftp://example.org/x",
        (tmp_path / "secret.txt").as_uri(),
        (inside / ".." / "secret.txt").as_uri(),
    ):
        try:
            fetcher.fetch(url)
        except ValueError:
            continue
        raise AssertionError(f"fetched {url}")
    assert fetcher.fetch((inside / "a.css").as_uri()).read() == b"p { color: red }"
    assert fetcher.fetch("data:text/plain;base64,aGFsbG8=").read() == b"hallo"


def test_one_font_configuration_and_parsed_stylesheets_are_reused(tmp_path):
    css = tmp_path / "s.css"
    css.write_text("p { font-size: 9pt }")
    html_to_pdf(PAGE, stylesheets=[css])
    fonts, sheet = core_pdf._fonts(), core_pdf.stylesheet(css)
    html_to_pdf(PAGE, stylesheets=[css])
    assert core_pdf._fonts() is fonts
    assert core_pdf.stylesheet(css) is sheet
