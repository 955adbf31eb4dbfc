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
    """The calculator offered in `municipality` (by its first authority): the version the
    starter library installed (a signed bundle of its demo publisher, see tests/conftest.py),
    installed again if the test database was emptied."""
    from forms_engine.catalog.models import Activation, Authority, ProcessVersion
    from forms_engine.library.starter import STARTER_PUBLISHER, starter_library_install

    versions = ProcessVersion.objects.filter(
        process__identifier=CALCULATOR_ID, process__publisher__slug=STARTER_PUBLISHER[0]
    )
    if not versions.exists():
        starter_library_install()
    version = versions.get(version="1.0.0")
    authority = Authority.objects.filter(municipality=municipality).order_by("pk").first()
    Activation.objects.create(
        process=version.process, municipality=municipality, authority=authority
    )
    return version
