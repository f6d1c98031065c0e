"""Measure the sales API's ingest rate and the dashboards over millions of sale lines.

Unlike the other benchmarks this one keeps what it writes (it measures writes, and ten million
lines cannot be rolled back cheaply), so it is meant for a throwaway database: `scripts/pg start`.

1. Ingest: synthetic channels push N lines in batches of 10,000 through the whole HTTP stack
   (Django's test client: middleware, authentication, throttle, parsing, the service, the
   JSON answer), as a channel's ERP would; then one batch is sent again (a replay).
2. Dashboards: M more lines are written straight into the sale line table by PostgreSQL itself
   (INSERT … SELECT over generate_series), the monthly sums are rebuilt with one GROUP BY
   (`services.rebuild_sales_months`), and the dashboard reads (`selectors.sales_totals` and
   `selectors.sales_by`) are timed for one county pairing and for everything, against the
   same sums computed by scanning the sale lines, which must agree.
3. Ingest again, now with the M lines stored, to see what the duplicate and capacity checks
   cost on a full table.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from unittest import mock

from django.db import DatabaseError, connection, reset_queries, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.test import Client, override_settings

from shanhai.accounts.models import Side, User
from shanhai.consumption import selectors, services
from shanhai.consumption.models import (
    Buyer,
    Certification,
    Channel,
    Product,
    ProductCategory,
    SaleLine,
    SalesBatch,
    SalesMonth,
    Supplier,
)
from shanhai.core.models import Source
from shanhai.core.services import register_source
from shanhai.places.models import Pairing, Place
from shanhai.places.services import register_pairing, register_place
from shanhai.synth.consumption import certify_product

COUNTIES = 10  # county pairings, each with TOWNS town pairings under it
TOWNS = 10
PRODUCTS_PER_SUPPLIER = 3  # one supplier per town pairing: 300 products
CHANNELS = 50
PUSHING_CHANNELS = 5  # channels with a key that push through the API
PRODUCTS_PER_CHANNEL = 24
UNCERTIFIED_EVERY = 7  # one product in seven is never certified (shown, not counted)
FIRST_DAY = date(2021, 1, 1)
DAYS = 3 * 365
COUNTED = Q(is_certified=True, is_excluded=False, is_held=False)


@dataclass
class World:
    admin: User
    counties: list[Pairing]
    products: list[Product]
    certified: set[int]
    channels: list[Channel]
    keys: list[str]
    buyers: list[Buyer]


@dataclass
class Ingest:
    lines: int
    batches: int
    body_mb: float
    seconds: float
    service_seconds: float
    per_batch: list[float]
    created: int
    flagged: int
    held: int
    replay_seconds: float
    lines_before: int
    load: float

    @property
    def rate(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0


@dataclass
class Timing:
    name: str
    runs: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.runs) * 1000

    @property
    def p95(self) -> float:
        ordered = sorted(self.runs)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000


@dataclass
class Dashboards:
    lines: int
    filled: int
    fill_seconds: float
    unchecked: bool
    rebuild_seconds: float
    cells: int
    table_mb: float
    rows: list[tuple[str, Timing, Timing]]  # (what, from SalesMonth, scanning sale lines)
    agree: bool


# The world: pairings, suppliers, products, certificates, channels, keys, buyers ---------------


def build_world(tag: str) -> World:
    """Make COUNTIES × TOWNS pairings with a supplier and its products in each, certify most
    products, and open CHANNELS channels, the first PUSHING_CHANNELS with an API key."""
    admin = User.objects.create_superuser(username=f"bench-{tag}", password=None)
    source = register_source(
        key=f"bench-{tag}", kind=Source.Kind.ILLUSTRATIVE, title="基准测试合成数据"
    )
    counties: list[Pairing] = []
    products: list[Product] = []
    certified: set[int] = set()
    categories = list(ProductCategory.values)
    for c in range(1, COUNTIES + 1):
        east = register_place(name=f"基准{tag}东部{c}区", level=Place.Level.COUNTY, side=Side.EAST)
        west = register_place(name=f"基准{tag}西部{c}县", level=Place.Level.COUNTY, side=Side.WEST)
        county = register_pairing(
            code=f"bench-{tag}-c{c}",
            kind=Pairing.Kind.COUNTY,
            east_place=east,
            west_place=west,
            started_on=date(2020, 1, 1),
            source=source,
            is_illustrative=True,
        )
        counties.append(county)
        for t in range(1, TOWNS + 1):
            east_town = register_place(name=f"东{t}镇", level=Place.Level.TOWN, parent=east)
            west_town = register_place(name=f"西{t}镇", level=Place.Level.TOWN, parent=west)
            town = register_pairing(
                code=f"bench-{tag}-c{c}-t{t}",
                kind=Pairing.Kind.TOWN,
                parent=county,
                east_place=east_town,
                west_place=west_town,
                started_on=date(2020, 1, 1),
                source=source,
                is_illustrative=True,
            )
            supplier = services.register_supplier(
                pairing=town,
                recorded_by=admin,
                name=f"基准{c}县{t}镇合作社",
                kind=Supplier.Kind.COOPERATIVE,
                place=west_town,
                registered_on=date(2020, 1, 1),
                is_illustrative=True,
            )
            for _n in range(PRODUCTS_PER_SUPPLIER):
                number = len(products)
                product = services.register_product(
                    supplier=supplier,
                    recorded_by=admin,
                    name=f"基准产品{number:03d}",
                    category=categories[number % len(categories)],
                    unit="斤",
                    reference_price=Decimal(10 + number % 50),
                    capacity_quantity=Decimal(10_000_000),
                    capacity_amount=Decimal(500_000_000),
                    trace_code=f"BENCH-{tag}-{number:03d}",
                    is_illustrative=True,
                )
                products.append(product)
                if number % UNCERTIFIED_EVERY:
                    _certify(product, admin)
                    certified.add(product.pk)
    channels = [
        services.register_channel(
            pairing=counties[n % COUNTIES],
            recorded_by=admin,
            name=f"基准渠道{tag}-{n:02d}",
            kind=list(Channel.Kind.values)[n % len(Channel.Kind.values)],
            is_illustrative=True,
        )
        for n in range(CHANNELS)
    ]
    keys = [
        services.issue_channel_token(channel=channel, name="基准测试", issued_by=admin)[1]
        for channel in channels[:PUSHING_CHANNELS]
    ]
    buyers = [
        services.register_buyer(
            recorded_by=admin,
            pairing=counties[0],
            name=f"基准采购单位{tag}-{n}",
            kind=[Buyer.Kind.UNION, Buyer.Kind.BUDGET_UNIT, Buyer.Kind.CANTEEN][n % 3],
            side=Side.EAST,
            is_illustrative=True,
        )
        for n in range(20)
    ]
    return World(admin, counties, products, certified, channels, keys, buyers)


def _certify(product: Product, by: User) -> Certification:
    """The whole workflow, as the synthetic data runs it (one helper for every generator)."""
    return certify_product(
        product,
        county=by,
        rechecker=by,
        applied_on=date(2020, 10, 1),
        certificate_number=f"BENCH-{product.pk}",
        valid_to=date(2025, 12, 31),
    )


# 1. Ingest through the API ---------------------------------------------------------------------


def make_batches(world: World, *, lines: int, size: int, tag: str, seed: int) -> list[bytes]:
    """JSON bodies of *size* lines each: one channel's week of sales per batch, a fifth of
    the products named by trace code, a third of the lines bought by an eastern buyer."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    bodies = []
    for number, start in enumerate(range(0, lines, size)):
        channel = number % len(world.keys)
        first_day = FIRST_DAY + timedelta(days=(number * 7) % (DAYS - 7))
        sold: list[dict[str, Any]] = []
        for n in range(start, min(start + size, lines)):
            product = world.products[
                (channel * PRODUCTS_PER_CHANNEL + rng.randrange(PRODUCTS_PER_CHANNEL))
                % len(world.products)
            ]
            quantity = Decimal(rng.randrange(100, 2000)) / 100
            price = product.reference_price * Decimal(rng.randrange(80, 121)) / 100
            line: dict[str, Any] = {
                "order_id": f"{tag}-{n:08d}",
                "sold_on": (first_day + timedelta(days=rng.randrange(7))).isoformat(),
                "quantity": str(quantity),
                "amount": str((quantity * price).quantize(Decimal("0.01"))),
            }
            if rng.random() < 0.2:
                line["trace_code"] = product.trace_code
            else:
                line["product"] = product.pk
            if rng.random() < 0.33:
                line["buyer"] = rng.choice(world.buyers).pk
            sold.append(line)
        bodies.append(json.dumps({"lines": sold}, ensure_ascii=False).encode())
    return bodies


@contextmanager
def _service_clock() -> Iterator[list[float]]:
    """Time every call of services.ingest_sales made while inside."""
    spent: list[float] = []
    real = services.ingest_sales

    def timed(**kwargs: Any) -> services.IngestOutcome:
        started = time.perf_counter()
        try:
            return real(**kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    with mock.patch.object(services, "ingest_sales", timed):
        yield spent


def push_all(world: World, bodies: list[bytes], say: Callable[[str], None]) -> Ingest:
    """POST every body with its channel's key; then send the first one again."""
    client = Client(HTTP_HOST="localhost")
    load = os.getloadavg()[0]
    lines_before = SaleLine.objects.count()
    per_batch: list[float] = []
    batches: list[int] = []
    created = flagged = 0
    with override_settings(SHANHAI_API_RATE="100000/m"), _service_clock() as spent:
        for number, body in enumerate(bodies):
            key = world.keys[number % len(world.keys)]
            started = time.perf_counter()
            response = client.post(
                "/api/v1/sales",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {key}",
            )
            per_batch.append(time.perf_counter() - started)
            reset_queries()  # DEBUG keeps every query otherwise
            if response.status_code != 200:
                raise RuntimeError(f"batch {number}: {response.status_code} {response.content!r}")
            answer = response.json()
            if answer["rejected"]:
                raise RuntimeError(f"batch {number} rejected lines: {answer['errors'][:3]}")
            batches.append(answer["batch"])
            created += answer["created"]
            flagged += answer["flagged"]
            say(f"  batch {number + 1}/{len(bodies)}: {per_batch[-1]:.2f} s")
        service_seconds = sum(spent)
        started = time.perf_counter()
        replay = client.post(
            "/api/v1/sales",
            bodies[0],
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {world.keys[0]}",
        )
        replay_seconds = time.perf_counter() - started
        if replay.json()["created"]:
            raise RuntimeError("a replay created lines")
    held = SaleLine.objects.filter(batch_id__in=batches, is_held=True).count()
    return Ingest(
        lines=sum(len(json.loads(body)["lines"]) for body in bodies),
        batches=len(bodies),
        body_mb=max(len(body) for body in bodies) / 1024 / 1024,
        seconds=sum(per_batch),
        service_seconds=service_seconds,
        per_batch=per_batch,
        created=created,
        flagged=flagged,
        held=held,
        replay_seconds=replay_seconds,
        lines_before=lines_before,
        load=load,
    )


# 2. Dashboards over millions of lines ----------------------------------------------------------

FILL_SQL = """
INSERT INTO consumption_saleline (
    channel_id, order_id, sold_on, product_id, quantity, amount, buyer_id, pairing_id, root_id,
    mode, is_certified, is_excluded, is_held, sales_event_id, batch_id, is_illustrative
)
SELECT c.channel_id,
       %(prefix)s || g,
       %(first_day)s::date + ((g - 1) * %(days)s / %(total)s)::int,
       p.product_id,
       q.quantity,
       round(q.quantity * p.price * (80 + (g * 17) %% 41) / 100, 2),
       b.buyer_id,
       p.pairing_id,
       credited.root_id,
       coalesce(b.mode, 'helped'),
       p.certified,
       g %% 500 = 0,
       g %% 997 = 0,
       NULL,
       c.batch_id,
       true
FROM generate_series(%(start)s::bigint, %(stop)s::bigint) AS g
CROSS JOIN LATERAL (SELECT (1 + (g * 31) %% 20)::numeric AS quantity) AS q
JOIN bench_channel AS c ON c.idx = (g * 104729) %% %(channels)s
JOIN bench_product AS p
  ON p.idx = (c.idx * %(per_channel)s + (g * 7919) %% %(per_channel)s) %% %(products)s
JOIN places_pairing AS credited ON credited.id = p.pairing_id
LEFT JOIN bench_buyer AS b
  ON b.idx = CASE WHEN g %% 10 < 3 THEN (g / 10) %% %(buyers)s ELSE -1 END
"""


def fill(world: World, *, lines: int, tag: str, say: Callable[[str], None]) -> tuple[float, bool]:
    """Write *lines* sale lines with PostgreSQL's own INSERT … SELECT; return the seconds and
    whether the foreign-key checks were off.

    The lines come in the order they were sold, as channels send them, over three years.
    """
    if connection.vendor != "postgresql":
        raise RuntimeError("The dashboard part needs PostgreSQL (generate_series).")
    batches = [
        SalesBatch.objects.create(channel=channel, entry_method="import", received_by=world.admin)
        for channel in world.channels
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_channel (idx int PRIMARY KEY, channel_id bigint, "
            "batch_id bigint)"
        )
        cursor.executemany(
            "INSERT INTO bench_channel VALUES (%s, %s, %s)",
            [(n, b.channel_id, b.pk) for n, b in enumerate(batches)],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_product (idx int PRIMARY KEY, product_id bigint, "
            "pairing_id bigint, price numeric, certified boolean)"
        )
        cursor.executemany(
            "INSERT INTO bench_product VALUES (%s, %s, %s, %s, %s)",
            [
                (n, p.pk, p.supplier.pairing_id, p.reference_price, p.pk in world.certified)
                for n, p in enumerate(world.products)
            ],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_buyer (idx int PRIMARY KEY, buyer_id bigint, mode text)"
        )
        cursor.executemany(
            "INSERT INTO bench_buyer VALUES (%s, %s, %s)",
            [(n, b.pk, services.sale_mode(b)) for n, b in enumerate(world.buyers)],
        )
        started = time.perf_counter()
        unchecked = False
        chunk = 1_000_000
        for start in range(1, lines + 1, chunk):
            stop = min(start + chunk - 1, lines)
            with transaction.atomic():
                unchecked = _skip_foreign_key_checks(cursor)
                cursor.execute(
                    FILL_SQL,
                    {
                        "prefix": f"F{tag}-",
                        "first_day": FIRST_DAY,
                        "days": DAYS,
                        "total": lines,
                        "start": start,
                        "stop": stop,
                        "channels": len(batches),
                        "per_channel": PRODUCTS_PER_CHANNEL,
                        "products": len(world.products),
                        "buyers": len(world.buyers),
                    },
                )
            say(f"  {stop:,} lines written ({time.perf_counter() - started:.0f} s)")
        cursor.execute("ANALYZE consumption_saleline")
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_channel, bench_product, bench_buyer")
    written = (
        SaleLine.objects.filter(batch__in=batches).values_list("batch").annotate(n=Count("pk"))
    )
    for batch_id, count in written.order_by():
        SalesBatch.objects.filter(pk=batch_id).update(lines_received=count, lines_created=count)
    return seconds, unchecked


def _skip_foreign_key_checks(cursor: Any) -> bool:
    """Switch off the foreign-key triggers for this transaction, when the role may (a
    superuser, as on a `scripts/pg` cluster): they cost two thirds of the fill, and every id
    written comes from a row just made. Return whether they are off."""
    try:
        with transaction.atomic():
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        return False
    return True


def _timed(name: str, run: Callable[[], object], repeat: int) -> tuple[Timing, object]:
    result = run()  # warm the caches; also the result compared
    timing = Timing(name)
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timing.runs.append(time.perf_counter() - started)
    return timing, result


def _scan_by(lines: QuerySet[SaleLine], dimension: str) -> list[dict[str, object]]:
    """What selectors.sales_by gives, computed from the sale lines themselves."""
    key = {"month": "month", "channel": "channel__name", "product": "product__name"}[dimension]
    rows = (
        lines.annotate(month=TruncMonth("sold_on"))
        .values(key)
        .annotate(
            counted=Sum("amount", filter=COUNTED),
            uncounted=Sum("amount", filter=~COUNTED),
            lines=Count("pk"),
            quantity=Sum("quantity"),
        )
        .order_by(key)
    )
    return [
        {
            "key": r[key],
            "counted": r["counted"] or Decimal(0),
            "uncounted": r["uncounted"] or Decimal(0),
            "lines": r["lines"],
            "quantity": r["quantity"] or Decimal(0),
        }
        for r in rows
    ]


def _scan_totals(lines: QuerySet[SaleLine]) -> selectors.SalesTotals:
    sums = lines.aggregate(
        ca=Sum("amount", filter=COUNTED),
        cl=Count("pk", filter=COUNTED),
        ua=Sum("amount", filter=~COUNTED),
        ul=Count("pk", filter=~COUNTED),
    )
    return selectors.SalesTotals(
        sums["ca"] or Decimal(0), sums["cl"], sums["ua"] or Decimal(0), sums["ul"]
    )


def _same(left: object, right: object) -> bool:
    def canonical(value: object) -> object:
        if isinstance(value, list):
            return sorted(
                (str(row["key"]), row["counted"], row["uncounted"], row["lines"], row["quantity"])
                for row in value
            )
        return value

    return canonical(left) == canonical(right)


def time_dashboards(
    world: World, *, repeat: int, scan_repeat: int, say: Callable[[str], None]
) -> tuple[list[tuple[str, Timing, Timing]], bool]:
    county = world.counties[0]
    scopes: list[tuple[str, QuerySet[SalesMonth], QuerySet[SaleLine]]] = [
        (
            f"one county pairing ({TOWNS} towns)",
            selectors.months_for_user(world.admin, pairing=county),
            SaleLine.objects.filter(
                pairing__in=Pairing.objects.filter(path__startswith=county.path).values("pk")
            ),
        ),
        ("everything", selectors.months_for_user(world.admin), SaleLine.objects.all()),
    ]
    rows: list[tuple[str, Timing, Timing]] = []
    agree = True
    for scope, months, lines in scopes:
        reads: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
            ("totals", partial(selectors.sales_totals, months), partial(_scan_totals, lines))
        ]
        reads += [
            (
                f"by {dimension}",
                partial(selectors.sales_by, months, dimension),
                partial(_scan_by, lines, dimension),
            )
            for dimension in ("month", "channel", "product")
        ]
        for what, from_months, from_lines in reads:
            quick, expected = _timed(what, from_months, repeat)
            slow, scanned = _timed(what, from_lines, scan_repeat)
            same = _same(expected, scanned)
            agree = agree and same
            rows.append((f"{scope}: {what}", quick, slow))
            say(
                f"  {scope}, {what}: {quick.p50:.1f} ms from the monthly sums, "
                f"{slow.p50:.0f} ms scanning{'' if same else ' — THE SUMS DIFFER'}"
            )
    return rows, agree


def table_mb() -> float:
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('consumption_saleline')")
        (size,) = cursor.fetchone() or (0,)
    return float(size) / 1024 / 1024


def dashboards(
    world: World,
    *,
    lines: int,
    tag: str,
    repeat: int,
    scan_repeat: int,
    say: Callable[[str], None],
) -> Dashboards:
    say(f"Writing {lines:,} sale lines with INSERT … SELECT generate_series …")
    fill_seconds, unchecked = fill(world, lines=lines, tag=tag, say=say)
    say("Rebuilding the monthly sums …")
    started = time.perf_counter()
    cells = services.rebuild_sales_months()
    rebuild_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE consumption_salesmonth")
    say(f"  {cells:,} cells in {rebuild_seconds:.0f} s; timing the dashboard reads …")
    rows, agree = time_dashboards(world, repeat=repeat, scan_repeat=scan_repeat, say=say)
    return Dashboards(
        lines=SaleLine.objects.count(),
        filled=lines,
        fill_seconds=fill_seconds,
        unchecked=unchecked,
        rebuild_seconds=rebuild_seconds,
        cells=SalesMonth.objects.count(),
        table_mb=table_mb(),
        rows=rows,
        agree=agree,
    )


# The report ------------------------------------------------------------------------------------


def _ms(seconds: list[float], share: float) -> float:
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def as_markdown(
    facts: dict[str, str],
    first: Ingest,
    board: Dashboards | None,
    full: Ingest | None,
    *,
    batch: int,
    upload_mb: float,
) -> str:
    lines = [
        "`shanhai bench_consumption --write` (shanhai/consumption/bench_ingest.py) builds "
        f"{COUNTIES * (TOWNS + 1)} pairings ({COUNTIES} counties × {TOWNS} towns) with "
        f"{COUNTIES * TOWNS * PRODUCTS_PER_SUPPLIER} products (one in "
        f"{UNCERTIFIED_EVERY} never certified), {CHANNELS} channels and 20 buyers, then:",
        "",
        f"1. pushes N synthetic lines in batches of {batch:,} through the whole HTTP stack "
        "(Django's test client: middleware, key, throttle, per-line parsing, "
        "`services.ingest_sales`, the JSON answer) from "
        f"{PUSHING_CHANNELS} channels, each batch a week of one channel's sales, a fifth of "
        "the products named by trace code; then sends the first batch again (a replay);",
        "2. writes M more lines straight into the sale line table with PostgreSQL's "
        "`INSERT … SELECT generate_series` (each channel selling "
        f"{PRODUCTS_PER_CHANNEL} products over three years), rebuilds the monthly sums with "
        "`services.rebuild_sales_months()` (one GROUP BY), and times the dashboard reads "
        "(`selectors.sales_totals`, `selectors.sales_by`) against the same sums computed by "
        "scanning the sale lines, checking that both agree;",
        "3. pushes a few batches again with those M lines stored.",
        "",
        "It keeps what it writes: run it on a throwaway database (`scripts/pg start`). The "
        "cluster runs with `fsync=off`, so durable commits on a production server will be "
        "somewhat slower.",
        "",
    ]
    lines += [f"- {key}: {value}" for key, value in facts.items()]
    lines += [
        f"- largest request body: {first.body_mb:.2f} MB for {batch:,} lines "
        f"(Django refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE = {upload_mb:g} MB)",
        "",
        "| ingest through the API | lines | lines/s | per batch p50 / p95 | in the service |",
        "|---|---|---|---|---|",
        _ingest_row("into a near-empty table", first),
    ]
    if full is not None:
        lines.append(_ingest_row(f"with {full.lines_before:,} lines stored", full))
    lines += [
        "",
        f"Sending a {batch:,}-line batch again (a replay: nothing is written) took "
        f"{first.replay_seconds:.2f} s"
        + (f", and {full.replay_seconds:.2f} s with the table full." if full else ".")
        + f" Of the {first.created:,} lines pushed first, {first.flagged:,} were flagged "
        f"(uncertified products) and {first.held:,} held as probable duplicates of another "
        "channel's line"
        + (
            f"; of the {full.created:,} pushed with the table full, {full.flagged:,} were "
            f"flagged and {full.held:,} held."
            if full
            else "."
        ),
        "",
        "Other work shared the machine's two cores during the run (load average "
        f"{first.load:.1f} when the first push began"
        + (f", {full.load:.1f} for the second" if full else "")
        + "), so the ingest figures move by a third or so from run to run.",
    ]
    if board is not None:
        lines += [
            "",
            f"- sale lines: {board.lines:,} ({board.table_mb:,.0f} MB with indexes), "
            f"{board.filled:,} of them written by INSERT … SELECT in {board.fill_seconds:.0f} s "
            f"({board.filled / board.fill_seconds:,.0f} lines/s"
            + (", foreign-key checks off)" if board.unchecked else ")"),
            f"- monthly sums rebuilt in {board.rebuild_seconds:.1f} s: {board.cells:,} cells "
            "(month × pairing × channel × product × mode × counted)",
            f"- the sums from the monthly cells and from scanning the lines agree: "
            f"{'yes' if board.agree else 'NO'}",
            "",
            "| dashboard read | from SalesMonth p50 / p95 ms | scanning sale lines "
            "p50 / p95 ms | × |",
            "|---|---|---|---|",
        ]
        for what, quick, slow in board.rows:
            ratio = slow.p50 / quick.p50 if quick.p50 else 0
            lines.append(
                f"| {what} | {quick.p50:.1f} / {quick.p95:.1f} | {slow.p50:,.0f} / "
                f"{slow.p95:,.0f} | {ratio:,.0f} |"
            )
    return "\n".join(lines)


def _ingest_row(name: str, f: Ingest) -> str:
    return (
        f"| {name} | {f.lines:,} in {f.batches} batch{'es' if f.batches != 1 else ''} | "
        f"{f.rate:,.0f} | "
        f"{_ms(f.per_batch, 0.5):.2f} / {_ms(f.per_batch, 0.95):.2f} s | "
        f"{f.service_seconds / f.seconds * 100:.0f} % |"
    )
