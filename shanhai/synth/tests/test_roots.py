"""A tiny synthetic database, built through the services and their bulk paths, gives every row
of every big table its pairing's root (docs/scaling.md, "Sharding with Citus")."""

from __future__ import annotations

import pytest

from shanhai.places.models import Pairing, rooted_models
from shanhai.places.tests.roots import misrooted

pytestmark = pytest.mark.django_db


def test_no_row_of_any_table_carries_a_root_other_than_its_pairings(tiny):
    assert misrooted() == {}


def test_every_table_that_carries_a_root_has_rows_and_they_lie_under_county_pairings(tiny):
    counties = set(Pairing.objects.filter(kind=Pairing.Kind.COUNTY).values_list("pk", flat=True))

    for model, _lookup in rooted_models():
        roots = set(model._base_manager.values_list("root", flat=True).distinct())
        assert roots, model
        assert roots <= counties, model
