"""Indicator values computed from ledger records: counts, sums, ratios, scope, years, status."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shanhai.accounts.models import User
from shanhai.indicators.models import AnnualTarget, Indicator
from shanhai.indicators.selectors import (
    Status,
    _status,
    cumulative_by_month,
    progress,
    record_ids_behind,
    year_elapsed,
)
from shanhai.indicators.tests.conftest import Tree
from shanhai.indicators.tests.factories import FundAllocationFactory
from shanhai.ledger.models import Direction, Donation, Level, Record, Sector, TalentExchange
from shanhai.ledger.tests.factories import (
    DonationFactory,
    MeetingFactory,
    TalentExchangeFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

E2W, W2E = Direction.EAST_TO_WEST, Direction.WEST_TO_EAST


def indicator(code: str) -> Indicator:
    return Indicator.objects.get(regime__code="2021", code=code)


def values(user: User, pairing, year: int = 2023, **kw) -> dict[str, Decimal | None]:
    return {v.indicator.code: v.actual for v in progress(user, pairing, year, **kw).values}


def target(pairing, year: int, code: str, value: int | str, by: User) -> AnnualTarget:
    return AnnualTarget.objects.create(
        pairing=pairing, year=year, indicator=indicator(code), value=Decimal(value), set_by=by
    )


@pytest.fixture
def ledger(tree: Tree, east_office: User, west_office: User, outsider: User) -> dict[str, Record]:
    """2023 in 松江–威信 and its 新浜–麟凤 town pairing, plus records that must not count."""
    east = {"recorded_by": east_office, "direction": E2W}
    west = {"recorded_by": west_office, "direction": W2E}
    county, town = tree.county, tree.town
    return {
        "a1": VisitFactory.create(
            pairing=county, **east, level=Level.PRINCIPAL, title="松江区党政主要领导赴威信调研",
            occurred_on=date(2023, 3, 10),
        ),
        "a2_county": VisitFactory.create(
            pairing=county, **west, level=Level.PRINCIPAL, title="威信县党政代表团赴松江考察",
            occurred_on=date(2023, 5, 12),
        ),
        "a2_town": VisitFactory.create(
            pairing=town, **west, level=Level.PRINCIPAL, title="麟凤镇党委书记赴新浜对接",
            occurred_on=date(2023, 8, 3),
        ),
        "deputy": VisitFactory.create(
            pairing=county, **west, level=Level.DEPUTY, title="分管领导赴松江",
            occurred_on=date(2023, 6, 1),
        ),
        "meeting": MeetingFactory.create(
            pairing=county, recorded_by=east_office, title="2023年东西部协作联席会议",
            occurred_on=date(2023, 4, 20),
        ),
        "funds": FundAllocationFactory.create(
            pairing=county, recorded_by=east_office, amount=Decimal(5_600_000),
            title="2023年上海财政援助资金", occurred_on=date(2023, 2, 15),
        ),
        "money": DonationFactory.create(
            pairing=county, **east, donation_kind=Donation.DonationKind.MONEY,
            value_amount=Decimal(300_000), occurred_on=date(2023, 4, 2),
        ),
        "goods": DonationFactory.create(
            pairing=town, **east, value_amount=Decimal(180_000), occurred_on=date(2023, 6, 9),
        ),
        "cadres": TalentExchangeFactory.create(
            pairing=county, **east, headcount=2, occurred_on=date(2023, 3, 1),
        ),
        "teachers": TalentExchangeFactory.create(
            pairing=county, **east, form=TalentExchange.Form.TEACHING, sector=Sector.EDUCATION,
            headcount=5, occurred_on=date(2023, 9, 1),
        ),
        "doctors": TalentExchangeFactory.create(
            pairing=town, **east, form=TalentExchange.Form.MEDICAL, sector=Sector.HEALTH,
            headcount=3, occurred_on=date(2023, 7, 1),
        ),
        "west_cadre": TalentExchangeFactory.create(
            pairing=county, **west, headcount=1, occurred_on=date(2023, 3, 1),
        ),
        "west_nurses": TalentExchangeFactory.create(
            pairing=county, **west, form=TalentExchange.Form.STUDY, sector=Sector.HEALTH,
            headcount=4, occurred_on=date(2023, 10, 8),
        ),
        # Another year, and another pairing: never in the 2023 figures of 松江–威信.
        "a1_2022": VisitFactory.create(
            pairing=county, **east, level=Level.PRINCIPAL, title="2022年松江区领导赴威信",
            occurred_on=date(2022, 11, 5),
        ),
        "funds_2024": FundAllocationFactory.create(
            pairing=county, recorded_by=east_office, amount=Decimal(9_000_000),
            occurred_on=date(2024, 1, 10),
        ),
        "elsewhere": VisitFactory.create(
            pairing=tree.elsewhere, recorded_by=outsider, direction=W2E,
            level=Level.PRINCIPAL, title="别处领导考察", occurred_on=date(2023, 5, 1),
        ),
    }  # fmt: skip


def test_the_county_figures_count_and_sum_its_records_and_those_below(tree, ledger, east_office):
    got = values(east_office, tree.county)

    expected = {
        "A1": 1,  # east → west principal; the 2022 visit is another year
        "A2": 2,  # west → east principal, one in the county, one in the town pairing
        "A3": 1,  # the joint meeting
        "B0": 1,
        "B1": 560,  # 5,600,000 yuan in 万元
        "B2": 560,  # B1 ÷ one county pairing
        "B3": 48,  # 300,000 money + 180,000 goods (the goods given in the town pairing)
        "C1": 2,
        "C2": 1,
        "C3": 8,  # teachers 5 + doctors 3; cadres are C1
        "C4": 5,
        "C5": 3,
        "C7": 4,
        "C9": 4,
        "C8": 0,
        "G2": 2,  # the two town pairings below the county
        "G3": 0,
    }
    assert {code: got[code] for code in expected} == {
        code: Decimal(value) for code, value in expected.items()
    }


def test_a_province_divides_fiscal_aid_by_its_two_county_pairings(tree, ledger, administrator):
    got = values(administrator, tree.province)

    assert got["B0"] == 2
    assert got["B1"] == 560
    assert got["B2"] == 280
    assert got["G2"] == 2


def test_the_values_are_decimals_in_the_indicator_unit(tree, ledger, east_office):
    b1 = next(
        v for v in progress(east_office, tree.county, 2023).values if v.indicator.code == "B1"
    )

    assert b1.indicator.unit == "万元"
    assert isinstance(b1.actual, Decimal)
    assert b1.records == 1


def test_a_town_liaison_gets_only_the_town_figures(tree, ledger, town_liaison):
    got = values(town_liaison, tree.town)

    expected = {"A1": 0, "A2": 1, "B1": 0, "B3": 18, "C5": 3, "C4": 0, "G2": 1, "B0": 0}
    assert {code: got[code] for code in expected} == {
        code: Decimal(value) for code, value in expected.items()
    }  # G2 counts the town pairing itself


def test_the_county_seen_by_a_town_liaison_holds_only_what_they_may_see(tree, ledger, town_liaison):
    got = values(town_liaison, tree.county)

    assert [got["A2"], got["B1"], got["C3"], got["G2"]] == [1, 0, 3, 1]


def test_records_of_other_years_do_not_count(tree, ledger, east_office):
    assert values(east_office, tree.county, 2022)["A1"] == 1
    assert values(east_office, tree.county, 2022)["A2"] == 0
    assert values(east_office, tree.county, 2024)["B1"] == 900


def test_a_span_of_years_adds_the_figures_and_the_targets(tree, ledger, east_office):
    for year, value in ((2021, 1), (2022, 2), (2023, 3)):
        target(tree.county, year, "A1", value, east_office)
    target(tree.county, 2024, "A1", 50, east_office)  # outside the span

    result = progress(east_office, tree.county, 2023, first_year=2021)
    a1 = next(v for v in result.values if v.indicator.code == "A1")

    assert result.first_year == 2021
    assert a1.actual == 2  # 2022 and 2023
    assert a1.target == 6
    assert a1.percent == 33


def test_a_single_year_uses_only_that_year_target(tree, ledger, east_office):
    target(tree.county, 2022, "A1", 7, east_office)
    target(tree.county, 2023, "A1", 1, east_office)

    a1 = next(
        v for v in progress(east_office, tree.county, 2023).values if v.indicator.code == "A1"
    )

    assert a1.target == 1


def test_targets_of_a_sub_pairing_are_not_the_county_targets(tree, ledger, east_office):
    target(tree.town, 2023, "A2", 5, east_office)

    a2 = next(
        v for v in progress(east_office, tree.county, 2023).values if v.indicator.code == "A2"
    )

    assert a2.target is None


def statuses(user, pairing, today: date) -> dict[str, str]:
    return {v.indicator.code: v.status for v in progress(user, pairing, 2023, today=today).values}


def test_status_against_the_share_of_the_year_elapsed(tree, ledger, east_office):
    target(tree.county, 2023, "A1", 1, east_office)  # 1 of 1: done
    target(tree.county, 2023, "A3", 2, east_office)  # 1 of 2: 50 %
    target(tree.county, 2023, "H1", 100, east_office)  # not fed yet, whatever the target

    midyear = statuses(east_office, tree.county, date(2023, 6, 30))  # 181/365 elapsed
    autumn = statuses(east_office, tree.county, date(2023, 9, 30))  # 273/365 elapsed

    assert (midyear["A1"], midyear["A3"]) == (Status.DONE, Status.ON_TRACK)
    assert (autumn["A1"], autumn["A3"]) == (Status.DONE, Status.BEHIND)
    assert midyear["A2"] == Status.NO_TARGET
    assert midyear["H1"] == Status.NOT_YET


def test_only_indicators_no_module_feeds_show_as_not_yet(tree, ledger, east_office):
    result = progress(east_office, tree.county, 2023)
    not_yet = {v.indicator.code for v in result.values if v.status == Status.NOT_YET}

    assert not_yet == {"H1"}
    assert all(v.actual is None for v in result.values if v.indicator.code in not_yet)
    assert not {f"E{n}" for n in range(1, 10)} & not_yet  # the consumption module feeds these
    assert not {f"F{n}" for n in range(1, 13)} & not_yet  # the labor module feeds these


def test_a_past_year_is_judged_as_finished(tree, ledger, east_office):
    target(tree.county, 2023, "A3", 2, east_office)

    status = statuses(east_office, tree.county, date(2024, 3, 1))["A3"]

    assert status == Status.BEHIND


def test_year_elapsed():
    assert year_elapsed(2023, today=date(2022, 12, 31)) == 0
    assert year_elapsed(2023, today=date(2023, 1, 1)) == Decimal("0.003")
    assert year_elapsed(2023, today=date(2023, 7, 2)) == Decimal("0.501")  # day 183 of 365
    assert year_elapsed(2023, today=date(2023, 12, 31)) == 1
    assert year_elapsed(2023, today=date(2024, 1, 1)) == 1
    assert year_elapsed(2024, today=date(2024, 12, 31)) == 1  # a leap year ends too


@pytest.mark.parametrize(
    ("actual", "target", "elapsed", "status"),
    [
        (None, Decimal(5), Decimal("0.5"), Status.NOT_YET),
        (Decimal(3), None, Decimal("0.5"), Status.NO_TARGET),
        (Decimal(5), Decimal(5), Decimal("0.1"), Status.DONE),
        (Decimal(0), Decimal(0), Decimal("0.9"), Status.DONE),
        (Decimal(5), Decimal(10), Decimal("0.5"), Status.ON_TRACK),
        (Decimal(4), Decimal(10), Decimal("0.5"), Status.BEHIND),
        (Decimal(0), Decimal(10), Decimal(0), Status.ON_TRACK),
    ],
)
def test_status_rules(actual, target, elapsed, status):
    assert _status(actual, target, elapsed) == status


def test_cumulative_by_month_is_a_running_total(tree, ledger, east_office):
    a2 = cumulative_by_month(east_office, tree.county, indicator("A2"), 2023)
    b3 = cumulative_by_month(east_office, tree.county, indicator("B3"), 2023)

    assert [month for month, _value in a2] == [f"{m}月" for m in range(1, 13)]
    assert [v for _m, v in a2] == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2]
    assert [v for _m, v in b3] == [0, 0, 0, 30, 30, 48, 48, 48, 48, 48, 48, 48]


def test_cumulative_by_month_is_empty_for_computed_indicators(tree, ledger, east_office):
    assert cumulative_by_month(east_office, tree.county, indicator("B2"), 2023) == []
    assert cumulative_by_month(east_office, tree.county, indicator("H1"), 2023) == []


def test_the_records_behind_a2_are_exactly_the_west_principal_visits(tree, ledger, east_office):
    ids = record_ids_behind(east_office, tree.county, indicator("A2"), 2023)

    assert sorted(ids) == sorted([ledger["a2_county"].pk, ledger["a2_town"].pk])


def test_the_records_behind_a_span_include_earlier_years(tree, ledger, east_office):
    ids = record_ids_behind(east_office, tree.county, indicator("A1"), 2023, first_year=2022)

    assert sorted(ids) == sorted([ledger["a1"].pk, ledger["a1_2022"].pk])


def test_the_records_behind_follow_what_the_user_may_see(tree, ledger, town_liaison):
    assert record_ids_behind(town_liaison, tree.county, indicator("A2"), 2023) == [
        ledger["a2_town"].pk
    ]
    assert record_ids_behind(town_liaison, tree.county, indicator("B2"), 2023) == []
