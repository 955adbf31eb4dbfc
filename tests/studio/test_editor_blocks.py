"""Text blocks on the editor's step page over HTTP: add, edit, move, delete; stale revisions
and bad input refused without a change."""

import pytest
from django.urls import reverse

from forms_engine.catalog.models import ProcessVersion
from forms_engine.definitions import check_definition, compile_definition

pytestmark = pytest.mark.django_db


def step_url(version):
    return reverse("studio:editor-step", args=[version.pk, 0])


def fresh(version) -> ProcessVersion:
    return ProcessVersion.objects.get(pk=version.pk)


def blocks(version):
    return fresh(version).definition["steps"][0].get("ui", {}).get("blocks", [])


def post(client, version, **data):
    data.setdefault("revision", fresh(version).revision)
    return client.post(step_url(version), data)


def add(client, version, text, before="", text_en=""):
    response = post(
        client,
        version,
        **{
            "action": "block-add",
            "newblock-text": text,
            "newblock-text_en": text_en,
            "newblock-before": before,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def test_page_offers_a_text_block_next_to_fields(client_for, designer, draft):
    text = client_for(designer).get(step_url(draft)).content.decode()
    assert "Textblock (nur Hinweistext, keine Eingabe)" in text
    assert "Noch keine Textblöcke." in text
    assert "vor Feld „Zweck“" in text and "am Ende" in text
    # not a field type: the field form's type list does not offer it
    field_types = text.split('id="id_new-type"')[1].split("</select>")[0]
    assert "Textblock" not in field_types


def test_add_edit_move_and_delete_a_block(client_for, designer, draft):
    client = client_for(designer)
    response = add(client, draft, "Bitte halten Sie Ihre Unterlagen bereit.", before="zweck")
    assert response.url.endswith("#textblock-0")
    assert blocks(draft) == [
        {
            "id": "bitte_halten_sie_ihre_unterlag",
            "before": "zweck",
            "text": {"de": "Bitte halten Sie Ihre Unterlagen bereit."},
        }
    ]
    add(client, draft, "Danke.", text_en="Thank you.")
    assert blocks(draft)[1] == {"id": "danke", "text": {"de": "Danke.", "en": "Thank you."}}
    assert check_definition(fresh(draft).definition) == []
    page = client.get(step_url(draft)).content.decode()
    assert "Bitte halten Sie Ihre Unterlagen bereit." in page and "Danke." in page

    # edit the first: new text, English, now before "name"
    response = post(
        client,
        draft,
        **{
            "action": "block-save",
            "block": "0",
            "block0-text": "Unterlagen bereithalten.",
            "block0-text_en": "Have your documents ready.",
            "block0-before": "name",
        },
    )
    assert response.status_code == 302
    first = blocks(draft)[0]
    assert first["before"] == "name"
    assert first["text"] == {"de": "Unterlagen bereithalten.", "en": "Have your documents ready."}
    assert first["id"] == "bitte_halten_sie_ihre_unterlag"  # the id stays

    # the end block one place up: before the last field ("zweck")
    assert post(client, draft, action="block-up", block="1").status_code == 302
    assert blocks(draft)[1]["before"] == "zweck"
    # the first block down: past "name", now before "zweck" ahead of the other one there
    assert post(client, draft, action="block-down", block="0").status_code == 302
    assert [b.get("before") for b in blocks(draft)] == ["zweck", "zweck"]
    assert [b["id"] for b in blocks(draft)] == ["bitte_halten_sie_ihre_unterlag", "danke"]
    # down twice more: to the end, then it cannot move further (refused, no change)
    assert post(client, draft, action="block-down", block="1").status_code == 302
    assert "before" not in blocks(draft)[1]
    before = fresh(draft).revision
    response = post(client, draft, action="block-down", block="1")
    assert response.status_code == 400
    assert "Weiter geht es nicht." in response.content.decode()
    assert fresh(draft).revision == before

    compiled = compile_definition(fresh(draft).definition)
    assert [b.id for b in compiled.steps[0].blocks] == ["bitte_halten_sie_ihre_unterlag", "danke"]

    assert post(client, draft, action="block-delete", block="0").status_code == 302
    assert [b["id"] for b in blocks(draft)] == ["danke"]
    assert post(client, draft, action="block-delete", block="0").status_code == 302
    assert "ui" not in fresh(draft).definition["steps"][0]


def test_stale_revision_is_refused(client_for, designer, draft):
    client = client_for(designer)
    add(client, draft, "Erster Hinweis.")
    stale = fresh(draft).revision - 1
    response = post(
        client,
        draft,
        revision=stale,
        **{"action": "block-add", "newblock-text": "Zweiter Hinweis.", "newblock-before": ""},
    )
    assert response.status_code == 400
    assert [b["text"]["de"] for b in blocks(draft)] == ["Erster Hinweis."]
    page = response.content.decode()
    assert "Ihre Änderung wurde nicht gespeichert" in page
    assert "Erster Hinweis." in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"newblock-text": "", "newblock-before": ""}, "Dieses Feld ist zwingend erforderlich."),
        ({"newblock-text": "Hinweis", "newblock-before": "gibt_es_nicht"}, "gibt_es_nicht"),
    ],
)
def test_bad_input_changes_nothing(client_for, designer, draft, data, message):
    client = client_for(designer)
    before = fresh(draft).revision
    response = post(client, draft, action="block-add", **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert fresh(draft).revision == before and blocks(draft) == []


def test_unknown_block_index_is_refused(client_for, designer, draft):
    client = client_for(designer)
    for action in ("block-up", "block-delete"):
        response = post(client, draft, action=action, block="7")
        assert response.status_code == 400
        assert "Diesen Textblock gibt es nicht." in response.content.decode()
    response = post(client, draft, action="block-delete", block="x")
    assert response.status_code == 400


def test_deleting_a_field_keeps_its_blocks_valid(client_for, designer, draft):
    client = client_for(designer)
    add(client, draft, "Zum Namen.", before="name")
    add(client, draft, "Zum Zweck.", before="zweck")
    delete = reverse("studio:editor-field-delete", args=[draft.pk, 0, "name"])
    response = client.post(delete, {"revision": fresh(draft).revision})
    assert response.status_code == 302
    assert [b.get("before") for b in blocks(draft)] == ["zweck", "zweck"]
    delete = reverse("studio:editor-field-delete", args=[draft.pk, 0, "zweck"])
    client.post(delete, {"revision": fresh(draft).revision})
    assert [b.get("before") for b in blocks(draft)] == [None, None]
    assert not [p for p in check_definition(fresh(draft).definition) if "blocks" in p.pointer]


def test_reader_sees_blocks_but_cannot_change_them(client_for, reviewer, designer, draft):
    add(client_for(designer), draft, "Sichtbar für alle.")
    client = client_for(reviewer)
    page = client.get(step_url(draft)).content.decode()
    assert "Sichtbar für alle." in page
    assert 'value="block-delete"' not in page
    response = post(client, draft, action="block-delete", block="0")
    assert response.status_code == 403
    assert len(blocks(draft)) == 1


def test_the_preview_shows_the_block_before_its_field(client_for, designer, draft):
    from .test_preview import _start, _step_url

    client = client_for(designer)
    add(client, draft, "Wozu brauchen Sie die Straße?", before="zweck")
    preview_id = _start(client, fresh(draft))
    page = client.get(_step_url(preview_id, "antrag")).content.decode()
    block = page.index("Wozu brauchen Sie die Straße?")
    assert page.index('name="name"') < block < page.index('name="zweck"')
