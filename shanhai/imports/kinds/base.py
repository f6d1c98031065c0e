"""What every kind of import provides, and the rows it works on."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models

from shanhai.accounts.models import User
from shanhai.core.models import Source
from shanhai.imports.columns import Column, Lookups
from shanhai.places.models import Pairing
from shanhai.places.selectors import user_can


@dataclass(frozen=True)
class Problem:
    """Something wrong in a row (or, row None, in the whole file), at a column as written."""

    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    EXISTS = "exists"  # present already, with other values, and the import only adds


@dataclass
class Row:
    """One data row of the sheet: its cells read, what it builds, and what will happen to it."""

    number: int
    values: dict[str, Any]
    headers: dict[str, str]  # column key → header as written, for messages
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # stored anyway, but worth a look
    unread: dict[str, str] = field(default_factory=dict)  # cells that could not be read, as written
    built: Any = None
    many: dict[str, list[models.Model]] = field(default_factory=dict)
    key: Hashable = None
    existing: Any = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    action: str = ""

    def error(self, key: str | None, message: str) -> None:
        column = self.headers.get(key, key) if key else None
        self.errors.append(Problem(self.number, column, message))

    def warn(self, key: str | None, message: str) -> None:
        """Say something about the row that does not stop it being stored."""
        column = self.headers.get(key, key) if key else None
        self.warnings.append(Problem(self.number, column, message))

    def has(self, key: str) -> bool:
        return self.values.get(key) not in (None, "", [], ())

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value in (None, "", [], ()) else value

    def invalid(self, error: ValidationError, fields: dict[str, str]) -> None:
        """Add a model's ValidationError, each field's message at the column that fills it."""
        if hasattr(error, "error_dict"):
            for name, errors in error.message_dict.items():
                for message in errors:
                    self.error(fields.get(name), message)
        else:
            for message in error.messages:
                self.error(None, message)


@dataclass
class Context:
    """Who imports, into which pairing by default, how, and the lookups shared by every row."""

    user: User
    pairing: Pairing | None
    mode: str
    side: str
    lookups: Lookups
    source: Source | None = None
    make_source: Callable[[], Source] | None = None  # called inside the writing transaction
    cache: dict[str, Any] = field(default_factory=dict)

    def remember(self, key: str, make: Callable[[], Any]) -> Any:
        """The answer to *key* for this run, made once by *make* (lookups repeat row after row)."""
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    def may(self, pairing: Pairing, action: str) -> bool:
        """Whether the importing user may *action* in *pairing*, asked once per run."""
        return bool(
            self.remember(f"{action}:{pairing.pk}", lambda: user_can(self.user, pairing, action))
        )


class Kind:
    """A kind of thing a sheet lists: its columns, natural key, and how rows are stored.

    Subclasses read other apps through their selectors and write through their services.
    """

    name: ClassVar[str]
    label: ClassVar[str]  # Chinese, for sheet titles and file names
    columns: ClassVar[Sequence[Column]]
    needs_pairing: ClassVar[bool] = True
    key_help: ClassVar[str] = ""  # what makes a row "the same" as a stored one, for instructions
    export_audit_action: ClassVar[str] = ""  # logged for every export of personal data in full

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def build(self, row: Row, ctx: Context) -> None:
        """Make the row's unsaved object (row.built) and its key, or add errors to the row."""
        raise NotImplementedError

    def find_existing(self, rows: Sequence[Row], ctx: Context) -> None:
        """Set row.existing (and row.changes) for rows whose key is already stored."""
        raise NotImplementedError

    def create(self, rows: Sequence[Row], ctx: Context) -> None:
        raise NotImplementedError

    def update(self, rows: Sequence[Row], ctx: Context) -> None:
        raise NotImplementedError

    def export_objects(
        self, user: User, *, pairing: Pairing | None, year: int | None
    ) -> Iterable[Any]:
        raise NotImplementedError

    def export_values(self, obj: Any) -> dict[str, Any]:
        """An object's values in the shapes the columns' parsers return; personal ones masked."""
        raise NotImplementedError

    @property
    def personal_columns(self) -> list[Column]:
        return [column for column in self.columns if column.personal]

    def may_unmask(self, user: User, pairing: Pairing | None) -> bool:
        """Whether *user* may export the personal columns in full (in *pairing*, or all theirs)."""
        return False

    def export_unmasked(self, obj: Any) -> dict[str, Any]:
        """The personal columns' values in full, for an export by someone who may see them."""
        return {}
