"""Every edit of a record is kept: who changed which field, from what to what."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shanhai.core.models import AuditEvent
from shanhai.ledger.models import Donation, RecordChange, Visit
from shanhai.ledger.services import update_record
from shanhai.ledger.tests.factories import DonationFactory, VisitFactory
from shanhai.places.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def donation(tree, east_office):
    return DonationFactory.create(
        pairing=tree.county,
        recorded_by=east_office,
        title="捐赠课桌椅",
        occurred_on=date(2024, 9, 1),
        value_amount=Decimal("120000.00"),
    )


def test_an_edit_keeps_the_old_and_new_value_of_each_changed_field(donation, east_office):
    update_record(record=donation, changed_by=east_office, values={"title": "捐赠课桌椅200套"})

    change = RecordChange.objects.get(record=donation)
    assert change.changed_by == east_office
    assert change.changes == {"title": ["捐赠课桌椅", "捐赠课桌椅200套"]}


def test_an_edit_stores_the_new_values(donation, east_office):
    update_record(record=donation, changed_by=east_office, values={"items": "课桌椅"})

    assert Donation.objects.get(pk=donation.pk).items == "课桌椅"


def test_dates_and_amounts_are_kept_in_the_history_as_text(donation, east_office):
    update_record(
        record=donation,
        changed_by=east_office,
        values={"occurred_on": date(2024, 9, 10), "value_amount": Decimal("125000.50")},
    )

    assert RecordChange.objects.get(record=donation).changes == {
        "occurred_on": ["2024-09-01", "2024-09-10"],
        "value_amount": ["120000.00", "125000.50"],
    }


def test_an_organisation_is_kept_in_the_history_by_its_name(tree, donation, east_office):
    donor = OrganisationFactory.create(name="松江区教育局", place=tree.east_county)

    update_record(record=donation, changed_by=east_office, values={"donor": donor})

    assert RecordChange.objects.get(record=donation).changes == {"donor": [None, "松江区教育局"]}


def test_an_edit_that_changes_nothing_leaves_no_history(donation, east_office):
    update_record(
        record=donation,
        changed_by=east_office,
        values={"title": "捐赠课桌椅", "value_amount": Decimal("120000")},
    )

    assert not RecordChange.objects.exists()
    assert not AuditEvent.objects.filter(action="ledger.donation.changed").exists()


def test_an_edit_leaves_an_audit_event_naming_the_fields(donation, east_office):
    update_record(record=donation, changed_by=east_office, values={"items": "课桌椅"})

    event = AuditEvent.objects.get(action="ledger.donation.changed")
    assert event.details == {"fields": ["items"]}


def test_changes_to_the_places_visited_are_kept(tree, east_office):
    visit = VisitFactory.create(
        pairing=tree.county, recorded_by=east_office, many={"places_visited": [tree.west_town]}
    )

    update_record(
        record=visit,
        changed_by=east_office,
        values={},
        many={"places_visited": [tree.west_town, tree.west_county]},
    )

    assert set(Visit.objects.get(pk=visit.pk).places_visited.all()) == {
        tree.west_town,
        tree.west_county,
    }
    assert RecordChange.objects.get(record=visit).changes == {
        "places_visited": [
            [str(tree.west_town)],
            sorted([str(tree.west_town), str(tree.west_county)]),
        ]
    }


def test_setting_the_same_places_visited_again_leaves_no_history(tree, east_office):
    visit = VisitFactory.create(
        pairing=tree.county, recorded_by=east_office, many={"places_visited": [tree.west_town]}
    )

    update_record(
        record=visit, changed_by=east_office, values={}, many={"places_visited": [tree.west_town]}
    )

    assert not RecordChange.objects.exists()


def test_the_other_side_cannot_edit_a_record(donation, west_office):
    with pytest.raises(PermissionDenied):
        update_record(record=donation, changed_by=west_office, values={"title": "改了"})

    assert Donation.objects.get(pk=donation.pk).title == "捐赠课桌椅"
    assert not RecordChange.objects.exists()


def test_an_edit_that_breaks_a_rule_is_refused_and_leaves_no_history(donation, east_office):
    with pytest.raises(ValidationError):
        update_record(
            record=donation, changed_by=east_office, values={"ended_on": date(2024, 8, 1)}
        )

    assert Donation.objects.get(pk=donation.pk).ended_on is None
    assert not RecordChange.objects.exists()
