"""The ledger's pairing tree and offices, reused: facts are what ledger records contribute."""

from shanhai.ledger.tests.conftest import (  # noqa: F401
    east_office,
    media_root,
    outsider,
    tree,
    west_office,
)
