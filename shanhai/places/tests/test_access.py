"""Who may see and do what in which pairing: the rules every page relies on."""

from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from shanhai.accounts.models import Action, Role
from shanhai.accounts.tests.factories import UserFactory
from shanhai.places.models import Pairing
from shanhai.places.selectors import (
    actions_in_pairing,
    get_pairing_for_user,
    pairing_forest,
    pairings_for_user,
    roles_in_pairing,
    user_can,
)
from shanhai.places.services import grant_role, register_pairing, revoke_role
from shanhai.places.tests.factories import PairingFactory

pytestmark = pytest.mark.django_db


@dataclass
class Tree:
    """shanghai-yunnan › {songjiang-weixin › {xinbang-linfeng, dongjing-jiucheng}, zhaoyang}."""

    province: Pairing
    weixin: Pairing
    linfeng: Pairing
    jiucheng: Pairing
    zhaoyang: Pairing


@pytest.fixture
def tree() -> Tree:
    province = PairingFactory.create(code="shanghai-yunnan", kind=Pairing.Kind.PROVINCE)
    weixin = PairingFactory.create(code="songjiang-weixin", parent=province)
    return Tree(
        province=province,
        weixin=weixin,
        linfeng=PairingFactory.create(code="xinbang-linfeng", parent=weixin, kind="town"),
        jiucheng=PairingFactory.create(code="dongjing-jiucheng", parent=weixin, kind="town"),
        zhaoyang=PairingFactory.create(code="songjiang-zhaoyang", parent=province),
    )


def granted(pairing: Pairing, role: str, **user_fields):
    user = UserFactory.create(**user_fields)
    grant_role(user=user, pairing=pairing, role=role)
    return user


def codes(pairings) -> set[str]:
    return {p.code for p in pairings}


# Seeing ---------------------------------------------------------------------------------------


def test_a_grant_on_a_county_pairing_covers_its_town_pairings(tree):
    officer = granted(tree.weixin, Role.COOPERATION_OFFICE)

    assert codes(pairings_for_user(officer)) == {
        "songjiang-weixin",
        "xinbang-linfeng",
        "dongjing-jiucheng",
    }


def test_a_grant_on_a_county_pairing_does_not_cover_a_sibling_county(tree):
    officer = granted(tree.weixin, Role.COOPERATION_OFFICE)

    assert not user_can(officer, tree.zhaoyang, Action.VIEW)


def test_a_grant_on_a_county_pairing_does_not_cover_the_province_pairing_above(tree):
    officer = granted(tree.weixin, Role.COOPERATION_OFFICE)

    assert not user_can(officer, tree.province, Action.VIEW)


def test_a_grant_on_a_town_pairing_does_not_cover_the_neighbouring_town(tree):
    liaison = granted(tree.linfeng, Role.TOWN_LIAISON)

    assert codes(pairings_for_user(liaison)) == {"xinbang-linfeng"}


def test_grants_on_two_pairings_add_up(tree):
    liaison = granted(tree.linfeng, Role.TOWN_LIAISON)
    grant_role(user=liaison, pairing=tree.zhaoyang, role=Role.VIEWER)

    assert codes(pairings_for_user(liaison)) == {"xinbang-linfeng", "songjiang-zhaoyang"}


def test_a_person_without_a_grant_sees_no_pairing(tree):
    assert not pairings_for_user(UserFactory.create()).exists()


def test_a_superuser_sees_every_pairing_without_a_grant(tree):
    admin = UserFactory.create(is_superuser=True)

    assert pairings_for_user(admin).count() == Pairing.objects.count() == 5


def test_a_superuser_may_do_everything_everywhere(tree):
    admin = UserFactory.create(is_superuser=True)

    assert all(user_can(admin, tree.province, action) for action in Action.values)


def test_an_inactive_person_sees_nothing_despite_a_grant(tree):
    officer = granted(tree.weixin, Role.ADMINISTRATOR, is_active=False)

    assert not pairings_for_user(officer).exists()
    assert not user_can(officer, tree.weixin, Action.VIEW)


def test_an_inactive_superuser_sees_nothing(tree):
    admin = UserFactory.create(is_superuser=True, is_active=False)

    assert not pairings_for_user(admin).exists()


def test_an_inactive_person_is_offered_no_action(tree):
    officer = granted(tree.weixin, Role.ADMINISTRATOR, is_active=False)

    assert actions_in_pairing(officer, tree.weixin) == frozenset()


def test_a_revoked_grant_no_longer_gives_access(tree):
    viewer = UserFactory.create()
    grant = grant_role(user=viewer, pairing=tree.weixin, role=Role.VIEWER)

    revoke_role(grant=grant)

    assert not pairings_for_user(viewer).exists()


def test_a_pairing_moved_under_a_granted_pairing_becomes_visible_with_it(tree):
    officer = granted(tree.weixin, Role.COOPERATION_OFFICE)
    zhaoyang = tree.zhaoyang
    register_pairing(
        code=zhaoyang.code,
        kind=zhaoyang.kind,
        east_place=zhaoyang.east_place,
        west_place=zhaoyang.west_place,
        started_on=zhaoyang.started_on,
        source=zhaoyang.source,
        parent=tree.weixin,
    )

    assert user_can(officer, Pairing.objects.get(code="songjiang-zhaoyang"))


def test_a_persons_tree_starts_at_the_pairing_they_were_granted(tree):
    officer = granted(tree.weixin, Role.COOPERATION_OFFICE)

    (root,) = pairing_forest(officer)

    assert root.pairing == tree.weixin
    assert codes(child.pairing for child in root.children) == {
        "xinbang-linfeng",
        "dongjing-jiucheng",
    }


# Doing ----------------------------------------------------------------------------------------


def test_a_viewer_may_view_but_not_record(tree):
    viewer = granted(tree.weixin, Role.VIEWER)

    assert user_can(viewer, tree.linfeng, Action.VIEW)
    assert not user_can(viewer, tree.linfeng, Action.RECORD)


def test_a_town_liaison_may_record_in_their_town_pairing(tree):
    liaison = granted(tree.linfeng, Role.TOWN_LIAISON)

    assert user_can(liaison, tree.linfeng, Action.RECORD)


def test_a_town_liaison_may_not_record_in_the_county_pairing_above(tree):
    liaison = granted(tree.linfeng, Role.TOWN_LIAISON)

    assert not user_can(liaison, tree.weixin, Action.RECORD)


def test_a_town_liaison_records_only_in_their_own_town_pairing(tree):
    liaison = granted(tree.linfeng, Role.TOWN_LIAISON)

    assert codes(pairings_for_user(liaison, Action.RECORD)) == {"xinbang-linfeng"}


def test_a_town_liaison_may_confirm_records_in_their_own_town_pairing_only(tree):
    liaison = granted(tree.linfeng, Role.TOWN_LIAISON)

    assert user_can(liaison, tree.linfeng, Action.CONFIRM)
    assert not user_can(liaison, tree.weixin, Action.CONFIRM)


def test_the_cooperation_office_may_confirm_records_in_its_sub_pairings(tree):
    officer = granted(tree.weixin, Role.COOPERATION_OFFICE)

    assert user_can(officer, tree.linfeng, Action.CONFIRM)


@pytest.mark.parametrize("role", Role.values)
def test_only_an_administrator_may_manage_sub_pairings_and_grants(tree, role):
    user = granted(tree.weixin, role)

    assert user_can(user, tree.linfeng, Action.MANAGE) is (role == Role.ADMINISTRATOR)


def test_a_viewer_grant_on_the_county_adds_nothing_a_town_liaison_cannot_already_do(tree):
    liaison = granted(tree.linfeng, Role.TOWN_LIAISON)
    grant_role(user=liaison, pairing=tree.weixin, role=Role.VIEWER)

    assert actions_in_pairing(liaison, tree.linfeng) == {Action.VIEW, Action.RECORD, Action.CONFIRM}
    assert actions_in_pairing(liaison, tree.weixin) == {Action.VIEW}


# One access function per pairing ----------------------------------------------------------------


def test_getting_a_visible_pairing_returns_it(tree):
    viewer = granted(tree.weixin, Role.VIEWER)

    assert get_pairing_for_user(viewer, "xinbang-linfeng") == tree.linfeng


def test_getting_an_invisible_pairing_is_not_found(tree):
    officer = granted(tree.weixin, Role.COOPERATION_OFFICE)

    with pytest.raises(Http404):
        get_pairing_for_user(officer, "songjiang-zhaoyang")


def test_getting_an_invisible_pairing_to_record_is_still_not_found(tree):
    officer = granted(tree.weixin, Role.COOPERATION_OFFICE)

    with pytest.raises(Http404):
        get_pairing_for_user(officer, "songjiang-zhaoyang", Action.RECORD)


def test_getting_a_pairing_that_does_not_exist_is_not_found(tree):
    admin = UserFactory.create(is_superuser=True)

    with pytest.raises(Http404):
        get_pairing_for_user(admin, "no-such-pairing")


def test_getting_a_visible_pairing_for_an_action_not_allowed_is_denied(tree):
    viewer = granted(tree.weixin, Role.VIEWER)

    with pytest.raises(PermissionDenied):
        get_pairing_for_user(viewer, "xinbang-linfeng", Action.RECORD)


def test_getting_a_pairing_for_an_allowed_action_returns_it(tree):
    liaison = granted(tree.linfeng, Role.TOWN_LIAISON)

    assert get_pairing_for_user(liaison, "xinbang-linfeng", Action.RECORD) == tree.linfeng


# Roles ------------------------------------------------------------------------------------------


def test_roles_in_a_pairing_include_those_granted_on_its_ancestors(tree):
    liaison = granted(tree.linfeng, Role.TOWN_LIAISON)
    grant_role(user=liaison, pairing=tree.province, role=Role.VIEWER)

    assert roles_in_pairing(liaison, tree.linfeng) == [Role.TOWN_LIAISON, Role.VIEWER]


def test_roles_in_a_pairing_leave_out_those_granted_below_it(tree):
    liaison = granted(tree.linfeng, Role.TOWN_LIAISON)
    grant_role(user=liaison, pairing=tree.province, role=Role.VIEWER)

    assert roles_in_pairing(liaison, tree.weixin) == [Role.VIEWER]


def test_roles_in_a_pairing_leave_out_those_granted_on_siblings(tree):
    liaison = granted(tree.jiucheng, Role.TOWN_LIAISON)

    assert roles_in_pairing(liaison, tree.linfeng) == []


def test_an_unknown_role_cannot_be_granted(tree):
    with pytest.raises(ValidationError):
        grant_role(user=UserFactory.create(), pairing=tree.weixin, role="mayor")
