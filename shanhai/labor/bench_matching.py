"""Measure matching at county-and-beyond scale, on synthetic workers and postings in memory.

Workers and postings are real model instances that are never saved (each with a made-up id),
so the figures are those of the scoring and the solver, not of the database. They come from
one western county (200 villages under 10 towns) and go to Shanghai's districts, other eastern
cities, the province and the county itself, with the mix of wishes, skills, wages, 爱心岗位
and age limits a county's ledger has.
"""

from __future__ import annotations

import random
import resource
import statistics
import textwrap
import time
from dataclasses import dataclass
from datetime import date

from shanhai.accounts.models import Side
from shanhai.core.benchmarks import environment
from shanhai.labor.matching import (
    MIN_PROPOSED_SCORE,
    TOP_K,
    propose_assignment,
    rank_postings,
    rank_workers,
)
from shanhai.labor.models import HouseholdType, Posting, Sex, Willingness, Worker
from shanhai.places.models import Place

ON = date(2024, 3, 1)
SKILLS = [
    "电焊", "焊工", "叉车", "电工", "普通话", "驾驶", "厨师", "面点", "保育", "育婴", "养老护理",
    "家政", "保洁", "缝纫", "制衣", "装配", "质检", "仓储", "分拣", "快递", "钢筋", "木工",
    "砌筑", "水电安装", "装修", "挖掘机", "农机", "种植", "养殖", "茶叶加工", "电子商务",
    "直播", "收银", "客房服务", "餐厅服务", "汽修", "美容美发", "保安", "物业", "数控",
]  # fmt: skip
CERTIFICATES = ["电工证", "焊工证", "叉车证", "驾驶证", "健康证", "育婴师证", "中专毕业", "高中"]


@dataclass
class Figures:
    workers: int
    postings: int
    rank_one_p50: float
    rank_one_p95: float
    rank_one_all_p50: float
    rank_candidates_p50: float
    build_seconds: float
    assignment_seconds: float
    scoring_seconds: float
    solver_seconds: float
    arcs: int
    rounds: int
    assigned: int
    dense_workers: int
    dense_postings: int
    dense_total: int
    sparse_total: int
    sparse_seconds: float
    places: int
    total_score: int
    peak_rss_mb: float


def _place(pk: int, name: str, code: str, side: str, full_name: str) -> Place:
    return Place(
        pk=pk,
        name=name,
        level=Place.Level.TOWN,
        code=code,
        side=side,
        full_name=full_name,
        path=f"{pk:010d}/",
    )


def _places() -> tuple[list[Place], list[tuple[Place, int]]]:
    """The villages workers come from, and the places of work with how often postings are."""
    pk = 1
    villages = []
    for town in range(1, 11):
        for village in range(1, 21):
            code = f"530629{100 + town:03d}{village:03d}"
            villages.append(
                _place(pk, f"{town}镇{village}村", code, Side.WEST, f"云南省威信县{town}镇")
            )
            pk += 1
    work: list[tuple[Place, int]] = []
    for district in range(1, 17):
        work.append(
            (_place(pk, f"上海{district}区", f"3101{district:02d}000000", Side.EAST, "上海市"), 40)
        )
        pk += 1
    for province, name in [("32", "江苏省"), ("33", "浙江省"), ("44", "广东省"), ("35", "福建省")]:
        for city in range(1, 9):
            code = f"{province}{city:02d}00000000"
            work.append((_place(pk, f"{name}{city}市", code, Side.EAST, name), 6))
            pk += 1
    for city in range(1, 16):
        work.append((_place(pk, f"云南{city}市", f"53{city:02d}00000000", Side.WEST, "云南省"), 4))
        pk += 1
    for town in range(1, 11):
        code = f"530629{100 + town:03d}000"
        work.append((_place(pk, f"{town}镇", code, Side.WEST, "云南省威信县"), 3))
        pk += 1
    for city in range(1, 6):
        work.append((_place(pk, f"贵州{city}市", f"52{city:02d}00000000", Side.WEST, "贵州省"), 2))
        pk += 1
    return villages, work  # fmt: skip


def make_workers(count: int, villages: list[Place], rng: random.Random) -> list[Worker]:
    wishes = [Willingness.SHANGHAI, Willingness.EAST, Willingness.PROVINCE, Willingness.NEAR_HOME]
    households = [HouseholdType.POVERTY_EXITED, HouseholdType.MONITORED, HouseholdType.ORDINARY]
    return [
        Worker(
            pk=n,
            name=f"劳动力{n}",
            birth_date=date(rng.randrange(1966, 2008), rng.randrange(1, 13), rng.randrange(1, 29)),
            sex=rng.choice([Sex.FEMALE, Sex.MALE]),  # never read by the matcher
            origin=rng.choice(villages),
            household_type=rng.choices(households, weights=[35, 10, 55])[0],
            skills="、".join(rng.sample(SKILLS, rng.choice([0, 1, 1, 2, 3]))),
            certificates=rng.choice(CERTIFICATES) if rng.random() < 0.3 else "",
            willingness=rng.choices(wishes, weights=[35, 20, 25, 20])[0],
            expected_wage=None if rng.random() < 0.2 else rng.randrange(3000, 8000, 100),
            status=Worker.Status.SEEKING,
        )
        for n in range(1, count + 1)
    ]


def make_postings(count: int, work: list[tuple[Place, int]], rng: random.Random) -> list[Posting]:
    places = [place for place, _weight in work]
    weights = [weight for _place, weight in work]
    educations = list(Posting.Education.values)
    postings = []
    for n in range(1, count + 1):
        low = rng.randrange(2500, 7500, 100)
        opens = date(2024, rng.randrange(1, 4), 1)
        has_ages = rng.random() < 0.3
        postings.append(
            Posting(
                pk=n,
                title=f"岗位{n}",
                industry=rng.choice(Posting.Industry.values),
                work_place=rng.choices(places, weights=weights)[0],
                headcount=rng.choice([1, 1, 2, 3, 5, 5, 10, 20]),
                wage_min=low,
                wage_max=low + rng.randrange(0, 2500, 100),
                education=rng.choices(educations, weights=[60, 10, 20, 8, 2])[0],
                skills_required="、".join(rng.sample(SKILLS, rng.choice([0, 0, 1, 1, 2]))),
                age_min=18 if has_ages else None,
                age_max=rng.choice([40, 45, 50, 55]) if has_ages else None,
                has_housing=rng.random() < 0.6,
                has_meals=rng.random() < 0.5,
                is_love_post=rng.random() < 0.05,
                valid_from=opens,
                valid_to=date(2024, opens.month + rng.randrange(0, 6), 28),
            )
        )
    return postings


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _time(function: object, runs: int) -> list[float]:
    times = []
    for _run in range(runs):
        started = time.perf_counter()
        function()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return times


def run(*, workers: int, postings: int, runs: int = 50, seed: int = 2024) -> Figures:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    started = time.perf_counter()
    villages, work = _places()
    people = make_workers(workers, villages, rng)
    jobs = make_postings(postings, work, rng)
    build_seconds = time.perf_counter() - started

    sample = rng.sample(people, min(runs, len(people)))
    picks = iter(sample * 3)
    top = _time(lambda: rank_postings(next(picks), jobs, on=ON, filled={}, limit=50), runs)
    every = _time(lambda: rank_postings(next(picks), jobs, on=ON, filled={}), min(runs, 10))
    posting_picks = iter(rng.sample(jobs, 5))
    candidates = _time(
        lambda: rank_workers(next(posting_picks), people, on=ON, filled={}, limit=50), 5
    )

    started = time.perf_counter()
    proposal = propose_assignment(people, jobs, on=ON, filled={})
    assignment_seconds = time.perf_counter() - started
    # What keeping only each worker's top K costs: a smaller batch solved with every arc.
    few_people, few_jobs = people[: workers // 20], jobs[: postings // 20]
    dense = propose_assignment(few_people, few_jobs, on=ON, filled={}, top_k=len(few_jobs))
    started = time.perf_counter()
    sparse = propose_assignment(few_people, few_jobs, on=ON, filled={})
    sparse_seconds = time.perf_counter() - started
    return Figures(
        workers=workers,
        postings=postings,
        rank_one_p50=statistics.median(top),
        rank_one_p95=_percentile(top, 0.95),
        rank_one_all_p50=statistics.median(every),
        rank_candidates_p50=statistics.median(candidates),
        build_seconds=build_seconds,
        assignment_seconds=assignment_seconds,
        scoring_seconds=proposal.scoring_seconds,
        solver_seconds=proposal.solver_seconds,
        arcs=proposal.arcs,
        rounds=proposal.rounds,
        assigned=len(proposal.pairs),
        dense_workers=len(few_people),
        dense_postings=len(few_jobs),
        dense_total=dense.total_score,
        sparse_total=sparse.total_score,
        places=proposal.places,
        sparse_seconds=sparse_seconds,
        total_score=proposal.total_score,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


def _loss(f: Figures) -> float:
    return 100 * (f.dense_total - f.sparse_total) / f.dense_total if f.dense_total else 0.0


def as_markdown(f: Figures, runs: int = 50) -> str:
    facts = environment()
    facts.pop("database", None)  # nothing here touches it
    lines = [
        textwrap.fill(
            "`shanhai bench_matching --write` builds synthetic workers and postings in memory "
            "(never saved: the figures are the matcher's, not the database's) from one western "
            "county's 200 villages to Shanghai, other eastern cities, the province and the "
            "county, then times ranking and the batch assignment (labor/matching.py says how "
            "both work).",
            width=96,
        ),
        "",
    ]
    lines += [f"- {key}: {value}" for key, value in facts.items()]
    mean = f.total_score / f.assigned if f.assigned else 0
    lines += [
        f"- {f.workers:,} workers × {f.postings:,} postings, synthetic and never saved "
        f"(built in {f.build_seconds:.1f} s); {f.places:,} places open on the day",
        f"- peak memory (RSS) of the process: {f.peak_rss_mb:,.0f} MB",
        "",
        "| what | time |",
        "|---|---|",
        f"| rank {f.postings:,} postings for one worker, explain the best 50 (the page), "
        f"p50 / p95 of {runs} | {f.rank_one_p50 * 1000:.0f} / {f.rank_one_p95 * 1000:.0f} ms |",
        f"| the same, explaining every one of the {f.postings:,}, p50 of 10 "
        f"| {f.rank_one_all_p50 * 1000:.0f} ms |",
        f"| rank {f.workers:,} workers for one posting, explain the best 50, p50 of 5 "
        f"| {f.rank_candidates_p50 * 1000:.0f} ms |",
        f"| batch assignment of {f.dense_workers:,} workers × {f.dense_postings:,} postings "
        f"(a big job fair), all of it | {f.sparse_seconds:.1f} s |",
        f"| batch assignment of {f.workers:,} × {f.postings:,}, all of it "
        f"| {f.assignment_seconds:.1f} s |",
        f"| … of which scoring the pairs and choosing the candidate arcs (each worker's top "
        f"{TOP_K}, each posting's best workers) | {f.scoring_seconds:.1f} s |",
        f"| … of which the min-cost flow (OR-tools SimpleMinCostFlow, {f.arcs:,} candidate arcs, "
        f"solved {f.rounds} times) | {f.solver_seconds:.1f} s |",
        "",
        textwrap.fill(
            f"The assignment filled {f.assigned:,} of the {f.places:,} open places (mean score "
            f"{mean:.1f}); the other workers had no open posting scoring {MIN_PROPOSED_SCORE} "
            "or more that was not taken by a better fit. Keeping only each worker's top "
            f"{TOP_K} postings cost {_loss(f):.2f} % of the total fit on a batch of "
            f"{f.dense_workers:,} × {f.dense_postings:,} solved with every arc "
            f"({f.sparse_total:,} against {f.dense_total:,}).",
            width=96,
        ),
    ]
    return "\n".join(lines)
