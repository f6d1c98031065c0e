"""(6) Pages under load: a real server on loopback, N users at once, bounded in time and count.

The server is the production one (granian, WSGI, two workers: one per core) with the production
settings, on the database this process uses; static files are collected to a temporary folder
first, as an installation does. Users are the office account with one session each, made here
with the server's secret key. Each user is a thread holding a keep-alive connection that asks
for the page again as soon as the answer is in; the client shares the machine with the server,
so the figures are a floor.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.utils.module_loading import import_string

from shanhai.accounts.models import User
from shanhai.core.benchmarks import percentile

SERVER_WORKERS = 2
WARM_UP_SECONDS = 3.0  # per page, untimed, before the measured rounds


@dataclass
class PageLoad:
    name: str
    path: str
    users: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    bytes: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def ms(self, share: float) -> float:
        return percentile(self.latencies, share) * 1000 if self.latencies else 0.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url() -> str:
    """The URL of the database this process uses, for the server to use the same one."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    name = connection.settings_dict["NAME"]
    if connection.vendor != "sqlite" or str(name).startswith(("file:", ":memory:")):
        raise RuntimeError("the load test needs a database another process can open")
    return f"sqlite:///{Path(str(name)).resolve()}"


def server_environment(static_root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url(),
        "SHANHAI_SECRET_KEY": settings.SECRET_KEY,
        "SHANHAI_ALLOWED_HOSTS": "127.0.0.1",
        "SHANHAI_PERSONAL_DATA_KEYS": ",".join(settings.PERSONAL_DATA_KEYS),
        "SHANHAI_PERSONAL_DATA_HASH_KEY": settings.PERSONAL_DATA_HASH_KEY,
        "SHANHAI_HTTPS": "false",
        "SHANHAI_STATIC_ROOT": str(static_root),
        "SHANHAI_STATIC_COMPRESS": "false",  # the pages are measured, not the static files
    }


@contextmanager
def server(log: Path | None = None) -> Iterator[int]:
    """Serve the app on a free loopback port until the block ends; yield the port. What the
    server says (errors, tracebacks) goes to *log*, else to a file that is thrown away."""
    with (
        tempfile.TemporaryDirectory() as folder,
        (log or Path(folder) / "server.log").open("wb") as out,
    ):
        environment = server_environment(Path(folder) / "static")
        subprocess.run(
            [sys.executable, "-m", "django", "collectstatic", "--noinput", "-v", "0"],
            env=environment,
            check=True,
        )
        port = _free_port()
        process = subprocess.Popen(  # noqa: S603 - our own command, no input
            [
                sys.executable,
                "-m",
                "granian",
                "--interface",
                "wsgi",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(SERVER_WORKERS),
                "--no-access-log",
                "config.wsgi:application",
            ],
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(port, process, Path(out.name))
            yield port
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Ask *process* to stop (SIGTERM: it finishes what it is doing), else kill it."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_up(
    port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = log.read_text(errors="replace")
            raise RuntimeError(f"the server stopped: {said[-2000:]}")
        try:
            answer = _get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/health/live/")
        except OSError:
            time.sleep(0.3)
            continue
        if answer[0] == 200:
            return
    raise RuntimeError("the server did not answer within a minute")


def _get(conn: http.client.HTTPConnection, path: str, cookie: str | None = None) -> tuple[int, int]:
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    body = response.read()
    return response.status, len(body)


@contextmanager
def sessions(user: User, count: int) -> Iterator[list[str]]:
    """*count* signed-in sessions of *user* (cookies), deleted afterwards."""
    engine = import_module(settings.SESSION_ENGINE)
    # The backend a password sign-in records (the first one may only guard, as axes' does).
    backend = next(
        path
        for path in settings.AUTHENTICATION_BACKENDS
        if hasattr(import_string(path), "get_user")
    )
    made = []
    for _ in range(count):
        session = engine.SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        made.append(session)
    try:
        yield [f"{settings.SESSION_COOKIE_NAME}={s.session_key}" for s in made]
    finally:
        for session in made:
            session.delete()


def hammer(
    port: int, page: PageLoad, cookies: list[str], *, seconds: float, limit: int
) -> PageLoad:
    """Every user asks for *page* again and again until *seconds* or *limit* requests."""
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    remaining = [limit]

    def user(cookie: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            try:
                status, size = _get(conn, page.path, cookie)
            except (OSError, http.client.HTTPException):
                status, size = 0, 0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            took = time.perf_counter() - started
            with lock:
                if status == 200:
                    page.latencies.append(took)
                    page.bytes = size
                else:
                    page.errors += 1
        conn.close()

    threads = [
        threading.Thread(target=user, args=(cookies[n % len(cookies)],)) for n in range(page.users)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    page.seconds = time.perf_counter() - started
    return page


def under_load(
    user: User, pages: list[tuple[str, str]], *, users: int, seconds: float, limit: int
) -> list[PageLoad]:
    """Each page (name, path) in turn under *users* users, then the trivial view the same way."""
    results = []
    with sessions(user, users) as cookies, server() as port:
        measured = [*pages, ("trivial view (no database)", "/health/live/")]
        # Warm up: every page under the full load, untimed, until both server workers have
        # imported and compiled what it needs (the forecasting library loads in a thread beside
        # the first requests) and the database has the tables in its cache.
        for name, path in measured:
            warm = min(WARM_UP_SECONDS, seconds)
            hammer(port, PageLoad(name, path, users), cookies, seconds=warm, limit=limit)
        for name, path in measured:
            page = PageLoad(name, path, users)
            results.append(hammer(port, page, cookies, seconds=seconds, limit=limit))
    return results
