"""Municipality.clean(): the profile must fit the citizen pages. Colour contrast (WCAG
1.4.3), malformed colours, logos (raster by magic bytes, SVG only without scripts and
references, at most 512 KiB), short names that are pages of the installation, host names."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from forms_engine.catalog import profile
from forms_engine.catalog.models import Municipality
from tests.citizen.municipalities import media_in, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _logos_in_tmp(settings, tmp_path):
    media_in(settings, tmp_path / "media")


def _municipality(**fields) -> Municipality:
    values = {"name": "Prüfstadt", "ars": "099990000301", "slug": "pruefstadt"}
    values.update(fields)
    return Municipality(**values)


def _errors(municipality) -> dict:
    with pytest.raises(ValidationError) as refused:
        municipality.full_clean()
    return refused.value.message_dict


# --- colour ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("color", "ratio"),
    [("#ffffff", 1.0), ("#000000", 21.0), ("#767676", 4.54), ("#777777", 4.48), ("#004b87", 8.91)],
)
def test_contrast_ratio_follows_wcag_relative_luminance(color, ratio):
    assert profile.contrast_ratio(color) == pytest.approx(ratio, abs=0.01)


@pytest.mark.parametrize("color", ["#ffff00", "#777777", "#3399ff", "#FFF"])
def test_a_colour_below_4_5_to_1_against_white_is_refused_in_german_and_english(color):
    errors = _errors(_municipality(primary_color=color))["primary_color"]

    assert "4,5:1" in errors[0] and "4.5:1" in errors[0] and "WCAG 1.4.3" in errors[0]
    assert "dunklere Farbe" in errors[0] and "darker colour" in errors[0]


@pytest.mark.parametrize("color", ["red", "#12345g", "#1234", "004b87", "#004b8700", " # 004b87"])
def test_a_malformed_colour_is_refused(color):
    errors = _errors(_municipality(primary_color=color))["primary_color"]

    assert any("Hex" in e and "hex" in e for e in errors), errors


def test_an_accepted_colour_is_stored_in_one_notation():
    municipality = _municipality(primary_color="#004B87")
    municipality.full_clean()
    assert municipality.primary_color == "#004b87"
    short = _municipality(primary_color="#036")
    short.full_clean()
    assert short.primary_color == "#003366"


def test_the_theme_stylesheet_holds_only_a_normalised_colour():
    css = profile.theme_css("#004B87")

    assert "--app-brand-color: #004b87;" in css
    assert profile.theme_css("red; } body { display:none") == (
        "/* keine Hausfarbe / no house colour */\n"
    )


# --- short name and host ------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug",
    ["admin", "api", "static", "sachbearbeitung", "antrag", "konto", "leistungen", "status"]
    + ["seite", "kommune-finden", "zahlung", "healthz", "Admin"],
)
def test_a_short_name_that_is_a_page_of_the_installation_is_refused(slug):
    errors = _errors(_municipality(slug=slug))["slug"]

    assert "reserviert" in errors[0] and "reserved" in errors[0]


def test_every_top_level_path_of_the_installation_is_reserved():
    from django.urls import get_resolver

    reserved = profile.reserved_slugs()
    for pattern in get_resolver().url_patterns:
        first = str(pattern.pattern).lstrip("^").split("/", 1)[0]
        if first and "<" not in first:
            assert first.lower() in reserved, first


def test_an_ordinary_short_name_is_accepted():
    _municipality(slug="neustadt-an-der-see").full_clean()


@pytest.mark.parametrize(
    "host", ["https://service.hafenau.de", "service.hafenau.de:8000", "service hafenau", "a/b"]
)
def test_a_host_name_must_be_a_bare_host(host):
    errors = _errors(_municipality(host=host))["host"]

    assert "Hostname" in errors[0] and "host name" in errors[0]


def test_a_host_name_belongs_to_one_municipality_only():
    _municipality(slug="erste", ars="099990000302", host="service.example.org").save()

    errors = _errors(_municipality(host="Service.Example.org."))["host"]

    assert "anderen Kommune" in errors[0]


def test_a_municipality_cannot_be_its_own_parent_or_its_members_member():
    district = _municipality(slug="kreis", ars="099990000303")
    district.save()
    town = _municipality(parent=district)
    town.save()
    district.parent = town

    assert "parent" in _errors(district)


# --- logo -----------------------------------------------------------------------------------


def _with_logo(data: bytes, name: str = "logo.png") -> Municipality:
    return _municipality(logo=SimpleUploadedFile(name, data, "image/png"))


def test_a_png_logo_is_accepted_and_named_by_its_sniffed_type():
    municipality = _with_logo(png_bytes(), name="wappen.svg")

    municipality.full_clean()
    municipality.save()

    assert municipality.logo.name.startswith("logos/wappen")
    assert municipality.logo.name.endswith(".png")


def test_jpeg_and_webp_logos_are_accepted():
    import io

    from PIL import Image

    for fmt in ("JPEG", "WEBP"):
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8), (0, 0, 0)).save(buffer, format=fmt)
        _with_logo(buffer.getvalue(), name="logo.bin").full_clean()


SAFE_SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    b'viewBox="0 0 10 10"><defs><linearGradient id="g"><stop offset="0"/></linearGradient>'
    b'</defs><style>.a{fill:url(#g)}</style><rect class="a" width="10" height="10"/>'
    b'<use xlink:href="#g"/><title>Wappen</title></svg>'
)


def test_a_plain_svg_logo_is_accepted():
    municipality = _with_logo(SAFE_SVG, name="wappen.svg")

    municipality.full_clean()

    assert municipality.logo.name.endswith(".svg")


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><SCRIPT>alert(1)</SCRIPT></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect onMouseOver="x()"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        b'<image x:href="https://tracker.example/a.png"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><use href="other.svg#a"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect/></a></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://x.example/a.css);'
        b"</style></svg>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://x.example/f)"/>'
        b"</svg>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><set attributeName="href" to="javascript:x"/>'
        b"</svg>",
        b'<?xml-stylesheet href="https://x.example/a.css"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>',
        b'<!DOCTYPE svg SYSTEM "file:///etc/passwd"><svg xmlns="http://www.w3.org/2000/svg"/>',
        b"<svg><rect/></svg>",
        b'<html xmlns="http://www.w3.org/2000/svg"/>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>',
        "<svg xmlns='http://www.w3.org/2000/svg'/>".encode("utf-16"),
    ],
    ids=[
        "script",
        "script-upper-case",
        "onload",
        "event-handler",
        "foreignObject",
        "external-image",
        "external-use",
        "javascript-link",
        "css-import",
        "css-url",
        "animated-href",
        "stylesheet-instruction",
        "entity-expansion",
        "external-doctype",
        "no-namespace",
        "wrong-root",
        "not-well-formed",
        "utf-16",
    ],
)
def test_an_svg_logo_with_scripts_or_references_is_refused(svg):
    errors = _errors(_with_logo(svg, name="logo.svg"))["logo"]

    assert "SVG" in errors[0] and " / " in errors[0]


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a" + b"\x00" * 20,
        b"%PDF-1.7\n",
        b"just some text",
        b"\x89PNG\r\n\x1a\n" + b"not really a png",
        b"",
    ],
    ids=["gif", "pdf", "text", "png-magic-only", "empty"],
)
def test_anything_else_is_refused_as_a_logo(data):
    errors = _errors(_with_logo(data))["logo"]

    assert " / " in errors[0]


def test_a_logo_over_512_kib_is_refused():
    big = png_bytes() + b"\x00" * (512 * 1024)

    errors = _errors(_with_logo(big))["logo"]

    assert "512 KiB" in errors[0]
