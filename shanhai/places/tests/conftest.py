"""The ledger's pairing tree and offices, and the consumption tests' shop, for the tests that
fill pairings with rows of every big table (test_roots)."""

from shanhai.consumption.tests.conftest import shop  # noqa: F401 (fixtures are found by name)
from shanhai.ledger.tests.conftest import (  # noqa: F401
    east_office,
    media_root,
    tree,
    west_office,
)
