"""Guard of the CI run: a green suite must have driven the browser.

``.ci/run`` sets ``SOCLE_CI=1``. There, a run where no browser test passed (Chromium missing and
the tests skipped, a ``-m``/``-k`` that deselected them, a collection problem) or where one was
skipped fails, instead of looking green.
"""

from __future__ import annotations

import os

import pytest

_browser_outcomes: dict[str, int] = {"passed": 0, "skipped": 0}


def _is_browser(report: pytest.TestReport) -> bool:
    return "tests/browser/" in report.nodeid.replace("\\", "/")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not _is_browser(report):
        return
    if report.skipped:
        _browser_outcomes["skipped"] += 1
    elif report.when == "call" and report.passed:
        _browser_outcomes["passed"] += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not os.environ.get("SOCLE_CI") or exitstatus != 0:
        return
    problem = None
    if _browser_outcomes["passed"] == 0:
        problem = "aucun test navigateur n'a réussi"
    elif _browser_outcomes["skipped"]:
        problem = f"{_browser_outcomes['skipped']} test(s) navigateur ignoré(s)"
    if problem:
        session.config.get_terminal_writer().line(f"SOCLE_CI : {problem} ; la CI ne peut pas être verte.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
