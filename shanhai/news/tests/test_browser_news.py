"""In a real browser: the Songjiang office pastes the seed article, reviews it, accepts a record."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from shanhai.demo.places import DEMO_PASSWORD
from shanhai.ledger.models import Record
from shanhai.news.models import Article
from shanhai.news.tests.conftest import SEED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(browser: Browser, base_url: str, username: str) -> Page:
    page = browser.new_page(locale="zh-CN", viewport={"width": 1000, "height": 900})
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的结对")).to_be_visible()
    return page


def test_the_east_office_pastes_the_seed_article_and_accepts_a_proposed_record(
    live_server, browser: Browser
):
    call_command("demo", stdout=io.StringIO())
    page = _log_in(browser, live_server.url, "songjiang")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="新闻").click()
    page.get_by_role("link", name="添加文章").click()
    page.get_by_label("粘贴文章").fill(SEED.read_text(encoding="utf-8"))
    page.get_by_label("结对").select_option(label="松江区 ↔ 威信县")
    page.get_by_role("button", name="读取文章").click()

    expect(
        page.get_by_role("heading", name="云南威信:东西部协作强对接 筑牢“山海盟”")
    ).to_be_visible()
    expect(page.locator("mark.fact.q-medical", has_text="61名")).to_be_visible()
    card = page.locator("article.proposal", has_text="派出医务人员61名")
    card.locator("input[name$='-occurred_on']").fill("2023-08-20")
    card.locator("input[name$='-title']").fill("威信县派出医务人员61名到上海帮扶医院进修")
    card.get_by_role("button", name="接受").click()

    expect(page.get_by_text("已接受：“威信县派出医务人员61名到上海帮扶医院进修”")).to_be_visible()
    accepted = page.locator("article.proposal", has_text="派出医务人员61名")
    expect(accepted.locator(".badge")).to_have_text("已接受")
    accepted.get_by_role("link", name="威信县派出医务人员61名到上海帮扶医院进修").click()
    expect(page.locator(".badge.status-pending")).to_have_text("待确认")

    record = Record.objects.get(title="威信县派出医务人员61名到上海帮扶医院进修")
    article = Article.objects.get()
    assert record.source == article.source
    assert record.entry_method == Record.EntryMethod.NEWS
    assert record.pairing.code == "songjiang-weixin"
    assert record.kind == Record.Kind.TALENT
