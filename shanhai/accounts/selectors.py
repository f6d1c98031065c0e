"""Reads about people: their second-factor devices."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from shanhai.accounts.models import User


def needs_second_factor(user: User) -> bool:
    """Return whether *user* may not work without a second factor (staff and superusers)."""
    return user.is_staff or user.is_superuser


def get_confirmed_totp_device(user: User) -> TOTPDevice | None:
    """Return the authenticator app *user* signs in with, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
