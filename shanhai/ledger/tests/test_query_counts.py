"""The ledger's list pages read the same number of queries with 2 records as with 12 (issue 9).

Records are spread over the county pairing and its town pairing, both sides, every kind, with
and without a source and evidence, so every join a line needs is exercised; the count is pinned
exactly, so a query per record (an N+1) or any new query shows up here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from shanhai.core.tests.factories import SourceFactory
from shanhai.indicators.tests.factories import FundAllocationFactory
from shanhai.ledger import services
from shanhai.ledger.models import Agreement, IndustryCooperation, Record, ReportedFigure
from shanhai.ledger.tests.factories import (
    AidProjectFactory,
    DonationFactory,
    MeetingFactory,
    RecordFactory,
    SalesEventFactory,
    TalentExchangeFactory,
    TrainingFactory,
    VisitFactory,
    jpeg_upload,
)

pytestmark = pytest.mark.django_db


class AgreementFactory(RecordFactory[Agreement]):
    class Meta:
        model = Agreement

    agreement_kind = Agreement.AgreementKind.ANNUAL


class IndustryCooperationFactory(RecordFactory[IndustryCooperation]):
    class Meta:
        model = IndustryCooperation

    cooperation_kind = IndustryCooperation.CooperationKind.ENTERPRISE


class ReportedFigureFactory(RecordFactory[ReportedFigure]):
    class Meta:
        model = ReportedFigure

    metric = "互访"
    value = Decimal(60)
    unit = "次"


FACTORIES: dict[str, Any] = {
    Record.Kind.VISIT: VisitFactory,
    Record.Kind.MEETING: MeetingFactory,
    Record.Kind.AGREEMENT: AgreementFactory,
    Record.Kind.FUNDS: FundAllocationFactory,
    Record.Kind.PROJECT: AidProjectFactory,
    Record.Kind.DONATION: DonationFactory,
    Record.Kind.TALENT: TalentExchangeFactory,
    Record.Kind.TRAINING: TrainingFactory,
    Record.Kind.INDUSTRY: IndustryCooperationFactory,
    Record.Kind.SALES_EVENT: SalesEventFactory,
    Record.Kind.FIGURE: ReportedFigureFactory,
}


def _records(tree, east_office, west_office, rows: int, kinds: list[str]) -> list[str]:
    """*rows* records of *kinds* in turn, over both pairings, sides and three years; every
    other one has a source, every third one a photo. Return their titles."""
    titles = []
    for n in range(rows):
        east = n % 2 == 0
        author = east_office if east else west_office
        record = FACTORIES[kinds[n % len(kinds)]].create(
            pairing=tree.county if n % 3 else tree.town,
            recorded_by=author,
            title=f"协作记录{n:02d}",
            occurred_on=date(2021 + n % 3, 1 + n % 12, 1 + n),
            source=SourceFactory.create() if east else None,
        )
        if n % 3 == 0:
            services.attach_evidence(
                record=record, file=jpeg_upload(colour=f"#{n:02x}0000"), uploaded_by=author
            )
        titles.append(record.title)
    return titles


@pytest.mark.parametrize("rows", [2, 12])
def test_the_timeline_reads_the_same_queries_however_many_records(
    client, tree, east_office, west_office, django_assert_num_queries, rows
):
    titles = _records(tree, east_office, west_office, rows, list(FACTORIES))
    client.force_login(east_office)

    # who is asking, the pairing and the pairings below it, the years, count, the page with
    # its pairings and sources, its evidence counts, may record, the navigation's import link;
    # the grants are read again by each access check
    with django_assert_num_queries(17):
        response = client.get(reverse("ledger:timeline", args=[tree.county.code]))

    assert response.status_code == 200
    for title in titles:
        assert title in response.text


@pytest.mark.parametrize("rows", [2, 12])
@pytest.mark.parametrize("kind", list(FACTORIES))
def test_each_kinds_list_reads_the_same_queries_however_many_records(
    client, tree, east_office, west_office, django_assert_num_queries, rows, kind
):
    titles = _records(tree, east_office, west_office, rows, [kind])
    client.force_login(east_office)

    # session, user, grants, count, page (with pairing and source), the navigation's import
    # link
    with django_assert_num_queries(6):
        response = client.get(reverse("ledger:record-list", args=[kind]))

    assert response.status_code == 200
    for title in titles:
        assert title in response.text
