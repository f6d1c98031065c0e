"""Fixtures for the whole suite, and the rules that a missing browser is reported, never skipped,
that replica tests run against a real replica or not at all, and that worker tests run on
PostgreSQL or are reported as left for it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

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


@pytest.hookimpl(trylast=True)  # after -m and -k have chosen
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _replica_tests(config, items)
    _worker_tests(config, items)
    _browser_tests(config, items)


def _replica_tests(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave replica tests out unless a replica is configured; asked for by name, demand one.

    ``-m replica`` without DATABASE_REPLICA_URL is an error, never a skip: scripts/test starts a
    primary and a streaming replica (scripts/pg replica) and runs them against both.
    """
    replica = [item for item in items if item.get_closest_marker("replica")]
    if not replica:
        return
    if os.environ.get("DATABASE_REPLICA_URL"):
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            raise pytest.UsageError(
                "DATABASE_REPLICA_URL is set but DATABASE_URL names no PostgreSQL primary: "
                "start both with scripts/pg start DIR and scripts/pg replica DIR."
            )
        return
    if "replica" in (config.option.markexpr or ""):
        raise pytest.UsageError(
            f"-m replica selected {len(replica)} test(s) but DATABASE_REPLICA_URL is not set. "
            'Start a primary and a replica: eval "$(scripts/pg start DIR)"; '
            'eval "$(scripts/pg replica DIR)" (scripts/test does this).'
        )
    items[:] = [item for item in items if item not in replica]
    config.hook.pytest_deselected(items=replica)


def _worker_tests(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run worker tests and PostgreSQL-only tests on PostgreSQL only; elsewhere leave them out
    and say so.

    They start `db_worker` processes that must open the test database, which on SQLite lives
    in this process's memory. ``-m workers`` without PostgreSQL is an error, never a skip;
    scripts/test runs them in its PostgreSQL step.
    """
    workers = [
        item
        for item in items
        if item.get_closest_marker("workers") or item.get_closest_marker("postgresql")
    ]
    if not workers or os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    if {"workers", "postgresql"} & set((config.option.markexpr or "").split()):
        raise pytest.UsageError(
            f"-m workers selected {len(workers)} test(s) but DATABASE_URL names no PostgreSQL "
            "server: the db_worker processes cannot open an in-memory SQLite test database. "
            'Start one: eval "$(scripts/pg start DIR)" (scripts/test does this).'
        )
    items[:] = [item for item in items if item not in workers]
    config.hook.pytest_deselected(items=workers)
    _NOT_RUN.append(
        f"Left for PostgreSQL: {len(workers)} test(s) (-m workers, -m postgresql; scripts/test "
        "runs them in its PostgreSQL step)."
    )


def _browser_tests(config: pytest.Config, items: list[pytest.Item]) -> None:
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


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    """``client.force_login`` skips signing in, the second factor included.

    Staff and superusers must pass an authenticator-app code (shanhai.accounts); a test that
    force-logs one in gets a confirmed device and a session verified by it, as after a real
    sign-in. Tests of the sign-in itself go through the login pages instead.
    """
    from django.test import Client

    from shanhai.accounts.tests.second_factor import pass_second_factor

    force_login = Client.force_login

    def force_login_with_second_factor(self: Client, user: Any, backend: str | None = None) -> None:
        force_login(self, user, backend)
        if user.is_staff or user.is_superuser:
            pass_second_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login_with_second_factor)


@pytest.fixture(autouse=True)
def _language_left_as_found() -> Iterator[None]:
    """Each test leaves the active language as it found it. A request leaves the language it
    asked for active in the thread (LocaleMiddleware), so code a later test calls outside a
    request would otherwise speak whatever the last request asked for (the API fuzzing asks in
    English)."""
    before = translation.get_language()
    yield
    translation.activate(before or settings.LANGUAGE_CODE)
