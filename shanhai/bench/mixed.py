"""Issue 10's load test: many users at once on a real server, reading, writing and importing,
then a count of everything written.

Runs on the database this process uses, which `shanhai loadtest` makes for it (a scratch copy
holding the demo) and drops afterwards. The server is the production one (`load.server`), and a
`db_worker` beside it checks and writes the uploaded sheets. Each user is a thread with its own
signed-in session, keep-alive connection and API key, doing one action after another, drawn
with fixed weights, until the time is up or the request budget is spent; then the worker is
given time to finish the imports, and every write that was answered as done is looked for.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from shanhai.accounts.models import User
from shanhai.bench import load
from shanhai.consumption.models import Channel, Product, SaleLine
from shanhai.consumption.services import issue_channel_token
from shanhai.core.benchmarks import percentile
from shanhai.facts.selectors import rollup_differences
from shanhai.imports.bench import write_sheet
from shanhai.imports.models import ImportJob
from shanhai.ledger.models import Record
from shanhai.places.models import Pairing

OFFICE = "songjiang"  # the demo's east cooperation office
PAIRING = "songjiang-weixin"
SHEET_ROWS = 20  # rows of each uploaded sheet
API_LINES = 20  # sale lines in each API batch
# How often each action is drawn: mostly reading, as offices do.
WEIGHTS = {
    "read dashboard": 20,
    "read timeline": 20,
    "read consumption": 15,
    "read labor overview": 10,
    "write a record (form)": 15,
    "send sales (API)": 15,
    "import a sheet": 5,
}
DRAIN_SECONDS = 300  # the worker's time to finish the imports after the load


@dataclass
class Action:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def ms(self, share: float) -> float:
        return percentile(self.latencies, share) * 1000 if self.latencies else 0.0


@dataclass
class Written:
    """What the server answered as done, to be found in the database afterwards."""

    records: list[str] = field(default_factory=list)  # titles
    order_ids: list[str] = field(default_factory=list)
    jobs: dict[int, str] = field(default_factory=dict)  # import jobs committed: their rows' tag


@dataclass
class Results:
    users: int
    seconds: float
    actions: dict[str, Action]
    expected: dict[str, int]
    found: dict[str, int]
    jobs_unfinished: int
    rollups_exact: bool
    drain_seconds: float

    @property
    def requests(self) -> int:
        return sum(len(a.latencies) + len(a.errors) for a in self.actions.values())

    @property
    def errors(self) -> int:
        return sum(len(a.errors) for a in self.actions.values())

    @property
    def lost(self) -> int:
        return sum(self.expected[k] - self.found.get(k, 0) for k in self.expected)


class _Client:
    """One user's keep-alive connection, session cookie and CSRF pair."""

    def __init__(self, port: int, cookie: str, key: str) -> None:
        self.port, self.key = port, key
        self.csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
        self.cookie = f"{cookie}; {settings.CSRF_COOKIE_NAME}={self.csrf}"
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        try:
            self.conn.request(
                method, path, body=body, headers={"Cookie": self.cookie, **(headers or {})}
            )
            response = self.conn.getresponse()
            return (
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            raise

    def post_form(
        self, path: str, fields: dict[str, str], files: dict[str, Path] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        boundary = uuid4().hex
        parts: list[bytes] = []
        for name, value in {**fields, "csrfmiddlewaretoken": self.csrf}.items():
            parts.append(
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        for name, path_ in (files or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{path_.name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n".encode()
                + path_.read_bytes()
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST",
            path,
            b"".join(parts),
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )


@contextmanager
def worker(environment: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A task worker (`shanhai worker`) on the same database and files as the server, until
    the block ends."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "django",
                "worker",  # db_worker, and it re-queues the tasks of a worker that died
                "--no-startup-delay",
                "--no-reload",
                "--interval",
                "0.2",
            ],
            env=environment,
            cwd=settings.BASE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            load.stop(process)


class _Mix:
    """The actions a user does, and what they wrote."""

    def __init__(self, tag: str, folder: Path) -> None:
        office = User.objects.get(username=OFFICE)
        pairing = Pairing.objects.get(code=PAIRING)
        self.office, self.pairing, self.tag, self.folder = office, pairing, tag, folder
        channel = (
            Channel.objects.filter(pairing__path__startswith=pairing.path).order_by("pk").first()
        )
        if channel is None:
            raise RuntimeError("the demo has no sales channel: load it with `shanhai demo`")
        self.channel = channel
        self.products = list(
            Product.objects.filter(supplier__pairing__path__startswith=pairing.path)
            .order_by("pk")
            .values_list("pk", "reference_price")[:20]
        )
        self.paths = {
            "read dashboard": reverse("indicators:progress", args=[PAIRING]),
            "read timeline": reverse("ledger:timeline", args=[PAIRING]),
            "read consumption": reverse("consumption:home"),
            "read labor overview": reverse("labor:overview", args=[PAIRING]),
        }
        self.year = timezone.localdate().year - 1  # a whole year, none of it in the future
        self.lock = threading.Lock()
        self.written = Written()
        self.counter = 0

    def key(self) -> str:
        _token, key = issue_channel_token(
            channel=self.channel, name=f"load {uuid4().hex[:8]}", issued_by=self.office
        )
        return key

    def next_number(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def do(self, name: str, client: _Client, rng: random.Random) -> str | None:
        """Do *name*; None when it worked, else what went wrong."""
        if name in self.paths:
            status, _headers, _body = client.request("GET", self.paths[name])
            return None if status == 200 else f"GET {self.paths[name]}: {status}"
        number = self.next_number()
        if name == "write a record (form)":
            title = f"{self.tag}走访{number}"
            status, _headers, body = client.post_form(
                reverse("ledger:record-quick", args=[PAIRING]),
                {
                    "kind": "visit",
                    "title": title,
                    "occurred_on": (
                        timezone.localdate() - timedelta(days=number % 300)
                    ).isoformat(),
                    "summary": "压力测试",
                },
            )
            if status != 302:
                return f"record form: {status} {body[:200]!r}"
            with self.lock:
                self.written.records.append(title)
            return None
        if name == "send sales (API)":
            return self._sales(client, rng, number)
        return self._import(client, number)

    def _sales(self, client: _Client, rng: random.Random, number: int) -> str | None:
        lines, ids = [], []
        for n in range(API_LINES):
            product, price = rng.choice(self.products)
            quantity = Decimal(rng.randrange(100, 2000)) / 100
            order_id = f"{self.tag}-{number}-{n}"
            ids.append(order_id)
            lines.append(
                {
                    "order_id": order_id,
                    "sold_on": (
                        timezone.localdate() - timedelta(days=rng.randrange(1, 200))
                    ).isoformat(),
                    "product": product,
                    "quantity": str(quantity),
                    "amount": str((quantity * price).quantize(Decimal("0.01"))),
                }
            )
        status, _headers, body = client.request(
            "POST",
            "/api/v1/sales",
            json.dumps({"lines": lines}).encode(),
            {"Authorization": f"Bearer {client.key}", "Content-Type": "application/json"},
        )
        if status != 200:
            return f"API: {status} {body[:200]!r}"
        created = [
            line["order_id"] for line in json.loads(body)["lines"] if line["status"] == "created"
        ]
        with self.lock:
            self.written.order_ids.extend(created)
        return (
            None
            if len(created) == API_LINES
            else f"API: {API_LINES - len(created)} lines not created"
        )

    def _import(self, client: _Client, number: int) -> str | None:
        sheet = self.folder / f"load-{number}.xlsx"
        tag = f"{self.tag}表{number}-"
        write_sheet(sheet, SHEET_ROWS, seed=number, tag=tag, years=[self.year])
        status, headers, body = client.post_form(
            reverse("imports:upload"),
            {"kind": "visits", "pairing": PAIRING, "mode": "create"},
            {"file": sheet},
        )
        match = re.search(r"/imports/jobs/(\d+)/", headers.get("location", ""))
        if status != 302 or match is None:
            return f"upload: {status} {headers.get('location')} {body[:200]!r}"
        job = int(match.group(1))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the user waits for the check, as on the job page
            status, _headers, body = client.request(
                "GET", reverse("imports:job-status", args=[job])
            )
            state = ImportJob.objects.filter(pk=job).values_list("status", flat=True).first()
            if state == ImportJob.Status.READY:
                break
            if state not in (ImportJob.Status.QUEUED, ImportJob.Status.CHECKING):
                return f"import {job}: checked as {state}"
            time.sleep(0.5)
        else:
            return f"import {job}: not checked within 120 s"
        status, _headers, body = client.post_form(reverse("imports:job-commit", args=[job]), {})
        if status != 302:
            return f"commit {job}: {status} {body[:200]!r}"
        with self.lock:
            self.written.jobs[job] = tag
        return None


def run(
    *, users: int, seconds: float, limit: int, seed: int = 10, say: Callable[[str], None]
) -> Results:
    """*users* users for *seconds* (at most *limit* actions in all), then count what was written."""
    tag = f"压测{uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        os.environ["SHANHAI_MEDIA_ROOT"] = str(folder / "media")  # the server's and the worker's
        mix = _Mix(tag, folder)
        keys = [mix.key() for _ in range(users)]
        actions = {name: Action(name) for name in WEIGHTS}
        names, weights = list(WEIGHTS), list(WEIGHTS.values())
        budget = [limit]
        server_log = folder / "server.log"
        with load.sessions(mix.office, users) as cookies, load.server(server_log) as port:
            environment = load.server_environment(folder / "static")
            with worker(environment, folder / "worker.log"):
                say(f"{users} users for {seconds:.0f} s on port {port} …")
                deadline = time.monotonic() + seconds

                def user(n: int) -> None:
                    rng = random.Random(seed * 1000 + n)  # noqa: S311 - load mix, not secrets
                    client = _Client(port, cookies[n], keys[n])
                    while time.monotonic() < deadline:
                        with mix.lock:
                            if budget[0] <= 0:
                                return
                            budget[0] -= 1
                        name = rng.choices(names, weights)[0]
                        started = time.perf_counter()
                        try:
                            problem = mix.do(name, client, rng)
                        except (OSError, http.client.HTTPException) as error:
                            problem = f"{type(error).__name__}: {error}"
                        took = time.perf_counter() - started
                        with mix.lock:
                            if problem is None:
                                actions[name].latencies.append(took)
                            else:
                                actions[name].errors.append(problem)

                started = time.perf_counter()
                threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                elapsed = time.perf_counter() - started
                say("waiting for the worker to finish the imports …")
                drained = time.perf_counter()
                jobs = list(mix.written.jobs)
                finished = [ImportJob.Status.DONE, ImportJob.Status.FAILED]
                while time.perf_counter() - drained < DRAIN_SECONDS:
                    if (
                        not ImportJob.objects.filter(pk__in=jobs)
                        .exclude(status__in=finished)
                        .exists()
                    ):
                        break
                    time.sleep(0.5)
                drain = time.perf_counter() - drained
        if any(a.errors for a in actions.values()):
            say("the server's log, last lines:\n" + server_log.read_text(errors="replace")[-6000:])
    written = mix.written
    imported = Q()
    for sheet_tag in written.jobs.values():
        imported |= Q(title__startswith=sheet_tag)
    return Results(
        users=users,
        seconds=elapsed,
        actions=actions,
        expected={
            "records written by the form": len(written.records),
            "sale lines sent through the API": len(written.order_ids),
            "records imported from sheets": SHEET_ROWS * len(written.jobs),
        },
        found={
            "records written by the form": Record.objects.filter(title__in=written.records).count(),
            "sale lines sent through the API": SaleLine.objects.filter(
                order_id__in=written.order_ids
            ).count(),
            "records imported from sheets": Record.objects.filter(imported).count()
            if written.jobs
            else 0,
        },
        jobs_unfinished=ImportJob.objects.filter(pk__in=list(written.jobs))
        .exclude(status=ImportJob.Status.DONE)
        .count(),
        rollups_exact=not rollup_differences(),
        drain_seconds=drain,
    )


def as_markdown(results: Results, facts: dict[str, str]) -> str:
    lines = [f"- {k}: {v}" for k, v in facts.items()]
    lines += [
        "",
        f"{results.users} users for {results.seconds:.0f} s on loopback: "
        f"{results.requests:,} actions, {results.requests / results.seconds:.1f} a second, "
        f"**{results.errors} errors**.",
        "",
        "| action | done | errors | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for action in results.actions.values():
        lines.append(
            f"| {action.name} | {len(action.latencies):,} | {len(action.errors)} | "
            f"{action.ms(0.5):,.0f} | {action.ms(0.95):,.0f} | {action.ms(0.99):,.0f} |"
        )
    lines += ["", "| written (answered as done) | expected | found |", "|---|---:|---:|"]
    for name, expected in results.expected.items():
        lines.append(f"| {name} | {expected:,} | {results.found.get(name, 0):,} |")
    lines += [
        "",
        f"Writes lost: **{results.lost}**. Import jobs not finished {results.drain_seconds:.0f} s "
        f"after the load: {results.jobs_unfinished}. Rollups equal a recount from the facts: "
        f"{'yes' if results.rollups_exact else 'NO'}.",
    ]
    errors = [e for a in results.actions.values() for e in a.errors][:10]
    if errors:
        lines += ["", "First errors:", "", *[f"- `{e}`" for e in errors]]
    return "\n".join(lines)
