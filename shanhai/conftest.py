"""Fixtures for the whole suite, and the rule that a missing browser is reported, never skipped."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

# Playwright runs an event loop in the test thread; Django's ORM refuses that unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_NOT_RUN: list[str] = []


def _chromium_missing() -> str | None:
    if os.path.exists(CHROMIUM_PATH) or shutil.which(CHROMIUM_PATH):
        return None
    return (
        f"Chromium not found at {CHROMIUM_PATH}: install Debian's package "
        "(`apt-get install chromium fonts-noto-cjk`) or set CHROMIUM_PATH"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave browser tests out when Chromium is missing; under CI that is a failure."""
    reason = _chromium_missing()
    browser = [item for item in items if item.get_closest_marker("browser")]
    if not reason or not browser:
        return
    if os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(f"CI=true and {reason}.")
    items[:] = [item for item in items if item not in browser]
    config.hook.pytest_deselected(items=browser)
    _NOT_RUN.append(f"NOT RUN: {len(browser)} browser test(s). {reason}.")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for line in _NOT_RUN:
        terminalreporter.write_line(line, yellow=True, bold=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM_PATH, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "viewport": {"width": 1000, "height": 800},
    }
