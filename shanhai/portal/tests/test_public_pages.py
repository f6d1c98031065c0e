"""What anyone sees without signing in: published news, public figures, nothing else."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from shanhai.indicators.selectors import progress
from shanhai.portal.tests.conftest import indicator, make_article

pytestmark = pytest.mark.django_db

# Measured (with ?year=): the pairing (with anything public), whether it has figures, its
# scope and years with facts, a regime per year, the public figures, the indicators' own
# computation (every computed indicator from one rollup query, as on the office's progress
# page), and the page of articles with its count. It grows neither with the catalogue nor
# with the records.
PAIRING_PAGE_QUERIES = 15


def pairing_url(pairing, **query) -> str:
    url = reverse("portal:pairing", args=[pairing.code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def article_url(article) -> str:
    return reverse("portal:article", args=[article.pairing.code, article.pk])


def test_the_portal_lists_only_the_pairings_that_publish(client, tree, east_office, published):
    make_article(tree.other_county, east_office, public=True, title="金山–镇雄的新闻")
    make_article(tree.town, east_office, public=False)

    page = client.get(reverse("portal:index")).content.decode()

    assert reverse("portal:pairing", args=["songjiang-weixin"]) in page  # figures only
    assert reverse("portal:pairing", args=["jinshan-zhenxiong"]) in page  # news only
    assert "xinbang-linfeng" not in page  # an unpublished article publishes nothing
    assert "elsewhere" not in page


def test_an_anonymous_reader_sees_only_the_published_articles(client, tree, east_office):
    shown = make_article(tree.county, east_office, public=True, title="威信县党政代表团到松江考察")
    hidden = make_article(tree.county, east_office, title="尚未审定的稿件")

    page = client.get(pairing_url(tree.county)).content.decode()

    assert shown.title in page
    assert article_url(shown) in page
    assert hidden.title not in page
    assert client.get(article_url(shown)).status_code == 200
    assert client.get(article_url(hidden)).status_code == 404


def test_another_pairings_article_is_not_found_under_this_pairings_address(
    client, tree, east_office
):
    make_article(tree.county, east_office, public=True)
    town_article = make_article(tree.town, east_office, public=True, title="新浜镇到麟凤镇对接")

    url = reverse("portal:article", args=[tree.county.code, town_article.pk])

    assert client.get(url).status_code == 404
    assert client.get(article_url(town_article)).status_code == 200


def test_an_unknown_code_and_a_pairing_that_publishes_nothing_are_not_found(client, tree):
    assert client.get(reverse("portal:pairing", args=["no-such-pairing"])).status_code == 404
    assert client.get(pairing_url(tree.county)).status_code == 404
    assert client.get(reverse("portal:article", args=[tree.county.code, 1])).status_code == 404


def test_only_the_figures_marked_public_are_shown(client, tree, ledger, published):
    page = client.get(pairing_url(tree.county, year=2023)).content.decode()

    assert "投入财政援助资金" in page  # B1
    assert "西部党政主要领导赴东部考察对接" in page  # A2
    assert "东部党政主要领导赴西部调研对接" not in page  # A1: recorded, not public
    assert "召开联席会议" not in page  # A3


def test_the_figures_are_the_indicators_apps_own_values(
    client, tree, ledger, published, east_office
):
    office_sees = {v.indicator.code: v for v in progress(east_office, tree.county, 2023).values}

    shown = client.get(pairing_url(tree.county, year=2023)).context["shown"]

    assert [f.indicator.code for f in shown.figures] == ["B1", "A2", "C12"]  # the office's order
    for figure in shown.figures:
        office = office_sees[figure.indicator.code]
        assert (figure.actual, figure.target, figure.percent) == (
            office.actual,
            office.target,
            office.percent,
        )
    b1 = shown.figures[0]
    assert (b1.actual, b1.target, b1.percent) == (560, 5000, 11)


def test_amounts_are_in_wan_yuan_with_the_target_and_share_done(client, tree, ledger, published):
    page = client.get(pairing_url(tree.county, year=2023)).content.decode()

    # 5,600,000 yuan against a target of 50,000,000 (5,000万元): 11%.
    assert "<b>560万元</b>" in page
    assert "5,000万元" in page
    assert "11%" in page
    assert "<b>120人次</b>" in page  # C12, person-times trained
    assert "<b>1次</b>" in page  # A2: the town pairing's visit counts in the county


def test_the_page_opens_on_the_latest_year_with_recorded_work(client, tree, ledger, published):
    response = client.get(pairing_url(tree.county))

    assert response.context["shown"].year == 2023
    assert response.context["years"] == [2023, 2022]
    page = response.content.decode()
    assert 'href="?year=2022"' in page
    assert client.get(pairing_url(tree.county, year=2022)).context["shown"].year == 2022


def test_a_year_without_ledger_data_is_not_found(client, tree, ledger, published):
    assert client.get(pairing_url(tree.county, year=2019)).status_code == 404
    assert client.get(pairing_url(tree.county, year="2023x")).status_code == 404


def test_dates_are_written_the_chinese_way(client, tree, east_office):
    article = make_article(
        tree.county, east_office, public=True, published_on=date(2023, 8, 20), outlet="亚洲资本网"
    )

    listing = client.get(pairing_url(tree.county)).content.decode()
    page = client.get(article_url(article)).content.decode()

    assert "2023年8月20日 · 亚洲资本网" in listing
    assert "2023年8月20日" in page


def test_the_article_page_shows_title_date_outlet_author_and_paragraphs(client, tree, east_office):
    article = make_article(tree.county, east_office, public=True)

    page = client.get(article_url(article)).content.decode()

    assert f"<h1>{article.title}</h1>" in page
    assert "威信县融媒体中心 · 铁璘琪" in page
    assert "<p>2021年，松江区与威信县正式建立东西部协作关系。</p>" in page
    assert "<p>三年间，两地互访频繁。</p>" in page


def test_public_pages_are_light_cacheable_and_have_no_script(
    client, tree, east_office, ledger, published
):
    article = make_article(tree.county, east_office, public=True)

    for url in (reverse("portal:index"), pairing_url(tree.county), article_url(article)):
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 200
        assert "public" in response["Cache-Control"]
        assert "max-age=300" in response["Cache-Control"]
        assert "<script" not in page
        assert " style=" not in page  # the CSP allows no inline style
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
        assert len(response.content) < 15_000


def test_nothing_private_reaches_the_public_page(client, tree, east_office, ledger, published):
    article = make_article(tree.county, east_office, public=True)
    pages = client.get(pairing_url(tree.county)).content.decode()
    pages += client.get(article_url(article)).content.decode()

    assert east_office.display_name not in pages  # who recorded, published or added
    assert east_office.username not in pages
    assert "csrf" not in pages
    # Links name the pairing by its public code only, never by its database id.
    assert not re.search(rf"/pairings?/{tree.county.pk}\b", pages)
    assert "/manage/" not in pages


def test_a_publisher_signed_in_gets_the_link_to_choose_and_a_private_copy(
    client, tree, east_office, published
):
    client.force_login(east_office)

    response = client.get(pairing_url(tree.county))

    assert reverse("portal:manage", args=[tree.county.code]) in response.content.decode()
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_a_viewer_signed_in_gets_no_link_to_choose(client, tree, viewer, published):
    client.force_login(viewer)

    page = client.get(pairing_url(tree.county)).content.decode()

    assert "/manage/" not in page


def test_the_pairing_page_costs_a_fixed_number_of_queries(
    client, tree, ledger, published, east_office, django_assert_num_queries
):
    for n in range(25):
        make_article(tree.county, east_office, public=True, title=f"第{n}条协作新闻")

    with django_assert_num_queries(PAIRING_PAGE_QUERIES):
        response = client.get(pairing_url(tree.county, year=2023))

    assert len(response.context["page"].object_list) == 20  # then a second page
    assert "page=2" in response.content.decode()
    assert indicator("B1").name_zh in response.content.decode()


def test_the_years_can_be_added_up_as_news_reports_do(client, tree, ledger, published):
    response = client.get(pairing_url(tree.county, year=2023))
    assert 'href="?from=2022&amp;year=2023"' in response.content.decode()

    together = client.get(pairing_url(tree.county, **{"from": 2022, "year": 2023}))

    b1 = together.context["shown"].figures[0]
    assert (b1.indicator.code, b1.actual) == ("B1", 860)  # 300万元 in 2022 + 560万元 in 2023
    assert together.context["shown"].first_year == 2022
    assert client.get(pairing_url(tree.county, **{"from": 2019, "year": 2023})).status_code == 404
    assert client.get(pairing_url(tree.county, **{"from": 2023, "year": 2022})).status_code == 404
