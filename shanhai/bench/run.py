"""One benchmark run: prepare the dataset, take every measurement, time each."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.urls import reverse

from shanhai.bench import load, measure
from shanhai.bench.dataset import SIZES, prepare, scale_named
from shanhai.bench.report import Results
from shanhai.consumption.models import SaleLine
from shanhai.core.benchmarks import environment
from shanhai.facts.models import Fact
from shanhai.labor.models import Placement, Worker
from shanhai.ledger.models import Record

T = TypeVar("T")


def run(scale_name: str, *, seed: int, say: Callable[[str], None], replay: bool) -> Results:
    scale, sizes = scale_named(scale_name), SIZES[scale_name]
    subjects = prepare(scale, seed=seed, say=say)
    seconds: dict[str, float] = {}

    def step(name: str, measure_it: Callable[[], T]) -> T:
        say(f"measuring {name} …")
        started = time.perf_counter()
        result = measure_it()
        seconds[name] = time.perf_counter() - started
        return result

    county = subjects.county.code
    pages = step("pages", lambda: measure.pages(subjects, sizes))
    rollups = step("rollups", lambda: measure.rollups(sizes, replay=replay))
    ingest = step("ingest", lambda: measure.ingest(subjects, sizes))
    sheet = step("import", lambda: measure.sheet_import(subjects, sizes))
    loads = step(
        "load",
        lambda: load.under_load(
            subjects.office,
            [
                ("dashboard", reverse("indicators:progress", args=[county])),
                ("assessment table", reverse("indicators:overview")),
                ("timeline", reverse("ledger:timeline", args=[county])),
                ("labor overview", reverse("labor:overview", args=[county])),
                ("consumption", reverse("consumption:home")),
            ],
            users=sizes.load_users,
            seconds=sizes.load_seconds,
            limit=sizes.load_requests,
        ),
    )
    matching = step("matching", lambda: measure.matching(sizes))
    scan = step("scan", lambda: measure.scan(subjects, sizes))
    tables: dict[str, Any] = {
        "ledger records": Record.objects.count(),
        "facts": Fact.objects.count(),
        "workers": Worker.objects.count(),
        "placements": Placement.objects.count(),
        "sale lines": SaleLine.objects.count(),
    }
    return Results(
        scale=scale_name,
        environment={**environment(), "dataset": f"{subjects.plan.tag} (`shanhai synth`)"},
        sizes=tables,
        pages=pages,
        rollups=rollups,
        ingest=ingest,
        sheet=sheet,
        load=loads,
        matching=matching,
        scan=scan,
        seconds=seconds,
    )
