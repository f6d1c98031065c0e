"""The office's page: who may open it, and ticking figures and articles."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shanhai.core.models import AuditEvent
from shanhai.portal.models import PublicFigure
from shanhai.portal.tests.conftest import indicator, make_article

pytestmark = pytest.mark.django_db


def manage_url(pairing, **query) -> str:
    url = reverse("portal:manage", args=[pairing.code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_page_asks_a_stranger_to_sign_in(client, tree):
    response = client.get(manage_url(tree.county))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("viewer", 403), ("west_liaison", 403), ("town_liaison", 404), ("outsider", 404)],
)
def test_only_an_office_of_the_pairing_may_open_it(request, client, tree, who, status):
    client.force_login(request.getfixturevalue(who))

    assert client.get(manage_url(tree.county)).status_code == status
    assert client.post(manage_url(tree.county), {"figures": []}).status_code == status


def test_the_office_sees_the_catalogue_with_its_values_and_its_articles(
    client, tree, east_office, ledger, published
):
    draft = make_article(tree.county, east_office, title="待发布的稿件")
    client.force_login(east_office)

    response = client.get(manage_url(tree.county, year=2023))
    page = response.content.decode()

    assert response.status_code == 200
    assert f'value="{indicator("B1").pk}" id="figure-{indicator("B1").pk}" checked' in page
    assert f'value="{indicator("A1").pk}" id="figure-{indicator("A1").pk}">' in page
    assert "560万元" in page
    assert draft.title in page
    assert f'value="{draft.pk}" id="article-{draft.pk}">' in page  # not ticked


def test_ticking_publishes_and_unticking_withdraws(client, tree, east_office, ledger, published):
    shown = make_article(tree.county, east_office, public=True, title="已发布")
    draft = make_article(tree.county, east_office, title="待发布")
    client.force_login(east_office)

    response = client.post(
        manage_url(tree.county, year=2023),
        {"figures": [indicator("B1").pk, indicator("F1").pk], "articles": [draft.pk]},
    )

    assert response.status_code == 302
    assert response["Location"] == manage_url(tree.county, year=2023)
    codes = [f.indicator.code for f in PublicFigure.objects.filter(pairing=tree.county)]
    assert codes == ["B1", "F1"]  # in the catalogue's order
    shown.refresh_from_db()
    draft.refresh_from_db()
    assert (shown.is_public, draft.is_public) == (False, True)
    assert sorted(
        AuditEvent.objects.filter(action__startswith="portal.").values_list("action", flat=True)
    ) == [
        "portal.article.published",
        "portal.article.withdrawn",
        "portal.figure.published",  # F1
        "portal.figure.published",  # B1, A2, C12 by the fixture
        "portal.figure.published",
        "portal.figure.published",
        "portal.figure.withdrawn",  # A2
        "portal.figure.withdrawn",  # C12
    ]
    client.logout()
    assert (
        client.get(reverse("portal:article", args=["songjiang-weixin", draft.pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("portal:article", args=["songjiang-weixin", shown.pk])).status_code
        == 404
    )


def test_another_pairings_article_cannot_be_published_from_this_page(
    client, tree, east_office, published
):
    town_article = make_article(tree.town, east_office, title="新浜镇的稿件")
    client.force_login(east_office)

    response = client.post(manage_url(tree.county), {"articles": [town_article.pk]})

    assert response.status_code == 200  # the form refuses a choice it did not offer
    town_article.refresh_from_db()
    assert not town_article.is_public
