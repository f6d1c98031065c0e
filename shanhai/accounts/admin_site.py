"""The back office's site: Django's admin, for staff verified by their second factor."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_otp.admin import OTPAdminSite


class AdminSite(OTPAdminSite):  # type: ignore[misc]
    """Let in staff verified by a second factor; everyone signs in through accounts:login."""

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        if request.user.is_authenticated:
            response: HttpResponse = super().login(request, extra_context)
            return response
        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect_to_login(next_url, login_url="accounts:login")
