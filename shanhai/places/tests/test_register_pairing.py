from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shanhai.accounts.models import Side
from shanhai.accounts.tests.factories import UserFactory
from shanhai.core.models import AuditEvent
from shanhai.core.tests.factories import SourceFactory
from shanhai.places.models import Pairing, Place
from shanhai.places.services import register_pairing
from shanhai.places.tests.factories import OrganisationFactory, PairingFactory, PlaceFactory

pytestmark = pytest.mark.django_db

COUNTY = Place.Level.COUNTY


@pytest.fixture
def songjiang():
    return PlaceFactory.create(name="松江区", side=Side.EAST, level=COUNTY)


@pytest.fixture
def weixin():
    return PlaceFactory.create(name="威信县", side=Side.WEST, level=COUNTY)


def pair(songjiang, weixin, **fields):
    return register_pairing(
        code=fields.pop("code", "songjiang-weixin"),
        kind=fields.pop("kind", Pairing.Kind.COUNTY),
        east_place=fields.pop("east_place", songjiang),
        west_place=fields.pop("west_place", weixin),
        started_on=fields.pop("started_on", date(2021, 1, 1)),
        source=fields.pop("source", None) or SourceFactory.create(key="songjiang-weixin-2023"),
        **fields,
    )


def test_a_pairing_joins_an_east_place_with_a_west_place(songjiang, weixin):
    pairing = pair(songjiang, weixin)

    assert str(pairing) == "松江区 ↔ 威信县"


def test_the_east_party_must_be_in_the_east(songjiang, weixin):
    zhenxiong = PlaceFactory.create(name="镇雄县", side=Side.WEST, level=COUNTY)

    with pytest.raises(ValidationError) as error:
        pair(songjiang, weixin, east_place=zhenxiong)

    assert "east_place" in error.value.message_dict
    assert not Pairing.objects.exists()


def test_the_west_party_must_be_in_the_west(songjiang, weixin):
    minhang = PlaceFactory.create(name="闵行区", side=Side.EAST, level=COUNTY)

    with pytest.raises(ValidationError) as error:
        pair(songjiang, weixin, west_place=minhang)

    assert "west_place" in error.value.message_dict


def test_an_organisation_must_be_in_the_place_it_stands_for(songjiang, weixin):
    elsewhere = OrganisationFactory.create(
        name="东华大学", place=PlaceFactory.create(side=Side.EAST)
    )

    with pytest.raises(ValidationError) as error:
        pair(songjiang, weixin, east_organisation=elsewhere)

    assert "east_organisation" in error.value.message_dict


def test_an_organisation_in_the_place_may_stand_for_it(songjiang, weixin):
    hospital = OrganisationFactory.create(name="威信县人民医院", short_name="", place=weixin)

    pairing = pair(songjiang, weixin, west_organisation=hospital)

    assert pairing.west_label == "威信县人民医院"


def test_a_pairing_cannot_end_before_it_started(songjiang, weixin):
    with pytest.raises(ValidationError) as error:
        pair(songjiang, weixin, started_on=date(2021, 1, 1), ended_on=date(2020, 12, 31))

    (constraint,) = (
        c for c in Pairing._meta.constraints if c.name == "places_pairing_ends_after_start"
    )
    assert error.value.messages == [str(constraint.violation_error_message)]


def test_the_database_itself_refuses_a_pairing_that_ends_before_it_started(songjiang, weixin):
    pairing = pair(songjiang, weixin, started_on=date(2021, 1, 1))

    with pytest.raises(IntegrityError), transaction.atomic():
        Pairing.objects.filter(pk=pairing.pk).update(ended_on=date(2020, 12, 31))


def test_a_pairing_may_end_on_the_day_it_started(songjiang, weixin):
    pairing = pair(songjiang, weixin, started_on=date(2021, 1, 1), ended_on=date(2021, 1, 1))

    assert pairing.ended_on == date(2021, 1, 1)


def test_a_sub_pairing_is_nested_under_its_parent(songjiang, weixin):
    county = pair(songjiang, weixin)

    town = PairingFactory.create(parent=county, kind=Pairing.Kind.TOWN)

    town.refresh_from_db()
    assert town.path.startswith(county.path)
    assert town.depth == county.depth + 1


def test_a_pairing_cannot_be_nested_under_itself(songjiang, weixin):
    county = pair(songjiang, weixin)

    with pytest.raises(ValidationError) as error:
        pair(songjiang, weixin, parent=county)

    assert "parent" in error.value.message_dict


def test_a_pairing_cannot_be_nested_under_its_own_sub_pairing(songjiang, weixin):
    county = pair(songjiang, weixin)
    town = PairingFactory.create(parent=county)

    with pytest.raises(ValidationError) as error:
        pair(songjiang, weixin, parent=town)

    assert "parent" in error.value.message_dict


def test_moving_a_pairing_carries_its_sub_pairings_along(songjiang, weixin):
    old_root, new_root = PairingFactory.create(), PairingFactory.create()
    new_parent = PairingFactory.create(parent=new_root)
    county = pair(songjiang, weixin, parent=old_root)
    town = PairingFactory.create(parent=county)
    village = PairingFactory.create(parent=town)

    county = pair(songjiang, weixin, parent=new_parent)

    town.refresh_from_db()
    village.refresh_from_db()
    assert county.path.startswith(new_parent.path)
    assert town.path.startswith(county.path)
    assert village.path.startswith(town.path)
    assert (county.depth, town.depth, village.depth) == (2, 3, 4)
    assert not Pairing.objects.filter(path__startswith=old_root.path).exclude(pk=old_root.pk)


def test_moving_a_pairing_to_the_top_makes_it_a_root(songjiang, weixin):
    county = pair(songjiang, weixin, parent=PairingFactory.create())
    town = PairingFactory.create(parent=county)

    county = pair(songjiang, weixin)

    town.refresh_from_db()
    assert county.depth == 0
    assert county.path.count("/") == 1
    assert (town.depth, town.path.startswith(county.path)) == (1, True)


def test_registering_an_unchanged_pairing_again_changes_nothing(songjiang, weixin):
    first = pair(songjiang, weixin)
    events = AuditEvent.objects.count()

    again = pair(songjiang, weixin)

    assert (again.pk, again.path) == (first.pk, first.path)
    assert Pairing.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_creating_a_pairing_is_audited_with_the_actor(songjiang, weixin):
    officer = UserFactory.create()

    pairing = pair(songjiang, weixin, actor=officer)

    event = AuditEvent.objects.get(action="places.pairing.created")
    assert (event.actor, event.target_id) == (officer, str(pairing.pk))


def test_changing_a_pairing_is_audited_with_the_actor_and_the_fields_changed(songjiang, weixin):
    officer = UserFactory.create()
    pair(songjiang, weixin)

    pair(songjiang, weixin, ended_on=date(2025, 12, 31), actor=officer)

    event = AuditEvent.objects.get(action="places.pairing.updated")
    assert event.actor == officer
    assert event.details == {"changed": ["ended_on"]}
