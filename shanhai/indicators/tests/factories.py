"""Fiscal aid allocations for the indicator tests; other kinds come from the ledger's factories."""

from __future__ import annotations

from decimal import Decimal

import factory

from shanhai.ledger.models import FundAllocation, FundSource
from shanhai.ledger.tests.factories import RecordFactory


class FundAllocationFactory(RecordFactory[FundAllocation]):
    class Meta:
        model = FundAllocation

    title = factory.Sequence(lambda n: f"第{n}批财政援助资金")
    year = factory.LazyAttribute(lambda o: o.occurred_on.year)
    amount = Decimal(1_000_000)
    fund_source = FundSource.EAST_FISCAL
