"""Case-file PDF per shipped process: our render vs a raw WeasyPrint render of the same HTML.

On the run's PostgreSQL database (shipped library and demo data loaded by run.py), submits
the first valid sample answer file of each shipped process through `case_submit` (uploads
stored as in the citizen flow, the pipeline not run), then measures per case, serially:
  - ours: `casefile_pdf(case)` — what `casefile_render` spends on generation: building the
    HTML (database reads, presenter, template) plus `html_to_pdf` (shared FontConfiguration,
    cached CSS, pdf/ua-1, two embedded JSON files);
  - the HTML-building share alone (`casefile_html`);
  - the physical floor: the same HTML (stylesheet inlined) through a fresh default
    WeasyPrint setup, `weasyprint.HTML(string=html).write_pdf()` (new fonts, no tagging,
    no attachments).
The three are measured in interleaved rounds (ours, html, raw, ours, …) so that load from
other processes hits them alike; each is reported as the median wall-clock time and the
median CPU time of this process (steadier on a shared machine). Ratios use CPU time.
Last, the municipality's logo in the letterhead: the first sample without a logo, with a
PNG and with an SVG logo (`letterhead_logo`).
Run by bench/run.py (`make bench`) on the run's PostgreSQL database; `python bench/pdf.py`
runs it alone; BENCH_PDF_OUT=DIR also writes one PDF per sample there.
"""

from __future__ import annotations

import io
import os
import statistics
import time
from pathlib import Path
from unittest import mock

from common import ROOT, Context, Figure, load_sample, sample_files, standalone


def setup() -> list:
    """A fresh database with the shipped library; returns [(sample path, Case)]."""
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from forms_engine.cases.services import case_submit
    from forms_engine.catalog.models import Municipality
    from forms_engine.catalog.selectors import current_versions, version_definition
    from forms_engine.citizen.uploads import upload_store
    from forms_engine.core.answer_fields import upload_spec_for
    from tests.conftest import MUSTERSTADT_ARS, substitute_files

    municipality = Municipality.objects.get(ars=MUSTERSTADT_ARS)
    # The versions the municipality offers (an older published one is no longer offered).
    versions = {v.process.identifier: v for v in current_versions()}
    cases = []
    for process_id, version in sorted(versions.items()):
        definition = version_definition(version)
        for path in sample_files(process_id, "valid")[:1]:  # one sample per process
            tokens = {}

            def upload(name, pointer, version=version, definition=definition, tokens=tokens):
                raw = (ROOT / "fixtures" / "uploads" / name).read_bytes()
                stored, token = upload_store(
                    file=SimpleUploadedFile(name, raw),
                    process_version=version,
                    field_pointer=pointer,
                    upload_spec=upload_spec_for(definition, pointer),
                )
                tokens[stored.ref] = token
                return stored.ref

            data = load_sample(path)
            level = (definition.doc.get("identity") or {}).get("level", "none")
            identity = None
            if level != "none":
                from tests.identity.helpers import sample_identity

                identity = sample_identity(level)
            with mock.patch("forms_engine.cases.pipeline.pipeline_enqueue", return_value=True):
                case = case_submit(
                    identity=identity,
                    process_version=version,
                    municipality=municipality,
                    answers=substitute_files(data["answers"], "", upload),
                    declarations=data["declarations"],
                    submission_key=f"bench:{path.parent.name}/{path.stem}",
                    upload_owner=tokens,
                )
            cases.append((path, case))
    return cases


def interleaved(fns: dict, repeat: int, warmup: int = 2) -> dict[str, tuple[float, float]]:
    """name -> (median wall ms, median CPU ms), calling the functions in turn each round."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in fns}
    for round_ in range(warmup + repeat):
        for name, fn in fns.items():
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            if round_ >= warmup:
                samples[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return {
        name: (
            statistics.median(w for w, _ in values) * 1000,
            statistics.median(c for _, c in values) * 1000,
        )
        for name, values in samples.items()
    }


def main(ctx: Context) -> list[Figure]:
    repeat = ctx.scale(5, 2)
    out = Path(os.environ["BENCH_PDF_OUT"]) if os.environ.get("BENCH_PDF_OUT") else None
    cases = setup()
    import weasyprint
    from pypdf import PdfReader

    from forms_engine.cases.casefile import STYLESHEET, casefile_html, casefile_pdf

    css = STYLESHEET.read_text(encoding="utf-8")
    rows = []
    print(f"== Case-file PDF per submission (medians over {repeat} interleaved rounds)")
    print(
        f"{'process':24} {'sample':36} {'pages':>5} {'ours ms':>13} {'raw ms':>13} "
        f"{'ours/raw':>8} {'html ms':>7} {'html %':>6}"
    )
    print(f"{'':67} {'wall / CPU':>13} {'wall / CPU':>13} {'CPU':>8} {'CPU':>7}")
    for path, case in cases:
        html = casefile_html(case)
        # The floor: the same document for a default WeasyPrint, stylesheet inlined.
        raw_html = html.replace("</head>", f"<style>{css}</style></head>", 1)
        pdf = casefile_pdf(case)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{path.parent.name}-{path.stem}.pdf").write_bytes(pdf)
        got = interleaved(
            {
                "ours": lambda c=case: casefile_pdf(c),
                "html": lambda c=case: casefile_html(c),
                "raw": lambda h=raw_html: weasyprint.HTML(string=h).write_pdf(),
            },
            repeat,
            warmup=1,
        )
        (ours_w, ours_c), (_, html_c), (raw_w, raw_c) = got["ours"], got["html"], got["raw"]
        rows.append(
            {
                "process": path.parent.name,
                "sample": path.stem,
                "pages": pages,
                "ours_ms": ours_w,
                "ours_cpu_ms": ours_c,
                "html_cpu_ms": html_c,
                "raw_ms": raw_w,
                "raw_cpu_ms": raw_c,
            }
        )
        print(
            f"{path.parent.name:24} {path.stem:36} {pages:>5} {ours_w:6.0f} / {ours_c:4.0f} "
            f"{raw_w:6.0f} / {raw_c:4.0f} {ours_c / raw_c:8.2f} {html_c:7.1f} "
            f"{100 * html_c / ours_c:5.1f}%"
        )
    total = {k: sum(r[k] for r in rows) for k in ("ours_cpu_ms", "raw_cpu_ms", "html_cpu_ms")}
    print(
        f"all samples (CPU): ours {total['ours_cpu_ms']:.0f} ms, raw {total['raw_cpu_ms']:.0f} ms, "
        f"ratio {total['ours_cpu_ms'] / total['raw_cpu_ms']:.2f}, "
        f"HTML building {100 * total['html_cpu_ms'] / total['ours_cpu_ms']:.1f}% of ours"
    )
    figures = [
        Figure(
            f"case file PDF {r['process']} / {r['sample']}, CPU",
            r["ours_cpu_ms"],
            "ms CPU",
            "cpu",
        )
        for r in rows
    ]
    figures += [
        Figure(
            "case file PDF, median over samples, CPU",
            statistics.median(r["ours_cpu_ms"] for r in rows),
            "ms CPU",
            "cpu",
        ),
        Figure(
            "raw WeasyPrint of the same HTML, median, CPU",
            statistics.median(r["raw_cpu_ms"] for r in rows),
            "ms CPU",
            "cpu",
        ),
        Figure(
            "case file ÷ raw WeasyPrint (CPU, all samples)",
            total["ours_cpu_ms"] / total["raw_cpu_ms"],
            "×",
            None,
        ),
        Figure(
            "building the HTML, share of the case file",
            100 * total["html_cpu_ms"] / total["ours_cpu_ms"],
            "%",
            None,
        ),
    ]
    figures += letterhead_logo(cases[0][1], repeat)
    return figures


def letterhead_logo(case, repeat: int) -> list[Figure]:
    """The cost of the municipality's logo in the letterhead: the same case file without a
    logo, with a PNG (600×150 px) and with an SVG logo, in interleaved rounds. The logo is
    read and checked once per process (cached), so the rounds measure the rendering."""
    import tempfile

    from django.core.files.base import ContentFile
    from django.test import override_settings
    from PIL import Image

    from forms_engine.cases.casefile import casefile_pdf
    from forms_engine.cases.models import Case

    png = io.BytesIO()
    Image.new("RGB", (600, 150), (0, 75, 135)).save(png, "PNG")
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 60">'
        b'<rect width="240" height="60" fill="#004b87"/>'
        b'<circle cx="30" cy="30" r="20" fill="#fff"/></svg>'
    )
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        variants = {}
        for name, content in (("none", None), ("png", png.getvalue()), ("svg", svg)):
            copy = Case.objects.select_related("process_version", "municipality", "authority").get(
                pk=case.pk
            )
            if content is not None:
                copy.municipality.logo.save(f"bench-logo.{name}", ContentFile(content), save=False)
            variants[name] = copy
        got = interleaved({n: (lambda c=c: casefile_pdf(c)) for n, c in variants.items()}, repeat)
    base = got["none"][1]
    print(
        f"letterhead logo ({case.process_version.process.identifier}): "
        + ", ".join(f"{n} {cpu:.0f} ms CPU" for n, (_, cpu) in got.items())
    )
    return [
        Figure("case file PDF without logo, CPU", base, "ms CPU", "cpu"),
        Figure("case file PDF with a PNG logo, CPU", got["png"][1], "ms CPU", "cpu"),
        Figure("case file PDF with an SVG logo, CPU", got["svg"][1], "ms CPU", "cpu"),
        Figure("PNG logo ÷ no logo (CPU)", got["png"][1] / base, "×", None),
        Figure("SVG logo ÷ no logo (CPU)", got["svg"][1] / base, "×", None),
    ]


if __name__ == "__main__":
    standalone("pdf")
