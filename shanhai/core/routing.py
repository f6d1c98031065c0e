"""Send dashboards, reports and exports to the read replica, and everything else to the primary.

With ``DATABASE_REPLICA_URL`` set, the settings add a second database alias, ``replica``: a
streaming (hot standby) copy of the primary. Views marked ``@reads_from_replica`` read from it,
except when

- the user saved something in the last ``SHANHAI_REPLICA_PIN_SECONDS``: ``ReplicaPinMiddleware``
  pins them to the primary with a signed cookie, so what they just saved shows at once;
- the request itself has written: its later reads see what it wrote;
- the read is inside a transaction (an atomic block) on the primary;
- the replica cannot be reached: the primary serves, and the replica is tried again after
  ``RETRY_SECONDS``.

Every write and every migration goes to the primary. Without a replica the router has no
opinion and the middleware is not installed, so Django behaves exactly as with no router.
Background work may read from the replica once it has caught up with the primary
(``replica_reads(catch_up_within=…)``): see docs/operations.md, "Read replicas".
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model
from django.http import HttpRequest
from django.http.response import HttpResponseBase

REPLICA = "replica"
PIN_COOKIE = "shanhai_primary"
RETRY_SECONDS = 30.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_PIN_SALT = "shanhai.core.routing.pin"
# What the ORM sends when it writes; anything else is a read.
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|MERGE|COPY|TRUNCATE)\b", re.IGNORECASE)
# A WAL position just past a page header is the page boundary as far as replay is concerned
# (short and long page headers of PostgreSQL's 8 KB WAL pages).
_WAL_PAGE = 8192
_WAL_PAGE_HEADERS = (24, 40)

logger = logging.getLogger(__name__)


@dataclass
class _Writes:
    """Whether the current request has written to the primary."""

    happened: bool = False

    def watch(self, execute: Any, sql: Any, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if not self.happened and isinstance(sql, str) and _WRITE.match(sql):
            self.happened = True
        return result


@dataclass
class _Health:
    """Per process: the replica is not tried again before this monotonic time."""

    down_until: float = 0.0


_replica_reads: ContextVar[bool] = ContextVar("shanhai_replica_reads", default=False)
_request_writes: ContextVar[_Writes | None] = ContextVar("shanhai_request_writes", default=None)
_health = _Health()


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _reading_from_replica() -> bool:
    if not _replica_reads.get():
        return False
    writes = _request_writes.get()
    if writes is not None and writes.happened:
        return False
    return not connections[DEFAULT_DB_ALIAS].in_atomic_block


class ReplicaRouter:
    """Reads marked for the replica go there; every other read and every write to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if not replica_configured():
            return None
        return REPLICA if _reading_from_replica() else DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS if replica_configured() else None

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        """Rows read from the replica are the primary's rows: they may be related freely."""
        if not replica_configured():
            return None
        pool = {DEFAULT_DB_ALIAS, REPLICA}
        return (obj1._state.db in pool and obj2._state.db in pool) or None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        """Migrate the primary only; the replica receives the changes by streaming."""
        if not replica_configured():
            return None
        return db == DEFAULT_DB_ALIAS


def _replica_reachable() -> bool:
    if time.monotonic() < _health.down_until:
        return False
    replica = connections[REPLICA]
    try:
        replica.close_if_health_check_failed()  # a persistent connection the replica dropped
        replica.ensure_connection()
    except DatabaseError:
        _health.down_until = time.monotonic() + RETRY_SECONDS
        logger.warning(
            "The read replica cannot be reached; reading from the primary for %d s.",
            RETRY_SECONDS,
            exc_info=True,
        )
        return False
    return True


def _lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def _primary_position() -> int:
    """The primary's WAL position: every transaction committed so far ends at or before it."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        # The insert position, not the flush position: with synchronous_commit=off a commit may
        # still be in the WAL buffers (the WAL writer flushes it within wal_writer_delay, and
        # only then can the replica receive it).
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        row = cursor.fetchone()
    position = _lsn(row[0])
    if position % _WAL_PAGE in _WAL_PAGE_HEADERS:
        position -= position % _WAL_PAGE
    return position


def wait_for_replica(timeout: float) -> bool:
    """Wait until the replica has replayed every transaction the primary has committed so far.

    Return False if it has not within *timeout* seconds, or cannot be reached.
    """
    if not replica_configured() or not _replica_reachable():
        return False
    target = _primary_position()
    deadline = time.monotonic() + timeout
    try:
        with connections[REPLICA].cursor() as cursor:
            while True:
                cursor.execute(
                    "SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn()::text, '0/0')"
                )
                in_recovery, replayed = cursor.fetchone()
                if not in_recovery or _lsn(replayed) >= target:
                    return True
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.02)
    except DatabaseError:
        logger.warning("Could not ask the read replica how far it has replayed.", exc_info=True)
        return False


@contextmanager
def replica_reads(*, catch_up_within: float | None = None) -> Iterator[bool]:
    """Within the block, reads outside transactions go to the replica; yield whether they do.

    With *catch_up_within*, first wait (that many seconds at most) for the replica to replay all
    the primary has committed, and read from the primary if it does not: for background work,
    which must see at least what its requester saw when asking for it.
    """
    if not replica_configured() or not _replica_reachable():
        yield False
        return
    if catch_up_within is not None and not wait_for_replica(catch_up_within):
        logger.info("The replica is over %s s behind; reading from the primary.", catch_up_within)
        yield False
        return
    token = _replica_reads.set(True)
    try:
        yield True
    finally:
        _replica_reads.reset(token)


def is_pinned(request: HttpRequest) -> bool:
    """Whether the request's user saved something within the last pin window."""
    user = getattr(request, "user", None)
    seconds = settings.SHANHAI_REPLICA_PIN_SECONDS
    if user is None or not user.is_authenticated or seconds <= 0:
        return False
    value = request.get_signed_cookie(PIN_COOKIE, default=None, salt=_PIN_SALT, max_age=seconds)
    return value == str(user.pk)


def reads_from_replica[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """Mark a dashboard, report or export view: it reads from the replica when that is safe.

    Put it below ``@login_required``, so the session and the user are read from the primary.
    The view must build its whole response before returning (no lazy streaming of querysets).
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not replica_configured() or is_pinned(request):
            return view(request, *args, **kwargs)
        with replica_reads():
            return view(request, *args, **kwargs)

    wrapper.reads_from_replica = True  # type: ignore[attr-defined]
    return cast(V, wrapper)


class ReplicaPinMiddleware:
    """Pin a user who has just written to the primary for ``SHANHAI_REPLICA_PIN_SECONDS``.

    A request wrote if its method is not a safe one (POST, PUT, PATCH, DELETE) or if it sent an
    INSERT, UPDATE or DELETE to the primary. Installed only when a replica is configured.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        if not replica_configured():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        writes = _Writes()
        token = _request_writes.set(writes)
        try:
            with connections[DEFAULT_DB_ALIAS].execute_wrapper(writes.watch):
                response = self.get_response(request)
        finally:
            _request_writes.reset(token)
        if writes.happened or request.method not in SAFE_METHODS:
            _pin(request, response)
        return response


def _pin(request: HttpRequest, response: HttpResponseBase) -> None:
    user = getattr(request, "user", None)
    seconds = settings.SHANHAI_REPLICA_PIN_SECONDS
    if user is None or not user.is_authenticated or seconds <= 0:
        return
    response.set_signed_cookie(
        PIN_COOKIE,
        str(user.pk),
        salt=_PIN_SALT,
        max_age=seconds,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
