"""Measure extraction against hand-annotated articles: precision, recall and time per article.

A corpus is a folder of articles (``NN-slug.txt``, ``.html`` or ``.scraped.txt``) each with the
annotations a person wrote for the clean article (``NN-slug.expected.json``, the keys of
``shanhai news extract --json``). Scores:

- metadata: the share of articles whose title, publish date, source and author are exactly right;
- parties: precision and recall of east and west names, a name matching when one contains the
  other's stem (松江区 ~ 松江; 黔东南州 ~ 黔东南苗族侗族自治州);
- events: precision and recall of (date, kind), and of the date alone;
- quantities: precision and recall of the phrase (``text``), and on the matched ones how often the
  value, qualifier and category are right.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shanhai.news.cleaning import ArticleError
from shanhai.news.extract import extract

__all__ = ["Score", "evaluate", "load_corpus"]

_SUFFIX = re.compile(
    r"(?:苗族侗族自治州|布依族苗族自治州|彝族自治州|自治州|自治县|自治旗|省|市|区|县|州|旗|盟|地区)$"
)


@dataclass
class Tally:
    expected: int = 0
    found: int = 0
    matched: int = 0

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    def add(self, expected: Iterable[Any], found: Iterable[Any]) -> None:
        want, got = Counter(expected), Counter(found)
        self.expected += sum(want.values())
        self.found += sum(got.values())
        self.matched += sum((want & got).values())


@dataclass
class Score:
    articles: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    metadata: Counter[str] = field(default_factory=Counter)
    parties: Tally = field(default_factory=Tally)
    events: Tally = field(default_factory=Tally)
    event_dates: Tally = field(default_factory=Tally)
    quantities: Tally = field(default_factory=Tally)
    quantity_fields: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    @property
    def ms_per_article(self) -> float:
        return 1000 * self.seconds / self.articles if self.articles else 0.0

    def rows(self) -> list[tuple[str, str]]:
        n = self.articles or 1
        matched = self.quantities.matched or 1
        rows = [(f"{key} exact", f"{self.metadata[key]}/{n}") for key in _METADATA]
        for name, tally in (
            ("parties", self.parties),
            ("events (date, kind)", self.events),
            ("events (date)", self.event_dates),
            ("quantities (phrase)", self.quantities),
        ):
            rows.append(
                (
                    name,
                    f"precision {tally.precision:.0%} ({tally.matched}/{tally.found}), "
                    f"recall {tally.recall:.0%} ({tally.matched}/{tally.expected})",
                )
            )
        rows += [
            (f"quantity {key} right", f"{self.quantity_fields[key] / matched:.0%}")
            for key in ("value", "qualifier", "category")
        ]
        rows.append(("time per article", f"{self.ms_per_article:.1f} ms"))
        return rows


_METADATA = ("title", "publish_date", "source", "author")


def load_corpus(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Pair every article in *folder* with its annotations."""
    pairs: list[tuple[Path, dict[str, Any]]] = []
    for expected in sorted(folder.glob("*.expected.json")):
        stem = expected.name.removesuffix(".expected.json")
        annotations = json.loads(expected.read_text(encoding="utf-8"))
        for article in sorted(folder.glob(f"{stem}.*")):
            if article.suffix in (".txt", ".html") and article != expected:
                pairs.append((article, annotations))
    return pairs


def _stem(name: str) -> str:
    return _SUFFIX.sub("", name.strip()) or name.strip()


def _place_pairs(expected: list[str], found: list[str]) -> tuple[list[str], list[str]]:
    """Rewrite found names to the expected name they mean, so Counter arithmetic matches them."""
    aligned: list[str] = []
    for name in found:
        stem = _stem(name)
        match = next((e for e in expected if _stem(e) in name or stem in e), name)
        aligned.append(match)
    return expected, aligned


def evaluate(corpus: list[tuple[Path, dict[str, Any]]]) -> Score:
    score = Score()
    for path, want in corpus:
        data = path.read_bytes()
        started = time.perf_counter()
        try:
            got = extract(data).as_json()
        except ArticleError as error:
            score.failed.append(f"{path.name}: {error}")
            continue
        finally:
            score.seconds += time.perf_counter() - started
        score.articles += 1
        for key in _METADATA:
            if (want.get(key) or "") == (got.get(key) or ""):
                score.metadata[key] += 1
            else:
                score.misses.append(f"{path.name} {key}: want {want.get(key)!r} got {got[key]!r}")
        for side in ("east", "west"):
            expected, found = _place_pairs(want.get(side, []), got[side])
            score.parties.add([(side, n) for n in expected], [(side, n) for n in found])
        want_events = [(e["date"], e["kind"]) for e in want.get("events", [])]
        got_events = [(e["date"], e["kind"]) for e in got["events"]]
        score.events.add(want_events, got_events)
        score.event_dates.add({d for d, _ in want_events}, {d for d, _ in got_events})
        for missing in set(want_events) - set(got_events):
            score.misses.append(f"{path.name} event missed: {missing}")
        for extra in set(got_events) - set(want_events):
            score.misses.append(f"{path.name} event extra: {extra}")
        _quantities(score, path.name, want.get("quantities", []), got["quantities"])
    return score


def _quantities(
    score: Score, name: str, want: list[dict[str, Any]], got: list[dict[str, Any]]
) -> None:
    score.quantities.add([q["text"] for q in want], [q["text"] for q in got])
    remaining = list(got)
    for expected in want:
        found = next((q for q in remaining if q["text"] == expected["text"]), None)
        if found is None:
            score.misses.append(f"{name} quantity missed: {expected['text']}")
            continue
        remaining.remove(found)
        for key in ("value", "qualifier", "category"):
            if (
                float(found[key]) == float(expected[key])
                if key == "value"
                else found[key] == expected[key]
            ):
                score.quantity_fields[key] += 1
            else:
                score.misses.append(
                    f"{name} quantity {expected['text']} {key}: "
                    f"want {expected[key]!r} got {found[key]!r}"
                )
    for extra in remaining:
        score.misses.append(f"{name} quantity extra: {extra['text']}")
