"""Shared by the audit tests: tampering as a DBA would, bypassing the app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def as_a_dba() -> Iterator[None]:
    """Let the block bypass PostgreSQL's append-only trigger, as only a superuser can.

    ``session_replication_role = replica`` skips ordinary triggers for this session (ALTER
    TABLE … DISABLE TRIGGER would do too, but not with the test's rows still pending checks).
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
