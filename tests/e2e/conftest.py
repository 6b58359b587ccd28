"""Browser fixtures: Debian's chromium driven by Playwright's sync API against
pytest-django's live server, with every page watched for errors.

Playwright's own browser download is never used (`bin/ensure-browser`
installs chromium), so the browser is launched from its Debian path.
"""

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

# Playwright's sync API keeps an asyncio loop in the test thread, so Django
# takes the test's own ORM calls (fixtures, the in-process RQ worker) for
# calls from async code and refuses them. Nothing here is async: only the
# browser driver is, and it never touches the database.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# The live server listens on the loopback address only.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1"}
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "screenshots" / "e2e"
SERIOUS = {"serious", "critical"}
# axe-core rules whose serious violations are listed but do not fail a test,
# because fixing them takes more than a template change. Empty: every
# violation found so far is fixed in a template (tabindex, a role).
REPORTED_ONLY: set[str] = set()

# Accessibility findings of the whole run, printed after the test summary.
AXE_FINDINGS: dict[str, list[str]] = {}
AXE_PAGES: list[str] = []


@dataclass
class Watch:
    """What one page did wrong: console errors, failed or refused requests."""

    expected: list[tuple[str, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def expect(self, path_pattern: str, status: int) -> None:
        """Allow one kind of error response the test provokes on purpose."""
        self.expected.append((path_pattern, status))

    def on_response(self, response) -> None:
        if response.status < 400:
            return
        path = urlsplit(response.url).path
        if any(re.search(p, path) and s == response.status for p, s in self.expected):
            return
        self.problems.append(f"HTTP {response.status} for {response.url}")

    def on_console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text} ({message.location})")


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname in LOCAL_HOSTS


def navigation_abort(request) -> bool:
    """Return whether the browser itself dropped the page icon on navigating."""
    return request.url.endswith("/favicon.svg") and "ERR_ABORTED" in str(
        request.failure
    )


@pytest.fixture(scope="session")
def browser() -> Browser:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser, live_server, watch) -> Page:
    """A fresh browser tab on the live server; it fails the test on any
    console error, failed request or request leaving this machine."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )

    def refuse_foreign(route) -> None:
        # Nothing may leave the machine: record it and never send it.
        watch.foreign.append(route.request.url)
        route.abort()

    context.route(lambda url: not is_local(url), refuse_foreign)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", watch.on_console)
    page.on("pageerror", lambda error: watch.problems.append(f"page error: {error}"))
    page.on("response", watch.on_response)
    page.on(
        "requestfailed",
        lambda request: (
            None
            if navigation_abort(request)
            else watch.problems.append(
                f"request failed: {request.url} ({request.failure})"
            )
        ),
    )
    yield page

    context.close()
    assert not watch.foreign, f"requests left 127.0.0.1: {watch.foreign}"
    assert not watch.problems, "the browser saw errors:\n" + "\n".join(watch.problems)


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def shoot(page, axe):
    """Save a full-page screenshot as screenshots/e2e/NN-step.png and check
    the page with axe-core; serious and critical violations fail the test
    at its end, so every step still gets its screenshot."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failing = []

    def take(name: str) -> Path:
        page.wait_for_load_state("load")
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        AXE_PAGES.append(name)
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] not in SERIOUS:
                continue
            finding = describe(violation)
            AXE_FINDINGS.setdefault(name, []).append(finding)
            if violation["id"] not in REPORTED_ONLY:
                failing.append(f"{name}: {finding}")
        return path

    yield take
    assert not failing, "accessibility violations:\n" + "\n".join(failing)


def describe(violation: dict) -> str:
    targets = [" ".join(node["target"]) for node in violation["nodes"]]
    return (
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"at {', '.join(targets[:5])}"
    )


def pytest_terminal_summary(terminalreporter) -> None:
    if not AXE_PAGES:
        return
    count = sum(len(findings) for findings in AXE_FINDINGS.values())
    terminalreporter.section("accessibility (axe-core)")
    terminalreporter.write_line(
        f"{len(AXE_PAGES)} pages checked, {count} serious or critical violations"
    )
    for name, findings in AXE_FINDINGS.items():
        for finding in findings:
            terminalreporter.write_line(f"{name}: {finding}")
    report = SCREENSHOTS / "axe-findings.json"
    report.write_text(json.dumps(AXE_FINDINGS, indent=2))
    terminalreporter.write_line(f"(also in {report.relative_to(REPO)})")
