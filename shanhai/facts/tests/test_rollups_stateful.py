"""Whatever the ledger services do, in whatever order, the rollups stay equal to a recompute.

A Hypothesis state machine records, edits, confirms and deletes visits, donations, fund
allocations and aid projects (with their money) and after every step checks the stored
rollups twice: against `rollup_differences()` (a recompute from the ledger through the
registered sources) and against a model of what each record should contribute, kept here.
A second, narrower machine revalues and deletes donations in one month, where cents must
cancel exactly and the emptied cell must go.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from shanhai.accounts.models import User
from shanhai.facts.models import Fact, Rollup
from shanhai.facts.selectors import rollup_differences, stored_rollups
from shanhai.facts.services import Cell
from shanhai.ledger import services
from shanhai.ledger.models import (
    AidProject,
    Direction,
    Donation,
    FundAllocation,
    FundSource,
    FundTransaction,
    Level,
    Record,
    Sector,
    Visit,
)
from shanhai.ledger.tests.conftest import Tree
from shanhai.places.models import Pairing

# No shrinking: every example writes to the database, so shrinking a failure took minutes.
# A failure still prints its steps. No example database: no .hypothesis/ in the checkout.
SETTINGS = settings(
    max_examples=30,
    stateful_step_count=20,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)

# Half the draws land in two months and on amounts like 0.10 + 0.20, so that records share
# rollup cells and their cents must cancel exactly when they leave.
dates = st.sampled_from([date(2024, 3, 1), date(2024, 3, 31), date(2021, 1, 9)]) | st.dates(
    date(2021, 1, 1), date(2024, 12, 31)
)
directions = st.sampled_from(["", *Direction.values])
levels = st.sampled_from(["", *Level.values])
money = st.sampled_from([Decimal("0.10"), Decimal("0.20"), Decimal("0.30")]) | st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal(10**9), places=2
)
money_or_nothing = st.none() | st.just(Decimal(0)) | money
counts = st.none() | st.integers(min_value=0, max_value=5000)
sectors = st.sampled_from(Sector.values)
fund_sources = st.sampled_from(FundSource.values)
donation_kinds = st.sampled_from(Donation.DonationKind.values)
transaction_kinds = st.sampled_from(FundTransaction.TransactionKind.values)

# What may be changed on each kind of record, and how.
EDITS: dict[type[Record], dict[str, st.SearchStrategy[Any]]] = {
    Visit: {"occurred_on": dates, "direction": directions, "level": levels, "member_count": counts},
    Donation: {
        "occurred_on": dates,
        "direction": directions,
        "donation_kind": donation_kinds,
        "value_amount": money_or_nothing,
    },
    AidProject: {
        "occurred_on": dates,
        "sector": sectors,
        "budget_amount": money_or_nothing,
        "households": counts,
    },
    FundAllocation: {"occurred_on": dates, "amount": money, "fund_source": fund_sources},
}


def expected_facts(record: Record) -> list[tuple[Cell, Decimal]]:
    """What *record* should contribute, written out independently of ledger.facts."""
    pairing, month = record.pairing_id, record.occurred_on.replace(day=1)

    def cell(metric: str, direction: str = "", level: str = "", category: str = "") -> Cell:
        return (pairing, month, metric, direction, level, category, "")

    facts: list[tuple[Cell, Decimal | int | None]] = []
    match record:
        case Visit():
            facts += [
                (cell("visit", record.direction, record.level), 1),
                (cell("visit.people", record.direction, record.level), record.member_count),
            ]
        case Donation():
            kind = record.donation_kind
            facts += [
                (cell("donation", record.direction, category=kind), 1),
                (cell("donation.value", record.direction, category=kind), record.value_amount),
            ]
        case FundAllocation():
            facts += [(cell("funds.amount", category=record.fund_source), record.amount)]
        case AidProject():
            sector = record.sector
            facts += [
                (cell("project", category=sector), 1),
                (cell("project.budget", category=sector), record.budget_amount),
                (cell("project.households", category=sector), record.households),
            ]
            for entry in FundTransaction.objects.filter(project=record):
                on = entry.transacted_on.replace(day=1)
                metric = f"project.{entry.transaction_kind}"
                facts.append(((pairing, on, metric, "", "", entry.fund_source, ""), entry.amount))
    return [(c, Decimal(value)) for c, value in facts if value is not None]


class LedgerMachine(RuleBasedStateMachine):
    """Ledger writes through the services; the test function supplies tree and offices."""

    tree: Tree
    east: User
    west: User

    def __init__(self) -> None:
        super().__init__()
        # Each example starts from an empty ledger in the test's own transaction.
        Record.objects.all().delete()
        Fact.objects.all().delete()
        Rollup.objects.all().delete()
        self.records: dict[int, type[Record]] = {}

    @initialize()
    def nothing_is_counted_yet(self) -> None:
        assert Rollup.objects.count() == 0

    # --- helpers -------------------------------------------------------------------------

    def pairing(self, choice: bool) -> Pairing:
        return self.tree.county if choice else self.tree.town

    def office(self, east: bool) -> User:
        return self.east if east else self.west

    def create(self, record: Record, by_east: bool) -> None:
        created = services.create_record(record=record, recorded_by=self.office(by_east))
        self.records[created.pk] = type(record)

    def load(self, pk: int) -> Record:
        return self.records[pk].objects.get(pk=pk)

    def recorder(self, record: Record) -> User:
        return self.east if record.side == self.east.side else self.west

    def confirmer(self, record: Record) -> User:
        return self.west if record.side == self.east.side else self.east

    def of_kind(self, model: type[Record]) -> list[int]:
        return sorted(pk for pk, kind in self.records.items() if kind is model)

    # --- rules ---------------------------------------------------------------------------

    @rule(
        county=st.booleans(),
        by_east=st.booleans(),
        on=dates,
        direction=directions,
        level=levels,
        member_count=counts,
    )
    def record_a_visit(self, county: bool, by_east: bool, on: date, **fields: Any) -> None:
        self.create(
            Visit(pairing=self.pairing(county), title="考察", occurred_on=on, **fields), by_east
        )

    @rule(
        county=st.booleans(),
        by_east=st.booleans(),
        on=dates,
        direction=directions,
        donation_kind=donation_kinds,
        value_amount=money_or_nothing,
    )
    def record_a_donation(self, county: bool, by_east: bool, on: date, **fields: Any) -> None:
        self.create(
            Donation(pairing=self.pairing(county), title="捐赠", occurred_on=on, **fields), by_east
        )

    @rule(county=st.booleans(), on=dates, amount=money, fund_source=fund_sources)
    def record_an_allocation(self, county: bool, on: date, **fields: Any) -> None:
        record = FundAllocation(
            pairing=self.pairing(county), title="财政援助", occurred_on=on, year=on.year, **fields
        )
        self.create(record, by_east=True)

    @rule(
        county=st.booleans(),
        on=dates,
        sector=sectors,
        budget_amount=money_or_nothing,
        households=counts,
    )
    def record_a_project(self, county: bool, on: date, **fields: Any) -> None:
        project = AidProject(pairing=self.pairing(county), title="援建", occurred_on=on, **fields)
        self.create(project, by_east=True)

    @precondition(lambda self: bool(self.of_kind(AidProject)))
    @rule(
        data=st.data(),
        kind=transaction_kinds,
        on=dates,
        amount=money,
        fund_source=st.sampled_from(["", *FundSource.values]),
    )
    def add_project_money(
        self, data: st.DataObject, kind: str, on: date, amount: Decimal, fund_source: str
    ) -> None:
        project = self.load(data.draw(st.sampled_from(self.of_kind(AidProject))))
        assert isinstance(project, AidProject)
        services.record_fund_transaction(
            project=project,
            transaction_kind=kind,
            transacted_on=on,
            amount=amount,
            recorded_by=self.recorder(project),
            fund_source=fund_source,
        )

    @precondition(lambda self: bool(self.records))
    @rule(data=st.data())
    def edit_a_record(self, data: st.DataObject) -> None:
        record = self.load(data.draw(st.sampled_from(sorted(self.records))))
        fields = EDITS[type(record)]
        names = data.draw(st.sets(st.sampled_from(sorted(fields)), min_size=1))
        values = {name: data.draw(fields[name], label=name) for name in sorted(names)}
        services.update_record(record=record, changed_by=self.recorder(record), values=values)

    @precondition(lambda self: bool(self.records))
    @rule(data=st.data())
    def confirm_a_record(self, data: st.DataObject) -> None:
        pending = Record.objects.filter(pk__in=self.records).exclude(status=Record.Status.CONFIRMED)
        ids = sorted(pending.values_list("pk", flat=True))
        if not ids:
            return
        record = self.load(data.draw(st.sampled_from(ids)))
        services.confirm_record(record=record, confirmed_by=self.confirmer(record))

    @precondition(lambda self: bool(self.records))
    @rule(data=st.data())
    def delete_an_unconfirmed_record(self, data: st.DataObject) -> None:
        pending = Record.objects.filter(pk__in=self.records).exclude(status=Record.Status.CONFIRMED)
        ids = sorted(pending.values_list("pk", flat=True))
        if not ids:
            return
        pk = data.draw(st.sampled_from(ids))
        services.delete_record(record=self.load(pk), deleted_by=self.recorder(self.load(pk)))
        del self.records[pk]


class ExactLedgerMachine(LedgerMachine):
    """The rollups equal both a recompute and the model after every step."""

    @invariant()
    def rollups_equal_a_recompute(self) -> None:
        assert rollup_differences() == []

    @invariant()
    def rollups_equal_what_each_record_should_contribute(self) -> None:
        counts: dict[Cell, int] = defaultdict(int)
        totals: dict[Cell, Decimal] = defaultdict(Decimal)
        for model in EDITS:
            for record in model.objects.filter(pk__in=self.of_kind(model)):
                for cell, value in expected_facts(record):
                    counts[cell] += 1
                    totals[cell] += value
        expected = {cell: (counts[cell], totals[cell]) for cell in counts}
        # Cells left at zero are CentsMachine's concern; here only the figures count.
        stored = {cell: figures for cell, figures in stored_rollups().items() if figures[0]}
        assert stored == expected


class CentsMachine(RuleBasedStateMachine):
    """Donations in one month with amounts in cents, revalued and deleted in any order.

    When the last of them leaves, its rollup cell must go: 0.10 + 0.20 − 0.10 − 0.20 is
    exactly nothing, and a row kept at count 0 is a cell the ledger does not have.
    """

    tree: Tree
    east: User
    west: User

    def __init__(self) -> None:
        super().__init__()
        Record.objects.all().delete()
        Fact.objects.all().delete()
        Rollup.objects.all().delete()
        self.ids: list[int] = []

    @rule(day=st.integers(1, 31), value_amount=money)
    def record_a_donation(self, day: int, value_amount: Decimal) -> None:
        donation = Donation(
            pairing=self.tree.county,
            title="捐赠",
            occurred_on=date(2024, 3, day),
            direction=Direction.EAST_TO_WEST,
            donation_kind=Donation.DonationKind.MONEY,
            value_amount=value_amount,
        )
        self.ids.append(services.create_record(record=donation, recorded_by=self.east).pk)

    @precondition(lambda self: bool(self.ids))
    @rule(data=st.data(), value_amount=money_or_nothing)
    def revalue_a_donation(self, data: st.DataObject, value_amount: Decimal | None) -> None:
        donation = Donation.objects.get(pk=data.draw(st.sampled_from(self.ids)))
        services.update_record(
            record=donation, changed_by=self.east, values={"value_amount": value_amount}
        )

    @precondition(lambda self: bool(self.ids))
    @rule(data=st.data())
    def delete_a_donation(self, data: st.DataObject) -> None:
        pk = data.draw(st.sampled_from(self.ids))
        services.delete_record(record=Donation.objects.get(pk=pk), deleted_by=self.east)
        self.ids.remove(pk)

    @invariant()
    def no_empty_cell_is_kept(self) -> None:
        empty = Rollup.objects.filter(count=0).values_list("metric", "month", "total")
        assert list(empty) == []
        assert rollup_differences() == []


@pytest.mark.django_db
def test_rollups_stay_exact_through_any_sequence_of_ledger_writes(
    tree: Tree, east_office: User, west_office: User
) -> None:
    run(ExactLedgerMachine, tree, east_office, west_office)


@pytest.mark.django_db
def test_no_empty_rollup_cell_survives_donations_revalued_and_deleted_in_any_order(
    tree: Tree, east_office: User, west_office: User
) -> None:
    run(CentsMachine, tree, east_office, west_office)


def run(machine: type[LedgerMachine | CentsMachine], tree: Tree, east: User, west: User) -> None:
    class Machine(machine):  # type: ignore[valid-type,misc]
        pass

    Machine.tree, Machine.east, Machine.west = tree, east, west
    run_state_machine_as_test(Machine, settings=SETTINGS)
