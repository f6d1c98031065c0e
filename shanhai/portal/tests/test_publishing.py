"""Publishing figures and articles: who may, what changes, and the audit trail."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shanhai.core.models import AuditEvent
from shanhai.indicators.models import Indicator, Regime
from shanhai.portal import services
from shanhai.portal.models import PublicFigure
from shanhai.portal.tests.conftest import indicator, make_article

pytestmark = pytest.mark.django_db


def public_codes(pairing) -> list[str]:
    return [f.indicator.code for f in PublicFigure.objects.filter(pairing=pairing)]


def test_publishing_figures_records_who_when_in_what_order_and_audits_each(
    tree, east_office, regime
):
    changed = services.set_public_figures(
        user=east_office, pairing=tree.county, regime=regime,
        indicators=[indicator("F1"), indicator("B1")],
    )  # fmt: skip

    assert changed == 2
    assert public_codes(tree.county) == ["F1", "B1"]
    figure = PublicFigure.objects.get(indicator__code="F1")
    assert figure.made_public_by == east_office
    assert figure.made_public_at is not None
    events = AuditEvent.objects.filter(action="portal.figure.published")
    assert {e.details["indicator"] for e in events} == {"F1", "B1"}
    assert {e.actor for e in events} == {east_office}
    assert {e.target_id for e in events} == {str(tree.county.pk)}


def test_unticking_a_figure_withdraws_it_and_reordering_alone_is_no_change(
    tree, east_office, regime
):
    services.set_public_figures(
        user=east_office, pairing=tree.county, regime=regime,
        indicators=[indicator("F1"), indicator("B1"), indicator("A1")],
    )  # fmt: skip

    changed = services.set_public_figures(
        user=east_office, pairing=tree.county, regime=regime,
        indicators=[indicator("B1"), indicator("F1")],
    )  # fmt: skip

    assert changed == 1
    assert public_codes(tree.county) == ["B1", "F1"]
    withdrawn = AuditEvent.objects.get(action="portal.figure.withdrawn")
    assert withdrawn.details == {"regime": regime.code, "indicator": "A1"}


def test_figures_of_another_catalogue_are_refused(tree, east_office, regime):
    later = Regime.objects.create(code="2026", name="2026年起", first_year=2026)
    other = Indicator.objects.create(
        regime=later, code="B1", category="funds", name_zh="财政援助资金", name_en="Fiscal aid",
        unit="万元", side="east", computation="facts", metric="funds.amount",
    )  # fmt: skip

    with pytest.raises(ValidationError):
        services.set_public_figures(
            user=east_office, pairing=tree.county, regime=regime, indicators=[other]
        )
    assert not PublicFigure.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "west_liaison", "town_liaison", "outsider"])
def test_only_the_pairings_offices_may_publish(request, tree, regime, east_office, who):
    user = request.getfixturevalue(who)
    article = make_article(tree.county, east_office)

    with pytest.raises(PermissionDenied):
        services.set_public_figures(
            user=user, pairing=tree.county, regime=regime, indicators=[indicator("B1")]
        )
    with pytest.raises(PermissionDenied):
        services.publish_article(user=user, article=article, public=True)
    assert not AuditEvent.objects.filter(action__startswith="portal.").exists()


def test_the_west_office_may_publish_too(tree, west_office, regime):
    services.set_public_figures(
        user=west_office, pairing=tree.county, regime=regime, indicators=[indicator("F1")]
    )

    assert public_codes(tree.county) == ["F1"]


def test_a_town_pairings_liaison_may_not_publish_the_county(tree, town_liaison, regime):
    with pytest.raises(PermissionDenied):
        services.set_public_figures(
            user=town_liaison, pairing=tree.county, regime=regime, indicators=[]
        )


def test_publishing_an_article_stamps_and_audits_it(tree, east_office):
    article = make_article(tree.county, east_office)

    assert services.publish_article(user=east_office, article=article, public=True)

    article.refresh_from_db()
    assert article.is_public
    assert article.made_public_at is not None
    event = AuditEvent.objects.get(action__startswith="portal.")
    assert (event.action, event.actor, event.target_id) == (
        "portal.article.published",
        east_office,
        str(article.pk),
    )


def test_taking_an_article_down_clears_its_stamp_and_audits_it(tree, east_office):
    article = make_article(tree.county, east_office, public=True)

    services.publish_article(user=east_office, article=article, public=False)

    article.refresh_from_db()
    assert not article.is_public
    assert article.made_public_at is None
    assert AuditEvent.objects.get(action__startswith="portal.").action == (
        "portal.article.withdrawn"
    )


def test_publishing_what_is_already_published_changes_nothing(tree, east_office):
    article = make_article(tree.county, east_office, public=True)

    assert not services.publish_article(user=east_office, article=article, public=True)
    assert not AuditEvent.objects.filter(action__startswith="portal.").exists()
