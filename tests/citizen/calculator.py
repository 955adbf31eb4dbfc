"""The starter library's housing benefit calculator, published and offered in Musterstadt
(for the calculator tests of the citizen pages, the API and the browser)."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

CALCULATOR_ID = "wohngeld-rechner"
LIBRARY = Path(settings.BASE_DIR) / "library" / "starter"


def calculator_doc() -> dict:
    path = LIBRARY / "processes" / CALCULATOR_ID / "1.0.0.json"
    return json.loads(path.read_text(encoding="utf-8"))


def calculator_sample(name: str) -> dict:
    path = LIBRARY / "answers" / CALCULATOR_ID / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def publish_calculator(municipality):
    """The calculator published and offered in `municipality` (by its Ordnungsamt)."""
    from forms_engine.catalog.models import Activation, Authority
    from forms_engine.catalog.services import process_version_create_draft, process_version_publish

    version = process_version_publish(version=process_version_create_draft(doc=calculator_doc()))
    authority = Authority.objects.filter(municipality=municipality).order_by("pk").first()
    Activation.objects.create(
        process=version.process, municipality=municipality, authority=authority
    )
    return version
