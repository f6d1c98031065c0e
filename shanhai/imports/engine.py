"""Run a sheet through a kind: read, check every row, and (when asked) write all or nothing.

The same run serves the preview (write=False) and the commit (write=True), the web and the
command line. Rows are handled in chunks, so memory stays bounded whatever the file's length;
a commit writes inside one transaction and rolls it back if any row turns out wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import batched, chain, islice
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, reset_queries, transaction
from django.utils.translation import gettext as _

from shanhai.core.services import hold_lock
from shanhai.core.sheets import SheetError, SheetInfo, open_sheet
from shanhai.facts.services import rollups_moved_once
from shanhai.imports.kinds.base import Action, Context, Kind, Problem, Row
from shanhai.imports.reading import (
    HEADER_SCAN_ROWS,
    Layout,
    LayoutError,
    data_rows,
    find_layout,
    read_row,
)

CHUNK_ROWS = 500
PREVIEW_ROWS = 200  # rows shown whatever their state
PREVIEW_PROBLEM_ROWS = 500  # rows with problems shown beyond those
KEPT_ERRORS = 5000  # problems kept for display; all are counted

Progress = Callable[[str, int, int, int], None]  # stage, rows read, checked, written


def _no_progress(stage: str, read: int, checked: int, written: int) -> None:
    return None


@dataclass
class Outcome:
    """What a run found and did; as_json() is what `shanhai import --json` prints."""

    kind: str
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    created: int = 0
    updated: int = 0
    to_create: int = 0
    to_update: int = 0
    unchanged: int = 0
    exists: int = 0
    error_count: int = 0
    errors: list[Problem] = field(default_factory=list)
    warning_count: int = 0  # rows stored with something worth a look (a sale not certified …)
    unusable: bool = False
    written: bool = False
    sheet: dict[str, Any] = field(default_factory=dict)
    headers: list[dict[str, Any]] = field(default_factory=list)  # the sheet's columns, mapped
    unknown: list[str] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)

    def add_error(self, problem: Problem) -> None:
        self.error_count += 1
        if len(self.errors) < KEPT_ERRORS:
            self.errors.append(problem)

    @property
    def exit_status(self) -> int:
        if self.unusable:
            return 2
        return 1 if self.rejected or self.error_count else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "created": self.created,
            "updated": self.updated,
            "errors": [p.as_dict() for p in self.errors],
        }

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "to_create": self.to_create,
            "to_update": self.to_update,
            "unchanged": self.unchanged,
            "exists": self.exists,
            "created": self.created,
            "updated": self.updated,
            "error_count": self.error_count,
            "warning_count": self.warning_count,
            "unusable": self.unusable,
            "written": self.written,
            "sheet": self.sheet,
            "headers": self.headers,
            "unknown": self.unknown,
        }


class _RolledBack(Exception):  # noqa: N818 (control flow, not an error)
    """Raised inside the commit's transaction to undo it when a row proved wrong."""


def run(
    file: File[bytes],
    *,
    kind: Kind,
    ctx: Context,
    mapping: Mapping[str, str] | None = None,
    write: bool = False,
    progress: Progress = _no_progress,
) -> Outcome:
    """Read *file* as a sheet of *kind*; with *write*, store it only if every row is right."""
    outcome = Outcome(kind=kind.name)
    try:
        with open_sheet(file) as (info, rows):
            outcome.sheet = _sheet_info(info)
            head = list(islice(rows, HEADER_SCAN_ROWS))
            layout = find_layout(kind, head, mapping or {})
            _describe_layout(outcome, layout, kind)
            body = data_rows(chain(head, rows), layout)
            atomic = transaction.atomic() if write else nullcontext()
            with atomic, rollups_moved_once():
                if write:
                    # Two sheets of a kind written at once would each miss the other's rows
                    # when looking for rows already there, and store them twice.
                    hold_lock(f"imports.write.{kind.name}")
                if write and ctx.make_source is not None:
                    ctx.source = ctx.make_source()
                _check_and_write(body, layout, kind, ctx, outcome, write, progress)
                if write and outcome.error_count:
                    raise _RolledBack
    except SheetError as error:
        outcome.unusable = True
        outcome.add_error(Problem(None, None, str(error)))
    except LayoutError as error:
        outcome.unusable = True
        if error.layout is not None:
            _describe_layout(outcome, error.layout, kind)
        for problem in error.problems:
            outcome.add_error(problem)
    except _RolledBack:
        outcome.created = outcome.updated = 0
    except (ValidationError, PermissionDenied, DatabaseError) as error:
        # A rule the checks before writing did not catch: nothing was written.
        outcome.created = outcome.updated = 0
        message = " ".join(getattr(error, "messages", [])) or str(error) or _("Permission denied.")
        outcome.add_error(
            Problem(None, None, _("Nothing was imported: %(problem)s") % {"problem": message})
        )
    else:
        outcome.written = write and not outcome.error_count
    progress("done", outcome.rows, outcome.rows, outcome.created + outcome.updated)
    return outcome


def _sheet_info(info: SheetInfo) -> dict[str, Any]:
    return {
        "file": info.file_name,
        "format": info.file_format,
        "sheet": info.sheet_name,
        "other_sheets": list(info.other_sheets),
        "hidden_sheets": list(info.hidden_sheets),
        "encoding": info.encoding,
    }


def _describe_layout(outcome: Outcome, layout: Layout, kind: Kind) -> None:
    outcome.headers = [
        {"index": i, "written": layout.written[i], "column": c.key, "header": c.header}
        for i, c in sorted(layout.columns.items())
    ]
    outcome.unknown = [text for _i, text in layout.unknown]


def _check_and_write(
    body: Iterator[tuple[int, list[Any]]],
    layout: Layout,
    kind: Kind,
    ctx: Context,
    outcome: Outcome,
    write: bool,
    progress: Progress,
) -> None:
    seen: dict[bytes, int] = {}  # hash of a row's key → the row it was first seen in
    for chunk in batched(body, CHUNK_ROWS):
        reset_queries()  # with DEBUG on, Django keeps every query: memory would grow with the file
        rows = [read_row(number, values, layout, ctx) for number, values in chunk]
        outcome.rows += len(rows)
        progress(
            "checking", outcome.rows, outcome.rows - len(rows), outcome.created + outcome.updated
        )
        for row in rows:
            if not row.errors:
                kind.build(row, ctx)
            if not row.errors and row.key is not None:
                digest = hashlib.blake2b(repr(row.key).encode(), digest_size=16).digest()
                if digest in seen:
                    row.error(
                        None,
                        _("This row repeats row %(row)d (the same record).")
                        % {"row": seen[digest]},
                    )
                else:
                    seen[digest] = row.number
        good = [r for r in rows if not r.errors]
        kind.find_existing(good, ctx)
        for row in rows:
            _count(row, outcome, kind)
        if write and not outcome.error_count:
            creates = [r for r in good if r.action == Action.CREATE]
            updates = [r for r in good if r.action == Action.UPDATE]
            if creates:
                kind.create(creates, ctx)
                outcome.created += len(creates)
            if updates:
                kind.update(updates, ctx)
                outcome.updated += len(updates)
            _count_late_errors([*creates, *updates], outcome)
        progress(
            "writing" if write else "checking",
            outcome.rows,
            outcome.rows,
            outcome.created + outcome.updated,
        )


def _count_late_errors(rows: list[Row], outcome: Outcome) -> None:
    """Rows a kind found wrong only while writing (a service refused them): nothing stays."""
    for row in rows:
        if row.errors:
            outcome.accepted -= 1
            outcome.rejected += 1
            for problem in row.errors:
                outcome.add_error(problem)


def _count(row: Row, outcome: Outcome, kind: Kind) -> None:
    if row.errors:
        outcome.rejected += 1
        for problem in row.errors:
            outcome.add_error(problem)
    else:
        outcome.accepted += 1
        outcome.warning_count += bool(row.warnings)
        if row.action == Action.CREATE:
            outcome.to_create += 1
        elif row.action == Action.UPDATE:
            outcome.to_update += 1
        elif row.action == Action.UNCHANGED:
            outcome.unchanged += 1
        elif row.action == Action.EXISTS:
            outcome.exists += 1
    shown = len(outcome.preview)
    flagged = row.errors or row.warnings
    if shown < PREVIEW_ROWS or (flagged and shown < PREVIEW_ROWS + PREVIEW_PROBLEM_ROWS):
        outcome.preview.append(
            {
                "row": row.number,
                "action": "error" if row.errors else row.action,
                "values": {k: _shown_value(row, k, kind) for k in row.headers},
                "errors": [p.as_dict() for p in row.errors],
                "warnings": [p.as_dict() for p in row.warnings],
                "changes": sorted(row.changes),
            }
        )


def _shown_value(row: Row, key: str, kind: Kind) -> str:
    """A cell as the preview (stored with the job) shows it: personal data masked."""
    column = kind.column(key)
    value = row.values.get(key)
    if value is None:
        text = row.unread.get(key, "")
        return column.value.masked(text) if column.personal and text else text
    return column.value.masked(value) if column.personal else column.value.show(value)
