"""Reads every app shares: checking the audit log's hash chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from shanhai.core.models import AUDIT_CHAIN_PK, AuditChain, AuditEvent

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class ChainBreak:
    """The first entry where the audit log stops proving itself, and why."""

    event_id: int | None
    occurred_at: datetime | None
    action: str
    reason: str


@dataclass(frozen=True)
class ChainCheck:
    """How many entries were walked, and the first break if there is one."""

    length: int
    first_break: ChainBreak | None

    @property
    def is_intact(self) -> bool:
        return self.first_break is None


def check_audit_chain(*, chunk_size: int = CHUNK_SIZE) -> ChainCheck:
    """Walk the audit log in insertion order and return the first entry that breaks the chain.

    Streams the rows, so a log of millions of entries does not fill memory. The chain head is
    read first: entries appended during the walk follow it and are checked too.
    """
    head = AuditChain.objects.filter(pk=AUDIT_CHAIN_PK).first()
    head_length, head_hash = (head.length, head.last_hash) if head else (0, "")
    previous_hash, previous_id, length = "", None, 0
    for event in AuditEvent.objects.order_by("pk").iterator(chunk_size=chunk_size):
        if event.prev_hash != previous_hash:
            reason = (
                _("The entry before it (after id %(id)s) was removed, added or changed.")
                % {"id": previous_id}
                if previous_id is not None
                else _("It does not start the log: entries before it were removed.")
            )
            return ChainCheck(length, _break(event, reason))
        if event.compute_hash() != event.hash:
            reason = _("Its contents no longer match its hash: it was changed.")
            return ChainCheck(length, _break(event, reason))
        previous_hash, previous_id, length = event.hash, event.pk, length + 1
        if length == head_length and previous_hash != head_hash:
            reason = _("The chain head does not end at this entry: entries were replaced.")
            return ChainCheck(length, _break(event, reason))
    if length < head_length:
        reason = _(
            "The log ends after %(length)d entries, but %(expected)d were recorded: "
            "the last entries were removed."
        ) % {"length": length, "expected": head_length}
        return ChainCheck(length, ChainBreak(None, None, "", reason))
    return ChainCheck(length, None)


def _break(event: AuditEvent, reason: str) -> ChainBreak:
    return ChainBreak(event.pk, event.occurred_at, event.action, reason)
