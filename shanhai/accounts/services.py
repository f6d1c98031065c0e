"""Writes about people: accounts, their sessions and their second factor."""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING

from django.db import transaction
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from shanhai.accounts import selectors
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


@transaction.atomic
def end_all_sessions(*, user: User, actor: User | None) -> None:
    """End every session of *user* on every device, by changing the salt of its session hash."""
    user.session_salt = secrets.token_hex(16)
    user.save(update_fields=["session_salt"])
    record_audit_event(actor=actor, action="accounts.user.sessions_ended", target=user)


@transaction.atomic
def enrol_totp_device(*, user: User, key: str, token: str) -> TOTPDevice | None:
    """Give *user* the authenticator app holding *key*, if *token* is its current code.

    The app replaces any other: one person, one app. Return None if the code is wrong.
    """
    device = TOTPDevice(user=user, key=key, name="山海", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not token.isdigit() or not totp.verify(int(token), device.tolerance):
        return None
    device.last_t = totp.t()  # this code may not be used again to sign in
    TOTPDevice.objects.filter(user=user).delete()
    device.full_clean()
    device.save()
    record_audit_event(actor=user, action="accounts.totp.confirmed", target=user)
    return device


def check_second_factor(*, user: User, token: str) -> TOTPDevice | None:
    """Return *user*'s authenticator-app device if *token* is its current code, else None.

    django-otp counts wrong codes on the device and makes each retry wait longer.
    """
    device = selectors.get_confirmed_totp_device(user)
    if device is None:
        return None
    verified: TOTPDevice | None = verify_token(user, device.persistent_id, token)
    return verified


@transaction.atomic
def remove_totp_devices(*, user: User, actor: User) -> None:
    """Remove *user*'s authenticator apps, and end the sessions they verified."""
    TOTPDevice.objects.filter(user=user).delete()
    end_all_sessions(user=user, actor=actor)
    record_audit_event(actor=actor, action="accounts.totp.removed", target=user)
