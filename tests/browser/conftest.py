"""Fixtures of the browser tests: one real Socle and one headless Chromium per session, a fresh context per test.

The real Socle (its database migrated, the open data of Ille-et-Vilaine imported, the demo accounts created, the
server started) is prepared in the background as soon as collection selects a browser test, so that it overlaps
with the unit tests that run first; the first browser test waits for it.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from . import harness

PREPARATION_TIMEOUT = 600


class Preparation:
    """The real Socle, prepared by a background thread; closed (server stopped, database dropped) at session end."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="socle-browser-"))
        self.stack = contextlib.ExitStack()
        self.result: harness.Socle | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="socle-browser-preparation", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.result = self.stack.enter_context(harness.socle(self.workdir))
        except BaseException as exc:
            self.error = exc

    def get(self) -> harness.Socle:
        self.thread.join(PREPARATION_TIMEOUT)
        if self.thread.is_alive():
            raise RuntimeError(f"La préparation de Socle pour le navigateur dépasse {PREPARATION_TIMEOUT} s.")
        if self.error is not None:
            raise RuntimeError(f"La préparation de Socle pour le navigateur a échoué : {self.error}") from self.error
        assert self.result is not None
        return self.result

    def close(self) -> None:
        if self.thread.is_alive():
            harness.cancel()
        self.thread.join(PREPARATION_TIMEOUT)
        try:
            self.stack.close()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)


_preparation: Preparation | None = None


def _is_browser(item: pytest.Item) -> bool:
    return "tests/browser/" in item.nodeid.replace("\\", "/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test of this folder drives a real browser: mark it so `-m "not browser"` leaves them out.
    for item in items:
        if _is_browser(item):
            item.add_marker(pytest.mark.browser)


def pytest_collection_finish(session: pytest.Session) -> None:
    global _preparation
    if session.config.option.collectonly or _preparation is not None:
        return
    if any(_is_browser(item) for item in session.items):
        _preparation = Preparation()


def pytest_sessionfinish(session: pytest.Session) -> None:
    global _preparation
    if _preparation is not None:
        _preparation.close()
        _preparation = None


@pytest.fixture(scope="session")
def socle_live() -> harness.Socle:
    global _preparation
    if _preparation is None:
        _preparation = Preparation()
    return _preparation.get()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=harness.chromium_path(), args=harness.CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def context(request: pytest.FixtureRequest, browser: Browser, socle_live: harness.Socle) -> Iterator[BrowserContext]:
    ctx = browser.new_context(base_url=socle_live.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    if socle_live.log:
        request.node.socle_log = (socle_live.log, socle_live.log.stat().st_size)
    yield ctx
    ctx.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    report = yield
    socle_log = getattr(item, "socle_log", None)
    if report.when == "call" and report.failed and socle_log:
        # What the server said during the failed test (a 500's traceback, a 403…), shown next to the failure.
        path, debut = socle_log
        with path.open(encoding="utf-8", errors="replace") as log:
            log.seek(debut)
            report.sections.append(("serveur Socle", "\n".join(log.read().splitlines()[-60:])))
    return report


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
