"""Measure the ledger's everyday pages on a large synthetic ledger, then leave no trace.

Everything runs inside one transaction that is rolled back at the end, so the benchmark can
run against any database, the demo's included.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from itertools import accumulate

from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from shanhai.accounts.models import User
from shanhai.core.benchmarks import Timing, environment, timed
from shanhai.ledger.models import Record
from shanhai.ledger.services import import_records
from shanhai.places.models import Pairing
from shanhai.synth import shapes
from shanhai.synth.ledger import make_record
from shanhai.synth.scales import COUNTY


class _RollbackError(Exception):
    """Raised to undo the benchmark's inserts."""


def _fill(pairings: list[Pairing], user: User, count: int, seed: int) -> float:
    """Store *count* records of every kind, spread over the pairings and five years, as an import
    stores them (import_records: the common and the kind's own row, facts and rollups), made by
    the synthetic data's generator in the county scale's mix of kinds."""
    draw = shapes.rng(seed, "bench-ledger")
    mix = COUNTY.records_per_pairing_year
    kinds, weights = list(mix), list(accumulate(mix.values()))
    started = time.perf_counter()
    waiting: dict[tuple[str, str], list[Record]] = defaultdict(list)

    def store(kind: str, side: str) -> None:
        import_records(records=waiting.pop((kind, side)), recorded_by=user, side=side)

    for _n in range(count):
        kind = draw.choices(kinds, cum_weights=weights)[0]
        record, side = make_record(kind, draw, draw.choice(pairings), 2021 + draw.randrange(5))
        waiting[(kind, side)].append(record)
        if len(waiting[(kind, side)]) == 2000:
            store(kind, side)
    for kind, side in list(waiting):
        store(kind, side)
    return time.perf_counter() - started


def _getter(client: Client, url: str) -> Callable[[], None]:
    def get() -> None:
        status = client.get(url).status_code
        if status != 200:
            raise RuntimeError(f"{url} answered {status}")

    return get


def run(*, records: int, repeat: int, seed: int = 2023) -> tuple[dict[str, str], list[Timing]]:
    """Fill the ledger with *records* rows, time the pages, roll everything back."""
    timings: list[Timing] = []
    facts: dict[str, str] = {}
    try:
        with transaction.atomic():
            user = User.objects.filter(is_superuser=True).first()
            root = Pairing.objects.filter(code="songjiang-weixin").first()
            if user is None or root is None:
                raise RuntimeError("Load the demo first: `shanhai demo`.")
            pairings = list(Pairing.objects.filter(path__startswith=root.path))
            seconds = _fill(pairings, user, records, seed)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE ledger_record")
            total = Record.objects.filter(pairing__path__startswith=root.path).count()
            facts = {
                "records in the timeline": f"{total:,}",
                "insert rate": f"{records / seconds:,.0f} records/s (import_records: both "
                "tables, facts)",
            }
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)
            timeline = reverse("ledger:timeline", args=[root.code])
            pages = total // 30
            cases: list[tuple[str, str]] = [
                ("timeline, first page", timeline),
                ("timeline, page 100", f"{timeline}?page=100"),
                (f"timeline, last page ({pages:,})", f"{timeline}?page={pages}"),
                ("timeline, one kind and one year", f"{timeline}?kind=visit&year=2023"),
                ("timeline, text search", f"{timeline}?q=培训班"),
                ("list of one kind, sorted by title", reverse("ledger:record-list", args=["visit"])
                 + "?sort=title"),
            ]  # fmt: skip
            for name, url in cases:
                timings.append(timed(name, _getter(client, url), repeat))
            raise _RollbackError
    except _RollbackError:
        pass
    facts.update(environment())
    return facts, timings


def as_markdown(facts: dict[str, str], timings: list[Timing], *, repeat: int) -> str:
    lines = [f"- {key}: {value}" for key, value in facts.items()]
    lines += [
        "",
        f"| page (server time through Django's test client, {repeat} runs) | p50 ms | p95 ms |",
        "|---|---|---|",
    ]
    lines += [f"| {t.name} | {t.p50:.1f} | {t.p95:.1f} |" for t in timings]
    return "\n".join(lines)
