"""Read a cleaned article for what a ledger needs: metadata, parties, dated events, quantities.

``extract(data)`` cleans the input (see ``cleaning``) and returns an ``Extraction``; its
``as_json()`` is what ``shanhai news extract FILE --json`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shanhai.news.cleaning import ArticleError, CleanArticle, clean
from shanhai.news.quantities import Quantity, extract_quantities

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


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date as precise as the article states it: 2022年7月 is (2022, 7, None)."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        """ "year", "month" or "day" — the values of core.models.DatePrecision."""
        return "day" if self.day else "month" if self.month else "year"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    def iso(self) -> str:
        """2022, 2022-07 or 2022-08-22."""
        if self.day and self.month:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"


@dataclass(frozen=True)
class Party:
    """A place the article presents as one side of the cooperation."""

    name: str  # as the registry or gazetteer names it: 松江区, 威信县
    side: str  # "east" or "west"
    level: str  # province, city, county, town (places.models.Place.Level values)
    place_id: int | None = None  # our registry's Place, when it holds the place
    full_name: str = ""  # with its parents: 上海市松江区


@dataclass(frozen=True)
class Event:
    """Something that happened on a date the article gives (or lets us resolve)."""

    date: PartialDate
    kind: str  # one of EVENT_KINDS
    summary: str  # the clause that tells it, without its date: 威信县党政代表团到松江区…召开…座谈会
    sentence: str  # the whole sentence, for the reviewer
    start: int  # offset of the sentence in Extraction.text
    end: int


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
    return Extraction(
        title=article.title,
        publish_date=None,
        source="",
        author="",
        text=text,
        quantities=extract_quantities(text),
        article=article,
    )
