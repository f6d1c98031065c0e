"""A figure split over the sub-pairings that make it up, on the demo."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from shanhai.accounts.models import User
from shanhai.indicators.models import Indicator
from shanhai.indicators.selectors import by_sub_pairing, progress
from shanhai.places.models import Pairing

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("demo", stdout=io.StringIO())
    return User.objects.get(username="songjiang"), Pairing.objects.get(code="songjiang-weixin")


def test_the_shares_of_the_sub_pairings_add_up_to_the_figure(demo):
    user, pairing = demo
    visits = Indicator.objects.get(regime__code="2021", code="A8")

    shares = dict(by_sub_pairing(user, pairing, visits, 2023, first_year=2021))
    total = next(
        v.actual
        for v in progress(user, pairing, 2023, first_year=2021).values
        if v.indicator == visits
    )

    assert sum(shares.values()) == total
    town = Pairing.objects.get(code="xinbang-linfeng")
    assert shares[town] >= 1  # the 新浜镇 ↔ 麟凤镇 visits are counted in the town's row


def test_the_drill_down_page_lists_the_split_and_links_each_sub_pairing(client, demo):
    user, pairing = demo
    client.force_login(user)

    page = client.get(
        reverse("indicators:indicator-records", args=[pairing.code, 2023, "A8"]),
        {"from": "2021"},
    )

    html = page.content.decode()
    town_url = reverse("indicators:indicator-records", args=["xinbang-linfeng", 2023, "A8"])
    assert page.status_code == 200
    assert f'href="{town_url}?from=2021"' in html
