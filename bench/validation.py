"""Full-answer-set validation time per submission, for every shipped process.

Measures `ProcessDefinition.validate_answers` (prune + composed data schema, jsonschema-rs,
engine formats, German messages) on each valid sample, and the pure-Python `jsonschema`
validating the same pruned answers against the same data schema, as the ratio that shows
why citizen data goes through jsonschema-rs.

Run by bench/run.py (`make bench`); `python bench/validation.py` runs it alone.
"""

from __future__ import annotations

import statistics

from common import (
    Context,
    Figure,
    latest_definitions,
    load_sample,
    median_ms,
    sample_files,
    standalone,
    substitute_uploads,
    timed,
)


def main(ctx: Context) -> list[Figure]:
    import django

    django.setup()
    import jsonschema

    repeat = ctx.scale(300, 50)

    from forms_engine.definitions import compile_definition
    from forms_engine.definitions.formats import CUSTOM_FORMATS

    checker = jsonschema.FormatChecker()
    for name, fn in CUSTOM_FORMATS.items():
        checker.checks(name)(fn)

    rows = []
    print(f"== Full answer-set validation per submission (median over {repeat} runs)")
    print(f"{'process':28} {'sample':36} {'engine ms':>10} {'py-jsonschema ms':>17} {'ratio':>7}")
    for process_id, doc in latest_definitions().items():
        definition = compile_definition(doc)
        py_validator = jsonschema.Draft202012Validator(
            definition.data_schema, format_checker=checker
        )
        for path in sample_files(process_id, "valid"):
            answers = substitute_uploads(load_sample(path)["answers"])
            assert definition.validate_answers(answers) == [], f"{path} should be valid"
            pruned = definition.prune(answers)
            assert not list(py_validator.iter_errors(pruned)), f"{path}: validators disagree"
            engine = median_ms(timed(lambda a=answers, d=definition: d.validate_answers(a), repeat))
            python = median_ms(
                timed(lambda p=pruned, v=py_validator: list(v.iter_errors(p)), repeat)
            )
            rows.append(
                {
                    "process": process_id,
                    "sample": path.stem,
                    "engine_ms": engine,
                    "python_ms": python,
                }
            )
            print(
                f"{process_id:28} {path.stem:36} {engine:10.3f} {python:17.3f} {python / engine:6.1f}x"
            )
    figures = [
        Figure(f"validate answers {r['process']} / {r['sample']}", r["engine_ms"]) for r in rows
    ]
    figures.append(
        Figure(
            "pure-Python jsonschema ÷ engine (jsonschema-rs), median over samples",
            statistics.median(r["python_ms"] / r["engine_ms"] for r in rows),
            "×",
            None,
        )
    )
    return figures


if __name__ == "__main__":
    standalone("validation")
