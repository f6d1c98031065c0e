"""Give a test client's session the second factor staff must pass (see shanhai/conftest.py)."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from shanhai.accounts.models import User


def pass_second_factor(client: Client, user: User) -> TOTPDevice:
    """Give *user* a confirmed authenticator app and mark *client*'s session verified by it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
