"""German first, English second: every interface text has its English translation."""

import re
from pathlib import Path

import pytest
from django.conf import settings

CATALOGS = sorted(Path(settings.BASE_DIR).glob("**/locale/en/LC_MESSAGES/django.po"))
CATALOGS = [p for p in CATALOGS if ".venv" not in p.parts and "node_modules" not in p.parts]


def entries(po: Path):
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr ((?:".*"\n?)+)', block, re.M)
        if msgid and msgstr:
            text = "".join(re.findall(r'"(.*)"', msgid[1]))
            translation = "".join(re.findall(r'"(.*)"', msgstr[1]))
            yield text, translation, "#, fuzzy" in block


def test_there_are_english_catalogs():
    assert len(CATALOGS) >= 2


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_every_text_is_translated_and_none_is_fuzzy(po):
    missing = [m for m, t, fuzzy in entries(po) if m and (not t or fuzzy)]

    assert missing == []


def test_the_compiled_catalogs_are_current():
    from django.utils import translation

    with translation.override("en"):
        # Strings added last (status page, clerk inbox): stale .mo files would miss them.
        assert translation.gettext("Stand Ihres Antrags") == "Status of your application"
        assert translation.gettext("Verlauf") == "History"
