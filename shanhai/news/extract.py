"""Read a cleaned article for what a ledger needs: metadata, parties, dated events, quantities.

``extract(data)`` cleans the input (see ``cleaning``) and returns an ``Extraction``; its
``as_json()`` is what ``shanhai news extract FILE --json`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shanhai.news import metadata
from shanhai.news.cleaning import ArticleError, CleanArticle, clean
from shanhai.news.events import Event, PartialDate, find_events
from shanhai.news.parties import find_parties
from shanhai.news.quantities import Quantity, extract_quantities
from shanhai.places.selectors import match_places

__all__ = [
    "EVENT_KINDS",
    "ArticleError",
    "Event",
    "Extraction",
    "PartialDate",
    "Party",
    "extract",
]

EVENT_KINDS = ("visit", "meeting", "agreement", "donation", "training", "sales_event", "other")


@dataclass(frozen=True)
class Party:
    """A place the article presents as one side of the cooperation."""

    name: str  # as the article writes it with its suffix (黔东南州), else the gazetteer's name
    side: str  # "east" or "west"
    level: str  # province, city or county (places.models.Place.Level values)
    place_id: int | None = None  # our registry's Place, when it holds the place
    full_name: str = ""  # with its parents: 上海市松江区
    mentions: int = 0


@dataclass(frozen=True)
class Extraction:
    title: str
    publish_date: date | None
    source: str  # the outlet: 精选热点资讯
    author: str  # author(s), never editors: 铁璘琪
    text: str  # the cleaned simplified body, paragraphs separated by blank lines
    east: list[Party] = field(default_factory=list)
    west: list[Party] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)  # start = offset in text
    article: CleanArticle | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "publish_date": self.publish_date.isoformat() if self.publish_date else None,
            "source": self.source,
            "author": self.author,
            "text": self.text,
            "east": [party.name for party in self.east],
            "west": [party.name for party in self.west],
            "events": [
                {"date": event.date.iso(), "kind": event.kind, "summary": event.summary}
                for event in self.events
            ],
            "quantities": [
                {
                    "text": q.text,
                    "value": _number(q.value),
                    "unit": q.unit,
                    "qualifier": q.qualifier,
                    "category": q.category,
                }
                for q in self.quantities
            ],
        }


def _number(value: Any) -> int | float:
    return int(value) if value == int(value) else float(value)


def extract(data: bytes | str, *, is_html: bool | None = None) -> Extraction:
    """Clean *data* and extract its facts. Raises ArticleError when it holds no article."""
    article = clean(data, is_html=is_html)
    text = article.text
    published = metadata.publish_date(article)
    return Extraction(
        title=article.title,
        publish_date=published,
        source=metadata.outlet(article),
        author=metadata.authors(article),
        text=text,
        east=_parties(text, "east"),
        west=_parties(text, "west"),
        events=find_events(text, published=published),
        quantities=extract_quantities(text),
        article=article,
    )


def _parties(text: str, side: str) -> list[Party]:
    parties: list[Party] = []
    for found in find_parties(text)[side]:
        registered = match_places(found.place.full_name) or match_places(found.place.name)
        place = registered[0] if len(registered) == 1 else None
        parties.append(
            Party(
                name=found.name,
                side=place.side if place else side,
                level=found.place.level,
                place_id=place.pk if place else None,
                full_name=found.place.full_name,
                mentions=found.mentions,
            )
        )
    return parties
