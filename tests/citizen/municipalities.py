"""Municipalities of the tests of a municipality's own pages, created by the tests themselves
(never from fixtures/demo.json):

- Hafenau (Stadt, PLZ 24101/24103): offers the shared parameterised parking permit at
  120,00 € with its own zones, and the shipped dog tax; branded (colour, logo, address).
- Bergland (Verbandsgemeinde, PLZ 56001): offers the parking permit at 45,50 €, and is the
  parent of
- Talheim (Ortsgemeinde, PLZ 56002, places "Talheim, Oberweiler"): offers nothing itself;
  its citizens find Bergland's offering.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from forms_engine.catalog.models import Activation, Authority, Municipality, Process
from forms_engine.catalog.services import process_version_create_draft, process_version_publish

EXAMPLE = Path(__file__).parents[1] / "definitions" / "examples" / "parkausweis-parameter.json"
PROCESS_ID = "parkausweis-kommunal"
DOG_TAX = "hundesteuer-anmeldung"
HAFENAU_COLOR = "#1d5e3a"


def media_in(settings, directory) -> None:
    """The default storage (logos) in `directory`, never in var/."""
    from forms_engine.settings import filesystem_storage

    settings.STORAGES = {**settings.STORAGES, "default": filesystem_storage(directory)}


def png_bytes(size=(40, 20), color=(29, 94, 58)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def logo_upload(data: bytes | None = None, name: str = "wappen.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes() if data is None else data, "image/png")


def shared_version():
    """The parking permit with parameters (place, fee, zones), published for all."""
    process = Process.objects.filter(identifier=PROCESS_ID).first()
    if process is not None:
        return process.versions.get(version="1.0.0")
    doc = json.loads(EXAMPLE.read_text("utf-8"))
    doc["id"] = PROCESS_ID
    return process_version_publish(version=process_version_create_draft(doc=doc))


def _municipality(**fields) -> tuple[Municipality, Authority]:
    municipality = Municipality(**fields)
    municipality.full_clean()
    municipality.save()
    authority = Authority.objects.create(
        municipality=municipality,
        name=f"Ordnungsamt {municipality.name}",
        slug="ordnungsamt",
        email=f"ordnungsamt@{municipality.slug}.example",
    )
    return municipality, authority


def _activate(process_id, municipality, authority, values=None, **fields) -> Activation:
    activation = Activation(
        process=Process.objects.get(identifier=process_id),
        municipality=municipality,
        authority=authority,
        parameter_values=values or {},
        **fields,
    )
    activation.full_clean()
    activation.save()
    return activation


def create_towns(*, logo: bool = True) -> dict:
    """Hafenau, Bergland and Talheim with their activations (see the module docstring)."""
    shared_version()
    hafenau, hafenau_amt = _municipality(
        name="Hafenau",
        ars="099990000201",
        slug="hafenau",
        kind=Municipality.Kind.CITY,
        postcodes="24101, 24103",
        places="Hafenau, Nordstrand",
        primary_color=HAFENAU_COLOR,
        address="Rathausplatz 1\n24101 Hafenau",
        phone="04321 123-0",
        email="info@hafenau.example",
        website="https://www.hafenau.example/",
        logo=logo_upload() if logo else "",
    )
    bergland, bergland_amt = _municipality(
        name="Bergland",
        ars="099990000202",
        slug="bergland",
        kind=Municipality.Kind.ASSOCIATION,
        postcodes="56001",
        places="Bergland",
        address="Am Markt 3\n56001 Bergland",
        email="buergerbuero@bergland.example",
    )
    talheim, _talheim_amt = _municipality(
        name="Talheim",
        ars="099990000203",
        slug="talheim",
        kind=Municipality.Kind.MUNICIPALITY,
        parent=bergland,
        postcodes="56002",
        places="Talheim, Oberweiler",
    )
    return {
        "hafenau": hafenau,
        "bergland": bergland,
        "talheim": talheim,
        "hafenau_parking": _activate(
            PROCESS_ID,
            hafenau,
            hafenau_amt,
            {
                "ort": "Hafenau",
                "gebuehr": "120.00",
                "zonen": [{"value": "d", "label": {"de": "Zone D – Hafen"}}],
            },
            contact_text="Fragen zum Parkausweis: Bürgerbüro Hafenau, Zimmer 12.",
        ),
        "hafenau_dogs": _activate(
            DOG_TAX,
            hafenau,
            hafenau_amt,
            {
                "steuerglaeubiger": "Stadt Hafenau",
                "glaeubiger_id": "DE12ZZZ00000099903",
                "steuer_hund": "72.00",
                "steuer_weiterer_hund": "90.00",
                "steuer_gefaehrlicher_hund": "540.00",
            },
        ),
        "bergland_parking": _activate(
            PROCESS_ID,
            bergland,
            bergland_amt,
            {"ort": "Bergland", "gebuehr": "45.50"},
            contact_text="Verbandsgemeinde Bergland, Ordnungsamt.",
            contact_text_en="Bergland association of municipalities, public order office.",
        ),
    }
