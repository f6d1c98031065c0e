"""Django's model backend, loading with the user the id of their authenticator app."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db.models import OuterRef, Subquery
from django_otp.plugins.otp_totp.models import TOTPDevice

from shanhai.accounts.models import User


class ModelBackend(DjangoModelBackend):
    """Load the signed-in user with ``confirmed_totp_pk`` in the same query.

    accounts.middleware.OTPMiddleware then checks the session's second factor without a
    query of its own on every request.
    """

    def get_user(self, user_id: Any) -> User | None:
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True).order_by("pk")
        user = (
            User._default_manager.annotate(confirmed_totp_pk=Subquery(confirmed.values("pk")[:1]))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
