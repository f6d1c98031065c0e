"""Session rules for every request: staff pass a second factor first; idle sessions end."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import is_verified
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from shanhai.accounts import selectors

# Where a signed-in person without their second factor may still go.
SECOND_FACTOR_FREE_VIEWS = frozenset(
    {
        "accounts:login-verify",
        "accounts:totp-enrol",
        "accounts:logout",
        "set_language",
    }
)
RENEWED_AT_KEY = "shanhai_renewed_at"


class OTPMiddleware:
    """Set ``request.user.otp_device`` and ``is_verified()`` as django-otp's middleware does.

    The device the session was verified by is usually the user's one authenticator app,
    whose id accounts.backends.ModelBackend loads with the user; then no query is needed
    (the device itself is read only if used). Any other device is read as django-otp reads it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.user = SimpleLazyObject(partial(_verify_user, request, request.user))  # type: ignore[assignment]
        return self.get_response(request)


def _verify_user(request: HttpRequest, user: Any) -> Any:
    user.otp_device = None
    user.is_verified = partial(is_verified, user)
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY) if user.is_authenticated else None
    if not persistent_id:
        return user
    confirmed_pk = getattr(user, "confirmed_totp_pk", None)
    if confirmed_pk is not None and persistent_id == f"{TOTPDevice.model_label()}/{confirmed_pk}":
        user.otp_device = SimpleLazyObject(partial(TOTPDevice.objects.get, pk=confirmed_pk))
        return user
    device = Device.from_persistent_id(persistent_id)
    if device is None or device.user_id != user.pk or not device.confirmed:
        del request.session[DEVICE_ID_SESSION_KEY]
        return user
    user.otp_device = device
    return user


class SecondFactorMiddleware:
    """Send staff and superusers to enrol or enter their second factor before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # Nobody is signed in; asking request.user would read the session and mark the
            # answer "Vary: Cookie", so public pages could no longer be cached.
            return None
        user = request.user
        if not user.is_authenticated or not selectors.needs_second_factor(user):
            return None
        if user.is_verified():  # type: ignore[attr-defined]  # set by OTPMiddleware
            return None
        match = request.resolver_match
        if match is not None and match.view_name in SECOND_FACTOR_FREE_VIEWS:
            return None
        if getattr(user, "confirmed_totp_pk", None) is None:
            target = "accounts:totp-enrol"
        else:
            target = "accounts:login-verify"
        return redirect_to_login(request.get_full_path(), login_url=target)


class IdleSessionMiddleware:
    """Renew a signed-in session at most once a minute, so it ends after SESSION_COOKIE_AGE idle.

    SESSION_SAVE_EVERY_REQUEST would do the same with a database write on every request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        renewed_at = session.get(RENEWED_AT_KEY) if session.accessed else None
        now = int(time.time())
        if renewed_at is not None and now - renewed_at >= settings.SHANHAI_SESSION_RENEW_SECONDS:
            session[RENEWED_AT_KEY] = now  # saved with a fresh expiry by SessionMiddleware
        return response


def stamp_session(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """Note when a session began, for IdleSessionMiddleware (a user_logged_in receiver)."""
    request.session[RENEWED_AT_KEY] = int(time.time())
