"""The spine's pages, as the demo accounts see them."""

import pytest
from django.urls import reverse

from shanhai.accounts.models import Role, User
from shanhai.accounts.tests.factories import UserFactory
from shanhai.demo import places as demo_data
from shanhai.places.models import Place
from shanhai.places.services import grant_role
from shanhai.places.tests.factories import PairingFactory

pytestmark = pytest.mark.django_db

ILLUSTRATIVE_BADGE = 'class="badge illustrative"'


@pytest.fixture
def demo():
    demo_data.load()


@pytest.fixture
def weixin(demo, client):
    """Sign in as the Weixin rural revitalisation bureau (office role in songjiang-weixin)."""
    user = User.objects.get(username="weixin")
    client.force_login(user)
    return user


def found(response) -> list[str]:
    return [item.name for item in response.context["page"].object_list]


# Signing in -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("places:home"),
        reverse("places:pairing-tree"),
        reverse("places:pairing-detail", args=["songjiang-weixin"]),
        reverse("places:place-list"),
        reverse("places:organisation-list"),
    ],
)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


# Home and pairings ----------------------------------------------------------------------------


def test_home_lists_the_pairings_of_the_signed_in_person(client, weixin):
    response = client.get(reverse("places:home"))

    assert response.status_code == 200
    assert "松江区 ↔ 威信县" in response.text


def test_home_does_not_list_pairings_the_person_has_no_role_in(client, weixin):
    response = client.get(reverse("places:home"))

    assert "松江区 ↔ 昭阳区" not in response.text
    assert "上海市 ↔ 云南省" not in response.text


def test_home_tells_a_person_without_a_role_how_to_get_one(client, demo):
    client.force_login(UserFactory.create())

    response = client.get(reverse("places:home"))

    assert 'class="empty"' in response.text
    assert "松江区" not in response.text


def test_the_pairing_page_shows_both_parties(client, weixin):
    response = client.get(reverse("places:pairing-detail", args=["songjiang-weixin"]))

    assert response.status_code == 200
    assert response.context["pairing"].code == "songjiang-weixin"
    assert "松江区 ↔ 威信县" in response.text


def test_the_pairing_page_lists_the_sub_pairings(client, weixin):
    response = client.get(reverse("places:pairing-detail", args=["songjiang-weixin"]))

    assert "新浜镇 ↔ 麟凤镇" in response.text
    assert "百姓义工 ↔ 金鸡村委会" in response.text
    assert len(response.context["forest"]) == 13  # 9 towns, 1 NGO, 3 departments


def test_a_pairing_the_person_may_not_see_is_not_found(client, weixin):
    response = client.get(reverse("places:pairing-detail", args=["songjiang-zhaoyang"]))

    assert response.status_code == 404


def test_a_pairing_that_does_not_exist_is_not_found(client, weixin):
    response = client.get(reverse("places:pairing-detail", args=["no-such-pairing"]))

    assert response.status_code == 404


def test_a_town_liaison_cannot_open_the_county_pairing_above_their_town(client, demo):
    client.force_login(User.objects.get(username="xinbang"))

    response = client.get(reverse("places:pairing-detail", args=["songjiang-weixin"]))

    assert response.status_code == 404


def test_only_illustrative_pairings_carry_the_illustrative_badge(client):
    root = PairingFactory.create(code="songjiang-weixin")
    PairingFactory.create(code="xinbang-linfeng", parent=root, is_illustrative=True)
    PairingFactory.create(code="baixing-jinji", parent=root, is_illustrative=False)
    viewer = UserFactory.create()
    grant_role(user=viewer, pairing=root, role=Role.VIEWER)
    client.force_login(viewer)

    response = client.get(reverse("places:pairing-tree"))

    assert response.text.count(ILLUSTRATIVE_BADGE) == 1


def test_the_pairing_page_marks_its_illustrative_sub_pairings(client, weixin):
    response = client.get(reverse("places:pairing-detail", args=["songjiang-weixin"]))

    assert ILLUSTRATIVE_BADGE in response.text


def test_a_factual_pairing_without_illustrative_sub_pairings_carries_no_badge(client, weixin):
    response = client.get(reverse("places:pairing-detail", args=["baixing-jinji"]))

    assert ILLUSTRATIVE_BADGE not in response.text


def test_the_pairing_page_shows_the_role_inherited_from_the_county(client, weixin):
    response = client.get(reverse("places:pairing-detail", args=["xinbang-linfeng"]))

    assert response.context["roles"] == [Role.COOPERATION_OFFICE]


# Places -------------------------------------------------------------------------------------


def test_places_are_found_by_their_short_name(client, weixin):
    response = client.get(reverse("places:place-list"), {"q": "麟凤"})

    assert "麟凤镇" in found(response)
    assert "云南省昭通市威信县麟凤镇" in response.text


def test_places_are_found_by_their_former_name(client, weixin):
    response = client.get(reverse("places:place-list"), {"q": "罗布乡"})

    assert found(response) == ["罗布镇"]


def test_places_are_found_by_the_start_of_their_division_code(client, weixin):
    response = client.get(reverse("places:place-list"), {"q": "530629"})

    townships = set(Place.objects.filter(parent__name="威信县").values_list("name", flat=True))
    assert townships <= set(found(response))
    assert "松江区" not in found(response)


def test_a_division_code_typed_in_full_width_digits_is_understood(client, weixin):
    response = client.get(reverse("places:place-list"), {"q": "５３０６２９１０４"})

    assert found(response) == ["麟凤镇"]


def test_a_search_for_an_unknown_place_finds_nothing(client, weixin):
    response = client.get(reverse("places:place-list"), {"q": "不存在的地方"})

    assert found(response) == []


def test_places_can_be_narrowed_to_one_side_and_level(client, weixin):
    response = client.get(reverse("places:place-list"), {"side": "east", "level": "county"})

    assert found(response) == ["松江区"]


def test_an_htmx_search_returns_only_the_results(client, weixin):
    response = client.get(
        reverse("places:place-list"), {"q": "麟凤"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "<form" not in response.text
    assert "云南省昭通市威信县麟凤镇" in response.text


def test_a_full_search_page_has_the_form_around_the_results(client, weixin):
    response = client.get(reverse("places:place-list"), {"q": "麟凤"})

    assert "<html" in response.text
    assert "<form" in response.text


def test_a_place_page_shows_its_former_and_variant_names(client, weixin):
    linfeng = Place.objects.get(name="麟凤镇")

    response = client.get(reverse("places:place-detail", args=[linfeng.pk]))

    assert response.status_code == 200
    for alias in ("林凤", "林凤乡"):
        assert alias in response.text


def test_a_place_page_lists_only_the_pairings_the_reader_may_see(client, weixin):
    songjiang = Place.objects.get(name="松江区")

    response = client.get(reverse("places:place-detail", args=[songjiang.pk]))

    codes = {pairing.code for pairing in response.context["pairings"]}
    assert "songjiang-weixin" in codes
    assert "songjiang-zhaoyang" not in codes


def test_a_place_that_does_not_exist_is_not_found(client, weixin):
    response = client.get(reverse("places:place-detail", args=[999_999]))

    assert response.status_code == 404


# Organisations ----------------------------------------------------------------------------------


def test_organisations_can_be_filtered_by_kind(client, weixin):
    response = client.get(reverse("places:organisation-list"), {"kind": "hospital"})

    assert set(found(response)) == {"上海市松江区方塔中医医院", "威信县人民医院"}


def test_organisations_can_be_filtered_by_kind_and_side(client, weixin):
    response = client.get(reverse("places:organisation-list"), {"kind": "hospital", "side": "west"})

    assert found(response) == ["威信县人民医院"]


def test_an_organisation_page_shows_its_pairings(client, weixin):
    response = client.get(reverse("places:organisation-list"), {"q": "百姓义工"})
    (ngo,) = response.context["page"].object_list

    response = client.get(reverse("places:organisation-detail", args=[ngo.pk]))

    assert response.status_code == 200
    assert "百姓义工 ↔ 金鸡村委会" in response.text


# Queries ----------------------------------------------------------------------------------------
# Measured: session, user, the access check, the pairing, its facts, its tree, ancestors, roles,
# the reader's organisation and whether the navigation offers imports. A query per sub-pairing
# (13 here) would break the pin.


def test_the_pairing_page_needs_no_query_per_sub_pairing(
    client, weixin, django_assert_max_num_queries
):
    with django_assert_max_num_queries(16):
        client.get(reverse("places:pairing-detail", args=["songjiang-weixin"]))


def test_the_place_list_needs_no_query_per_place(client, weixin, django_assert_max_num_queries):
    assert Place.objects.count() > 30  # one page of the demo's places, parents included

    # session, user, count, page, the reader's organisation, the navigation's import link
    with django_assert_max_num_queries(6):
        client.get(reverse("places:place-list"))
