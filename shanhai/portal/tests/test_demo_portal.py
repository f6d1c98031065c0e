"""The demo's portal page (松江区 ↔ 威信县) with the figures the seed article reports: its
weight on a phone, and the article's "三年间" totals when the years are added up."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from shanhai.accounts.models import User
from shanhai.places.models import Pairing
from shanhai.portal import services
from shanhai.portal.models import PublicFigure
from shanhai.portal.tests.conftest import make_article

pytestmark = pytest.mark.django_db

# What the demo publishes (shanhai/demo/news.py): the article's figures in the order it tells
# them, then money, goods, jobs and sales.
DEMO_FIGURES = ["A2", "A3", "A1", "G2", "C7", "C3", "B6", "F10", "B1", "E1"]
PAGE_LIMIT = 15_000  # bytes of HTML: a few seconds on a weak 3G line, with the 1 KB stylesheet


@pytest.fixture
def demo_portal() -> Pairing:
    """The demo (which publishes the founding article and DEMO_FIGURES) and a full first page of
    news with long titles: the heaviest the page gets."""
    call_command("demo", stdout=io.StringIO())
    office = User.objects.get(username="songjiang")
    pairing = Pairing.objects.get(code="songjiang-weixin")
    assert (
        list(
            PublicFigure.objects.filter(pairing=pairing)
            .order_by("position")
            .values_list("indicator__code", flat=True)
        )
        == DEMO_FIGURES
    )
    for n in range(24):
        article = make_article(
            pairing, office, published_on=date(2023, 8, 19) - timedelta(days=9 * n),
            title=f"松江区与威信县召开第{n + 1}次东西部协作推进会暨消费帮扶产销对接活动（示意）",
        )  # fmt: skip
        services.publish_article(user=office, article=article, public=True)
    return pairing


def test_the_demo_portal_page_is_light_enough_for_a_phone(client, demo_portal):
    response = client.get(reverse("portal:pairing", args=[demo_portal.code]))
    page = response.content.decode()

    assert response.status_code == 200
    assert len(response.content) < PAGE_LIMIT
    assert "<script" not in page
    assert page.count('<li><a href="/portal/songjiang-weixin/news/') == 20


def test_the_demo_opens_on_2023_and_adds_up_to_the_articles_totals(client, demo_portal):
    url = reverse("portal:pairing", args=[demo_portal.code])

    opened = client.get(url).context["shown"]
    together = client.get(url, {"from": 2021, "year": 2023}).context["shown"]

    assert opened.year == 2023
    figures = {f.indicator.code: f.actual for f in together.figures}
    # 威信 leaders to 松江 4 times, 4 symposiums, 松江 leaders to 威信 3 times, 9 town
    # pairings, 61 medical staff and 5 teachers to 松江, 4 vehicles, over a thousand workers.
    assert figures["A2"] == 4
    assert figures["A3"] == 4
    assert figures["A1"] == 3
    assert figures["G2"] == 9
    assert figures["C7"] == 66
    assert figures["B6"] == 4
    assert figures["F10"] > 1000
