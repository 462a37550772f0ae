"""Browser tests: Debian's Chromium driven by Playwright against a live Amicus server.

The server runs in a thread of the test process on a free port of 127.0.0.1, on a file
SQLite database (or DATABASE_URL). Every request the browser makes is recorded; a request
to any other host fails the test.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from tests.conftest import empty_database, make_app
from training.extensions import db

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_path() -> str:
    path = os.environ.get("AMICUS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Chromium is not installed: `make test` installs it (apt-get install chromium), "
                    "or set AMICUS_CHROMIUM to a Chromium binary.")
    return path


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)
        self.server.server_close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("e2e"))
    ctx = app.app_context()
    ctx.push()
    db.create_all()
    server = LiveServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        empty_database()
        ctx.pop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page_factory(browser, live_server, request):
    """Make pages (one browser context each, like separate people); checks every request's host."""
    contexts, outside = [], []

    def make(javascript=True, viewport=(1100, 900), timezone_id=None, bypass_csp=False):
        # bypass_csp: only so that a test can add axe-core (an inline script) to check a page.
        # The browser's clock is in the site's zone unless a test says otherwise (the layout
        # offers the device's zone to accounts without one when they differ).
        context = browser.new_context(java_script_enabled=javascript, base_url=live_server.url, bypass_csp=bypass_csp,
                                      viewport={"width": viewport[0], "height": viewport[1]},
                                      timezone_id=timezone_id or live_server.app.config["AMICUS_TIMEZONE"])
        context.set_default_timeout(10_000)

        def check(req):
            host = urlsplit(req.url).hostname
            if req.url.startswith(("data:", "about:")) or host == "127.0.0.1":
                return
            outside.append(req.url)

        context.on("request", check)
        contexts.append(context)
        return context.new_page()

    yield make
    for i, context in enumerate(contexts):
        if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
            ARTIFACTS.mkdir(exist_ok=True)
            for j, page in enumerate(context.pages):
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{i}-{j}.png"), full_page=True)
        context.close()
    assert outside == [], f"pages requested other hosts: {outside}"


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
