"""Writes every app shares: the audit log and sources of facts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from shanhai.accounts.models import User

from shanhai.core.models import AuditEvent, Source


def record_audit_event(
    *,
    actor: User | None,
    action: str,
    target: models.Model,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that *actor* did *action* to *target* (actor None means the system did)."""
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        details=details or {},
    )


def register_source(*, key: str, kind: str, title: str, **fields: Any) -> Source:
    """Create the source *key*, or bring it up to date (sources are cited, never duplicated)."""
    source, _created = Source.objects.update_or_create(
        key=key, defaults={"kind": kind, "title": title, **fields}
    )
    return source
