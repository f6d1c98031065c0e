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
