"""The portal's lists read the same number of queries with 2 rows as with 12 (issue 9): the
pairings that publish, a pairing's published news, and the office's list of articles to publish.

Articles are spread over the county pairing and its town pairings, published or not, dated or
not; each count is pinned exactly, so a query per row (an N+1) or any new query shows up here.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from shanhai.portal.tests.conftest import make_article

pytestmark = pytest.mark.django_db


def _articles(pairing, east_office, rows: int, *, public: bool = True) -> list[str]:
    titles = []
    for n in range(rows):
        article = make_article(
            pairing, east_office, public=public or n % 2 == 0, title=f"协作新闻{n:02d}",
            published_on=date(2023, 1 + n % 12, 1 + n) if n % 3 else None,
            outlet="威信县融媒体中心" if n % 2 else "松江区融媒体中心",
        )  # fmt: skip
        titles.append(article.title)
    return titles


@pytest.mark.parametrize("rows", [2, 12])
def test_the_portals_index_reads_the_same_queries_however_many_pairings_publish(
    client, tree, east_office, django_assert_num_queries, rows
):
    pairings = [tree.county, tree.town, tree.other_town, tree.other_county, tree.province]
    for n in range(rows):
        make_article(pairings[n % len(pairings)], east_office, public=True, title=f"新闻{n}")

    with django_assert_num_queries(1):  # the publishing pairings with their parties
        response = client.get(reverse("portal:index"))

    assert response.status_code == 200
    for pairing in pairings[:rows]:
        assert str(pairing) in response.text


@pytest.mark.parametrize("rows", [2, 12])
def test_a_pairings_portal_page_reads_the_same_queries_however_many_articles(
    client, tree, ledger, published, east_office, django_assert_num_queries, rows
):
    titles = _articles(tree.county, east_office, rows)

    # the pairing (with anything public), its years and figures (as on the office's progress
    # page), and the page of articles with its count
    with django_assert_num_queries(15):
        response = client.get(reverse("portal:pairing", args=[tree.county.code]), {"year": 2023})

    assert response.status_code == 200
    for title in titles:
        assert title in response.text


@pytest.mark.parametrize("rows", [2, 12])
def test_the_offices_portal_page_reads_the_same_queries_however_many_articles(
    client, tree, ledger, published, east_office, django_assert_num_queries, rows
):
    titles = _articles(tree.county, east_office, rows, public=False)
    client.force_login(east_office)

    with django_assert_num_queries(19):
        response = client.get(reverse("portal:manage", args=[tree.county.code]), {"year": 2023})

    assert response.status_code == 200
    for title in titles:
        assert title in response.text
