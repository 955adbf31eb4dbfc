"""FIM XDatenfelder import (studio.fim_import): the service, `manage.py fim_import` and the
studio's upload and result pages, for every file in ../shared/reference/fim/.

Each import makes a draft that passes the definition check and that a citizen can complete
(the required answers a person would give validate), stores the XML unchanged with its
warnings and to-do list, installs the code lists given; a broken or hostile file, a taken
process id or a user without the designer role changes nothing."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from forms_engine.catalog.models import FimSource, Process, ProcessVersion
from forms_engine.core.models import AuditEntry
from forms_engine.definitions import check_definition, compile_definition
from forms_engine.definitions.fields import resolve
from forms_engine.fim.genericode import parse_genericode
from forms_engine.fim.xdf import parse_xdf
from forms_engine.library.models import SharedItem
from forms_engine.studio.fim_import import FimImportRefused, fim_import

from .fim_answers import minimal_answers

REFERENCE = Path(settings.BASE_DIR).parent / "shared" / "reference" / "fim"
CODELISTS = Path(settings.BASE_DIR) / "tests" / "fim" / "data"
REFERENCE_FILES = sorted(REFERENCE.glob("*.xml")) if REFERENCE.is_dir() else []
BLAUE_KARTE = REFERENCE / "xdf2-S00000121-blaue-karte.xml"
SIMPLE = REFERENCE / "xdf2-sample-simple.xml"
SELECT = REFERENCE / "xdf2-sample-select.xml"
# the reference files and the XDF 3.0.0 schema-message fixture of tests/fim
IMPORTED = [*REFERENCE_FILES, CODELISTS / "xdf3-schema-message.xml"]

pytestmark = pytest.mark.skipif(not REFERENCE_FILES, reason=f"no reference files in {REFERENCE}")


def _ids(paths):
    return [p.stem for p in paths]


def _counts() -> dict:
    return {
        "processes": Process.objects.count(),
        "versions": ProcessVersion.objects.count(),
        "sources": FimSource.objects.count(),
        "shared": SharedItem.objects.count(),
        "audit": AuditEntry.objects.filter(action="process.fim_imported").count(),
    }


def _upload_free(answers):
    """Answers as stored after upload: "@file:…" becomes an upload reference."""
    if isinstance(answers, dict):
        return {k: _upload_free(v) for k, v in answers.items()}
    if isinstance(answers, list):
        return [_upload_free(v) for v in answers]
    if isinstance(answers, str) and answers.startswith("@file:"):
        return "upload:00000000-0000-4000-8000-000000000000"
    return answers


def _walk_fim(node, found):
    if isinstance(node, dict):
        mark = node.get("x-fim")
        if isinstance(mark, dict) and mark.get("id"):
            found.setdefault(mark["id"], []).append(node)
        for key, value in node.items():
            if key != "x-fim":
                _walk_fim(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk_fim(value, found)
    return found


def _options(nodes, defs) -> set:
    options = set()
    for node in nodes:
        node = resolve(node, defs)
        items = resolve(node.get("items") or {}, defs)
        for alt in node.get("oneOf") or items.get("oneOf") or []:
            options.add(alt.get("const"))
    return options


# --- the service, every reference file --------------------------------------------------------


@pytest.mark.parametrize("path", IMPORTED, ids=_ids(IMPORTED))
def test_every_reference_file_imports_into_a_clean_draft_a_citizen_can_complete(
    path, studio_publisher, designer
):
    xml = path.read_bytes()
    result = fim_import(xml=xml, publisher=studio_publisher, by=designer)

    version = result.version
    assert version.status == ProcessVersion.Status.DRAFT
    assert version.process.publisher == studio_publisher
    assert check_definition(version.definition) == []
    compiled = compile_definition(version.definition)
    answers = _upload_free(minimal_answers(version.definition))
    assert compiled.validate_answers(answers) == []

    source = FimSource.objects.get(process=version.process)
    schema = parse_xdf(xml)
    assert source.version == version
    assert bytes(source.source) == xml
    assert source.sha256 == hashlib.sha256(xml).hexdigest()
    assert (source.fim_id, source.fim_version, source.xdf_version) == (
        schema.id,
        schema.version,
        schema.xdf_version,
    )
    assert source.legal_basis == "\n".join(schema.bezug)
    assert source.warnings == result.warnings
    assert source.todo == result.todo
    assert source.imported_by == designer
    for entry in source.warnings + source.todo:
        assert entry["code"] and entry["message"] and entry["message_en"]
    assert version.definition["x-fim"]["id"] == schema.id
    assert AuditEntry.objects.filter(
        action="process.fim_imported", data__version_id=version.pk
    ).exists()
    assert version.revisions.get().note.startswith("FIM-Import")


@pytest.mark.parametrize("path", IMPORTED, ids=_ids(IMPORTED))
def test_labels_required_ness_and_choices_match_the_xml(path, studio_publisher, designer):
    """Every FIM input field appears with its label, required when its anzahl says so (and its
    groups are required), with the codes of its list when the list was given."""
    schema = parse_xdf(path.read_bytes())
    codelists = [(p.name, p.read_bytes()) for p in sorted(CODELISTS.glob("*.gc.xml"))]
    result = fim_import(
        xml=path.read_bytes(), codelists=codelists, publisher=studio_publisher, by=designer
    )
    found = _walk_fim(result.version.definition, {})
    defs = result.version.definition.get("$defs") or {}
    elements = list(schema.iter_elements())
    given = {c.key: c for c in (parse_genericode(data) for _name, data in codelists)}
    for element in elements:
        field = element.element
        if element.is_group or field.is_label:
            continue
        if field.id not in found:
            # not imported: then a warning names it
            assert any(w["fim_id"] == field.id for w in result.warnings), field.id
            continue
        nodes = found[field.id]
        assert any(n.get("title") == field.label for n in nodes), (field.id, field.label)
        if field.is_select and field.codeliste is not None and field.codeliste.key in given:
            codes = set(given[field.codeliste.key].codes)
            assert _options(nodes, defs) == codes, field.id
        elif field.is_select and field.werte:
            assert _options(nodes, defs) == {v.code for v in field.werte}, field.id
    # required-ness: a top-level required field is required in its step
    compiled = compile_definition(result.version.definition)
    by_fim = {}
    for step in compiled.steps:
        for f in step.fields():
            mark = f.schema.get("x-fim") or {}
            if mark.get("id"):
                by_fim.setdefault(mark["id"], []).append(f)
    for element in schema.children:
        if element.is_group or element.element.is_label or element.id not in by_fim:
            continue
        assert any(f.required == element.required for f in by_fim[element.id]), element.id


def test_code_lists_given_are_installed_as_versioned_shared_items(studio_publisher, designer):
    codelists = [(p.name, p.read_bytes()) for p in sorted(CODELISTS.glob("*.gc.xml"))]
    result = fim_import(
        xml=BLAUE_KARTE.read_bytes(), codelists=codelists, publisher=studio_publisher, by=designer
    )
    assert result.codelists_installed, result.codelists_installed
    for entry in result.codelists_installed:
        item = SharedItem.objects.get(
            kind=SharedItem.Kind.CODELIST, identifier=entry["id"], version=entry["version"]
        )
        assert entry["new"] is True
        assert item.document["kind"] == "codelist"
    source = result.source
    assert len(source.codelists) == len(codelists)
    # fewer code lists missing than without them
    without = fim_import(
        xml=BLAUE_KARTE.read_bytes(),
        publisher=studio_publisher,
        by=designer,
        process_id="blaue-karte-ohne-listen",
        dry_run=True,
    )
    assert len(without.todo) > len(result.todo)

    # the same lists again (another import): reused, not duplicated
    before = SharedItem.objects.count()
    again = fim_import(
        xml=BLAUE_KARTE.read_bytes(),
        codelists=codelists,
        publisher=studio_publisher,
        by=designer,
        process_id="blaue-karte-zwei",
    )
    assert SharedItem.objects.count() == before
    assert all(entry["new"] is False for entry in again.codelists_installed)


def test_a_code_list_version_with_other_content_is_refused(studio_publisher, designer):
    data = (CODELISTS / "geschlecht.gc.xml").read_bytes()
    fim_import(
        xml=BLAUE_KARTE.read_bytes(),
        codelists=[("geschlecht.gc.xml", data)],
        publisher=studio_publisher,
        by=designer,
    )
    changed = re.sub(rb"(<SimpleValue>)([^<]+)(</SimpleValue>)", rb"\1\2 (neu)\3", data, count=2)
    assert changed != data
    before = _counts()
    with pytest.raises(FimImportRefused) as refused:
        fim_import(
            xml=BLAUE_KARTE.read_bytes(),
            codelists=[("geschlecht.gc.xml", changed)],
            publisher=studio_publisher,
            by=designer,
            process_id="blaue-karte-zwei",
        )
    assert "anderem Inhalt" in refused.value.message
    assert "other content" in refused.value.message_en
    assert _counts() == before


def test_dry_run_writes_nothing(studio_publisher, designer):
    before = _counts()
    result = fim_import(
        xml=SELECT.read_bytes(), publisher=studio_publisher, by=designer, dry_run=True
    )
    assert result.version is None and result.source is None
    assert result.definition["steps"]
    assert _counts() == before


# --- refusals: nothing written ----------------------------------------------------------------

HOSTILE = {
    "malformed": b"<?xml version='1.0'?><xdf:a xmlns:xdf='urn:x'>",
    "not_fim": b"<?xml version='1.0'?><html><body>hallo</body></html>",
    "billion_laughs": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b"<lolz>&lol3;</lolz>"
    ),
    "external_entity": (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    ),
    "nul": b"<?xml version='1.0'?>\x00<x/>",
    "empty": b"",
    "binary": bytes(range(256)) * 4,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_broken_and_hostile_files_are_refused_with_nothing_written(
    name, studio_publisher, designer
):
    before = _counts()
    with pytest.raises(FimImportRefused) as refused:
        fim_import(xml=HOSTILE[name], publisher=studio_publisher, by=designer)
    assert refused.value.code.startswith("fim.")
    assert refused.value.message and refused.value.message_en
    assert _counts() == before


def test_a_hostile_code_list_is_refused_naming_the_file(studio_publisher, designer):
    before = _counts()
    with pytest.raises(FimImportRefused) as refused:
        fim_import(
            xml=SELECT.read_bytes(),
            codelists=[("liste.xml", HOSTILE["billion_laughs"])],
            publisher=studio_publisher,
            by=designer,
        )
    assert refused.value.file == "liste.xml"
    assert "liste.xml" in refused.value.message
    assert _counts() == before


def test_a_taken_process_id_is_refused(studio_publisher, designer):
    first = fim_import(xml=SIMPLE.read_bytes(), publisher=studio_publisher, by=designer)
    before = _counts()
    with pytest.raises(FimImportRefused) as refused:
        fim_import(xml=SIMPLE.read_bytes(), publisher=studio_publisher, by=designer)
    assert refused.value.code == "fim.process_taken"
    assert "--process-id" in refused.value.message_en
    assert _counts() == before
    other = fim_import(
        xml=SIMPLE.read_bytes(), publisher=studio_publisher, by=designer, process_id="zweiter"
    )
    assert other.process.identifier == "zweiter" != first.process.identifier


@pytest.mark.parametrize("process_id", ["X", "Gross-Buchstaben", "mit leerzeichen", "a" * 65])
def test_an_invalid_process_id_is_refused(process_id, studio_publisher, designer):
    before = _counts()
    with pytest.raises(FimImportRefused) as refused:
        fim_import(
            xml=SIMPLE.read_bytes(), publisher=studio_publisher, by=designer, process_id=process_id
        )
    assert refused.value.code == "fim.process_id_invalid"
    assert _counts() == before


def test_only_designers_of_the_publisher_may_import(
    studio_publisher, reviewer, outsider, other_designer, clerk_steuer
):
    before = _counts()
    for user in (reviewer, outsider, other_designer, clerk_steuer):
        with pytest.raises(FimImportRefused) as refused:
            fim_import(xml=SIMPLE.read_bytes(), publisher=studio_publisher, by=user)
        assert refused.value.code == "fim.forbidden"
    assert _counts() == before


# --- the command ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", REFERENCE_FILES, ids=_ids(REFERENCE_FILES))
def test_the_command_imports_and_prints_draft_warnings_and_todo(path, studio_publisher):
    out = io.StringIO()
    call_command("fim_import", str(path), "--publisher", studio_publisher.slug, stdout=out)
    text = out.getvalue()
    source = FimSource.objects.get()
    version = source.version
    assert f"(id {version.pk})" in text
    assert reverse("studio:editor", args=[version.pk]) in text
    assert f"Warnungen / warnings: {len(source.warnings)}" in text
    assert f"Offene Punkte / to do: {len(source.todo)}" in text
    for entry in source.warnings + source.todo:
        assert entry["message"] in text
    assert source.imported_by is None


def test_the_command_takes_code_lists_process_id_and_dry_run(studio_publisher):
    lists = []
    for path in sorted(CODELISTS.glob("*.gc.xml")):
        lists += ["--codelist", str(path)]
    out = io.StringIO()
    call_command(
        "fim_import",
        str(BLAUE_KARTE),
        *lists,
        "--publisher",
        studio_publisher.slug,
        "--process-id",
        "blaue-karte",
        "--dry-run",
        stdout=out,
    )
    assert "Probelauf" in out.getvalue()
    assert not FimSource.objects.exists()
    call_command(
        "fim_import",
        str(BLAUE_KARTE),
        *lists,
        "--publisher",
        studio_publisher.slug,
        "--process-id",
        "blaue-karte",
        stdout=out,
    )
    assert Process.objects.filter(publisher=studio_publisher, identifier="blaue-karte").exists()
    assert "Codeliste / code list:" in out.getvalue()


@pytest.mark.parametrize("name", ["malformed", "billion_laughs", "nul"])
def test_the_command_refuses_a_broken_file_with_a_clear_message(name, tmp_path, studio_publisher):
    path = tmp_path / "kaputt.xml"
    path.write_bytes(HOSTILE[name])
    before = _counts()
    with pytest.raises(CommandError) as error:
        call_command("fim_import", str(path), "--publisher", studio_publisher.slug)
    assert "FIM-Import abgelehnt / FIM import refused [fim." in str(error.value)
    assert _counts() == before


def test_the_command_refuses_a_missing_file_and_an_unknown_publisher(tmp_path, studio_publisher):
    with pytest.raises(CommandError, match="fehlt.xml"):
        call_command("fim_import", str(tmp_path / "fehlt.xml"))
    with pytest.raises(CommandError, match="unknown publisher"):
        call_command("fim_import", str(SIMPLE), "--publisher", "gibtsnicht")


# --- the studio pages -------------------------------------------------------------------------


def _xml_upload(path: Path, name: str | None = None):
    return SimpleUploadedFile(name or path.name, path.read_bytes(), "text/xml")


def test_the_process_list_links_the_import_and_the_page_imports(client, designer, studio_publisher):
    client.force_login(designer)
    page = client.get(reverse("studio:processes"))
    assert reverse("studio:fim-import") in page.content.decode()
    page = client.get(reverse("studio:fim-import"))
    assert page.status_code == 200
    assert page["Cache-Control"].count("no-store") == 1
    response = client.post(
        reverse("studio:fim-import"),
        {
            "publisher": studio_publisher.pk,
            "xml": _xml_upload(BLAUE_KARTE),
            "codelists": [_xml_upload(p) for p in sorted(CODELISTS.glob("*.gc.xml"))],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    source = FimSource.objects.get()
    assert response["Location"] == reverse("studio:fim-import-result", args=[source.pk])
    assert len(source.codelists) == len(list(CODELISTS.glob("*.gc.xml")))
    result = client.get(response["Location"])
    content = result.content.decode()
    assert result.status_code == 200
    assert reverse("studio:editor", args=[source.version.pk]) in content
    assert "S00000121" in content and "§ 19a AufenthG" in content
    for entry in source.todo:
        assert entry["fim_id"] in content
    assert 'id="fim-ids"' in content
    # the process page shows where it came from, the checks page the to-do list
    process_page = client.get(reverse("studio:process", args=[source.process_id])).content
    assert b'id="fim-origin"' in process_page and b"S00000121" in process_page
    checks = client.get(reverse("studio:checks", args=[source.version.pk])).content.decode()
    assert 'id="fim-todo-title"' in checks


def test_the_page_shows_a_broken_file_as_a_form_error(client, designer, studio_publisher):
    client.force_login(designer)
    before = _counts()
    response = client.post(
        reverse("studio:fim-import"),
        {
            "publisher": studio_publisher.pk,
            "xml": SimpleUploadedFile("kaputt.xml", HOSTILE["billion_laughs"], "text/xml"),
        },
    )
    assert response.status_code == 400
    assert 'id="id_xml-error"' in response.content.decode()
    assert _counts() == before


def test_the_page_refuses_a_taken_process_id_at_the_field(client, designer, studio_publisher):
    client.force_login(designer)
    data = {"publisher": studio_publisher.pk, "process_id": "mein-prozess"}
    assert (
        client.post(reverse("studio:fim-import"), {**data, "xml": _xml_upload(SIMPLE)}).status_code
        == 302
    )
    response = client.post(reverse("studio:fim-import"), {**data, "xml": _xml_upload(SIMPLE)})
    assert response.status_code == 400
    assert 'id="id_process_id-error"' in response.content.decode()


def test_the_page_refuses_an_oversized_upload(client, designer, studio_publisher, monkeypatch):
    from forms_engine.studio import fim_import_forms

    monkeypatch.setattr(fim_import_forms, "MAX_XML_BYTES", 1000)
    client.force_login(designer)
    before = _counts()
    response = client.post(
        reverse("studio:fim-import"),
        {"publisher": studio_publisher.pk, "xml": _xml_upload(BLAUE_KARTE)},
    )
    assert response.status_code == 400
    assert _counts() == before


def test_the_page_needs_a_designer_role_and_csrf(
    client, reviewer, outsider, other_designer, studio_publisher, designer
):
    client.force_login(reviewer)
    assert client.get(reverse("studio:fim-import")).status_code == 403
    client.force_login(outsider)
    assert client.get(reverse("studio:fim-import")).status_code == 403
    # another publisher's designer cannot choose this publisher
    client.force_login(other_designer)
    response = client.post(
        reverse("studio:fim-import"),
        {"publisher": studio_publisher.pk, "xml": _xml_upload(SIMPLE)},
    )
    assert response.status_code == 400
    assert not FimSource.objects.exists()
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(designer)
    response = strict.post(
        reverse("studio:fim-import"),
        {"publisher": studio_publisher.pk, "xml": _xml_upload(SIMPLE)},
    )
    assert response.status_code == 403
    assert not FimSource.objects.exists()


def test_the_result_page_is_only_for_who_may_see_the_process(
    client, designer, other_designer, studio_publisher
):
    result = fim_import(xml=SIMPLE.read_bytes(), publisher=studio_publisher, by=designer)
    client.force_login(other_designer)
    assert (
        client.get(reverse("studio:fim-import-result", args=[result.source.pk])).status_code == 404
    )


def test_english_result_page(client, designer, studio_publisher):
    result = fim_import(xml=BLAUE_KARTE.read_bytes(), publisher=studio_publisher, by=designer)
    client.force_login(designer)
    content = client.get(
        reverse("studio:fim-import-result", args=[result.source.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Open points" in content
    for entry in result.todo + result.warnings:
        assert escape(entry["message_en"]) in content
