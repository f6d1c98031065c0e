"""Places, organisations and pairings, built through the services so paths come out right."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory
from factory.django import DjangoModelFactory

from shanhai.accounts.models import Side
from shanhai.core.tests.factories import SourceFactory
from shanhai.places.models import Organisation, Pairing, Place
from shanhai.places.services import register_organisation, register_pairing, register_place


class PlaceFactory(DjangoModelFactory[Place]):
    """A town on the east side unless told otherwise; a child inherits its parent's side."""

    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"第{n}镇")
    level = Place.Level.TOWN
    parent = None
    code = None
    side = factory.LazyAttribute(lambda o: o.parent.side if o.parent else Side.EAST)

    @classmethod
    def _create(cls, model_class: type[Place], *args: Any, **kwargs: Any) -> Place:
        return register_place(**kwargs)


class OrganisationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"第{n}协作单位")
    kind = Organisation.Kind.DEPARTMENT
    place = factory.SubFactory(PlaceFactory)

    @classmethod
    def _create(cls, model_class: type[Organisation], *args: Any, **kwargs: Any) -> Organisation:
        return register_organisation(**kwargs)


class PairingFactory(DjangoModelFactory[Pairing]):
    """A county pairing between a fresh east place and a fresh west place."""

    class Meta:
        model = Pairing

    code = factory.Sequence(lambda n: f"pairing-{n}")
    kind = Pairing.Kind.COUNTY
    parent = None
    east_place = factory.SubFactory(PlaceFactory, side=Side.EAST, level=Place.Level.COUNTY)
    west_place = factory.SubFactory(PlaceFactory, side=Side.WEST, level=Place.Level.COUNTY)
    started_on = date(2021, 1, 1)
    source = factory.SubFactory(SourceFactory)

    @classmethod
    def _create(cls, model_class: type[Pairing], *args: Any, **kwargs: Any) -> Pairing:
        return register_pairing(**kwargs)
