"""Sales ingest against the engine's own bulk paths: issue 9's goal (4).

`measure_ingest(channel, sales, repeat=…)` takes the same N lines four ways, `repeat` times each,
interleaved (one round is all four in turn, so drift on a shared machine hits them alike):

- **api**: POSTed to `/api/v1/sales` with the channel's key through Django's test client — the
  whole HTTP stack (middleware, key, throttle, per-line parsing, `services.ingest_sales` with its
  validation, de-duplication, certification flags and rollup upkeep, the JSON answer) — in
  batches of at most `services.MAX_BATCH_LINES`, as a channel sends them;
- **service**: the same lines straight to `services.ingest_sales` (all of the above but HTTP);
- **copy**: the sale lines the service wrote (a line sent twice in one delivery is one), as
  rows already prepared (a tuple of database values per line), by one bare
  `COPY consumption_saleline (…) FROM STDIN` into the real table with all its indexes and
  constraints — the engine's limit for these rows;
- **bulk_create**: the same lines as SaleLine objects, by `SaleLine.objects.bulk_create`.

Every round gives the lines fresh order ids (the same mapping keeps a batch's repeated ids
repeated), so no path replays another's lines. The api and service paths write as in production:
outside a transaction each batch commits and stays (run it on a throwaway or benchmark
database); inside the caller's transaction, what they wrote goes when the caller rolls back.
copy and bulk_create run in a transaction (a savepoint) of their own that is rolled back, and
leave the database as it was.

Foreign keys are DEFERRABLE INITIALLY DEFERRED, checked at commit, and checking them is part of
writing a line: every path pays for it inside its timing. The api and service paths pay at their
own commit, or, inside the caller's transaction, by `SET CONSTRAINTS ALL IMMEDIATE` after each
batch (then DEFERRED again); copy and bulk_create by the same statement before their rollback.

On a database other than PostgreSQL the reference is a bare `executemany` INSERT of the
prepared rows instead of COPY (`IngestComparison.reference` says which).
"""

from __future__ import annotations

import json
import secrets
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

from django.db import connection, reset_queries, transaction
from django.test import Client, override_settings
from django.utils import timezone

from shanhai.accounts.models import User
from shanhai.consumption import rules, services
from shanhai.consumption.models import Channel, ChannelToken, EntryMethod, SaleLine
from shanhai.consumption.services import MAX_BATCH_LINES, SaleInput
from shanhai.places.models import Pairing


@dataclass(frozen=True)
class PathTiming:
    """One path: the seconds each repeat took to write *lines* lines."""

    name: str
    lines: int
    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rate(self) -> float:
        """Lines a second, from the median repeat."""
        return self.lines / self.median if self.median else 0.0


@dataclass(frozen=True)
class IngestComparison:
    """Lines a second by each path, from the median of the repeats, and the ratios the goal
    names: api ≥ 0.5 × copy and api ≥ 3 × bulk_create."""

    lines: int  # lines sent in one repeat of the api and service paths
    repeat: int
    reference: str  # "COPY" on PostgreSQL, "executemany INSERT" elsewhere
    api: PathTiming
    service: PathTiming
    copy: PathTiming  # the COPY and the foreign-key checks of its rows
    copy_unchecked: PathTiming  # the COPY statement alone, before those checks
    bulk_create: PathTiming
    created: int  # lines the api and service paths wrote, and left, over every repeat
    flagged: int  # of which flagged (uncertified, price, capacity, duplicate, pairing)
    database: str

    # What `shanhai bench` reads.
    @property
    def api_per_second(self) -> float:
        return self.api.rate

    @property
    def service_per_second(self) -> float:
        return self.service.rate

    @property
    def copy_per_second(self) -> float:
        return self.copy.rate

    @property
    def bulk_create_per_second(self) -> float:
        return self.bulk_create.rate

    @property
    def api_vs_copy(self) -> float:
        return self.api.rate / self.copy.rate if self.copy.rate else 0.0

    @property
    def api_vs_bulk_create(self) -> float:
        return self.api.rate / self.bulk_create.rate if self.bulk_create.rate else 0.0

    @property
    def service_vs_copy(self) -> float:
        return self.service.rate / self.copy.rate if self.copy.rate else 0.0

    @property
    def service_vs_bulk_create(self) -> float:
        return self.service.rate / self.bulk_create.rate if self.bulk_create.rate else 0.0

    def as_markdown(self) -> str:
        """The four paths as a table, then the ratios against the goal."""
        rows = [
            f"| path ({self.lines:,} lines, median of {self.repeat}) | lines/s | seconds |",
            "|---|---|---|",
        ]
        names = {
            "api": "POST /api/v1/sales (whole HTTP stack)",
            "service": "services.ingest_sales",
            "copy": f"bare {self.reference} of the prepared rows",
            "bulk_create": "SaleLine.objects.bulk_create",
        }
        for timing in (self.api, self.service, self.copy, self.bulk_create):
            rows.append(f"| {names[timing.name]} | {timing.rate:,.0f} | {timing.median:.3f} |")
            if timing is self.copy:
                alone = self.copy_unchecked
                rows.append(
                    f"| … of which the {self.reference} statement, before the foreign-key checks "
                    f"| {alone.rate:,.0f} | {alone.median:.3f} |"
                )
        rows += [
            "",
            f"- api ÷ {self.reference}: {self.api_vs_copy:.2f} (goal ≥ 0.5); "
            f"api ÷ bulk_create: {self.api_vs_bulk_create:.2f} (goal ≥ 3)",
            f"- service ÷ {self.reference}: {self.service_vs_copy:.2f}; "
            f"service ÷ bulk_create: {self.service_vs_bulk_create:.2f}",
            f"- database: {self.database}; {self.created:,} lines written by the api and service "
            f"paths ({self.flagged:,} flagged), none by {self.reference} or bulk_create "
            "(rolled back)",
        ]
        return "\n".join(rows)


def measure_ingest(
    channel: Channel,
    sales: Sequence[SaleInput],
    *,
    repeat: int = 3,
    key: str | None = None,
    issued_by: User | None = None,
) -> IngestComparison:
    """Time *sales* into *channel* by the api, the service, a bare COPY and bulk_create.

    *sales* are lines as the API parses them (SaleInput); any size: the api and service paths
    send them in batches of MAX_BATCH_LINES. Their order ids are replaced (see the module's
    docstring), so lines copied from the channel's own serve. Every line must be accepted
    (valid, in an open year): a refused one would make the paths write different lines, so it
    raises ValueError; a line repeated within *sales* is a replay, as in life.

    *key* is the channel's API key; without one, a key for the run is made (created by
    *issued_by*, by default a superuser or else the first user) and revoked at the end.

    Returns the seconds of every repeat of every path, lines a second from their medians, and
    the ratios; `as_markdown()` renders them. See the module's docstring for what each path
    includes and what is kept.
    """
    if not sales:
        raise ValueError("Give at least one sale line to measure.")
    if repeat < 1:
        raise ValueError("repeat must be at least 1.")
    issued = None
    if key is None:
        issued, key = _run_key(channel, issued_by)
    codes = dict(
        Pairing.objects.filter(pk__in={s.pairing_id for s in sales if s.pairing_id}).values_list(
            "pk", "code"
        )
    )
    tag = secrets.token_hex(3)
    names = ("api", "service", "copy", "unchecked", "bulk")
    timings: dict[str, list[float]] = {name: [] for name in names}
    created = flagged = rows = 0
    client = Client(HTTP_HOST="localhost")
    try:
        with override_settings(SHANHAI_API_RATE="1000000/m"):
            for round_ in range(repeat):
                fresh = _renamer(f"~{tag}{round_}")
                seconds, written, doubtful, _ = _post(client, key, fresh("a", sales), codes)
                timings["api"].append(seconds)
                created, flagged = created + written, flagged + doubtful
                seconds, written, doubtful, batches = _ingest(channel, fresh("s", sales))
                timings["service"].append(seconds)
                created, flagged = created + written, flagged + doubtful
                lines = list(SaleLine.objects.filter(batch_id__in=batches).order_by("pk"))
                rows = len(lines)
                unchecked, checked = _bare_copy(_renamed_lines(lines, fresh, "c"))
                timings["unchecked"].append(unchecked)
                timings["copy"].append(unchecked + checked)
                timings["bulk"].append(_bulk_create(_renamed_lines(lines, fresh, "b")))
                reset_queries()  # DEBUG keeps every query otherwise
    finally:
        if issued is not None:
            ChannelToken.objects.filter(pk=issued.pk).update(revoked_at=timezone.now())
    count = len(sales)
    return IngestComparison(
        lines=count,
        repeat=repeat,
        reference="COPY" if connection.vendor == "postgresql" else "executemany INSERT",
        api=PathTiming("api", count, tuple(timings["api"])),
        service=PathTiming("service", count, tuple(timings["service"])),
        copy=PathTiming("copy", rows, tuple(timings["copy"])),
        copy_unchecked=PathTiming("copy_unchecked", rows, tuple(timings["unchecked"])),
        bulk_create=PathTiming("bulk_create", rows, tuple(timings["bulk"])),
        created=created,
        flagged=flagged,
        database=f"{connection.vendor} {'.'.join(map(str, connection.get_database_version()))}",
    )


def _run_key(channel: Channel, issued_by: User | None) -> tuple[ChannelToken, str]:
    """A key for this run only, made as services.issue_channel_token makes one (without its
    permission check and audit event: a benchmark's world need not have a user allowed to)."""
    user = (
        issued_by
        or User.objects.filter(is_superuser=True).order_by("pk").first()
        or User.objects.order_by("pk").first()
    )
    if user is None:
        raise ValueError("Give the channel's API key: there is no user to make one for the run.")
    key = "sh_" + secrets.token_urlsafe(32)
    token = ChannelToken.objects.create(
        channel=channel,
        name="bench_copy",
        prefix=key[:11],
        key_hash=rules.hash_key(key),
        created_by=user,
    )
    return token, key


def _check_deferred() -> None:
    """Check the deferred foreign keys of what was written so far, as a commit would, when the
    caller's transaction would otherwise leave them to its own end (PostgreSQL)."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _renamer(prefix: str) -> Callable[[str, Sequence[SaleInput]], list[SaleInput]]:
    """Give each distinct order id a new one, `{prefix}{path}-{n}`, the same for repeats."""

    def fresh(path: str, sales: Sequence[SaleInput]) -> list[SaleInput]:
        names: dict[str, str] = {}
        renamed = []
        for sale in sales:
            old = sale.order_id.strip()
            new = names.setdefault(old, f"{prefix}{path}-{len(names)}")
            renamed.append(replace(sale, order_id=new))
        return renamed

    return fresh


def _batches(sales: Sequence[SaleInput]) -> list[Sequence[SaleInput]]:
    return [sales[i : i + MAX_BATCH_LINES] for i in range(0, len(sales), MAX_BATCH_LINES)]


def _post(
    client: Client, key: str, sales: list[SaleInput], codes: dict[int, str]
) -> tuple[float, int, int, list[int]]:
    """POST *sales* in batches; (seconds, lines created, flagged, batch ids)."""
    bodies = [
        json.dumps({"lines": [_as_json(s, codes) for s in part]}, ensure_ascii=False).encode()
        for part in _batches(sales)
    ]
    seconds = 0.0
    created = flagged = 0
    batches = []
    for body in bodies:
        started = time.perf_counter()
        response = client.post(
            "/api/v1/sales",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        _check_deferred()
        seconds += time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"POST /api/v1/sales: {response.status_code} {response.content!r}")
        answer = response.json()
        if answer["rejected"]:
            raise ValueError(f"Lines were refused: {answer['errors'][:3]}")
        created, flagged = created + answer["created"], flagged + answer["flagged"]
        batches.append(answer["batch"])
    return seconds, created, flagged, batches


def _as_json(sale: SaleInput, codes: dict[int, str]) -> dict[str, Any]:
    """A line as a channel sends it."""
    line: dict[str, Any] = {
        "order_id": sale.order_id,
        "sold_on": sale.sold_on.isoformat(),
        "product": sale.product_id,
        "quantity": str(sale.quantity),
        "amount": str(sale.amount),
    }
    if sale.pairing_id:
        line["pairing"] = codes[sale.pairing_id]
    if sale.buyer_id:
        line["buyer"] = sale.buyer_id
    if sale.sales_event_id:
        line["sales_event"] = sale.sales_event_id
    return line


def _ingest(channel: Channel, sales: list[SaleInput]) -> tuple[float, int, int, list[int]]:
    """services.ingest_sales in batches; (seconds, lines created, flagged, batch ids)."""
    seconds = 0.0
    created = flagged = 0
    batches = []
    for part in _batches(sales):
        started = time.perf_counter()
        outcome = services.ingest_sales(channel=channel, sales=part, entry_method=EntryMethod.API)
        _check_deferred()
        seconds += time.perf_counter() - started
        if outcome.rejected:
            raise ValueError(f"Lines were refused: {outcome.errors[:3]}")
        assert outcome.batch is not None  # ingest_sales always makes one
        created, flagged = created + outcome.created, flagged + outcome.batch.lines_flagged
        batches.append(outcome.batch.pk)
    return seconds, created, flagged, batches


def _renamed_lines(
    lines: list[SaleLine], fresh: Callable[[str, Sequence[SaleInput]], list[SaleInput]], path: str
) -> list[SaleLine]:
    """New, unsaved copies of *lines* with every column as the service wrote it (a column added
    to the model comes along) but the order id, fresh for *path*."""
    fields = [f for f in SaleLine._meta.concrete_fields if not f.primary_key]
    renamed = fresh(
        path,
        [SaleInput(x.order_id, x.sold_on, x.product_id, x.quantity, x.amount) for x in lines],
    )
    copies = []
    for line, sale in zip(lines, renamed, strict=True):
        values = {f.attname: getattr(line, f.attname) for f in fields}
        values["order_id"] = sale.order_id
        copies.append(SaleLine(**values))
    return copies


def _bare_copy(lines: list[SaleLine]) -> tuple[float, float]:
    """Seconds to COPY *lines*, prepared beforehand as tuples of database values, into the sale
    line table, and then to check their foreign keys; rolled back. Elsewhere than on PostgreSQL:
    one executemany INSERT."""
    fields = [f for f in SaleLine._meta.concrete_fields if not f.primary_key and not f.generated]
    rows = [
        tuple(f.get_db_prep_save(getattr(x, f.attname), connection) for f in fields) for x in lines
    ]
    quote = connection.ops.quote_name
    table = quote(SaleLine._meta.db_table)
    columns = ", ".join(quote(cast(str, f.column)) for f in fields)
    with transaction.atomic(), connection.cursor() as cursor:
        try:
            started = time.perf_counter()
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(fields))
                sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - our names
                cursor.executemany(sql, rows)
            copied = time.perf_counter()
            _check_deferred()
            return copied - started, time.perf_counter() - copied
        finally:
            transaction.set_rollback(True)


def _bulk_create(lines: list[SaleLine]) -> float:
    """Seconds for SaleLine.objects.bulk_create(lines) and their foreign-key checks; rolled back."""
    with transaction.atomic():
        try:
            started = time.perf_counter()
            SaleLine.objects.bulk_create(lines)
            _check_deferred()
            return time.perf_counter() - started
        finally:
            transaction.set_rollback(True)
