"""measure_ingest at a tiny size: figures for every path, and only the API and service paths
leave lines behind."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import caches

from shanhai.consumption.bench_copy import IngestComparison, measure_ingest
from shanhai.consumption.models import ChannelToken, SaleFlag, SaleLine, SalesBatch, SalesMonth
from shanhai.consumption.services import SaleInput

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    caches["throttle"].clear()
    yield
    caches["throttle"].clear()


def sales(shop) -> list[SaleInput]:
    """Kiwi (certified) and honey (never certified, so flagged), some bought by the union; the
    same order id twice, as channels resend, which stays one line."""
    lines = [
        SaleInput(
            f"O-{n}",
            date(2022, 9, 1 + n % 28),
            (shop.kiwi if n % 3 else shop.honey).pk,
            Decimal(1 + n % 4),
            Decimal(60 * (1 + n % 4)),
            buyer_id=shop.union.pk if n % 2 else None,
        )
        for n in range(12)
    ]
    return [*lines, lines[0]]


def test_every_path_is_timed_and_only_the_api_and_service_paths_write(shop, east_office):
    lines = SaleLine.objects.count()
    flags = SaleFlag.objects.count()
    batches = SalesBatch.objects.count()
    counted = sum(SalesMonth.objects.values_list("lines", flat=True))

    result = measure_ingest(shop.channel, sales(shop), repeat=2, issued_by=east_office)

    assert isinstance(result, IngestComparison)
    assert result.lines == 13
    assert result.copy.lines == result.bulk_create.lines == 12  # the order sent twice is one line
    assert result.copy_unchecked.median <= result.copy.median
    assert result.repeat == 2
    for path in (
        result.api,
        result.service,
        result.copy,
        result.copy_unchecked,
        result.bulk_create,
    ):
        assert len(path.seconds) == 2
        assert all(seconds > 0 for seconds in path.seconds)
        assert path.rate > 0
    assert result.api_per_second == result.api.rate > 0
    assert result.copy_per_second > 0
    assert result.bulk_create_per_second > 0
    assert result.api_vs_copy > 0
    assert result.api_vs_bulk_create > 0
    assert result.service_vs_copy > 0
    # Twelve distinct orders, four of them honey, per run: 2 repeats × (api + service).
    assert result.created == 2 * 2 * 12
    assert result.flagged == 2 * 2 * 4
    # Only what the API and the service wrote is there: COPY and bulk_create were rolled back.
    assert SaleLine.objects.count() == lines + result.created
    assert SalesBatch.objects.count() == batches + 2 * 2
    assert SaleFlag.objects.count() == flags + result.flagged
    assert not SaleLine.objects.filter(order_id__regex=r"^~[0-9a-f]{6}[0-9][cb]-").exists()
    assert SaleLine.objects.filter(order_id__regex=r"^~[0-9a-f]{6}[0-9]a-").count() == 24
    assert SaleLine.objects.filter(order_id__regex=r"^~[0-9a-f]{6}[0-9]s-").count() == 24
    assert sum(SalesMonth.objects.values_list("lines", flat=True)) == counted + result.created
    # The key made for the run was used and is revoked.
    token = ChannelToken.objects.get(name="bench_copy")
    assert token.revoked_at is not None
    assert SalesBatch.objects.filter(token=token).count() == 2
    assert "| POST /api/v1/sales (whole HTTP stack) |" in result.as_markdown()


def test_a_refused_line_stops_the_measurement(shop):
    bad = [SaleInput("X-1", date(2022, 9, 1), shop.kiwi.pk, Decimal(0), Decimal(1))]

    with pytest.raises(ValueError, match="Lines were refused"):
        measure_ingest(shop.channel, bad, repeat=1)  # a key made by the first user
