"""Sign-in with a second factor, the account-security page, and the lockout page."""

from __future__ import annotations

import time
from base64 import b32encode
from typing import Any

import segno
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from shanhai.accounts import selectors, services
from shanhai.accounts.forms import TokenForm
from shanhai.accounts.models import User

# Between the password and the code: who passed the password, how, and when.
PENDING_LOGIN_KEY = "shanhai_pending_login"
PENDING_LOGIN_SECONDS = 300
ENROL_KEY = "shanhai_totp_key"
# django-otp makes each retry after a wrong code wait longer (1, 2, 4… seconds).
WRONG_CODE = gettext_noop(
    "This code is wrong, has expired, or came too soon after a wrong one. Wait a few seconds "
    "and enter the code shown now."
)


class LoginView(auth_views.LoginView):
    """Check the password; a person with an authenticator app then gives its code."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if selectors.get_confirmed_totp_device(user) is None:
            return super().form_valid(form)  # staff are then sent to enrol one
        self.request.session[PENDING_LOGIN_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "hash": user.get_session_auth_hash(),
            "at": int(time.time()),
        }
        query = urlencode({"next": self.get_success_url()})
        return HttpResponseRedirect(f"{reverse('accounts:login-verify')}?{query}")


def _pending_user(request: HttpRequest) -> User | None:
    """Return who passed the password in this session a moment ago, if anyone."""
    pending = request.session.get(PENDING_LOGIN_KEY)
    if not pending or time.time() - pending["at"] > PENDING_LOGIN_SECONDS:
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None or user.get_session_auth_hash() != pending["hash"]:
        return None
    return user


def _next_url(request: HttpRequest, fallback: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


def login_verify(request: HttpRequest) -> HttpResponse:
    """Ask for the authenticator app's code, after the password or before staff work."""
    user = _pending_user(request)
    if user is None and request.user.is_authenticated:
        user = request.user  # signed in, but not yet verified (staff sent here)
    if user is None:
        return redirect("accounts:login")
    form = TokenForm(request.POST or None)
    if form.is_valid():
        device = services.check_second_factor(user=user, token=form.cleaned_data["token"])
        if device is not None:
            pending = request.session.pop(PENDING_LOGIN_KEY, None)
            if pending is not None:
                auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(_next_url(request, reverse(settings.LOGIN_REDIRECT_URL)))
        form.add_error("token", _(WRONG_CODE))
    context = {"form": form, "next": _next_url(request, "")}
    return render(request, "accounts/login_verify.html", context)


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """Show the person's sign-in settings: authenticator app, password, sessions."""
    user: User = request.user  # type: ignore[assignment]
    context = {
        "device": selectors.get_confirmed_totp_device(user),
        "needs_second_factor": selectors.needs_second_factor(user),
        "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
    }
    return render(request, "accounts/security.html", context)


@login_required
def totp_enrol(request: HttpRequest) -> HttpResponse:
    """Show a new authenticator app's QR code and confirm it with its first code."""
    user: User = request.user  # type: ignore[assignment]
    if selectors.get_confirmed_totp_device(user) is not None:
        messages.info(request, _("You already have an authenticator app; remove it first."))
        return redirect("accounts:security")
    # The key stays in the session until its first code confirms it: nothing is saved before.
    key = request.session.setdefault(ENROL_KEY, default_key())
    device = TOTPDevice(user=user, key=key)  # unsaved: for the QR code and the key shown
    form = TokenForm(request.POST or None)
    if form.is_valid():
        confirmed = services.enrol_totp_device(user=user, key=key, token=form.cleaned_data["token"])
        if confirmed is not None:
            del request.session[ENROL_KEY]
            otp_login(request, confirmed)
            messages.success(request, _("Your authenticator app is set up."))
            return redirect(_next_url(request, reverse("accounts:security")))
        form.add_error("token", _(WRONG_CODE))
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr_code": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "must": selectors.needs_second_factor(user),
        "next": _next_url(request, ""),
    }
    return render(request, "accounts/totp_enrol.html", context)


@require_POST
@login_required
def totp_remove(request: HttpRequest) -> HttpResponse:
    """Remove the person's authenticator app; this ends their sessions everywhere."""
    user: User = request.user  # type: ignore[assignment]
    services.remove_totp_devices(user=user, actor=user)
    return _signed_out(request, _("Your authenticator app is removed; sign in again."))


@require_POST
@login_required
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the person, on every computer and phone, this one included."""
    user: User = request.user  # type: ignore[assignment]
    services.end_all_sessions(user=user, actor=user)
    return _signed_out(request, _("You are signed out on every device."))


def _signed_out(request: HttpRequest, message: str) -> HttpResponse:
    """End this session too, and say why on the sign-in page."""
    logout(request)
    messages.success(request, message)
    return redirect("accounts:login")


def lockout(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """Explain a lockout by django-axes (AXES_LOCKOUT_CALLABLE): how long, and who can help."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(
        request, "accounts/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )
