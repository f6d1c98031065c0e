"""Every pairing has a root — the county pairing it belongs to, else itself — and every row of
the big tables carries its pairing's root, even after a pairing moves (docs/scaling.md)."""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from shanhai.accounts.models import Role
from shanhai.consumption import services as consumption
from shanhai.consumption.models import SaleFlag, SaleLine, SalesMonth
from shanhai.consumption.services import SaleInput
from shanhai.facts.models import Fact, Rollup
from shanhai.labor import services as labor
from shanhai.labor.models import FollowUp, Placement, Worker
from shanhai.labor.tests.factories import worker
from shanhai.ledger.models import Record
from shanhai.ledger.tests.factories import VisitFactory
from shanhai.places import services
from shanhai.places.migration_roots import fill_roots
from shanhai.places.models import Pairing, rooted_models
from shanhai.places.tests.factories import PairingFactory, PlaceFactory
from shanhai.places.tests.roots import misrooted

pytestmark = pytest.mark.django_db

BIG_TABLES = {
    "consumption.saleline": "pairing",
    "consumption.saleflag": "line__pairing",
    "consumption.salesmonth": "pairing",
    "labor.worker": "pairing",
    "labor.placement": "pairing",
    "labor.followup": "placement__pairing",
    "ledger.record": "pairing",
    "facts.fact": "pairing",
    "facts.rollup": "pairing",
}


def below(parent: Pairing, kind: str, code: str) -> Pairing:
    return PairingFactory.create(
        code=code,
        kind=kind,
        parent=parent,
        east_place=PlaceFactory.create(parent=parent.east_place),
        west_place=PlaceFactory.create(parent=parent.west_place),
    )


def move(pairing: Pairing, **changes) -> Pairing:
    """Register *pairing* again as it is but for *changes* (a new parent, a new kind)."""
    values = {
        name: getattr(pairing, name)
        for name in (
            "code",
            "kind",
            "parent",
            "east_place",
            "west_place",
            "east_organisation",
            "west_organisation",
            "started_on",
            "source",
        )
    }
    return services.register_pairing(existing=pairing, **{**values, **changes})


def fill(pairing, place, by, shop_, serial):
    """A visit, a worker in a job with a follow-up, and two sales (one flagged) in *pairing*."""
    VisitFactory.create(pairing=pairing, recorded_by=by)
    person = worker(pairing, by, origin=place, serial=serial)
    placement = labor.record_placement(
        worker=person,
        started_on=date(2023, 3, 1),
        work_place=place,
        channel="self_found",
        recorded_by=by,
        employer_name="某厂",
    )
    labor.record_followup(
        placement=placement, checked_on=date(2023, 6, 1), is_employed=True, recorded_by=by
    )
    consumption.ingest_sales(
        channel=shop_.channel,
        sales=[
            SaleInput(f"K{serial}", date(2022, 9, 1), shop_.kiwi.pk, Decimal(1), Decimal(60),
                      pairing_id=pairing.pk),
            SaleInput(f"H{serial}", date(2022, 9, 1), shop_.honey.pk, Decimal(1), Decimal(80),
                      pairing_id=pairing.pk),
        ],
        entry_method="api",
    )  # fmt: skip


def roots_of(pairing: Pairing) -> set[int]:
    """The roots that the rows of every big table in *pairing* carry."""
    found: set[int] = set()
    for model, lookup in rooted_models():
        found |= set(model._base_manager.filter(**{lookup: pairing}).values_list("root", flat=True))
    return found


def test_every_model_that_carries_a_root_is_known_with_the_way_to_its_pairing():
    assert {m._meta.label_lower: lookup for m, lookup in rooted_models()} == BIG_TABLES


def test_a_county_pairing_is_the_root_of_every_pairing_below_it(tree):
    village = below(tree.town, Pairing.Kind.VILLAGE, "village")
    hospital = below(tree.county, Pairing.Kind.HOSPITAL, "hospital")

    assert tree.county.root_id == tree.county.pk
    assert {tree.town.root_id, village.root_id, hospital.root_id} == {tree.county.pk}
    assert Pairing.objects.get(pk=village.pk).root_id == tree.county.pk
    assert misrooted() == {}


def test_a_pairing_with_no_county_pairing_above_it_is_its_own_root():
    province = PairingFactory.create(code="shanghai-yunnan", kind=Pairing.Kind.PROVINCE)
    department = below(province, Pairing.Kind.DEPARTMENT, "hr-bureaus")
    school = below(department, Pairing.Kind.SCHOOL, "schools")
    county = below(province, Pairing.Kind.COUNTY, "county")
    town = below(county, Pairing.Kind.TOWN, "town")

    assert province.root_id == province.pk
    assert department.root_id == department.pk
    assert school.root_id == school.pk
    assert county.root_id == county.pk
    assert town.root_id == county.pk
    assert misrooted() == {}


def test_rows_of_a_province_pairing_carry_the_province_and_of_a_town_its_county(tree, east_office):
    province = PairingFactory.create(code="shanghai-yunnan", kind=Pairing.Kind.PROVINCE)
    services.grant_role(user=east_office, pairing=province, role=Role.COOPERATION_OFFICE)
    in_province = VisitFactory.create(pairing=province, recorded_by=east_office)
    in_town = VisitFactory.create(pairing=tree.town, recorded_by=east_office)

    assert Record.objects.get(pk=in_province.pk).root_id == province.pk
    assert Record.objects.get(pk=in_town.pk).root_id == tree.county.pk
    assert set(Rollup.objects.filter(pairing=province).values_list("root", flat=True)) == {
        province.pk
    }
    assert set(Fact.objects.filter(pairing=tree.town).values_list("root", flat=True)) == {
        tree.county.pk
    }


def test_moving_a_pairing_to_another_county_moves_it_its_subtree_and_all_their_rows(
    tree, shop, east_office, west_office
):
    village = below(tree.town, Pairing.Kind.VILLAGE, "village")
    fill(tree.town, tree.west_town, west_office, shop, 1)
    fill(village, tree.west_town, west_office, shop, 2)
    fill(tree.county, tree.west_town, west_office, shop, 3)
    assert roots_of(tree.town) == roots_of(village) == {tree.county.pk}

    moved = move(tree.town, parent=tree.elsewhere)

    assert moved.root_id == tree.elsewhere.pk
    assert Pairing.objects.get(pk=village.pk).root_id == tree.elsewhere.pk
    assert roots_of(tree.town) == roots_of(village) == {tree.elsewhere.pk}
    assert roots_of(tree.county) == {tree.county.pk}
    assert misrooted() == {}
    for model in (SaleLine, SaleFlag, SalesMonth, Worker, Placement, FollowUp, Record, Fact):
        assert model._base_manager.filter(root=tree.elsewhere).exists(), model


def test_a_town_pairing_made_a_county_pairing_becomes_the_root_of_its_rows(tree, shop, west_office):
    village = below(tree.town, Pairing.Kind.VILLAGE, "village")
    fill(village, tree.west_town, west_office, shop, 1)

    move(tree.town, kind=Pairing.Kind.COUNTY)

    assert Pairing.objects.get(pk=tree.town.pk).root_id == tree.town.pk
    assert roots_of(village) == {tree.town.pk}
    assert misrooted() == {}


def test_a_move_that_fails_part_way_leaves_every_root_as_it_was(
    tree, shop, west_office, monkeypatch
):
    fill(tree.town, tree.west_town, west_office, shop, 1)

    class Broken:
        class _base_manager:  # noqa: N801 (stands in for a model's manager)
            @staticmethod
            def filter(**lookups):
                raise RuntimeError("the disk is full")

    real = rooted_models()
    monkeypatch.setattr(services, "rooted_models", lambda: [*real, (Broken, "pairing")])
    with pytest.raises(RuntimeError):
        move(tree.town, parent=tree.elsewhere)

    assert Pairing.objects.get(pk=tree.town.pk).parent_id == tree.county.pk
    assert Pairing.objects.get(pk=tree.town.pk).root_id == tree.county.pk
    assert roots_of(tree.town) == {tree.county.pk}
    assert misrooted() == {}


class _Editor:
    """What the migrations' fill functions use of a schema editor: its connection and execute."""

    connection = connection

    @staticmethod
    def execute(sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _run_the_migrations_fills() -> None:
    """Run the statements the migrations fill the roots with, in the order they run."""
    places = importlib.import_module("shanhai.places.migrations.0004_pairing_root")
    _Editor.execute(places.FILL_ROOTS)
    for app, name in [
        ("consumption", "0002_sale_roots"),
        ("labor", "0002_worker_placement_roots"),
        ("ledger", "0004_record_root"),
        ("facts", "0002_fact_rollup_roots"),
    ]:
        fills = importlib.import_module(f"shanhai.{app}.migrations.{name}").FILLS
        fill_roots(fills)(None, _Editor)


def _check_deferred_keys_now() -> None:
    """PostgreSQL alters no table with key checks still pending in the transaction."""
    if connection.vendor == "postgresql":
        _Editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_migrations_give_every_existing_row_the_root_the_services_give(tree, shop, west_office):
    province = PairingFactory.create(code="shanghai-yunnan", kind=Pairing.Kind.PROVINCE)
    services.grant_role(user=west_office, pairing=province, role=Role.COOPERATION_OFFICE)
    fill(tree.town, tree.west_town, west_office, shop, 1)
    fill(province, tree.west_town, west_office, shop, 2)
    wrong = tree.elsewhere.pk
    Pairing.objects.update(root_id=wrong)
    for model, _lookup in rooted_models():
        model._base_manager.update(root_id=wrong)
    assert misrooted()
    _check_deferred_keys_now()

    _run_the_migrations_fills()

    assert misrooted() == {}
    assert roots_of(province) == {province.pk}
