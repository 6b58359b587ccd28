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
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.routing.conftest import build_version

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

FAILED_LOAD = re.compile(
    r"Failed to load resource: the server responded with a status of (\d+)"
)

# Accessibility findings of the whole run, printed after the test summary.
AXE_FINDINGS: dict[str, list[str]] = {}
AXE_PAGES: list[str] = []


@dataclass
class Watch:
    """What one page did wrong: console errors, failed or refused requests."""

    expected: list[tuple[str, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    downloads: set[str] = field(default_factory=set)

    def expect(self, path_pattern: str, status: int) -> None:
        """Allow one kind of error response the test provokes on purpose."""
        self.expected.append((path_pattern, status))

    def is_expected(self, url: str, status: int) -> bool:
        path = urlsplit(url).path
        return any(re.search(p, path) and s == status for p, s in self.expected)

    def on_response(self, response) -> None:
        if response.headers.get("content-disposition", "").startswith("attachment"):
            self.downloads.add(response.url)
        if response.status < 400 or self.is_expected(response.url, response.status):
            return
        self.problems.append(f"HTTP {response.status} for {response.url}")

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        # Chromium also logs every error response as a console error; one the
        # test provoked on purpose is not a fault of the page.
        failed = FAILED_LOAD.match(message.text)
        url = message.location.get("url", "")
        if failed and self.is_expected(url, int(failed[1])):
            return
        self.problems.append(f"console error: {message.text} ({message.location})")


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname in LOCAL_HOSTS


def navigation_abort(request, watch: Watch) -> bool:
    """Return whether the browser itself dropped the request: the page icon on
    navigating, or a file download, which ends the navigation that fetched it."""
    aborted = "ERR_ABORTED" in str(request.failure)
    ours = request.url.endswith("/favicon.svg") or request.url in watch.downloads
    return aborted and ours


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
            if navigation_abort(request, watch)
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
    """Save a full-page screenshot as screenshots/e2e/NN-step.png (or
    <role>/NN-step.png for a name with a folder) and check the page with
    axe-core; serious and critical violations fail the test
    at its end, so every step still gets its screenshot."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failing = []

    def take(name: str) -> Path:
        page.wait_for_load_state("load")
        path = SCREENSHOTS / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)  # a role's own folder
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


@pytest.fixture
def log_in(page):
    """Sign in through the login page, as a person would."""

    def sign_in(username: str, password: str) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        # Wait for the next page to load fully: leaving it half-loaded would
        # abort its stylesheet request, which the page fixture counts as an error.
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        page.wait_for_load_state("load")

    return sign_in


@pytest.fixture
def expect_refused(page, watch):
    """Open a path the signed-in user's role does not include and check that
    the plain 403 page answers, saying so in words."""

    def visit(path: str) -> None:
        watch.expect(f"^{re.escape(urlsplit(path).path)}$", 403)
        response = page.goto(path)
        assert response.status == 403, f"{path} answered {response.status}"
        expect(
            page.get_by_role("heading", name="This page is not open to you")
        ).to_be_visible()
        expect(page.get_by_role("main")).to_contain_text(
            "Your role does not include this page."
        )

    return visit


@pytest.fixture
def main_links(page):
    """Return the names of the links the main navigation offers."""

    def names() -> list[str]:
        nav = page.get_by_role("navigation", name="Main")
        return [name.strip() for name in nav.get_by_role("link").all_inner_texts()]

    return names


@pytest.fixture
def trained_model(transactional_db, settings, tmp_path):
    """The model in use, trained on tests.builders.make_leads() through the
    functions a training job calls; its files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    version = build_version()
    assert version.is_active
    return version


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
