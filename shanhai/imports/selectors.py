"""Reads for imports: jobs a person may see, and who the command line acts as."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from shanhai.accounts.models import Action, User
from shanhai.imports.kinds import KINDS
from shanhai.imports.kinds.base import Kind
from shanhai.imports.models import ImportJob
from shanhai.places.models import Pairing
from shanhai.places.selectors import pairings_for_user, user_can_anywhere


def may_record_somewhere(user: User) -> bool:
    """Whether *user* may record in some pairing; asked once per request (the nav asks too)."""
    if not hasattr(user, "_may_record_somewhere"):
        user._may_record_somewhere = user_can_anywhere(user, Action.RECORD)  # type: ignore[attr-defined]
    return bool(user._may_record_somewhere)  # type: ignore[attr-defined]


def kinds_for_user(user: User) -> list[Kind]:
    """The kinds *user* may import: ledger sheets where they record; the registers if admin."""
    may_record = may_record_somewhere(user)
    return [
        kind
        for kind in KINDS.values()
        if (may_record if kind.needs_pairing else user.is_superuser and user.is_active)
    ]


def jobs_for_user(user: User) -> QuerySet[ImportJob]:
    """A person's own imports, newest first."""
    return ImportJob.objects.filter(created_by=user).select_related(
        "source", "pairing__east_place", "pairing__west_place"
    )


def get_job_for_user(user: User, job_id: int) -> ImportJob:
    """Return the import *job_id* if it is *user*'s; 404 for anyone else's."""
    try:
        return jobs_for_user(user).get(pk=job_id)
    except ImportJob.DoesNotExist:
        raise Http404 from None


def command_user(username: str) -> User:
    """The account the command line acts as: the one named, or the first administrator."""
    users = User.objects.filter(is_active=True)
    user = (
        users.filter(username=username).first()
        if username
        else users.filter(is_superuser=True).order_by("pk").first()
    )
    if user is None:
        raise LookupError(
            f"no active user {username!r}" if username else "no administrator: pass --user NAME"
        )
    return user


def command_pairing(user: User, code: str) -> Pairing | None:
    if not code:
        return None
    pairing = pairings_for_user(user).filter(code=code).first()
    if pairing is None:
        raise LookupError(f"no pairing {code!r} that {user} may see")
    return pairing
