"""Writes about people: create or update a user account."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from shanhai.accounts.models import User
from shanhai.core.services import record_audit_event

if TYPE_CHECKING:
    from shanhai.places.models import Organisation


@transaction.atomic
def register_user(
    *,
    username: str,
    password: str,
    display_name: str = "",
    organisation: Organisation | None = None,
    side: str = "",
    is_superuser: bool = False,
    actor: User | None = None,
) -> User:
    """Create the account *username*, or bring an existing one up to date (password included)."""
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        user = User(username=username)
    values = {
        "display_name": display_name,
        "organisation": organisation,
        "side": side,
        "is_superuser": is_superuser,
        "is_staff": is_superuser,
    }
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, values[name])
    if created or not user.check_password(password):
        user.set_password(password)
        changed.append("password")
    if not changed:
        return user
    user.full_clean(exclude=["password"])
    user.save()
    record_audit_event(
        actor=actor,
        action="accounts.user.created" if created else "accounts.user.updated",
        target=user,
    )
    return user
