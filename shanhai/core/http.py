"""Request types for logged-in views, and the answer when the database is out of reach."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from shanhai.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


logger = logging.getLogger("shanhai.database")

# PostgreSQL error classes that mean "the server cannot be reached or is going away", as opposed
# to a bad query: connection exceptions (08…), operator intervention such as a shutdown or a
# server still starting (57P…), and too many connections (53300).
_UNREACHABLE_STATES = ("08", "57P", "53300")
RETRY_AFTER_SECONDS = 5


def is_database_unavailable(error: BaseException) -> bool:
    """Tell whether *error* means the database is out of reach, not that a query is wrong.

    A statement timeout, a deadlock or SQLite's "no such table" are OperationalErrors too, but
    they are faults of the code or the data: they stay 500s and reach the error log as such.
    """
    if isinstance(error, InterfaceError):
        return True  # the connection is closed or broken
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    if cause is not None and type(cause).__module__.startswith("psycopg"):
        state: str | None = getattr(cause, "sqlstate", None)
        return state is None or state.startswith(_UNREACHABLE_STATES)
    message = str(error).lower()
    return "database is locked" in message or "unable to open database" in message


def database_unavailable(request: HttpRequest, error: BaseException) -> HttpResponse:
    """Answer 503: a short page in the reader's language, or a JSON error for the API."""
    state = getattr(error.__cause__, "sqlstate", None)
    # The method, path and error class only: no query string, message or user, which may
    # carry personal data.
    logger.warning(
        "database unavailable: %s %s (%s, sqlstate %s)",
        request.method,
        request.path,
        type(error.__cause__ or error).__name__,
        state,
    )
    detail = _("The database is temporarily unavailable. Please try again shortly.")
    wants_json = request.path.startswith("/api/") or (
        request.accepts("application/json") and not request.accepts("text/html")
    )
    response: HttpResponse
    if wants_json:
        body = {"detail": detail, "code": "database_unavailable"}
        response = JsonResponse(body, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        # Rendered without the request: context processors would ask the database for the user.
        response = HttpResponse(render_to_string("503.html", {"detail": detail}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turn a view's lost database connection into a clean 503 instead of a 500.

    Errors raised by other middleware (a session read, say) never pass through here: Django
    turns them into the 500 handler's answer, so :func:`server_error` makes the same choice.
    Django's CONN_HEALTH_CHECKS drops the broken connection at the next request, which then
    reconnects by itself once the database is back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        return database_unavailable(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler (config/urls.py): 503 when the uncaught error is a lost database."""
    error = sys.exc_info()[1]
    if error is not None and is_database_unavailable(error):
        return database_unavailable(request, error)
    return defaults.server_error(request)


# Browser features no Shanhai page uses, switched off for every page and any frame in it, so an
# injected script or a hostile embed cannot ask for them. Clipboard writes (copying a new channel
# key) need no permission. An empty list, "()", means "allowed nowhere".
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy` (Django's SecurityMiddleware sends the other security headers)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
