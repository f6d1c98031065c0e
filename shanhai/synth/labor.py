"""Labor cooperation at scale: workers, organised transfers, placements and their follow-ups.

Each county's people are made a year at a time. Workers go through
labor.services.import_workers (their ID numbers and phones encrypted, hashed and masked by the
service, as register_worker stores them), organised transfers through record_transfer_batch,
and placements with their follow-ups through import_placements, which computes each
destination from the places, sets who is in work and adds the facts: the bulk paths an import
uses, one transaction per county and year.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from django.db import transaction

from shanhai.accounts.models import Side
from shanhai.core import personal
from shanhai.labor.models import (
    FollowUp,
    HouseholdType,
    Placement,
    Posting,
    TransferBatch,
    Willingness,
    Worker,
)
from shanhai.labor.rules import add_months
from shanhai.labor.services import (
    NewWorker,
    import_placements,
    import_workers,
    post_job,
    record_transfer_batch,
)
from shanhai.places.models import Organisation, Place
from shanhai.synth import shapes
from shanhai.synth.scales import Scale
from shanhai.synth.world import County, World, WorldPlan

TRANSFER_SHARE = 0.4  # of first jobs that are not changed within the year
DEPARTURES = ((2, 16), (3, 5), (7, 8), (10, 12), (4, 20), (9, 2), (6, 1), (11, 3))
WAGES = {
    "shanghai": (5000, 7200),
    "other_east": (4800, 6500),
    "province": (3500, 4800),
    "near_home": (2400, 3200),
    "elsewhere": (3800, 5200),
}
# Where people find work on their own: Shanghai (three employers), other places (one each).
EMPLOYER_WEIGHTS = list(accumulate((12, 12, 11, 20, 20, 20, 5)))
START_MONTHS = list(accumulate((6, 14, 14, 9, 8, 8, 8, 8, 8, 7, 5, 5)))
SKILLS = ("电子装配", "叉车", "电焊", "烹饪", "家政服务", "砌筑", "缝纫", "", "", "")
LEAVING = ("返乡照顾家人", "换工作", "合同期满", "身体原因", "返乡务农")


@dataclass(frozen=True)
class LaborUnit:
    """One county's people registered in one year, and the jobs they found."""

    county: int
    year: int
    workers: int
    first: int  # workers placed once
    second: int  # of those, who changed jobs within the year
    offset: int  # how many of the county's workers came before (their ID numbers)

    @property
    def placements(self) -> int:
        return self.first + self.second

    @property
    def transfers(self) -> int:
        return round(TRANSFER_SHARE * (self.first - self.second))

    def batches(self, per_year: int) -> int:
        """Organised transfers that year; with none, nobody is counted as transferred."""
        return min(per_year, self.transfers)


def plan_labor(scale: Scale, plan: WorldPlan, years: list[int]) -> list[LaborUnit]:
    weights = [c.weight for c in plan.counties]
    units = []
    for county, workers, placements in zip(
        plan.counties,
        shapes.apportion(scale.workers, weights),
        shapes.apportion(scale.placements, weights),
        strict=True,
    ):
        offset = 0
        for year, w, p in zip(
            years,
            shapes.apportion(workers, [1.0] * len(years)),
            shapes.apportion(placements, [1.0] * len(years)),
            strict=True,
        ):
            first = min(p, round(w * scale.placed_share))
            if p - first > first:
                raise ValueError(f"{scale.name}: more second jobs than first ones")
            units.append(LaborUnit(county.index, year, w, first, p - first, offset))
            offset += w
    return units


@dataclass
class Employer:
    organisation: Organisation
    place: Place
    destination: str
    industry: str
    postings: dict[int, Posting] = field(default_factory=dict)  # by year


def write_postings(world: World, county: County, years: list[int]) -> list[Employer]:
    """One posting a year for each of the county's employers (those already there are kept)."""
    pairing = world.pairings[county.pairing]
    office = world.office(county.root, Side.WEST)
    employers = []
    org_places = {spec.key: spec.place for spec in world.plan.orgs}
    for key, destination, industry in county.employers:
        organisation = world.orgs[key]
        employer = Employer(organisation, world.places[org_places[key]], destination, industry)
        stored = {
            p.valid_from.year: p
            for p in Posting.objects.filter(pairing=pairing, employer=organisation)
        }
        low, high = WAGES[destination]
        for year in years:
            employer.postings[year] = stored.get(year) or post_job(
                posting=Posting(
                    pairing=pairing,
                    employer=organisation,
                    title="普工" if industry == "manufacturing" else "服务员",
                    industry=industry,
                    work_place=employer.place,
                    headcount=200,
                    wage_min=low,
                    wage_max=high,
                    hours="8小时",
                    has_housing=destination != "near_home",
                    has_meals=True,
                    is_love_post=destination == "near_home",
                    valid_from=date(year, 1, 1),
                    valid_to=date(year, 12, 31),
                    is_illustrative=True,
                ),
                posted_by=office,
            )
        employers.append(employer)
    return employers


@dataclass
class _Job:
    worker: int
    employer: int
    started_on: date
    channel: str
    batch: int | None = None
    ended_on: date | None = None
    end_reason: str = ""
    checks: list[tuple[date, bool, str]] = field(default_factory=list)


def _followups(job: _Job, draw: random.Random, ledger_end: date) -> None:
    """Checks at 3, 6 and 12 months; most are still in work, some leave on the way."""
    roll = draw.random()
    leaves_after = 0 if roll < 0.07 else 3 if roll < 0.16 else 6 if roll < 0.26 else 99
    for months in (3, 6, 12):
        checked_on = add_months(job.started_on, months) + timedelta(days=draw.randrange(12))
        if checked_on > ledger_end:
            return
        if months > leaves_after:
            left_on = add_months(job.started_on, leaves_after) + timedelta(
                days=draw.randrange(10, 80)
            )
            day = min(left_on, checked_on, ledger_end)
            job.ended_on, job.end_reason = day, draw.choice(LEAVING)
            job.checks.append((day, False, job.end_reason))
            return
        job.checks.append((checked_on, True, "电话回访，仍在岗。"))


def _jobs(
    unit: LaborUnit, draw: random.Random, departures: list[date], ledger_end: date
) -> list[_Job]:
    placed = draw.sample(range(unit.workers), unit.first)
    changers, stayers = placed[: unit.second], placed[unit.second :]
    transfers = set(draw.sample(stayers, unit.transfers)) if departures else set()
    jobs: list[_Job] = []
    for n, worker in enumerate(stayers):
        if worker in transfers:
            batch = n % len(departures)
            started = departures[batch] + timedelta(days=draw.randrange(2, 6))
            job = _Job(worker, draw.randrange(3), started, "transfer", batch)
        else:
            month = draw.choices(range(1, 13), cum_weights=START_MONTHS)[0]
            job = _Job(
                worker,
                draw.choices(range(7), cum_weights=EMPLOYER_WEIGHTS)[0],
                shapes.day_in(draw, unit.year, month),
                draw.choice(("job_fair", "matched", "self_found")),
            )
        _followups(job, draw, ledger_end)
        jobs.append(job)
    for worker in changers:
        started = shapes.day_in(draw, unit.year, draw.randrange(1, 6))
        ended = started + timedelta(days=draw.randrange(60, 150))
        first = _Job(worker, draw.randrange(7), started, "self_found", ended_on=ended)
        first.end_reason = "换工作"
        first.checks.append((ended, False, "换工作"))
        second = _Job(
            worker,
            draw.randrange(7),
            ended + timedelta(days=draw.randrange(10, 40)),
            draw.choice(("matched", "self_found")),
        )
        _followups(second, draw, ledger_end)
        jobs += [first, second]
    return jobs


def _people(
    unit: LaborUnit, county: County, world: World, draw: random.Random, seed: int
) -> list[NewWorker]:
    pairing = world.pairings[county.pairing]
    towns = [world.places[code] for code in county.west_towns]
    made = []
    for i in range(unit.workers):
        male = draw.random() < 0.6
        roll = draw.random()
        household = (
            HouseholdType.POVERTY_EXITED
            if roll < 0.45
            else HouseholdType.MONITORED
            if roll < 0.5
            else HouseholdType.ORDINARY
        )
        worker = Worker(
            pairing=pairing,
            name=shapes.person_name(draw, male=male),
            origin=draw.choice(towns),
            household_type=household,
            skills=draw.choice(SKILLS),
            willingness=draw.choice(list(Willingness.values)),
            expected_wage=draw.randrange(6, 15) * 500,
            has_consented=draw.random() < 0.7,
            is_illustrative=True,
        )
        number = shapes.id_number(county.area, unit.offset + i, male=male, seed=seed)
        made.append(NewWorker(worker, id_number=number, phone=shapes.phone(draw)))
    return made


def write_people(
    unit: LaborUnit,
    county: County,
    employers: list[Employer],
    world: World,
    *,
    seed: int,
    transfers_per_year: int,
    ledger_end: date,
) -> tuple[int, int]:
    """Store one county's workers of one year with their jobs, unless they are there.

    Return (workers, placements) stored, or (0, 0) when the unit was already written.
    """
    if unit.workers == 0:
        return 0, 0
    draw = shapes.rng(seed, "labor", county.index, unit.year)
    people = _people(unit, county, world, draw, seed)
    if Worker.objects.filter(id_number_hash=personal.lookup_hash(people[0].id_number)).exists():
        return 0, 0
    departures = [
        date(unit.year, month, day) + timedelta(days=draw.randrange(5))
        for month, day in DEPARTURES[: unit.batches(transfers_per_year)]
    ]
    jobs = _jobs(unit, draw, departures, ledger_end)
    office = world.office(county.root, Side.WEST)
    with transaction.atomic():
        workers = import_workers(workers=people, recorded_by=office, source=world.source)
        batches = [
            record_transfer_batch(
                batch=TransferBatch(
                    pairing=world.pairings[county.pairing],
                    departed_on=day,
                    organiser="县人力资源和社会保障局（合成）",
                    transport=TransferBatch.Transport.BUS
                    if n % 2
                    else TransferBatch.Transport.TRAIN,
                    destination=world.places[county.east_place],
                    is_illustrative=True,
                ),
                workers=[workers[j.worker] for j in jobs if j.batch == n],
                recorded_by=office,
            )
            for n, day in enumerate(departures)
        ]
        placements: list[Placement] = []
        checks: list[list[FollowUp]] = []
        for job in jobs:
            employer = employers[job.employer]
            posting = employer.postings[job.started_on.year]
            placements.append(
                Placement(
                    worker=workers[job.worker],
                    posting=posting,
                    employer=employer.organisation,
                    work_place=employer.place,
                    started_on=job.started_on,
                    monthly_wage=draw.randrange(posting.wage_min, posting.wage_max + 1, 100),
                    channel=job.channel,
                    batch=batches[job.batch] if job.batch is not None and batches else None,
                    ended_on=job.ended_on,
                    end_reason=job.end_reason,
                    is_illustrative=True,
                )
            )
            checks.append(
                [
                    FollowUp(
                        checked_on=day,
                        is_employed=employed,
                        employer_name=employer.organisation.name if employed else "",
                        monthly_income=placements[-1].monthly_wage if employed else None,
                        note=note,
                    )
                    for day, employed, note in job.checks
                ]
            )
        import_placements(
            placements=placements, followups=checks, recorded_by=office, source=world.source
        )
    return len(workers), len(placements)
