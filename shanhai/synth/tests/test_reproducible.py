"""The same seed makes the same data; a stopped run resumes; the plan does not need a database."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from shanhai.core.parsing import parse_id_number
from shanhai.synth import report, shapes
from shanhai.synth.run import SynthRefusedError, run
from shanhai.synth.scales import PROVINCE, SCALES, TINY

SMALL = TINY.sampled(0.5)
YEARS = [2023, 2024]


def _digest(seed: int, *fractions: float) -> str:
    """Write SMALL with *seed* (in steps of *fractions*), take its digest, roll it back."""
    plan = report.make_plan(SMALL, seed=seed, years=YEARS)
    with transaction.atomic():
        for fraction in fractions:
            run(plan, say=lambda line: None, fraction=fraction)
        digest = report.digest(plan)
        transaction.set_rollback(True)
    return digest


@pytest.mark.django_db
def test_the_same_seed_makes_the_same_data_and_another_seed_other_data():
    first = _digest(1, 1.0)

    assert _digest(1, 1.0) == first
    assert _digest(2, 1.0) != first


@pytest.mark.django_db
def test_a_run_stopped_halfway_resumes_to_the_same_data():
    assert _digest(1, 0.5, 1.0) == _digest(1, 1.0)


@pytest.mark.django_db
def test_a_database_holding_another_synthetic_dataset_is_refused():
    run(report.make_plan(SMALL, seed=1, years=YEARS), say=lambda line: None)

    with pytest.raises(SynthRefusedError):
        run(report.make_plan(SMALL, seed=2, years=YEARS), say=lambda line: None)


def test_the_planned_sizes_do_not_depend_on_the_seed():
    for scale in (SCALES["county"], PROVINCE):
        one = report.planned(report.make_plan(scale, seed=1, years=[2021, 2022, 2023]))
        other = report.planned(report.make_plan(scale, seed=7, years=[2021, 2022, 2023]))
        assert one == other


def test_the_province_scale_is_the_one_the_issue_asks_for():
    plan = report.make_plan(PROVINCE, seed=1, years=list(range(2021, 2026)))
    rows = {row.table: row.count for row in report.planned(plan)}

    assert rows["places.Pairing"] == 200
    assert sum(unit.lines for unit in plan.sales) == 10_000_000
    assert rows["labor.Worker"] == rows["labor.Placement"] == 1_000_000
    assert rows["ledger.Record"] == 200_000


def test_channel_sizes_are_skewed_a_few_big_many_small():
    plan = report.make_plan(PROVINCE, seed=1, years=[2021])
    sizes = sorted((unit.lines for unit in plan.sales), reverse=True)

    assert sum(sizes[:10]) > sum(sizes) / 2  # the ten biggest of 300 sell over half
    assert sizes[len(sizes) // 2] < sizes[0] / 100


def test_synthetic_id_numbers_are_unique_and_pass_the_imports_checks():
    numbers = {shapes.id_number("539901", n, male=n % 3 == 0, seed=5) for n in range(20_000)}

    assert len(numbers) == 20_000
    for number in list(numbers)[:200]:
        assert parse_id_number(number) == number


def test_the_dry_run_prints_the_nations_sizes_and_a_full_nation_is_refused():
    out = io.StringIO()
    call_command("synth", "--scale", "nation", "--dry-run", stdout=out)

    assert "consumption.SaleLine" in out.getvalue()
    assert "13,000" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("synth", "--scale", "nation", stdout=io.StringIO())
