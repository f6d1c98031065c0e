"""The spine's list pages read the same number of queries with 2 rows as with 12 (issue 9).

Each page is rendered twice, with few rows and with several times as many, spread over
different kinds, sides and parents so that every join a row needs is exercised; the count is
pinned exactly, so a query per row (an N+1) or any new query shows up here.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shanhai.accounts.models import Role, Side
from shanhai.accounts.tests.factories import UserFactory
from shanhai.ledger.tests.factories import person
from shanhai.places.models import Organisation, Pairing, Place
from shanhai.places.tests.factories import OrganisationFactory, PairingFactory, PlaceFactory

pytestmark = pytest.mark.django_db

KINDS = [Organisation.Kind.DEPARTMENT, Organisation.Kind.NGO, Organisation.Kind.ENTERPRISE]


def _spine(rows: int) -> dict[str, Any]:
    """*rows* county pairings under one province pairing, each with a town pairing whose east
    party is an organisation, and *rows* organisations spread over the places."""
    east = PlaceFactory.create(name="上海市", level=Place.Level.PROVINCE, side=Side.EAST)
    west = PlaceFactory.create(name="云南省", level=Place.Level.PROVINCE, side=Side.WEST)
    province = PairingFactory.create(
        code="shanghai-yunnan", kind=Pairing.Kind.PROVINCE, east_place=east, west_place=west
    )
    counties = []
    for n in range(rows):
        county = PairingFactory.create(
            code=f"county-{n}",
            parent=province,
            east_place=PlaceFactory.create(name=f"东{n}区", level=Place.Level.COUNTY, parent=east),
            west_place=PlaceFactory.create(name=f"西{n}县", level=Place.Level.COUNTY, parent=west),
        )
        town_east = PlaceFactory.create(name=f"东{n}镇", parent=county.east_place)
        PairingFactory.create(
            code=f"town-{n}",
            kind=Pairing.Kind.TOWN if n % 2 else Pairing.Kind.SOCIAL,
            parent=county,
            east_place=town_east,
            east_organisation=OrganisationFactory.create(
                name=f"协作单位{n}", kind=KINDS[n % len(KINDS)], place=town_east
            ),
            west_place=PlaceFactory.create(name=f"西{n}镇", parent=county.west_place),
        )
        counties.append(county)
    return {"province": province, "counties": counties, "east": east}


def _roots(rows: int) -> None:
    """*rows* unrelated county pairings, each with a town pairing below it (the roots a
    superuser sees on the home page, one card each)."""
    for n in range(rows):
        county = PairingFactory.create(code=f"root-{n}")
        town = PlaceFactory.create(parent=county.east_place)
        PairingFactory.create(
            code=f"root-town-{n}",
            kind=Pairing.Kind.TOWN,
            parent=county,
            east_place=town,
            east_organisation=OrganisationFactory.create(place=town),
            west_place=PlaceFactory.create(parent=county.west_place),
        )


# Pages whose rows are the pairings below the administrator's province pairing -----------------


def _administrator(spine: dict[str, Any]) -> Any:
    return person(spine["province"], Role.ADMINISTRATOR, "", display_name="省协作管理员")


PAIRING_PAGES = [
    # session, user, grants, the pairings as a tree, the navigation's import link; the
    # pairing's page adds the pairing, its facts, ancestors and roles
    ("places:pairing-tree", [], 5),
    ("places:pairing-detail", ["shanghai-yunnan"], 14),
]


@pytest.mark.parametrize("rows", [2, 12])
@pytest.mark.parametrize(("name", "args", "queries"), PAIRING_PAGES)
def test_the_pairing_pages_read_the_same_queries_however_many_pairings(
    client, django_assert_num_queries, rows, name, args, queries
):
    spine = _spine(rows)
    client.force_login(_administrator(spine))

    with django_assert_num_queries(queries):
        response = client.get(reverse(name, args=args))

    assert response.status_code == 200
    for n in range(rows):
        assert f"东{n}区 ↔ 西{n}县" in response.text
        assert f"协作单位{n} ↔ 西{n}镇" in response.text


@pytest.mark.parametrize("rows", [2, 12])
def test_home_reads_the_same_queries_however_many_pairings_one_sees(
    client, django_assert_num_queries, rows
):
    _roots(rows)
    client.force_login(UserFactory.create(is_superuser=True, is_staff=True))

    # session, user, the pairings as trees (a superuser needs no grants; each card's facts
    # are counted from the tree, where they once took three queries a card)
    with django_assert_num_queries(3):
        response = client.get(reverse("places:home"))

    assert response.status_code == 200
    assert response.text.count('<article class="card">') == rows


# Reference data: places and organisations ------------------------------------------------------


@pytest.mark.parametrize("rows", [2, 12])
def test_the_place_list_reads_the_same_queries_however_many_places(
    client, django_assert_num_queries, rows
):
    spine = _spine(rows)
    client.force_login(_administrator(spine))

    with django_assert_num_queries(5):
        response = client.get(reverse("places:place-list"), {"side": Side.EAST})

    assert response.status_code == 200
    for n in range(rows):
        assert f"东{n}镇" in response.text


@pytest.mark.parametrize("rows", [2, 12])
def test_the_organisation_list_reads_the_same_queries_however_many_organisations(
    client, django_assert_num_queries, rows
):
    spine = _spine(rows)
    client.force_login(_administrator(spine))

    with django_assert_num_queries(5):
        response = client.get(reverse("places:organisation-list"))

    assert response.status_code == 200
    for n in range(rows):
        assert f"协作单位{n}" in response.text


@pytest.mark.parametrize("rows", [2, 12])
def test_a_places_page_reads_the_same_queries_however_many_places_and_pairings_it_has(
    client, django_assert_num_queries, rows
):
    spine = _spine(rows)
    client.force_login(_administrator(spine))

    with django_assert_num_queries(9):
        response = client.get(reverse("places:place-detail", args=[spine["east"].pk]))

    assert response.status_code == 200
    for n in range(rows):
        assert f"东{n}区" in response.text  # its children
        assert f"协作单位{n}" in response.text  # the organisations within it


@pytest.mark.parametrize("rows", [2, 12])
def test_an_organisations_page_reads_the_same_queries_however_many_pairings_it_is_in(
    client, django_assert_num_queries, rows
):
    spine = _spine(1)
    organisation = OrganisationFactory.create(name="百姓义工", place=spine["east"])
    for n in range(rows):
        PairingFactory.create(
            code=f"social-{n}",
            kind=Pairing.Kind.SOCIAL,
            parent=spine["counties"][0],
            east_place=spine["east"],
            east_organisation=organisation,
            west_place=PlaceFactory.create(name=f"第{n}村", side=Side.WEST),
        )
    client.force_login(_administrator(spine))

    with django_assert_num_queries(6):
        response = client.get(reverse("places:organisation-detail", args=[organisation.pk]))

    assert response.status_code == 200
    for n in range(rows):
        assert f"第{n}村" in response.text


# The back office, as a superuser sees it ------------------------------------------------------


@pytest.mark.parametrize("rows", [2, 12])
@pytest.mark.parametrize(
    ("model", "shown", "queries"),
    [
        ("place", lambda n: [f"东{n}镇", f"西{n}县"], 5),  # session, user, count ×2, page
        ("organisation", lambda n: [f"协作单位{n}"], 5),  # … the page with their places
    ],
)
def test_the_back_office_lists_read_the_same_queries_however_many_rows(
    admin_client, django_assert_num_queries, rows, model, shown, queries
):
    _spine(rows)

    with django_assert_num_queries(queries):
        response = admin_client.get(reverse(f"admin:places_{model}_changelist"))

    assert response.status_code == 200
    for n in range(rows):
        for text in shown(n):
            assert text in response.text


@pytest.mark.parametrize("rows", [2, 12])
@pytest.mark.parametrize("model", ["pairing", "rolegrant"])
def test_the_back_office_lists_of_pairings_and_grants_read_queries_per_row(
    admin_client, django_assert_num_queries, rows, model
):
    """Not flat yet, pinned as it is so that it cannot grow further: a row names its pairing
    by its parties, which Django's automatic select_related (direct foreign keys of the listed
    columns only) does not fetch; a list_select_related naming them makes it a constant."""
    spine = _spine(rows)
    for n, county in enumerate(spine["counties"]):
        person(county, Role.VIEWER, Side.EAST, display_name=f"联络员{n:02d}")

    listed = 1 + 2 * rows if model == "pairing" else rows  # the pairings, or the grants

    with django_assert_num_queries(5 + 2 * listed):
        response = admin_client.get(reverse(f"admin:places_{model}_changelist"))

    assert response.status_code == 200
    for n in range(rows):
        assert f"东{n}区 ↔ 西{n}县" in response.text
