"""The portal on a phone, in a real browser: two requests, no sideways scrolling, one tap to
an article. Leaves /tmp/portal-test-phone.png to look at."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, ViewportSize, expect

from shanhai.portal.tests.conftest import make_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
SCREENSHOT = Path(tempfile.gettempdir()) / "portal-test-phone.png"


def test_a_phone_reads_the_figures_and_opens_an_article(
    live_server, page: Page, tree, east_office, ledger, published
):
    article = make_article(tree.county, east_office, public=True, outlet="亚洲资本网")
    make_article(
        tree.county, east_office, public=True, published_on=date(2023, 6, 28),
        title="松江区与威信县签订2023年人力资源和社会保障对口劳务协作计划",
    )  # fmt: skip
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/portal/{tree.county.code}/?year=2023")

    expect(page.locator("h1")).to_have_text("松江区 ↔ 威信县")
    expect(page.locator(".figures li")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    kinds = sorted(r.resource_type for r in requests)
    assert kinds == ["document", "stylesheet"]  # no script, no font, no image
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.get_by_role("link", name=article.title).click()

    expect(page.locator("h1")).to_have_text(article.title)
    expect(page.locator("article p").nth(1)).to_contain_text("2021年")
