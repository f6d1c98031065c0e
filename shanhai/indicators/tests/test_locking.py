"""A locked year refuses every write to its records, in the pairing and below, until reopened."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shanhai.indicators.models import AssessmentYear
from shanhai.indicators.services import get_assessment, move_assessment
from shanhai.ledger import services
from shanhai.ledger.models import AidProject, FundTransaction, Record, Visit
from shanhai.ledger.tests.factories import AidProjectFactory, VisitFactory, jpeg_upload
from shanhai.places.services import lock_year, unlock_year

pytestmark = pytest.mark.django_db

S = AssessmentYear.State
DISBURSEMENT = FundTransaction.TransactionKind.DISBURSEMENT


@pytest.fixture
def records(tree, east_office) -> dict[str, Record]:
    """Records made before the lock: 2023 in the county and the town, 2022 and 2024."""
    made: dict[str, Record] = {
        f"{where}_{year}": VisitFactory.create(
            pairing=getattr(tree, where),
            recorded_by=east_office,
            title=f"{where} {year}",
            occurred_on=date(year, 6, 1),
        )
        for where in ("county", "town")
        for year in (2022, 2023, 2024)
    }
    for where in ("county", "town"):
        made[f"{where}_project"] = AidProjectFactory.create(
            pairing=getattr(tree, where), recorded_by=east_office, occurred_on=date(2023, 3, 1)
        )
    made["project_2024"] = AidProjectFactory.create(
        pairing=tree.county, recorded_by=east_office, occurred_on=date(2024, 3, 1)
    )
    made["other_county_2023"] = VisitFactory.create(
        pairing=tree.other_county,
        recorded_by=east_office_of(tree.other_county),
        occurred_on=date(2023, 6, 1),
    )
    return made


def east_office_of(pairing):
    from shanhai.accounts.models import Role, Side
    from shanhai.ledger.tests.factories import person

    return person(pairing, Role.COOPERATION_OFFICE, Side.EAST)


@pytest.fixture
def locked_2023(tree, records, administrator):
    return lock_year(pairing=tree.county, year=2023, locked_by=administrator)


def assert_locked(error: pytest.ExceptionInfo[ValidationError], year: int = 2023) -> None:
    assert error.value.code == "year_locked"
    assert str(year) in " ".join(error.value.messages)


@pytest.mark.parametrize("where", ["county", "town"])
def test_a_new_record_in_a_locked_year_is_refused(tree, east_office, locked_2023, where):
    with pytest.raises(ValidationError) as error:
        services.create_record(
            record=Visit(pairing=getattr(tree, where), title="补录", occurred_on=date(2023, 9, 1)),
            recorded_by=east_office,
        )

    assert_locked(error)
    assert not Visit.objects.filter(title="补录").exists()


@pytest.mark.parametrize("where", ["county", "town"])
def test_editing_a_record_of_a_locked_year_is_refused(records, east_office, locked_2023, where):
    record = records[f"{where}_2023"]

    with pytest.raises(ValidationError) as error:
        services.update_record(record=record, changed_by=east_office, values={"title": "改"})

    assert_locked(error)
    record.refresh_from_db()
    assert record.title == f"{where} 2023"


@pytest.mark.parametrize("where", ["county", "town"])
def test_deleting_a_record_of_a_locked_year_is_refused(records, east_office, locked_2023, where):
    record = records[f"{where}_2023"]

    with pytest.raises(ValidationError) as error:
        services.delete_record(record=record, deleted_by=east_office)

    assert_locked(error)
    assert Record.objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("where", ["county", "town"])
def test_attaching_evidence_in_a_locked_year_is_refused(records, east_office, locked_2023, where):
    record = records[f"{where}_2023"]

    with pytest.raises(ValidationError) as error:
        services.attach_evidence(record=record, file=jpeg_upload(), uploaded_by=east_office)

    assert_locked(error)
    assert not record.evidence.exists()


@pytest.mark.parametrize("where", ["county", "town"])
def test_money_for_a_project_of_a_locked_year_is_refused(records, east_office, locked_2023, where):
    project = records[f"{where}_project"]
    assert isinstance(project, AidProject)

    with pytest.raises(ValidationError) as error:
        services.record_fund_transaction(
            project=project,
            transaction_kind=DISBURSEMENT,
            transacted_on=date(2023, 10, 1),
            amount=Decimal(100_000),
            recorded_by=east_office,
        )

    assert_locked(error)
    assert not project.transactions.exists()


def test_money_dated_in_a_locked_year_is_refused_on_a_later_project(
    records, east_office, locked_2023
):
    project = records["project_2024"]
    assert isinstance(project, AidProject)

    with pytest.raises(ValidationError) as error:
        services.record_fund_transaction(
            project=project,
            transaction_kind=DISBURSEMENT,
            transacted_on=date(2023, 12, 20),
            amount=Decimal(100_000),
            recorded_by=east_office,
        )

    assert_locked(error)


def test_moving_a_record_into_a_locked_year_is_refused(records, east_office, locked_2023):
    record = records["county_2022"]

    with pytest.raises(ValidationError) as error:
        services.update_record(
            record=record, changed_by=east_office, values={"occurred_on": date(2023, 1, 5)}
        )

    assert_locked(error)
    record.refresh_from_db()
    assert record.occurred_on == date(2022, 6, 1)


def test_moving_a_record_out_of_a_locked_year_is_refused(records, east_office, locked_2023):
    with pytest.raises(ValidationError) as error:
        services.update_record(
            record=records["town_2023"],
            changed_by=east_office,
            values={"occurred_on": date(2024, 1, 5)},
        )

    assert_locked(error)


def test_other_years_and_other_pairings_are_unaffected(tree, records, east_office, locked_2023):
    services.update_record(
        record=records["county_2024"], changed_by=east_office, values={"title": "改过"}
    )
    services.update_record(
        record=records["town_2022"], changed_by=east_office, values={"title": "改过"}
    )
    services.attach_evidence(
        record=records["town_2024"], file=jpeg_upload(), uploaded_by=east_office
    )
    services.record_fund_transaction(
        project=records["project_2024"],
        transaction_kind=DISBURSEMENT,
        transacted_on=date(2024, 5, 1),
        amount=Decimal(50_000),
        recorded_by=east_office,
    )
    services.delete_record(record=records["county_2024"], deleted_by=east_office)
    services.create_record(
        record=Visit(pairing=tree.town, title="2024新记录", occurred_on=date(2024, 2, 1)),
        recorded_by=east_office,
    )
    other = records["other_county_2023"]
    services.update_record(
        record=other, changed_by=other.recorded_by, values={"title": "金山–镇雄"}
    )

    assert Visit.objects.filter(title="2024新记录").exists()
    assert Record.objects.filter(title="金山–镇雄").exists()


def test_a_lock_on_a_town_does_not_lock_the_county(tree, records, east_office, administrator):
    lock_year(pairing=tree.town, year=2023, locked_by=administrator)

    services.update_record(
        record=records["county_2023"], changed_by=east_office, values={"title": "改过"}
    )
    with pytest.raises(ValidationError) as error:
        services.update_record(
            record=records["town_2023"], changed_by=east_office, values={"title": "改过"}
        )
    assert_locked(error)


def test_after_unlocking_edits_work_again(tree, records, east_office, administrator, locked_2023):
    unlock_year(pairing=tree.county, year=2023, unlocked_by=administrator, reason="补录")

    services.update_record(
        record=records["town_2023"], changed_by=east_office, values={"title": "改过"}
    )
    services.update_record(
        record=records["county_2022"],
        changed_by=east_office,
        values={"occurred_on": date(2023, 1, 5)},
    )
    services.delete_record(record=records["county_2023"], deleted_by=east_office)

    assert Record.objects.filter(title="改过").exists()


def test_the_assessment_locks_the_ledger_and_reopening_unlocks_it(
    tree, records, east_office, west_office, administrator
):
    assessment = get_assessment(pairing=tree.county, year=2023, actor=east_office)
    move_assessment(assessment=assessment, to_state=S.SUBMITTED, actor=east_office, text="自评")
    move_assessment(assessment=assessment, to_state=S.OPINION, actor=west_office, text="同意")
    move_assessment(assessment=assessment, to_state=S.APPROVED, actor=administrator)
    move_assessment(assessment=assessment, to_state=S.LOCKED, actor=administrator)
    record = records["town_2023"]

    with pytest.raises(ValidationError) as error:
        services.update_record(record=record, changed_by=east_office, values={"title": "改"})
    assert_locked(error)

    move_assessment(assessment=assessment, to_state=S.DRAFT, actor=administrator, text="补录")
    services.update_record(record=record, changed_by=east_office, values={"title": "改"})

    record.refresh_from_db()
    assert record.title == "改"
