"""The data a benchmark run measures: a synthetic dataset at one scale, and who and what to ask."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Sum

from shanhai.accounts.models import Side, User
from shanhai.consumption.models import Channel, SaleLine
from shanhai.facts.models import Rollup
from shanhai.places.models import Pairing
from shanhai.synth import report
from shanhai.synth.run import Say, run
from shanhai.synth.scales import SCALES, Scale


@dataclass(frozen=True)
class Sizes:
    """How much of each measurement a scale runs: small for the CI smoke, as the issue says at
    province scale."""

    repeat: int  # timed runs of each page and query
    ingest_lines: int  # sale lines sent through the API (one batch at most 10,000)
    sheet_rows: int  # rows of the spreadsheet import
    load_users: int
    load_seconds: float  # per page under load, bounded
    load_requests: int  # and at most this many requests per page
    match_workers: int
    match_postings: int
    match_runs: int


SIZES = {
    "tiny": Sizes(3, 300, 200, 4, 1.5, 300, 400, 40, 5),
    "county": Sizes(30, 10_000, 20_000, 20, 10, 5_000, 10_000, 1_000, 30),
    "province": Sizes(50, 10_000, 200_000, 20, 20, 20_000, 100_000, 10_000, 50),
}


@dataclass
class Subjects:
    """Whom the pages are asked as, and about which pairing and channel."""

    plan: report.Plan
    year: int
    county: Pairing  # the county pairing with the most facts: the dashboard users open
    office: User  # the east office of the first root: sees the whole tree
    channel: Channel  # the channel with the most lines: it sends the ingest batches
    filled: bool  # whether this run wrote the dataset (else it was there)


def scale_named(name: str) -> Scale:
    return SCALES[name]


def prepare(scale: Scale, *, seed: int, say: Say) -> Subjects:
    """Make sure the dataset of *scale* and *seed* is in the database (writing what is missing,
    as `shanhai synth` does: it refuses another dataset), and pick the subjects."""
    plan = report.make_plan(scale, seed=seed, years=list(range(scale.years[0], scale.years[1] + 1)))
    planned_lines = sum(u.lines + u.copies for u in plan.sales)
    filled = SaleLine.objects.count() < planned_lines
    if filled:
        run(plan, say=say)
    counties = list(
        Pairing.objects.filter(
            code__in=[p.code for p in plan.world.pairings], kind=Pairing.Kind.COUNTY
        )
    )
    weights = {
        county.pk: Rollup.objects.filter(pairing__path__startswith=county.path).aggregate(
            n=Sum("count")
        )["n"]
        or 0
        for county in counties
    }
    county = max(counties, key=lambda c: (weights[c.pk], -c.pk))
    office = User.objects.get(username=f"{plan.tag}-1-{Side.EAST}")
    busiest = (
        SaleLine.objects.values("channel_id")
        .annotate(n=Count("id"))
        .order_by("-n", "channel_id")
        .first()
    )
    if busiest is None:
        raise RuntimeError(f"{plan.tag} holds no sale lines")
    return Subjects(
        plan=plan,
        year=plan.years[-1],
        county=county,
        office=office,
        channel=Channel.objects.get(pk=busiest["channel_id"]),
        filled=filled,
    )
