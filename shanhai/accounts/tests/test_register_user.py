import pytest
from django.core.exceptions import ValidationError

from shanhai.accounts.models import Side, User
from shanhai.accounts.services import register_user
from shanhai.accounts.tests.factories import UserFactory
from shanhai.core.models import AuditEvent
from shanhai.places.tests.factories import OrganisationFactory, PlaceFactory

pytestmark = pytest.mark.django_db

PASSWORD = "shanhai-2023"  # noqa: S105 - test data
OLD_PASSWORD, NEW_PASSWORD = "before-2023", "after-2023"


def test_registering_a_new_person_creates_an_account_they_can_sign_in_with():
    user = register_user(username="weixin", password=PASSWORD, display_name="威信县乡村振兴局")

    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert str(user) == "威信县乡村振兴局"


def test_the_account_belongs_to_an_organisation_on_its_side():
    west = PlaceFactory.create(name="威信县", side=Side.WEST, level="county")
    bureau = OrganisationFactory.create(name="威信县乡村振兴局", place=west)

    user = register_user(
        username="weixin", password=PASSWORD, organisation=bureau, side=bureau.side
    )

    assert (user.organisation, user.side) == (bureau, Side.WEST)


def test_registering_an_existing_username_updates_that_account_instead_of_adding_one():
    register_user(username="weixin", password=OLD_PASSWORD, display_name="旧名称")

    user = register_user(username="weixin", password=NEW_PASSWORD, display_name="新名称")

    assert User.objects.count() == 1
    assert user.display_name == "新名称"
    assert user.check_password(NEW_PASSWORD)


def test_a_superuser_may_also_use_the_back_office():
    user = register_user(username="admin", password=PASSWORD, is_superuser=True)

    assert user.is_superuser
    assert user.is_staff


def test_registering_again_without_the_superuser_flag_takes_the_powers_away():
    register_user(username="admin", password=PASSWORD, is_superuser=True)

    user = register_user(username="admin", password=PASSWORD)

    assert not user.is_superuser
    assert not user.is_staff


def test_creating_and_updating_an_account_are_both_audited_with_the_actor():
    admin = UserFactory.create()

    user = register_user(username="weixin", password=PASSWORD, actor=admin)
    register_user(username="weixin", password=NEW_PASSWORD, actor=admin)

    events = AuditEvent.objects.filter(target_id=str(user.pk)).order_by("id")
    assert [e.action for e in events] == ["accounts.user.created", "accounts.user.updated"]
    assert {e.actor for e in events} == {admin}


def test_an_unknown_side_is_refused():
    with pytest.raises(ValidationError) as error:
        register_user(username="weixin", password=PASSWORD, side="north")

    assert "side" in error.value.message_dict
    assert not User.objects.exists()


def test_a_username_with_spaces_is_refused():
    with pytest.raises(ValidationError) as error:
        register_user(username="wei xin", password=PASSWORD)

    assert "username" in error.value.message_dict
