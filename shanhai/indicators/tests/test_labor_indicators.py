"""The labor indicators (F1–F12) are computed from the labor module's facts."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from shanhai.indicators.models import Indicator
from shanhai.indicators.selectors import by_sub_pairing, progress
from shanhai.indicators.tests.labor_case import EXPECTED_2023, build_labor_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def labor(tree, administrator):
    return build_labor_case(tree.county, administrator)


@pytest.mark.usefixtures("labor")
def test_the_labor_indicators_count_placements_by_destination_milestones_and_subsidies(
    tree, administrator
):
    values = {v.indicator.code: v.actual for v in progress(administrator, tree.county, 2023).values}

    assert {code: values[code] for code in EXPECTED_2023} == {
        code: Decimal(value) for code, value in EXPECTED_2023.items()
    }
    assert sum(values[code] or 0 for code in ("F3", "F4", "F5")) == values["F1"]


@pytest.mark.usefixtures("labor")
def test_a_year_counts_what_started_or_was_reached_in_it(tree, administrator):
    values = {v.indicator.code: v.actual for v in progress(administrator, tree.county, 2022).values}

    assert [values["F1"], values["F8"], values["F6"]] == [1, 1, 0]


@pytest.mark.usefixtures("labor")
def test_the_labor_figures_split_over_sub_pairings(tree, administrator):
    f1 = Indicator.objects.get(regime__code="2021", code="F1")

    split = dict(by_sub_pairing(administrator, tree.province, f1, 2023))

    assert split[tree.county] == 6


def test_the_migration_brings_an_old_database_up_to_the_shipped_catalogue():
    Indicator.objects.filter(code__startswith="F").update(computation="not_yet", metric="")
    Indicator.objects.filter(code__in=["F8", "F9", "F10", "F11", "F12"]).delete()
    migration = importlib.import_module(
        "shanhai.indicators.migrations.0004_labor_indicators_from_facts"
    )

    migration.reload(apps, None)

    f5 = Indicator.objects.get(regime__code="2021", code="F5")
    assert (f5.computation, f5.metric, f5.filters) == (
        "facts",
        "labor.placed",
        {"category": "province|elsewhere"},
    )
    assert Indicator.objects.filter(code="F12", computation="facts").exists()
