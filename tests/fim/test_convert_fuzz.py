"""FIM import, generated input: whatever field the parser reads, the converter makes a
definition that passes check_definition and compiles, and never raises."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms_engine.definitions import check_definition, compile_definition
from forms_engine.fim.convert import fim_to_definition
from forms_engine.fim.model import FimError
from forms_engine.fim.xdf import parse_xdf

from .answers import valid_answers
from .test_convert_cases import field, group, schema

ANZAHL = ["1:1", "0:1", "0:*", "1:*", "2:5", "1:3"]
FELDART = ["input", "select", "label", "hidden", "locked"]
DATENTYP = [
    "text",
    "text_latin",
    "date",
    "datetime",
    "time",
    "num",
    "num_int",
    "num_currency",
    "bool",
    "file",
    "obj",
    "",
]
PATTERNS = ["", "[0-9]+", "^(?=a)b$", "(a)\\1", "a{5000}", "[", "^\\p{L}+$", "x" * 1200]
VALUES = ["", "1", "-5", "2020-01-01", "08:00", "abc", "1e400", "12.345", "99999999999"]
MEDIA = ["application/pdf", "image/jpg", "application/json", "text/plain"]


@st.composite
def fields(draw, index: int):
    attrs = {}
    for name, choices in (
        ("minLength", ["", "0", "1", "3", "200000"]),
        ("maxLength", ["", "1", "2", "50", "200000"]),
        ("minValue", VALUES),
        ("maxValue", VALUES),
        ("pattern", PATTERNS),
    ):
        value = draw(st.sampled_from(choices))
        if value:
            attrs[name] = value
    extra = ""
    if attrs:
        extra += (
            "<xdf:praezisierung " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items()) + "/>"
        )
    inhalt = draw(st.sampled_from(["", "true", "abc", "2020-01-01", "3", "12.50"]))
    if inhalt:
        extra += f"<xdf:inhalt>{escape(inhalt)}</xdf:inhalt>"
    feldart = draw(st.sampled_from(FELDART))
    if feldart == "select" and draw(st.booleans()):
        codes = draw(st.lists(st.sampled_from(["01", "02", "03"]), min_size=1, max_size=4))
        extra += (
            "<xdf:werte>"
            + "".join(
                f"<xdf:wert><xdf:code>{c}</xdf:code><xdf:name>Wert {c}</xdf:name></xdf:wert>"
                for c in codes
            )
            + "</xdf:werte>"
        )
    for media in draw(st.lists(st.sampled_from(MEDIA), max_size=3)):
        extra += f"<xdf:mediaType>{media}</xdf:mediaType>"
    if draw(st.booleans()):
        extra += "<xdf:maxSize>" + draw(st.sampled_from(["10", "2097152"])) + "</xdf:maxSize>"
    fim_id = f"F6000000000{draw(st.integers(min_value=0, max_value=index))}"
    return field(
        fim_id,
        datentyp=draw(st.sampled_from(DATENTYP)),
        feldart=feldart,
        label=draw(st.sampled_from(["Feld", None, "Sehr langes Feld " * 3])),
        extra=extra,
        anzahl=draw(st.sampled_from(ANZAHL)),
    )


@st.composite
def messages(draw):
    children = []
    for index in range(draw(st.integers(min_value=0, max_value=6))):
        inner = draw(st.lists(fields(index), max_size=4))
        kind = draw(st.sampled_from(["field", "group", "nested"]))
        if kind == "field":
            children.append(draw(fields(index)))
        elif kind == "group":
            gid = f"G6000000000{draw(st.integers(min_value=0, max_value=2))}"
            children.append(group(gid, *inner, anzahl=draw(st.sampled_from(ANZAHL))))
        else:
            children.append(
                group(
                    "G60000000009",
                    group("G60000000008", *inner, anzahl=draw(st.sampled_from(ANZAHL))),
                    *draw(st.lists(fields(index), max_size=2)),
                )
            )
    return schema(*children)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages())
def test_generated_messages_convert_to_valid_definitions(data):
    try:
        parsed = parse_xdf(data)
    except FimError:
        return
    conversion = fim_to_definition(parsed)
    assert check_definition(conversion.definition) == []
    definition = compile_definition(conversion.definition)
    for issue in conversion.warnings[len(parsed.warnings) :]:
        assert issue.message and issue.message_en and issue.pointer
    try:
        answers = valid_answers(definition)
    except AssertionError:  # a required field with a FIM pattern: no generic value
        return
    assert definition.validate_answers(answers, today="2026-12-01") == []
