"""The demo's part 5: the founding article dropped into 新闻 as it was found, read back."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from shanhai.accounts.models import User
from shanhai.news.models import Article, Proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def article() -> Article:
    call_command("demo", stdout=io.StringIO())
    return Article.objects.get()


def test_the_seed_article_is_the_demo_ledgers_source_and_is_published(article):
    assert article.source.key == "songjiang-weixin-2023"  # the Source the demo records cite
    assert article.pairing.code == "songjiang-weixin"
    assert article.published_on.isoformat() == "2023-08-20"
    assert article.is_public
    assert "?" not in article.text
    assert "協" not in article.text  # simplified


def test_what_the_ledger_already_holds_is_linked_not_recorded_twice(article):
    accepted = article.proposals.filter(status=Proposal.Status.ACCEPTED)
    assert accepted.count() >= 7
    for proposal in accepted:
        assert proposal.record.kind == proposal.kind
        assert proposal.record.source == article.source
    assert article.proposals.filter(status=Proposal.Status.PENDING).exists()  # one to review


def test_loading_the_demo_again_changes_nothing(article):
    before = list(article.proposals.values_list("pk", "status", "record_id"))
    call_command("demo", stdout=io.StringIO())
    assert Article.objects.count() == 1
    assert list(article.proposals.values_list("pk", "status", "record_id")) == before


def test_the_office_sees_the_review_page_in_chinese(client, article):
    client.force_login(User.objects.get(username="songjiang"))
    page = client.get(reverse("news:article-detail", args=[article.pk])).content.decode()
    assert "云南威信:东西部协作强对接" in page
    assert "2023年8月20日" in page
    assert "已录入台账" in page
