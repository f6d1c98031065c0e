"""What create_record fills in and what it refuses, whatever the kind of record."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from shanhai.accounts.models import Role
from shanhai.core.models import AuditEvent
from shanhai.ledger.models import (
    Donation,
    FundAllocation,
    Record,
    TalentExchange,
    Training,
    Visit,
)
from shanhai.ledger.services import create_record
from shanhai.ledger.tests.factories import (
    DonationFactory,
    TalentExchangeFactory,
    TrainingFactory,
    VisitFactory,
    person,
)

pytestmark = pytest.mark.django_db


def messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


# What is filled in ----------------------------------------------------------------------------


def test_a_new_record_takes_its_kind_from_its_model(tree, east_office):
    record = create_record(
        record=Training(
            pairing=tree.county, title="电商培训", topic="农村电商", occurred_on=date(2024, 3, 1)
        ),
        recorded_by=east_office,
    )

    assert record.kind == Record.Kind.TRAINING


def test_a_new_record_is_on_the_side_of_the_person_who_recorded_it(tree, west_office):
    record = VisitFactory.create(pairing=tree.county, recorded_by=west_office)

    assert record.side == "west"
    assert record.recorded_by == west_office


def test_a_new_record_awaits_the_paired_sides_confirmation(tree, east_office):
    record = VisitFactory.create(pairing=tree.county, recorded_by=east_office, status="confirmed")

    record.refresh_from_db()
    assert record.status == Record.Status.PENDING
    assert record.confirmed_by is None


def test_recording_leaves_an_audit_event(tree, east_office):
    record = VisitFactory.create(pairing=tree.county, recorded_by=east_office)

    event = AuditEvent.objects.get(action="ledger.visit.recorded")
    assert event.actor == east_office
    assert event.target_id == str(record.pk)


def test_recording_keeps_how_the_record_was_entered(tree, east_office):
    record = VisitFactory.create(
        pairing=tree.county, recorded_by=east_office, entry_method=Record.EntryMethod.QUICK
    )

    assert record.entry_method == Record.EntryMethod.QUICK


# What is refused ------------------------------------------------------------------------------


def test_a_record_cannot_end_before_it_starts(tree, east_office):
    with pytest.raises(ValidationError) as caught:
        VisitFactory.create(
            pairing=tree.county,
            recorded_by=east_office,
            occurred_on=date(2024, 5, 20),
            ended_on=date(2024, 5, 18),
        )

    error = caught.value
    named = hasattr(error, "error_dict") and "ended_on" in error.error_dict
    assert named or gettext("The end date cannot be before the start date.") in messages_of(error)
    assert not Visit.objects.exists()


def test_a_record_may_end_on_the_day_it_starts(tree, east_office):
    record = VisitFactory.create(
        pairing=tree.county,
        recorded_by=east_office,
        occurred_on=date(2024, 5, 20),
        ended_on=date(2024, 5, 20),
    )

    assert record.ended_on == date(2024, 5, 20)


def test_a_negative_donation_value_is_refused(tree, east_office):
    with pytest.raises(ValidationError) as caught:
        DonationFactory.create(
            pairing=tree.county, recorded_by=east_office, value_amount=Decimal("-1.00")
        )

    assert gettext("The value cannot be negative.") in messages_of(caught.value)
    assert not Donation.objects.exists()


def test_a_donation_of_zero_items_is_refused(tree, east_office):
    with pytest.raises(ValidationError) as caught:
        DonationFactory.create(pairing=tree.county, recorded_by=east_office, quantity=Decimal(0))

    assert gettext("The quantity must be more than zero.") in messages_of(caught.value)


def test_a_fund_allocation_of_zero_yuan_is_refused(tree, east_office):
    with pytest.raises(ValidationError) as caught:
        create_record(
            record=FundAllocation(
                pairing=tree.county,
                title="2024年财政援助资金",
                occurred_on=date(2024, 1, 15),
                year=2024,
                amount=Decimal(0),
            ),
            recorded_by=east_office,
        )

    assert gettext("The amount must be more than zero.") in messages_of(caught.value)
    assert not FundAllocation.objects.exists()


def test_a_talent_exchange_of_no_people_is_refused(tree, east_office):
    with pytest.raises(ValidationError):
        TalentExchangeFactory.create(pairing=tree.county, recorded_by=east_office, headcount=0)

    assert not TalentExchange.objects.exists()


# Numbers --------------------------------------------------------------------------------------


def test_an_amount_is_kept_to_the_fen(tree, east_office):
    record = create_record(
        record=FundAllocation(
            pairing=tree.county,
            title="2024年财政援助资金",
            occurred_on=date(2024, 1, 15),
            year=2024,
            amount=Decimal("1234567.89"),
        ),
        recorded_by=east_office,
    )

    stored = FundAllocation.objects.get(pk=record.pk).amount
    assert isinstance(stored, Decimal)
    assert stored == Decimal("1234567.89")
    assert str(stored) == "1234567.89"


def test_trainings_count_person_times_and_exchanges_count_people(tree, east_office):
    training = TrainingFactory.create(
        pairing=tree.county, recorded_by=east_office, sessions=3, person_times=450
    )
    exchange = TalentExchangeFactory.create(
        pairing=tree.county, recorded_by=east_office, headcount=12
    )

    assert Training.objects.get(pk=training.pk).person_times == 450
    assert TalentExchange.objects.get(pk=exchange.pk).headcount == 12
    assert not hasattr(Training, "headcount")
    assert not hasattr(TalentExchange, "person_times")


# Who records for which side -------------------------------------------------------------------


def test_an_administrator_on_neither_side_must_say_which_side_a_record_is_for(tree):
    administrator = person(tree.county, Role.ADMINISTRATOR, side="")

    with pytest.raises(ValidationError) as caught:
        VisitFactory.create(pairing=tree.county, recorded_by=administrator)

    assert "side" in caught.value.error_dict
    assert not Visit.objects.exists()


def test_an_administrator_on_neither_side_records_for_the_side_named(tree):
    administrator = person(tree.county, Role.ADMINISTRATOR, side="")

    record = VisitFactory.create(pairing=tree.county, recorded_by=administrator, side="west")

    assert record.side == "west"


def test_a_person_on_a_side_records_for_their_own_side_whatever_side_is_passed(tree, east_office):
    record = VisitFactory.create(pairing=tree.county, recorded_by=east_office, side="west")

    assert record.side == "east"
