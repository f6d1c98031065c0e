"""The list of articles reads the same number of queries with 2 articles as with 12 (issue 9).

Articles are spread over the county pairing, its town pairing and its social pairing (named by
its organisations), with proposals in every status, so every join a line needs is exercised;
the count is pinned exactly, so a query per article (an N+1) or any new query shows up here.
"""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from django.urls import reverse

from shanhai.core.models import Source
from shanhai.news.models import Article, Proposal

pytestmark = pytest.mark.django_db

STATUSES = [Proposal.Status.PENDING, Proposal.Status.REJECTED, Proposal.Status.PENDING]


def _articles(spine, east_office, rows: int) -> list[Article]:
    pairings = [spine.social, spine.town, spine.county]
    articles = []
    for n in range(rows):
        title = f"东西部协作新闻{n:02d}"
        article = Article.objects.create(
            source=Source.objects.create(kind=Source.Kind.NEWS, key=f"news-{n}", title=title),
            pairing=pairings[n % 3],
            digest=hashlib.sha256(title.encode()).hexdigest(),
            title=title,
            published_on=date(2023, 1 + n % 12, 1 + n),
            outlet="威信县融媒体中心" if n % 2 else "",
            text="2023年，松江区与威信县开展东西部协作。",
            added_by=east_office,
        )
        for position in range(n % 4):
            Proposal.objects.create(
                article=article, position=position, kind="visit", status=STATUSES[position]
            )
        articles.append(article)
    return articles


@pytest.mark.parametrize("rows", [2, 12])
def test_the_list_of_articles_reads_the_same_queries_however_many(
    client, spine, east_office, django_assert_num_queries, rows
):
    articles = _articles(spine, east_office, rows)
    client.force_login(east_office)

    # session, user, grants (articles), grants (may add), the articles with their pairings and
    # counts, and the navigation's import link
    with django_assert_num_queries(6):
        response = client.get(reverse("news:article-list"))

    assert response.status_code == 200
    for article in articles:
        assert article.title in response.text
    assert (
        "百姓义工 ↔ 金鸡村村民委员会" in response.text
    )  # the social pairing, by its organisations
