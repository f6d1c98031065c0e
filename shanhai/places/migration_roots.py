"""Filling the root pairing column of existing rows, for the migrations that add it.

Kept out of the migrations so that the four of them (consumption 0002, facts 0002, labor 0002,
ledger 0004) share one tested statement; it reads no model, so later model changes cannot break
an old migration.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# (table, its column naming the row the root is copied from, the table of that row)
Fill = tuple[str, str, str]


def fill_roots(fills: Sequence[Fill]) -> Callable[[Any, Any], None]:
    """A RunPython function copying each row's root from the row its key names, one statement
    per table.

    On PostgreSQL the table is rewritten (ALTER … TYPE … USING) rather than updated: an UPDATE
    of every row writes a second copy of it and an entry in each of its indexes, and leaves the
    table twice its size (1.95 M sale lines: 138 s against 33 s, docs/scaling.md).
    """

    def run(apps: Any, schema_editor: Any) -> None:
        for table, key, source in fills:
            lookup = f"SELECT root_id FROM {source} WHERE id = $1"  # noqa: S608 - our tables
            update = f"UPDATE {table} SET root_id = {source}.root_id FROM {source} "  # noqa: S608
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(
                    "CREATE FUNCTION pg_temp.shanhai_root_of(bigint) RETURNS bigint "
                    f"LANGUAGE sql STABLE AS '{lookup}'"
                )
                schema_editor.execute(
                    f"ALTER TABLE {table} ALTER COLUMN root_id TYPE bigint "
                    f"USING pg_temp.shanhai_root_of({key})"
                )
                schema_editor.execute("DROP FUNCTION pg_temp.shanhai_root_of(bigint)")
            else:
                schema_editor.execute(f"{update}WHERE {source}.id = {table}.{key}")

    return run
