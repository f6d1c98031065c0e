"""The ledgers that contribute facts register here, so a rebuild can replay all of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from shanhai.facts.services import FactRow

# A source yields (source id, the facts of that row) for every row it holds.
AllFacts = Callable[[], Iterable[tuple[int, list[FactRow]]]]

_SOURCES: dict[str, AllFacts] = {}


def register(source: str, all_facts: AllFacts) -> None:
    """Declare that *source* contributes facts; call from the ledger app's ``ready()``."""
    _SOURCES[source] = all_facts


def sources() -> dict[str, AllFacts]:
    return dict(_SOURCES)


# A metric whose facts each sum many records (a batch of sale lines) names the metric that
# counts those records, so "records behind a figure" counts lines, not facts.
_RECORD_COUNTS: dict[str, str] = {}


def register_record_count(metric: str, count_metric: str) -> None:
    """Declare that the records behind *metric* are counted by the values of *count_metric*."""
    _RECORD_COUNTS[metric] = count_metric


def record_count_metric(metric: str) -> str | None:
    return _RECORD_COUNTS.get(metric)
