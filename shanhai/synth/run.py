"""Write a synthetic database stage by stage: resumable, with progress and rates per stage.

The stages run in order (world, catalogue, ledger records, labor, sales). Every unit of a stage
(a part of the tree and a year, a county and a year, a channel and a year) is made from its own
generator and written in its own transaction, after checking whether it is already there; so a
run that was stopped picks up where it stopped, and `--fraction` writes an evenly spread share
of the units now (to time them) and leaves the rest for a later run.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, OperationalError, connections, reset_queries
from django.utils import timezone
from django.utils.translation import gettext as _

from shanhai.consumption import services as consumption_services
from shanhai.core.models import Source
from shanhai.core.services import register_source
from shanhai.synth import consumption, labor, ledger
from shanhai.synth.consumption import ChannelYear
from shanhai.synth.report import Plan
from shanhai.synth.world import World, write_world

Say = Callable[[str], None]


class SynthRefusedError(Exception):
    """The database holds another synthetic dataset, or the years are not all past."""


@dataclass
class StageResult:
    name: str
    unit: str
    rows: int
    skipped: int
    seconds: float
    planned: int
    fixed: float = 0.0  # seconds that do not grow with the rows written (a partial run)

    @property
    def rate(self) -> float:
        """Rows a second, the fixed time (making what a partial run skips) left out."""
        working = self.seconds - self.fixed
        return self.rows / working if working > 0 else 0.0

    @property
    def projected(self) -> float:
        """Seconds the whole stage takes at the rate measured (for a partial run)."""
        done = self.rows + self.skipped
        if not self.rows or done >= self.planned:
            return self.seconds
        return self.fixed + (self.seconds - self.fixed) * (self.planned - self.skipped) / self.rows


class Meter:
    """Counts a stage's rows and says how it goes every few seconds."""

    def __init__(self, name: str, unit: str, planned: int, say: Say, every: float = 10.0):
        self.name, self.unit, self.planned, self.say, self.every = name, unit, planned, say, every
        self.rows = self.skipped = 0
        self.started = self.last = time.perf_counter()

    def add(self, rows: int, skipped: int = 0) -> None:
        self.rows += rows
        self.skipped += skipped
        reset_queries()  # DEBUG keeps every query otherwise, and a run makes millions
        now = time.perf_counter()
        if now - self.last >= self.every:
            self.last = now
            self.say(self._line(now))

    def _line(self, now: float) -> str:
        done = self.rows + self.skipped
        spent = now - self.started
        rate = self.rows / spent if spent else 0.0
        left = (self.planned - done) / rate if rate else 0.0
        share = 100 * done / self.planned if self.planned else 100.0
        return (
            f"  {self.name}: {done:,} / {self.planned:,} {self.unit} ({share:.1f} %), "
            f"{rate:,.0f} {self.unit}/s, about {_duration(left)} left"
        )

    def result(self, fixed: float = 0.0) -> StageResult:
        seconds = time.perf_counter() - self.started
        result = StageResult(
            self.name, self.unit, self.rows, self.skipped, seconds, self.planned, fixed
        )
        skipped = f", {self.skipped:,} already there" if self.skipped else ""
        self.say(
            f"{self.name}: {self.rows:,} {self.unit} in {seconds:,.1f} s "
            f"({result.rate:,.0f} {self.unit}/s){skipped}"
        )
        return result


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def describe(plan: Plan) -> str:
    return f"scale={plan.scale.name} seed={plan.seed} years={plan.years[0]}-{plan.years[-1]}"


def check_years(years: list[int]) -> None:
    """Sales and certificates cannot be dated in the future: every year must be over."""
    if date(years[-1], 12, 31) >= timezone.localdate():
        raise SynthRefusedError(
            _(
                "%(year)s is not over yet: synthetic data fills past years only (sales and "
                "certification steps cannot be dated in the future)."
            )
            % {"year": years[-1]}
        )


def open_source(plan: Plan) -> Source:
    """The source every synthetic row cites; refuse a database that holds another dataset."""
    other = Source.objects.filter(key__startswith="synth-").exclude(key=plan.tag).first()
    if other is not None:
        raise SynthRefusedError(
            _(
                "This database already holds the synthetic dataset %(key)s (%(what)s): use an "
                "empty database, or the same scale and seed to resume it."
            )
            % {"key": other.key, "what": other.excerpt}
        )
    stored = Source.objects.filter(key=plan.tag).first()
    if stored is not None and stored.excerpt != describe(plan):
        raise SynthRefusedError(
            _("%(key)s was started with %(what)s: resume it with the same years.")
            % {"key": plan.tag, "what": stored.excerpt}
        )
    return register_source(
        key=plan.tag,
        kind=Source.Kind.ILLUSTRATIVE,
        title=f"合成数据（{plan.scale.name}规模，种子{plan.seed}）",
        publisher="shanhai synth",
        excerpt=describe(plan),
    )


class _Ingest:
    """services.ingest_sales, timed; a refused line is a bug in the plan, so it stops the run.

    With *retries*, a batch the database refused because another process held what it needed
    (a deadlock, or a monthly sum created by both at once) is sent again: the whole batch was
    rolled back, so nothing of it was written.
    """

    def __init__(self, retries: int = 0) -> None:
        self.seconds = 0.0
        self.retries = retries

    def __call__(self, **kwargs: Any) -> consumption_services.IngestOutcome:
        started = time.perf_counter()
        for attempt in range(self.retries + 1):
            try:
                outcome = consumption_services.ingest_sales(**kwargs)
                break
            except (IntegrityError, OperationalError):
                if attempt == self.retries:
                    raise
        self.seconds += time.perf_counter() - started
        if outcome.errors:
            raise RuntimeError(f"synthetic sales refused: {outcome.errors[:3]}")
        return outcome


class _Every:
    """True once every *stride* calls: which batches a partial run sends."""

    def __init__(self, stride: int) -> None:
        self.stride, self.calls = stride, 0

    def __call__(self) -> bool:
        self.calls += 1
        return (self.calls - 1) % self.stride == 0


def run(plan: Plan, *, say: Say, fraction: float = 1.0, jobs: int = 1) -> list[StageResult]:
    """Write *plan*; with *fraction* below 1, only every 1/fraction-th unit of the big stages;
    with *jobs* above 1, the sales (most of the time at province scale) in that many processes.
    """
    check_years(plan.years)
    stride = max(1, round(1 / fraction))
    seed, years, scale = plan.seed, plan.years, plan.scale
    results = []

    say(f"{plan.tag}: {describe(plan)}" + (f", every {stride}th unit" if stride > 1 else ""))
    meter = Meter("world", "pairings", len(plan.world.pairings), say)
    source = open_source(plan)
    world = write_world(plan.world, source)
    meter.add(len(world.pairings))
    results.append(meter.result())

    meter = Meter("catalogue", "products", len(plan.catalogue.products), say)
    stored = consumption.write_catalogue(
        plan.catalogue, world, years=years, seed=seed, progress=meter.add
    )
    results.append(meter.result())

    units = [(year, u, unit) for year in years for u, unit in enumerate(plan.world.units)]
    total = sum(sum(parts) for parts in plan.records.values()) * len(years)
    meter = Meter("ledger records", "records", total, say)
    for i, (year, u, unit) in enumerate(units):
        counts = {kind: parts[u] for kind, parts in plan.records.items()}
        if i % stride:
            continue
        written = ledger.write_records(unit, year, counts, world, seed=seed)
        meter.add(written, sum(counts.values()) - written)
    results.append(meter.result())

    total = sum(u.workers + u.placements for u in plan.people)
    meter = Meter("labor", "workers and placements", total, say)
    counties = {c.index: c for c in plan.world.counties}
    employers = {c.index: labor.write_postings(world, c, years) for c in plan.world.counties}
    for i, person_unit in enumerate(plan.people):
        if i % stride:
            continue
        workers, placements = labor.write_people(
            person_unit,
            counties[person_unit.county],
            employers[person_unit.county],
            world,
            seed=seed,
            transfers_per_year=scale.transfers_per_county_year,
            ledger_end=date(years[-1], 12, 31),
        )
        planned_rows = person_unit.workers + person_unit.placements
        meter.add(workers + placements, planned_rows - workers - placements)
    results.append(meter.result())

    # Sales are sampled by batch, not by channel-year: the biggest channel-years hold a fifth
    # of the lines. Every channel-year is still made (to find its batches), which a partial
    # run does in full: that time is fixed, the time in the service grows with the lines.
    if jobs > 1 and stride == 1:
        results.append(_sales_in_processes(plan, stored, world, jobs=jobs, say=say))
        return results
    total = sum(u.lines + u.copies for u in plan.sales)
    meter = Meter("sales", "sale lines", total, say)
    ingest, pick = _Ingest(), _Every(stride)
    _send_sales(plan, plan.sales, stored, world, meter, ingest, pick)
    fixed = time.perf_counter() - meter.started - ingest.seconds if stride > 1 else 0.0
    results.append(meter.result(fixed))
    say(f"  of which {ingest.seconds:,.1f} s in services.ingest_sales")
    return results


def _send_sales(
    plan: Plan,
    units: list[ChannelYear],
    stored: consumption.Stored,
    world: World,
    meter: Meter,
    ingest: _Ingest,
    pick: Callable[[], bool],
) -> None:
    for channel_year in units:
        written, skipped = consumption.write_sales(
            channel_year,
            plan.catalogue,
            stored,
            world,
            seed=plan.seed,
            months=plan.scale.batch_months,
            ingest=ingest,
            pick=pick,
        )
        meter.add(written, skipped)


def _sales_in_processes(
    plan: Plan, stored: consumption.Stored, world: World, *, jobs: int, say: Say
) -> StageResult:
    """The sales stage in *jobs* forked processes, each with the channels whose number modulo
    *jobs* is its own (a channel's lines stay in order; copies into another channel's may meet
    that channel's process at a lock, and are sent again if the database refuses one of them).
    """
    meter = Meter("sales", "sale lines", sum(u.lines + u.copies for u in plan.sales), say)
    connections.close_all()  # each process opens its own
    context = multiprocessing.get_context("fork")
    answers: multiprocessing.Queue[tuple[int, int, float]] = context.Queue()

    def share(job: int) -> None:
        units = [u for u in plan.sales if u.channel % jobs == job]
        meter = Meter(
            f"sales {job + 1}/{jobs}", "sale lines", sum(u.lines + u.copies for u in units), say
        )
        ingest = _Ingest(retries=5)
        _send_sales(plan, units, stored, world, meter, ingest, lambda: True)
        connections.close_all()
        answers.put((meter.rows, meter.skipped, ingest.seconds))

    processes = [context.Process(target=share, args=(job,)) for job in range(jobs)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    failed = [p.exitcode for p in processes if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"{len(failed)} of {jobs} sales processes failed (exit {failed})")
    in_service = 0.0
    for _job in range(jobs):
        written, already, seconds = answers.get(timeout=60)
        meter.add(written, already)
        in_service += seconds
    result = meter.result()
    say(f"  of which {in_service:,.1f} s in services.ingest_sales, by {jobs} processes")
    return result
