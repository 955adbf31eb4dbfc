"""The accessibility check itself is not vacuous: axe-core runs and reports real violations."""

from .conftest import axe_violations


def test_axe_reports_a_missing_label_and_missing_alt_text(page):
    page.set_content(
        '<html lang="de"><head><title>Probe</title></head><body><main><h1>Probe</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text">'
        "</main></body></html>"
    )

    found = {v["id"] for v in axe_violations(page)}

    assert {"image-alt", "label"} <= found
