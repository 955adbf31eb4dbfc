"""FIM XDatenfelder import (issue 11): the largest reference file, end to end.

`../shared/reference/fim/xdf2-S00000121-blaue-karte.xml` (150 KB, "Antrag Blaue Karte
EU", XDatenfelder 2.0) through the importer's stages:

- parse (`fim.xdf.parse_xdf`: safe lxml parse, model with every id, label and rule);
- convert (`fim.convert.fim_to_definition`: steps per top-level group, checked process
  definition, warnings);
- the whole import as the studio and `manage.py fim_import` run it (`studio.fim_import.
  fim_import`: parse, convert, check, a new draft, the FIM source kept, audit; one
  transaction on PostgreSQL), each time into a new process id;
- the FIM-conformant output schemas derived from the source (`fim_json_schema`, `fim_xsd`).

    .venv/bin/python bench/run.py fim
"""

from __future__ import annotations

import time

from common import ROOT, Context, Figure, median_ms, standalone, timed

REFERENCE = ROOT.parent / "shared" / "reference" / "fim" / "xdf2-S00000121-blaue-karte.xml"


def main(ctx: Context) -> list[Figure]:
    import django

    django.setup()
    from forms_engine.catalog.models import Publisher
    from forms_engine.fim.convert import fim_to_definition
    from forms_engine.fim.output import fim_json_schema, fim_xsd
    from forms_engine.fim.xdf import parse_xdf
    from forms_engine.studio.fim_import import fim_import

    if not REFERENCE.exists():
        print(f"   {REFERENCE} is missing: FIM import not measured")
        return []
    data = REFERENCE.read_bytes()
    repeat = ctx.scale(20, 3)
    parse_ms = median_ms(timed(lambda: parse_xdf(data), repeat))
    schema = parse_xdf(data)
    convert_ms = median_ms(timed(lambda: fim_to_definition(schema), repeat))
    conversion = fim_to_definition(schema)
    fields = sum(1 for _ in _fields(conversion.definition))
    schemas_ms = median_ms(timed(lambda: (fim_json_schema(schema), fim_xsd(schema)), repeat))

    publisher = Publisher.objects.order_by("pk").first()
    counter = iter(range(10_000))

    def whole():
        fim_import(
            xml=data,
            publisher=publisher,
            by=None,
            process_id=f"bench-blaue-karte-{next(counter)}",
        )

    began = time.process_time()
    samples = timed(whole, ctx.scale(10, 2), warmup=1)
    cpu_ms = (time.process_time() - began) * 1000 / (ctx.scale(10, 2) + 1)
    note = f"{len(data) // 1024} KB, {fields} fields, {len(conversion.warnings)} warnings"
    return [
        Figure("FIM import, largest reference file: parse", parse_ms, note=note),
        Figure("FIM import, largest reference file: convert to a checked definition", convert_ms),
        Figure(
            "FIM import, largest reference file: whole import into a new draft", median_ms(samples)
        ),
        Figure(
            "FIM import, largest reference file: CPU of the whole import", cpu_ms, compare="cpu"
        ),
        Figure("FIM output schemas (JSON Schema + XSD) from the source", schemas_ms),
    ]


def _fields(node):
    if isinstance(node, dict):
        if isinstance(node.get("x-fim"), dict) and str(node["x-fim"].get("id", "")).startswith("F"):
            yield node
        for value in node.values():
            yield from _fields(value)
    elif isinstance(node, list):
        for value in node:
            yield from _fields(value)


if __name__ == "__main__":
    standalone("fim")
