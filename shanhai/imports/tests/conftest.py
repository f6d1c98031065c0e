"""The ledger's pairing tree and people, for the import tests (one tree for both apps)."""

from shanhai.ledger.tests.conftest import (  # noqa: F401 (fixtures are found by name)
    east_office,
    media_root,
    outsider,
    tree,
    west_office,
)
