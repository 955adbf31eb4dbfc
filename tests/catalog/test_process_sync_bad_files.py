"""Observation 6: one bad file never stops process_sync; each is reported, the rest load."""

from __future__ import annotations

import io
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from forms_engine.catalog.models import ProcessVersion
from forms_engine.catalog.services import process_sync

# The good file must be new to the catalog: start without the session library.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_catalog")]

GOOD = "hundesteuer-anmeldung"


def _good_text() -> str:
    return (settings.FORMS_PROCESS_LIBRARY / GOOD / "1.0.0.json").read_text("utf-8")


def _bad_files() -> dict[str, bytes]:
    good = _good_text()
    doc = json.loads(good)
    deep = '{"a": ' * 1000 + "1" + "}" * 1000
    cyclic = json.loads(good)
    cyclic["$defs"]["schleife"] = {"$ref": "#/$defs/schleife"}
    return {
        "aaa-tief": ('{"id": "aaa-tief", "version": "1.0.0", "x": ' + deep + "}").encode(),
        "aab-zahl": good.replace('"1.0.0"', "1" + "0" * 5000, 1).encode(),
        "aac-surrogat": good.replace(doc["title"]["de"], "Hund \\ud800", 1).encode(),
        "aad-nan": good.replace(
            '"reference_prefix"', '"x-nan": NaN, "reference_prefix"', 1
        ).encode(),
        "aae-nul": good.replace(doc["title"]["de"], "Hund\\u0000", 1).encode(),
        "aaf-zyklus": json.dumps(cyclic).encode(),
        "aag-kein-utf8": b"\xff\xfe{",
    }


def _library(tmp_path):
    library = tmp_path / "lib"
    (library / GOOD).mkdir(parents=True)
    (library / GOOD / "1.0.0.json").write_text(_good_text(), "utf-8")
    for name, payload in _bad_files().items():
        (library / name).mkdir()
        (library / name / "1.0.0.json").write_bytes(payload)
    # a directory that looks like a definition file cannot be read at all
    (library / "aah-verzeichnis" / "1.0.0.json").mkdir(parents=True)
    return library


def test_process_sync_reports_every_bad_file_and_still_loads_the_good_one(tmp_path):
    report = process_sync(directory=_library(tmp_path))
    assert [entry.path.split("/")[0] for entry in report.failed] == [
        *sorted(_bad_files()),
        "aah-verzeichnis",
    ]
    assert all(entry.message and entry.message_en for entry in report.failed)
    assert [entry.identifier for entry in report.created] == [GOOD]
    assert not report.ok
    assert ProcessVersion.objects.get(process__identifier=GOOD).status == "published"


def test_the_process_sync_command_prints_each_bad_file_and_exits_non_zero(tmp_path):
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("process_sync", str(_library(tmp_path)), stdout=out)
    text = out.getvalue()
    assert text.count("FEHLERHAFT / BROKEN") == len(_bad_files()) + 1
    assert "neu veröffentlicht / published: hundesteuer-anmeldung" in text
    assert ProcessVersion.objects.filter(process__identifier=GOOD).exists()


def test_a_file_over_the_size_limit_is_refused_without_loading_it(tmp_path):
    library = tmp_path / "lib"
    (library / "riesig").mkdir(parents=True)
    with open(library / "riesig" / "1.0.0.json", "wb") as handle:
        handle.write(b'{"x": "' + b"a" * (3 * 1024 * 1024) + b'"}')
    report = process_sync(directory=library)
    [entry] = report.failed
    assert "zu groß" in entry.message
