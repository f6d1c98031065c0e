"""Who may see, record, edit and confirm which record: every role against every action.

Each person in the matrix is on the east side and holds one role in the county pairing. The
east's own records are theirs to edit; the west's records are theirs to confirm.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from shanhai.accounts.models import Action, Role
from shanhai.ledger.models import Record
from shanhai.ledger.selectors import (
    can_confirm,
    can_edit,
    get_record_for_user,
    records_for_user,
)
from shanhai.ledger.services import confirm_record, update_record
from shanhai.ledger.tests.factories import VisitFactory, person

pytestmark = pytest.mark.django_db

ROLES_THAT_RECORD = {
    Role.COOPERATION_OFFICE,
    Role.DEPARTMENT_LIAISON,
    Role.TOWN_LIAISON,
    Role.ADMINISTRATOR,
}
ROLES_THAT_CONFIRM = ROLES_THAT_RECORD


@pytest.fixture
def east_record(tree, east_office):
    return VisitFactory.create(pairing=tree.county, recorded_by=east_office, title="东部记录")


@pytest.fixture
def west_record(tree, west_office):
    return VisitFactory.create(pairing=tree.county, recorded_by=west_office, title="西部记录")


def east_person_with(role, tree):
    return person(tree.county, role, "east")


# The matrix -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_every_role_may_view_a_record_in_its_pairing(role, tree, west_record):
    user = east_person_with(role, tree)

    assert get_record_for_user(user, west_record.pk) == west_record
    assert records_for_user(user).filter(pk=west_record.pk).exists()


@pytest.mark.parametrize("role", Role.values)
def test_only_roles_that_record_may_create_a_record_in_the_pairing(role, tree):
    user = east_person_with(role, tree)

    if role in ROLES_THAT_RECORD:
        record = VisitFactory.create(pairing=tree.county, recorded_by=user)
        assert record.side == "east"
    else:
        with pytest.raises(PermissionDenied):
            VisitFactory.create(pairing=tree.county, recorded_by=user)
        assert not Record.objects.exists()


@pytest.mark.parametrize("role", Role.values)
def test_only_roles_that_record_may_edit_their_own_sides_record(role, tree, east_record):
    user = east_person_with(role, tree)
    allowed = role in ROLES_THAT_RECORD

    assert can_edit(user, east_record) is allowed
    if allowed:
        assert get_record_for_user(user, east_record.pk, Action.RECORD) == east_record
        update_record(record=east_record, changed_by=user, values={"title": "改过的东部记录"})
        assert Record.objects.get(pk=east_record.pk).title == "改过的东部记录"
    else:
        with pytest.raises(PermissionDenied):
            get_record_for_user(user, east_record.pk, Action.RECORD)
        with pytest.raises(PermissionDenied):
            update_record(record=east_record, changed_by=user, values={"title": "改过的东部记录"})


@pytest.mark.parametrize("role", Role.values)
def test_no_role_may_edit_the_other_sides_record(role, tree, west_record):
    user = east_person_with(role, tree)

    assert can_edit(user, west_record) is False
    with pytest.raises(PermissionDenied):
        get_record_for_user(user, west_record.pk, Action.RECORD)
    with pytest.raises(PermissionDenied):
        update_record(record=west_record, changed_by=user, values={"title": "东部改西部"})


@pytest.mark.parametrize("role", Role.values)
def test_only_roles_that_confirm_may_confirm_the_other_sides_record(role, tree, west_record):
    user = east_person_with(role, tree)
    allowed = role in ROLES_THAT_CONFIRM

    assert can_confirm(user, west_record) is allowed
    if allowed:
        record = get_record_for_user(user, west_record.pk, Action.CONFIRM)
        confirm_record(record=record, confirmed_by=user)
        assert Record.objects.get(pk=west_record.pk).status == Record.Status.CONFIRMED
    else:
        with pytest.raises(PermissionDenied):
            get_record_for_user(user, west_record.pk, Action.CONFIRM)
        with pytest.raises(PermissionDenied):
            confirm_record(record=west_record, confirmed_by=user)


@pytest.mark.parametrize("role", Role.values)
def test_no_role_may_confirm_its_own_sides_record(role, tree, east_record):
    user = east_person_with(role, tree)

    assert can_confirm(user, east_record) is False
    with pytest.raises(PermissionDenied):
        get_record_for_user(user, east_record.pk, Action.CONFIRM)
    with pytest.raises(PermissionDenied):
        confirm_record(record=east_record, confirmed_by=user)


def test_the_matrix_covers_every_role():
    assert set(Role.values) == ROLES_THAT_RECORD | {Role.VIEWER}


# Town liaisons --------------------------------------------------------------------------------


def test_a_town_liaison_records_in_their_own_town_pairing(tree):
    liaison = person(tree.town, Role.TOWN_LIAISON, "west")

    record = VisitFactory.create(pairing=tree.town, recorded_by=liaison)

    assert record.pairing == tree.town


def test_a_town_liaison_cannot_record_in_the_county_pairing_above(tree):
    liaison = person(tree.town, Role.TOWN_LIAISON, "west")

    with pytest.raises(PermissionDenied):
        VisitFactory.create(pairing=tree.county, recorded_by=liaison)

    assert not Record.objects.exists()


def test_a_town_liaison_does_not_see_the_county_pairings_records(tree, east_record):
    liaison = person(tree.town, Role.TOWN_LIAISON, "west")

    with pytest.raises(Http404):
        get_record_for_user(liaison, east_record.pk)


def test_a_county_office_sees_the_records_of_its_town_pairings(tree, east_office):
    liaison = person(tree.town, Role.TOWN_LIAISON, "west")
    record = VisitFactory.create(pairing=tree.town, recorded_by=liaison)

    assert get_record_for_user(east_office, record.pk) == record


def test_a_county_office_confirms_what_the_other_sides_town_liaison_recorded(tree, east_office):
    liaison = person(tree.town, Role.TOWN_LIAISON, "west")
    record = VisitFactory.create(pairing=tree.town, recorded_by=liaison)

    assert can_confirm(east_office, record)


# Other pairings -------------------------------------------------------------------------------


def test_a_record_in_a_pairing_one_cannot_see_is_not_found(outsider, east_record):
    with pytest.raises(Http404):
        get_record_for_user(outsider, east_record.pk)


def test_a_record_in_a_pairing_one_cannot_see_is_not_found_even_to_edit(outsider, east_record):
    with pytest.raises(Http404):
        get_record_for_user(outsider, east_record.pk, Action.RECORD)


def test_an_outsider_cannot_confirm_a_record(outsider, east_record):
    assert can_confirm(outsider, east_record) is False
    with pytest.raises(PermissionDenied):
        confirm_record(record=east_record, confirmed_by=outsider)


def test_records_for_user_never_lists_another_pairings_records(tree, east_office, outsider):
    mine = VisitFactory.create(pairing=tree.county, recorded_by=east_office)
    theirs = VisitFactory.create(pairing=tree.elsewhere, recorded_by=outsider)

    assert list(records_for_user(east_office).values_list("pk", flat=True)) == [mine.pk]
    assert list(records_for_user(outsider).values_list("pk", flat=True)) == [theirs.pk]


def test_a_person_whose_account_is_disabled_sees_no_records(tree, east_office, east_record):
    east_office.is_active = False
    east_office.save()

    assert not records_for_user(east_office).exists()


# Edits that would bend the rules --------------------------------------------------------------


def test_the_recording_side_cannot_hand_its_record_to_the_other_side(east_office, east_record):
    """Else the east could flip the side, then confirm its own record as the "other" side."""
    with pytest.raises((PermissionDenied, ValidationError)):
        update_record(record=east_record, changed_by=east_office, values={"side": "west"})

    assert Record.objects.get(pk=east_record.pk).side == "east"
    assert can_confirm(east_office, Record.objects.get(pk=east_record.pk)) is False


def test_an_edit_cannot_move_a_record_into_a_pairing_the_editor_cannot_record_in(
    tree, east_office, east_record
):
    with pytest.raises((PermissionDenied, ValidationError)):
        update_record(
            record=east_record, changed_by=east_office, values={"pairing": tree.elsewhere}
        )

    assert Record.objects.get(pk=east_record.pk).pairing == tree.county
