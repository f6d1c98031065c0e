"""Ledger records, one at a time or imported, and the facts and rollups they add carry the root
of their pairing."""

from __future__ import annotations

from datetime import date

import pytest

from shanhai.facts.models import Fact, Rollup
from shanhai.facts.services import rebuild_rollups, rollups_moved_once
from shanhai.ledger import services
from shanhai.ledger.models import Record, Visit
from shanhai.ledger.tests.factories import VisitFactory
from shanhai.places.tests.roots import misrooted

pytestmark = pytest.mark.django_db


def roots(model, **lookups):
    return set(model.objects.filter(**lookups).values_list("root", flat=True))


def test_a_record_of_a_town_pairing_and_its_facts_and_rollups_carry_the_county(tree, east_office):
    visit = VisitFactory.create(pairing=tree.town, recorded_by=east_office)

    assert Visit.objects.get(pk=visit.pk).root_id == tree.county.pk
    assert roots(Record, pk=visit.pk) == {tree.county.pk}
    assert roots(Fact, pairing=tree.town) == roots(Rollup, pairing=tree.town) == {tree.county.pk}
    assert misrooted() == {}


def test_imported_records_carry_the_root_of_each_ones_pairing(tree, east_office):
    visits = [
        Visit(pairing=pairing, title=f"考察{n}", occurred_on=date(2024, 5, n + 1))
        for n, pairing in enumerate([tree.town, tree.county, tree.town])
    ]
    with rollups_moved_once():
        services.import_records(records=visits, recorded_by=east_office, side="east")

    assert roots(Record) == roots(Fact) == roots(Rollup) == {tree.county.pk}
    assert misrooted() == {}


def test_rollups_rebuilt_from_the_ledger_carry_their_root(tree, east_office):
    VisitFactory.create(pairing=tree.town, recorded_by=east_office)
    VisitFactory.create(pairing=tree.county, recorded_by=east_office)

    rebuild_rollups()

    assert roots(Fact) == roots(Rollup) == {tree.county.pk}
    assert misrooted() == {}
