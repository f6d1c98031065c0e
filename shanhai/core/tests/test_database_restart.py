"""Stop PostgreSQL under the running production server, start it again: 503s, then service.

The server (granian, two workers, production settings, persistent connections with health
checks) runs on a throwaway cluster of this test's own (scripts/pg), so pytest's database is
never touched. Client threads ask for a public page, a signed-in page and the API, without
pause, while the database is stopped for a few seconds and started again.
"""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from shanhai.bench import load
from shanhai.bench.load import server

pytestmark = pytest.mark.postgresql

REPO = Path(settings.BASE_DIR)
OUTAGE_SECONDS = 3.0
RECOVERY_LIMIT_SECONDS = 30.0  # a bound on the wait, not a target: the figure is reported
SESSION_SCRIPT = """
import django
django.setup()
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from shanhai.accounts.models import User
user = User.objects.create_user(username="outage-reader")
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.save()
print(session.session_key)
"""


@dataclass
class Cluster:
    folder: Path
    url: str

    def pg_ctl(self, *arguments: str) -> None:
        binaries = sorted(
            Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
        )
        command = [str(binaries[-1] / "pg_ctl"), "-D", str(self.folder / "data"), *arguments]
        if os.getuid() == 0:  # the cluster belongs to the postgres user (scripts/pg)
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)  # noqa: S603

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        _pg("start", self.folder)  # the same options as the first start


def _pg(command: str, folder: Path) -> str:
    done = subprocess.run(  # noqa: S603 - our own script
        [str(REPO / "scripts" / "pg"), command, str(folder)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of this test alone, migrated, with one signed-in session."""
    folder = Path(tempfile.mkdtemp(prefix="shanhai-outage-"))  # under /tmp: postgres can reach it
    try:
        exported = _pg("start", folder).strip()
        yield Cluster(folder=folder, url=exported.removeprefix("export DATABASE_URL="))
    finally:
        _pg("stop", folder)
        shutil.rmtree(folder, ignore_errors=True)


def _manage(url: str, *arguments: str) -> str:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,
    }
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, *arguments], env=environment, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"{arguments[0]} failed: {done.stderr[-3000:]}")
    return done.stdout


@dataclass
class Client:
    """One person asking for one address again and again; every answer noted with its time."""

    path: str
    headers: dict[str, str]
    answers: list[tuple[float, float, int, str]] = field(default_factory=list)

    def run(self, port: int, until: threading.Event) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while not until.is_set():
            started = time.monotonic()
            try:
                connection.request("GET", self.path, headers=self.headers)
                response = connection.getresponse()
                status, body = response.status, response.read().decode(errors="replace")
            except (OSError, http.client.HTTPException) as error:
                status, body = 0, repr(error)  # a reset or a refused connection
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            self.answers.append((started, time.monotonic(), status, body))
            time.sleep(0.05)
        connection.close()


def test_a_database_restart_gives_503s_then_the_app_recovers_by_itself(
    cluster, monkeypatch, tmp_path
):
    _manage(cluster.url, "manage.py", "migrate", "--noinput", "-v", "0")
    session_key = _manage(cluster.url, "-c", SESSION_SCRIPT).strip()
    monkeypatch.setenv("DATABASE_URL", cluster.url)  # server() serves the database named here
    # Starting two workers takes far longer than usual on a busy two-core machine.
    monkeypatch.setattr(load, "_wait_until_up", partial(load._wait_until_up, timeout=300))
    server_log = tmp_path / "server.log"  # what the server says, read below
    with translation.override("zh-hans"):
        message = translation.gettext(
            "The database is temporarily unavailable. Please try again shortly."
        )
    clients = [
        Client("/portal/", {}),  # public: the view's queries fail
        Client("/portal/", {}),
        Client("/", {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"}),  # the session
        Client("/api/v1/products", {"Authorization": "Bearer sh_not-a-real-key"}),  # the key lookup
    ]
    until = threading.Event()

    with server(server_log) as port:
        threads = [threading.Thread(target=c.run, args=(port, until)) for c in clients]
        for thread in threads:
            thread.start()
        try:
            ready = time.monotonic() + 120  # every client served at least once first
            while time.monotonic() < ready and not all(
                any(a[2] < 500 for a in c.answers) for c in clients
            ):
                time.sleep(0.2)
            cluster.stop()
            stopped_at = time.monotonic()
            time.sleep(OUTAGE_SECONDS)
            restarting_at = time.monotonic()
            cluster.start()
            started_at = time.monotonic()
            deadline = started_at + RECOVERY_LIMIT_SECONDS
            while time.monotonic() < deadline and not all(
                _recovered(c, started_at) for c in clients
            ):
                time.sleep(0.2)
        finally:
            until.set()
            for thread in threads:
                thread.join()

    answers = [a for c in clients for a in c.answers]
    during = [a for a in answers if a[0] > stopped_at and a[1] < restarting_at]
    statuses = sorted({a[2] for a in answers})
    first_served = min(
        (a[1] for a in answers if a[0] >= started_at and a[2] < 500), default=float("nan")
    )
    all_served = max(_first_good_run(c, started_at) for c in clients)
    print(  # for docs/reliability.md
        f"\nrequests {len(answers)}; during the outage {len(during)}, all "
        f"{sorted({a[2] for a in during})}; statuses seen {statuses}; first served "
        f"{first_served - started_at:.2f} s after the start, every client "
        f"{all_served - started_at:.2f} s after"
    )
    assert all(any(a[2] < 500 for a in c.answers if a[1] < stopped_at) for c in clients)
    assert during  # the clients did ask while the database was down …
    assert {a[2] for a in during} == {503}  # … and got 503s only: no 500, no reset
    assert all(message in a[3] for a in during)
    assert all(a[3].startswith("{") for c in clients[3:] for a in c.answers if a[2] == 503)
    assert not [a for a in answers if a[2] == 0 or (a[2] >= 500 and a[2] != 503)]
    assert all(_recovered(c, started_at) for c in clients)  # served again, no restart of the app
    logged = server_log.read_text(errors="replace")
    assert "database unavailable: GET /portal/" in logged  # the operator sees why
    assert session_key not in logged
    assert "sh_not-a-real-key" not in logged


def _served(answer: tuple[float, float, int, str]) -> bool:
    return 0 < answer[2] < 500


def _recovered(client: Client, since: float) -> bool:
    """Three answers in a row served after *since*, the last answers included."""
    after = [a for a in client.answers if a[0] >= since]
    return len(after) >= 3 and all(_served(a) for a in after[-3:])


def _first_good_run(client: Client, since: float) -> float:
    after = [a for a in client.answers if a[0] >= since]
    for index, answer in enumerate(after):
        if all(_served(a) for a in after[index:]):
            return answer[1]
    return float("nan")
