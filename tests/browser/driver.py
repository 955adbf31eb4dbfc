"""Drives the citizen pages in a real browser like a person would: types, ticks, uploads, clicks.

Values come from a sample answer file, turned into the form's field naming by the same
`post_data` the test-client flow uses (tests/citizen/flow.py), so both flows agree on
what a sample means. After each page `on_page(label)` is called, e.g. to run axe-core.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile

from forms_engine.catalog.models import Process
from forms_engine.catalog.selectors import current_version, version_definition
from tests.citizen.flow import post_data
from tests.conftest import UPLOAD_FIXTURES

STEP_PATH = re.compile(r"/antrag/[0-9a-f-]{36}/(?P<step>[a-z][a-z0-9_]*)/$")


def start_application(page, municipality: str = "musterstadt") -> None:
    """Click "Antrag starten"; where several municipalities offer the process, first choose
    the citizen's own (Musterstadt) as a person would."""
    if page.locator("#btn-start").count() == 0 and page.locator("#finder-choices").count():
        # Offered by several municipalities: the shared page leads to the citizen's own.
        page.click(f'#finder-choices a[href^="/{municipality}/"]')
        page.wait_for_load_state()
    page.click("#btn-start")


def _dom(key: str) -> str:
    return key.replace(".", "-")


class BrowserFlow:
    def __init__(
        self,
        page,
        base_url: str,
        process_id: str,
        on_page: Callable[[str], None],
        municipality_slug: str = "musterstadt",
    ):
        self.page = page
        self.municipality_slug = municipality_slug
        self.base_url = base_url
        self.process_id = process_id
        self.on_page = on_page
        self.definition = version_definition(
            current_version(Process.objects.get(identifier=process_id))
        )
        self.steps_seen: list[str] = []

    # --- pages ---------------------------------------------------------------------------
    def open_catalog_and_start(self) -> None:
        page = self.page
        page.goto(self.base_url + "/")
        self.on_page("catalog")
        page.click(f'a[href="/leistungen/{self.process_id}/"]')
        # Wait for the start page itself: checking for its button before it loaded would
        # see the catalog still (a race that sent the flow down the finder path).
        page.wait_for_url(f"**/leistungen/{self.process_id}/*")
        page.wait_for_load_state()
        self.on_page("start")
        if page.locator("#btn-start").count() == 0 and page.locator("#finder-choices").count():
            # Offered by several municipalities: the shared page leads to the citizen's own.
            page.click(f'#finder-choices a[href^="/{self.municipality_slug}/"]')
            page.wait_for_load_state()
            self.on_page("start in the municipality")
        page.click("#btn-start")

    def current_step(self) -> str | None:
        match = STEP_PATH.search(self.page.url.split("?")[0])
        if match and match["step"] in {s.id for s in self.definition.steps}:
            return match["step"]
        return None

    def fill_step(self, values: dict) -> None:
        """Fill the current step with `values` and go on; conditional questions revealed by
        this page's own answers are filled on the second pass, as a person would."""
        page = self.page
        step_id = self.current_step()
        step = self.definition.step(step_id)
        self.steps_seen.append(step_id)
        self.on_page(f"step {step_id}")
        for _attempt in range(3):
            data = post_data(step.fields(), values, [])
            self._grow_repeats(data)
            self._fill(post_data(step.fields(), values, []))
            page.click("#btn-next")
            page.wait_for_load_state()
            if self.current_step() != step_id:
                return
            if page.locator("#error-summary").count():
                raise AssertionError(
                    f"step {step_id} refused valid answers: "
                    + page.locator("#error-summary").inner_text()
                )
        raise AssertionError(f"step {step_id} did not advance")

    def _grow_repeats(self, data: dict) -> None:
        for key, value in data.items():
            if not key.endswith("._count"):
                continue
            group = key[: -len("._count")]
            wanted = int(value)
            while int(self.page.input_value(f'input[name="{key}"]')) < wanted:
                # The add button keeps what is already typed (a server round trip, no JS needed).
                self.page.click(f"#btn-add-{_dom(group)}")
                self.page.wait_for_load_state()
                self.on_page(f"repeat add {group}")

    def _fill(self, data: dict) -> None:
        page = self.page
        for key, value in data.items():
            if key.endswith("._count"):
                continue
            elements = page.locator(f'[name="{key}"]')
            if elements.count() == 0:
                continue  # not shown (yet): a condition on this page decides
            first = elements.first
            tag = first.evaluate("e => e.tagName.toLowerCase()")
            kind = (first.get_attribute("type") or "").lower()
            if isinstance(value, SimpleUploadedFile):
                first.set_input_files(str(UPLOAD_FIXTURES / value.name))
            elif tag == "select":
                first.select_option(str(value))
            elif kind == "radio":
                page.check(f'input[name="{key}"][value="{value}"]')
            elif kind == "checkbox":
                wanted = {str(v) for v in (value if isinstance(value, list) else [value])}
                for i in range(elements.count()):
                    box = elements.nth(i)
                    box.set_checked(box.get_attribute("value") in wanted)
            elif kind == "hidden":
                continue
            else:
                first.fill(str(value))

    def finish(self, declarations: list[str]) -> str:
        """From the summary: declarations, submit, and the reference on the confirmation."""
        page = self.page
        self.on_page("summary")
        page.click("#link-to-submit")
        self.on_page("submit")
        for declaration in declarations:
            page.check(f'input[name="declaration"][value="{declaration}"]')
        page.click("#btn-submit")
        page.wait_for_selector("#case-reference")
        self.on_page("confirmation")
        return page.inner_text("#case-reference").strip()

    def run(self, sample: dict) -> str:
        answers = sample["answers"]
        self.open_catalog_and_start()
        while (step_id := self.current_step()) is not None:
            assert step_id not in self.steps_seen, f"step {step_id} shown twice"
            self.fill_step(answers.get(step_id, {}))
        return self.finish(sample.get("declarations", []))
