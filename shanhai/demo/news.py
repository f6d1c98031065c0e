"""The Songjiang–Weixin story, part 5: the founding article read back, and what the public sees.

The Songjiang office drops the scraped article (data/songjiang-weixin-2023.txt, exactly as it
was found: traditional characters, inserted pinyin, mojibake, page chrome) into 新闻. Most of
what it proposes is already in the demo ledger, entered from the same article: those proposals
are linked to their records, so nothing is recorded twice. What the demo ledger does not hold
as a record of that kind and date stays to review, which is the page's point.

Then the office publishes the article on the pairing's portal with the figures the article
reports (4 visits each way, 4 symposiums, 9 town pairings, 61 medical staff and 5 teachers,
4 vehicles, over a thousand workers), computed from the ledger, in the order it tells them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from shanhai.accounts.models import User
from shanhai.core.models import Source
from shanhai.demo.places import ARTICLE
from shanhai.indicators.selectors import regime_for_year
from shanhai.news import selectors, services
from shanhai.news.models import Article
from shanhai.places.models import Pairing
from shanhai.portal.services import publish_article, set_public_figures

SEED_ARTICLE = Path(__file__).resolve().parent / "data" / "songjiang-weixin-2023.txt"
COUNTY = "songjiang-weixin"
OFFICE = "songjiang"
PUBLIC_FIGURES = ["A2", "A3", "A1", "G2", "C7", "C3", "B6", "F10", "B1", "E1"]


@dataclass(frozen=True)
class NewsSummary:
    proposals: int
    linked: int
    to_review: int


@transaction.atomic
def load(users: Sequence[User]) -> NewsSummary:
    """Import the seed article, link what the ledger already holds, publish; safe to rerun."""
    office = next(user for user in users if user.username == OFFICE)
    pairing = Pairing.objects.get(code=COUNTY)
    article, created = services.import_article(
        user=office,
        data=SEED_ARTICLE.read_bytes(),
        pairing=pairing,
        source=Source.objects.get(key=ARTICLE),
    )
    if created:
        proposals = list(selectors.proposals_of(article))
        for proposal_id, record in selectors.records_already_there(article, proposals).items():
            proposal = next(p for p in proposals if p.pk == proposal_id)
            services.link_proposal(user=office, proposal=proposal, record=record)
        _publish(office, pairing, article)
    return _summary(article)


def _publish(office: User, pairing: Pairing, article: Article) -> None:
    regime = regime_for_year(2023)
    assert regime is not None
    set_public_figures(
        user=office,
        pairing=pairing,
        regime=regime,
        indicators=[regime.indicators.get(code=code) for code in PUBLIC_FIGURES],
    )
    publish_article(user=office, article=article, public=True)


def _summary(article: Article) -> NewsSummary:
    statuses = list(article.proposals.values_list("status", flat=True))
    return NewsSummary(
        proposals=len(statuses),
        linked=statuses.count("accepted"),
        to_review=statuses.count("pending"),
    )
