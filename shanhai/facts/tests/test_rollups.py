"""Ledger services keep facts and rollups in step, and the selectors read them back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from shanhai.accounts.models import User
from shanhai.facts import selectors
from shanhai.facts.models import Fact, Rollup
from shanhai.facts.selectors import rollup_differences
from shanhai.ledger import services
from shanhai.ledger.facts import SOURCE
from shanhai.ledger.models import (
    AidProject,
    Direction,
    Donation,
    FundAllocation,
    FundSource,
    FundTransaction,
    Level,
    Record,
    Visit,
)
from shanhai.ledger.tests.conftest import Tree
from shanhai.ledger.tests.factories import AidProjectFactory, DonationFactory, VisitFactory

pytestmark = pytest.mark.django_db

WEST_EAST = Direction.WEST_TO_EAST
EAST_WEST = Direction.EAST_TO_WEST
PRINCIPAL = Level.PRINCIPAL
JAN, FEB, MAR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)
YEAR = (date(2024, 1, 1), date(2024, 12, 31))


def cells(metric: str) -> dict[tuple[Any, ...], tuple[int, Any]]:
    """Every stored rollup row of *metric*: (pairing, month, dimensions) → (count, total)."""
    rows = Rollup.objects.filter(metric=metric).values_list(
        "pairing_id", "month", "direction", "level", "category", "subcategory", "count", "total"
    )
    return {tuple(row[:6]): (row[6], row[7]) for row in rows}


def snapshot() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every fact and rollup row, to compare before and after."""
    facts = Fact.objects.order_by("pk").values_list(
        "pk", "source", "source_id", "pairing_id", "month", "metric", "direction", "value"
    )
    rollups = Rollup.objects.order_by("pk").values_list(
        "pk", "pairing_id", "month", "metric", "direction", "level", "category", "count", "total"
    )
    return list(facts), list(rollups)


def visit(tree: Tree, by: User, on: date, **fields: Any) -> Visit:
    fields = {"direction": WEST_EAST, "level": PRINCIPAL, **fields}
    return VisitFactory.create(pairing=tree.county, recorded_by=by, occurred_on=on, **fields)


def allocation(tree: Tree, by: User, on: date, amount: str, **fields: Any) -> FundAllocation:
    record = FundAllocation(
        pairing=tree.county,
        title="财政援助资金",
        occurred_on=on,
        year=on.year,
        amount=Decimal(amount),
        **fields,
    )
    created = services.create_record(record=record, recorded_by=by)
    assert isinstance(created, FundAllocation)
    return created


def test_creating_a_visit_adds_one_to_its_rollup_cell(tree: Tree, east_office: User) -> None:
    record = visit(tree, east_office, date(2024, 3, 14), member_count=12)

    assert cells("visit") == {(tree.county.pk, MAR, WEST_EAST, PRINCIPAL, "", ""): (1, 1)}
    assert cells("visit.people") == {(tree.county.pk, MAR, WEST_EAST, PRINCIPAL, "", ""): (1, 12)}
    facts = Fact.objects.filter(source=SOURCE, source_id=record.pk)
    assert sorted(facts.values_list("metric", "month", "value")) == [
        ("visit", MAR, Decimal(1)),
        ("visit.people", MAR, Decimal(12)),
    ]
    assert rollup_differences() == []


def test_two_visits_in_one_month_count_two(tree: Tree, east_office: User) -> None:
    visit(tree, east_office, date(2024, 3, 1), member_count=5)
    visit(tree, east_office, date(2024, 3, 31), member_count=7)

    cell = (tree.county.pk, MAR, WEST_EAST, PRINCIPAL, "", "")
    assert cells("visit") == {cell: (2, 2)}
    assert cells("visit.people") == {cell: (2, 12)}


def test_visits_differing_in_direction_or_level_fall_in_different_cells(
    tree: Tree, east_office: User
) -> None:
    visit(tree, east_office, date(2024, 3, 2))
    visit(tree, east_office, date(2024, 3, 3), direction=EAST_WEST)
    visit(tree, east_office, date(2024, 3, 4), level=Level.DEPUTY)

    assert cells("visit") == {
        (tree.county.pk, MAR, WEST_EAST, PRINCIPAL, "", ""): (1, 1),
        (tree.county.pk, MAR, EAST_WEST, PRINCIPAL, "", ""): (1, 1),
        (tree.county.pk, MAR, WEST_EAST, Level.DEPUTY, "", ""): (1, 1),
    }


def test_moving_a_visit_to_another_month_moves_its_count(tree: Tree, east_office: User) -> None:
    record = visit(tree, east_office, date(2024, 3, 14), member_count=12)
    visit(tree, east_office, date(2024, 3, 20), member_count=3)

    services.update_record(
        record=record, changed_by=east_office, values={"occurred_on": date(2024, 1, 31)}
    )

    assert cells("visit") == {
        (tree.county.pk, MAR, WEST_EAST, PRINCIPAL, "", ""): (1, 1),
        (tree.county.pk, JAN, WEST_EAST, PRINCIPAL, "", ""): (1, 1),
    }
    assert cells("visit.people") == {
        (tree.county.pk, MAR, WEST_EAST, PRINCIPAL, "", ""): (1, 3),
        (tree.county.pk, JAN, WEST_EAST, PRINCIPAL, "", ""): (1, 12),
    }
    assert set(Fact.objects.filter(source_id=record.pk).values_list("month", flat=True)) == {JAN}


def test_moving_the_only_visit_of_a_month_leaves_no_row_behind(
    tree: Tree, east_office: User
) -> None:
    record = visit(tree, east_office, date(2024, 3, 14))

    services.update_record(
        record=record, changed_by=east_office, values={"occurred_on": date(2024, 2, 29)}
    )

    assert cells("visit") == {(tree.county.pk, FEB, WEST_EAST, PRINCIPAL, "", ""): (1, 1)}
    assert not Rollup.objects.filter(month=MAR).exists()


def test_changing_the_direction_moves_the_visit_between_cells(
    tree: Tree, east_office: User
) -> None:
    record = visit(tree, east_office, date(2024, 3, 14), member_count=4)

    services.update_record(record=record, changed_by=east_office, values={"direction": EAST_WEST})

    assert cells("visit.people") == {(tree.county.pk, MAR, EAST_WEST, PRINCIPAL, "", ""): (1, 4)}
    assert rollup_differences() == []


def test_editing_the_member_count_changes_the_people_total(tree: Tree, east_office: User) -> None:
    record = visit(tree, east_office, date(2024, 3, 14), member_count=12)
    visit(tree, east_office, date(2024, 3, 15), member_count=8)

    services.update_record(record=record, changed_by=east_office, values={"member_count": 30})

    assert selectors.total([tree.county.pk], "visit.people", *YEAR) == (2, Decimal(38))
    assert selectors.total([tree.county.pk], "visit", *YEAR) == (2, Decimal(2))


def test_clearing_the_member_count_removes_the_people_fact(tree: Tree, east_office: User) -> None:
    record = visit(tree, east_office, date(2024, 3, 14), member_count=12)

    services.update_record(record=record, changed_by=east_office, values={"member_count": None})

    assert cells("visit.people") == {}
    assert selectors.total([tree.county.pk], "visit", *YEAR) == (1, Decimal(1))


def test_deleting_a_record_removes_its_facts_and_empties_its_cells(
    tree: Tree, east_office: User
) -> None:
    record = visit(tree, east_office, date(2024, 3, 14), member_count=12)
    record_id = record.pk

    services.delete_record(record=record, deleted_by=east_office)

    assert not Record.objects.filter(pk=record_id).exists()
    assert not Fact.objects.filter(source=SOURCE, source_id=record_id).exists()
    assert Rollup.objects.count() == 0
    assert rollup_differences() == []


def test_deleting_one_of_two_visits_leaves_the_other_counted(tree: Tree, east_office: User) -> None:
    record = visit(tree, east_office, date(2024, 3, 14), member_count=12)
    visit(tree, east_office, date(2024, 3, 15), member_count=5)

    services.delete_record(record=record, deleted_by=east_office)

    assert cells("visit.people") == {(tree.county.pk, MAR, WEST_EAST, PRINCIPAL, "", ""): (1, 5)}


def test_deleting_donations_with_cents_leaves_no_zero_row(tree: Tree, east_office: User) -> None:
    """0.10 + 0.20 − 0.10 − 0.20 is exactly nothing: the cell must go, not linger as ~0."""
    first, second = (
        DonationFactory.create(
            pairing=tree.county,
            recorded_by=east_office,
            occurred_on=date(2024, 3, day),
            direction=EAST_WEST,
            value_amount=Decimal(amount),
        )
        for day, amount in [(1, "0.10"), (2, "0.20")]
    )
    assert cells("donation.value") == {
        (tree.county.pk, MAR, EAST_WEST, "", Donation.DonationKind.GOODS, ""): (2, Decimal("0.30"))
    }

    services.delete_record(record=first, deleted_by=east_office)
    services.delete_record(record=second, deleted_by=east_office)

    assert list(Rollup.objects.values_list("metric", "count", "total")) == []


def test_a_confirmed_record_cannot_be_deleted_and_keeps_its_facts(
    tree: Tree, east_office: User, west_office: User
) -> None:
    record = visit(tree, east_office, date(2024, 3, 14))
    services.confirm_record(record=record, confirmed_by=west_office)
    before = snapshot()

    with pytest.raises(ValidationError):
        services.delete_record(record=record, deleted_by=east_office)

    assert snapshot() == before


def test_fund_transactions_count_in_the_month_they_happen(tree: Tree, east_office: User) -> None:
    project = AidProjectFactory.create(
        pairing=tree.county,
        recorded_by=east_office,
        occurred_on=date(2024, 1, 10),
        budget_amount=Decimal("5000000.00"),
    )
    kinds = FundTransaction.TransactionKind
    for kind, on, amount in [
        (kinds.COMMITMENT, date(2024, 1, 15), "5000000.00"),
        (kinds.DISBURSEMENT, date(2024, 2, 3), "1200000.50"),
        (kinds.DISBURSEMENT, date(2024, 2, 27), "799999.50"),
        (kinds.EXPENDITURE, date(2024, 3, 9), "300000.00"),
    ]:
        services.record_fund_transaction(
            project=project,
            transaction_kind=kind,
            transacted_on=on,
            amount=Decimal(amount),
            recorded_by=east_office,
        )

    fiscal = FundSource.EAST_FISCAL
    assert cells("project.commitment") == {
        (tree.county.pk, JAN, "", "", fiscal, ""): (1, Decimal("5000000.00"))
    }
    assert cells("project.disbursement") == {
        (tree.county.pk, FEB, "", "", fiscal, ""): (2, Decimal("2000000.00"))
    }
    assert cells("project.expenditure") == {
        (tree.county.pk, MAR, "", "", fiscal, ""): (1, Decimal("300000.00"))
    }
    assert selectors.monthly([tree.county.pk], "project.disbursement", *YEAR) == {
        FEB: (2, Decimal("2000000.00"))
    }
    # The project itself still counts once, in the month it started.
    assert selectors.monthly([tree.county.pk], "project", *YEAR) == {JAN: (1, Decimal(1))}
    assert rollup_differences() == []


def test_a_transaction_counts_even_when_the_project_was_read_with_its_transactions(
    tree: Tree, east_office: User
) -> None:
    created = AidProjectFactory.create(pairing=tree.county, recorded_by=east_office)
    project = AidProject.objects.prefetch_related("transactions").get(pk=created.pk)

    services.record_fund_transaction(
        project=project,
        transaction_kind=FundTransaction.TransactionKind.DISBURSEMENT,
        transacted_on=date(2024, 6, 1),
        amount=Decimal("1000.00"),
        recorded_by=east_office,
    )

    assert selectors.total([tree.county.pk], "project.disbursement", *YEAR) == (
        1,
        Decimal("1000.00"),
    )
    assert rollup_differences() == []


def test_deleting_a_project_removes_its_transactions_facts(tree: Tree, east_office: User) -> None:
    project = AidProjectFactory.create(pairing=tree.county, recorded_by=east_office)
    services.record_fund_transaction(
        project=project,
        transaction_kind=FundTransaction.TransactionKind.DISBURSEMENT,
        transacted_on=date(2024, 6, 1),
        amount=Decimal("1000.00"),
        recorded_by=east_office,
    )

    services.delete_record(record=project, deleted_by=east_office)

    assert Fact.objects.count() == 0
    assert Rollup.objects.count() == 0


def test_money_adds_up_exactly_to_the_cent(tree: Tree, east_office: User) -> None:
    allocation(tree, east_office, date(2024, 4, 1), "12345678.91")
    allocation(tree, east_office, date(2024, 4, 30), "0.09")

    count, amount = selectors.total([tree.county.pk], "funds.amount", *YEAR)

    assert (count, amount) == (2, Decimal("12345679.00"))
    assert str(amount.quantize(Decimal("0.01"))) == "12345679.00"
    assert cells("funds.amount") == {
        (tree.county.pk, date(2024, 4, 1), "", "", FundSource.EAST_FISCAL, ""): (
            2,
            Decimal("12345679.00"),
        )
    }


def test_large_amounts_keep_their_cents(tree: Tree, east_office: User) -> None:
    for amount in ["999999999999.99", "999999999999.99", "0.03"]:
        allocation(tree, east_office, date(2024, 4, 2), amount)

    assert selectors.total([tree.county.pk], "funds.amount", *YEAR) == (
        3,
        Decimal("2000000000000.01"),
    )


@pytest.fixture
def spread(tree: Tree, east_office: User) -> dict[str, Record]:
    """Visits across two pairings, three months, two directions and two levels."""
    town = tree.town
    return {
        "jan": visit(tree, east_office, date(2024, 1, 5), member_count=10),
        "feb": visit(tree, east_office, date(2024, 2, 5), member_count=20, direction=EAST_WEST),
        "mar": visit(tree, east_office, date(2024, 3, 5), member_count=30, level=Level.DEPUTY),
        "town": VisitFactory.create(
            pairing=town,
            recorded_by=east_office,
            occurred_on=date(2024, 2, 9),
            direction=Direction.BOTH,
            level=Level.TOWN_VILLAGE,
            member_count=4,
        ),
        "last_year": visit(tree, east_office, date(2023, 12, 31), member_count=100),
    }


def test_total_sums_the_rollups_in_the_period(tree: Tree, spread: dict[str, Record]) -> None:
    both = [tree.county.pk, tree.town.pk]

    assert selectors.total(both, "visit.people", *YEAR) == (4, Decimal(64))
    assert selectors.total([tree.county.pk], "visit.people", *YEAR) == (3, Decimal(60))
    assert selectors.total(both, "visit.people", date(2023, 1, 1), date(2024, 1, 31)) == (
        2,
        Decimal(110),
    )
    # The start may be any day of its month; the end includes its own month.
    assert selectors.total(both, "visit", date(2024, 2, 20), date(2024, 3, 2)) == (3, Decimal(3))
    assert selectors.total([tree.elsewhere.pk], "visit", *YEAR) == (0, Decimal(0))
    assert selectors.total(both, "no.such.metric", *YEAR) == (0, Decimal(0))


def test_filters_match_dimensions_and_alternatives(tree: Tree, spread: dict[str, Record]) -> None:
    both = [tree.county.pk, tree.town.pk]

    assert selectors.total(both, "visit", *YEAR, {"direction": WEST_EAST}) == (2, Decimal(2))
    assert selectors.total(both, "visit.people", *YEAR, {"direction": f"{EAST_WEST}|both"}) == (
        2,
        Decimal(24),
    )
    assert selectors.total(
        both, "visit.people", *YEAR, {"direction": WEST_EAST, "level": PRINCIPAL}
    ) == (1, Decimal(10))
    assert selectors.total(both, "visit", *YEAR, {"level": "principal|deputy|town"}) == (
        4,
        Decimal(4),
    )
    assert selectors.total(both, "visit", *YEAR, {"level": "enterprise"}) == (0, Decimal(0))


def test_monthly_gives_each_month_its_own_figure(tree: Tree, spread: dict[str, Record]) -> None:
    both = [tree.county.pk, tree.town.pk]

    assert selectors.monthly(both, "visit.people", *YEAR) == {
        JAN: (1, Decimal(10)),
        FEB: (2, Decimal(24)),
        MAR: (1, Decimal(30)),
    }
    assert selectors.monthly(both, "visit.people", *YEAR, {"direction": "west_east|both"}) == {
        JAN: (1, Decimal(10)),
        FEB: (1, Decimal(4)),
        MAR: (1, Decimal(30)),
    }
    assert list(selectors.monthly(both, "visit", date(2023, 6, 1), date(2024, 12, 31))) == [
        date(2023, 12, 1),
        JAN,
        FEB,
        MAR,
    ]


def test_by_pairing_splits_the_figure_per_pairing(tree: Tree, spread: dict[str, Record]) -> None:
    pairings = [tree.county.pk, tree.town.pk, tree.elsewhere.pk]

    assert selectors.by_pairing(pairings, "visit.people", *YEAR) == {
        tree.county.pk: (3, Decimal(60)),
        tree.town.pk: (1, Decimal(4)),
    }
    assert selectors.by_pairing(pairings, "visit", *YEAR, {"level": "town|deputy"}) == {
        tree.county.pk: (1, Decimal(1)),
        tree.town.pk: (1, Decimal(1)),
    }


def test_source_ids_lead_back_to_the_records(tree: Tree, spread: dict[str, Record]) -> None:
    both = [tree.county.pk, tree.town.pk]

    def ids(*args: Any, **kwargs: Any) -> set[int]:
        return set(selectors.source_ids(both, *args, source=SOURCE, **kwargs))

    assert ids("visit", *YEAR) == {spread[k].pk for k in ("jan", "feb", "mar", "town")}
    assert ids("visit", *YEAR, {"direction": "east_west|both"}) == {
        spread["feb"].pk,
        spread["town"].pk,
    }
    assert ids("visit", date(2023, 12, 1), date(2023, 12, 31)) == {spread["last_year"].pk}
    assert set(selectors.source_ids(both, "visit", *YEAR, source="labor.placement")) == set()
    # One id per record even where a record has several facts of the metric.
    assert len(list(selectors.source_ids(both, "visit", *YEAR, source=SOURCE))) == 4


def test_an_unknown_dimension_is_refused(tree: Tree, spread: dict[str, Record]) -> None:
    pairings = [tree.county.pk]
    for read in (selectors.total, selectors.monthly, selectors.by_pairing):
        with pytest.raises(ValueError, match="sector"):
            read(pairings, "visit", *YEAR, {"sector": "education"})
    with pytest.raises(ValueError, match="sector"):
        selectors.source_ids(pairings, "visit", *YEAR, {"sector": "education"}, source=SOURCE)


def test_a_failed_create_leaves_facts_and_rollups_as_they_were(
    tree: Tree, east_office: User
) -> None:
    visit(tree, east_office, date(2024, 3, 14), member_count=12)
    before = snapshot()
    bad = Visit(
        pairing=tree.county,
        title="倒填日期的考察",
        occurred_on=date(2024, 3, 10),
        ended_on=date(2024, 3, 9),
        direction=WEST_EAST,
        level=PRINCIPAL,
        member_count=40,
    )

    with pytest.raises(ValidationError):
        services.create_record(record=bad, recorded_by=east_office)

    assert snapshot() == before
    assert Visit.objects.count() == 1


def test_a_failed_edit_leaves_facts_and_rollups_as_they_were(tree: Tree, east_office: User) -> None:
    record = visit(tree, east_office, date(2024, 3, 14), member_count=12)
    before = snapshot()

    with pytest.raises(ValidationError):
        services.update_record(
            record=record,
            changed_by=east_office,
            values={
                "occurred_on": date(2024, 5, 1),
                "ended_on": date(2024, 4, 1),
                "member_count": 99,
            },
        )

    assert snapshot() == before
