"""Every kind of sheet Shanhai imports and exports, by the name the command line uses.

Later modules (labor, consumption) add their kinds to KINDS the same way.
"""

from __future__ import annotations

from shanhai.imports.kinds.base import Kind
from shanhai.imports.kinds.consumption import KINDS as CONSUMPTION_KINDS
from shanhai.imports.kinds.labor import KINDS as LABOR_KINDS
from shanhai.imports.kinds.ledger import KINDS as LEDGER_KINDS
from shanhai.imports.kinds.money import KINDS as MONEY_KINDS
from shanhai.imports.kinds.registry import KINDS as REGISTRY_KINDS

# In the order the command line lists them: the spine first, then the ledgers.
_ALL: tuple[type[Kind], ...] = (
    *REGISTRY_KINDS,
    *LEDGER_KINDS,
    *MONEY_KINDS,
    *LABOR_KINDS,
    *CONSUMPTION_KINDS,
)
KINDS: dict[str, Kind] = {kind.name: kind() for kind in _ALL}


def get_kind(name: str) -> Kind:
    """Return the kind called *name*; raise KeyError for an unknown one."""
    return KINDS[name]
