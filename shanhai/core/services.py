"""Writes every app shares: the audit log, sources of facts, and named locks."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, router, transaction
from django.utils import timezone

if TYPE_CHECKING:
    from shanhai.accounts.models import User

from shanhai.core.middleware import current_audit_origin
from shanhai.core.models import AUDIT_CHAIN_PK, AuditChain, AuditEvent, Source


def record_audit_event(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that *actor* did *action* to *target* (actor None means the system did).

    *target* None is for events about no row, such as a failed sign-in under an unknown name.
    """
    return append_audit_event(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target) if target is not None else "",
        details=details,
    )


def append_audit_event(
    *,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: str,
    target_repr: str,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the audit log's hash chain, inside the caller's transaction.

    The chain head is locked until the caller commits, so concurrent appends take turns and
    never fork the chain; if the caller rolls back, the event and the new head go with it.
    """
    origin = current_audit_origin()
    event = AuditEvent(
        actor=actor,
        actor_username=actor.get_username() if actor is not None else "",
        action=action,
        target_type=target_type,
        target_id=target_id[:64],
        target_repr=target_repr[:300],
        # Stored as the database will give it back, so the hash can be checked later.
        details=json.loads(json.dumps(details or {})),
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
        origin=origin.origin,
    )
    using = router.db_for_write(AuditEvent) or DEFAULT_DB_ALIAS
    with transaction.atomic(using=using, savepoint=False):
        event.prev_hash = _lock_chain_head(using)
        event.occurred_at = timezone.now()  # taken under the lock: time order is chain order
        event.hash = event.compute_hash()
        event.save(using=using, force_insert=True)
        with connections[using].cursor() as cursor:
            cursor.execute(
                f"UPDATE {_chain_table(using)} SET last_hash = %s WHERE id = %s",  # noqa: S608
                [event.hash, AUDIT_CHAIN_PK],
            )
    return event


def _chain_table(using: str) -> str:
    return connections[using].ops.quote_name(AuditChain._meta.db_table)


def _lock_chain_head(using: str) -> str:
    """Lock the chain head until the transaction ends, count the new event, return the hash.

    Plain SQL: this runs for every event, and the ORM's overhead would double its cost.
    """
    count = f"UPDATE {_chain_table(using)} SET length = length + 1 WHERE id = %s"  # noqa: S608
    with connections[using].cursor() as cursor:
        cursor.execute(f"{count} RETURNING last_hash", [AUDIT_CHAIN_PK])
        row = cursor.fetchone()
    if row is None:  # a database flushed since it was migrated
        AuditChain.objects.using(using).get_or_create(pk=AUDIT_CHAIN_PK)
        return _lock_chain_head(using)
    return str(row[0])


def register_source(*, key: str, kind: str, title: str, **fields: Any) -> Source:
    """Create the source *key*, or bring it up to date (sources are cited, never duplicated)."""
    source, _created = Source.objects.update_or_create(
        key=key, defaults={"kind": kind, "title": title, **fields}
    )
    return source


LOCK_CLASS = 7_270_115  # the first key of every pg_advisory_xact_lock(int, int) Shanhai takes


def hold_lock(name: str) -> None:
    """Hold the lock called *name* till the transaction ends: writers that take the same lock
    run one after the other (a check-then-insert the database has no key for, across roots).

    On PostgreSQL a transaction-level advisory lock; SQLite lets one writer in at a time anyway.
    Call it inside the transaction it guards.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_CLASS, name])
