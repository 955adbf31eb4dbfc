"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

axe-core (from node_modules, installed by `make setup`) is injected into each page under
test; `assert_accessible(page)` fails on any WCAG 2.1 A/AA violation, listing them.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are still plain synchronous calls in a test process.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    missing = [p for p in (Path(CHROMIUM), AXE_JS) if not p.exists()]
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if missing and not os.environ.get("CI"):
                # On a developer machine without `make setup`; CI never skips (it fails).
                item.add_marker(pytest.mark.skip(reason=f"missing: {missing}; run make test"))


@pytest.fixture(scope="session")
def chromium_browser():
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _new_page(browser, **context_options):
    # bypass_csp only lets the test inject axe-core; the pages' own CSP stays strict.
    context = browser.new_context(bypass_csp=True, locale="de-DE", **context_options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def page(chromium_browser):
    context, page = _new_page(chromium_browser, viewport={"width": 390, "height": 844})
    yield page
    context.close()


@pytest.fixture
def nojs_page(chromium_browser):
    context, page = _new_page(
        chromium_browser, java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    yield page
    context.close()


@pytest.fixture
def library(transactional_db):
    """The shipped process library and demo municipality, committed for the live server."""
    call_command("process_sync", verbosity=0)
    call_command("demo_setup", verbosity=0)


def axe_violations(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))
            }));
        }""",
        WCAG_TAGS,
    )


def assert_accessible(page, label: str = "") -> None:
    """Zero axe-core violations (WCAG 2.1 A/AA rule set) on the page as it is now."""
    violations = axe_violations(page)
    assert violations == [], f"axe violations on {label or page.url}: {violations}"
