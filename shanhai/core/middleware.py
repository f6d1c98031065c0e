"""Where the audit log's events come from: the current request, command or task.

The middleware keeps the client's address, user agent and the request line in a context
variable, so services record them without being handed the request. Outside a request the
origin is the management command (``command:import``) or the task being run.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

USER_AGENT_LENGTH = 300
ORIGIN_LENGTH = 200


@dataclass(frozen=True)
class AuditOrigin:
    """Where an event comes from; empty address and agent outside requests."""

    origin: str
    ip_address: str = ""
    user_agent: str = ""


_current: ContextVar[AuditOrigin | None] = ContextVar("shanhai_audit_origin", default=None)


def current_audit_origin() -> AuditOrigin:
    """Return the origin of events recorded now: the request, else the task or command."""
    return _current.get() or process_origin()


@cache
def process_origin() -> AuditOrigin:
    """Name this process: ``command:<name>`` for `shanhai`/`manage.py`, else the program."""
    program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"
    if program in {"shanhai", "manage.py", "django-admin"} and len(sys.argv) > 1:
        return AuditOrigin(origin=f"command:{sys.argv[1]}"[:ORIGIN_LENGTH])
    return AuditOrigin(origin=f"process:{program}"[:ORIGIN_LENGTH])


@contextmanager
def audit_origin(origin: AuditOrigin) -> Iterator[None]:
    """Record events in this block as coming from *origin*."""
    token = _current.set(origin)
    try:
        yield
    finally:
        _current.reset(token)


def set_audit_origin(origin: AuditOrigin | None) -> AuditOrigin | None:
    """Replace the current origin and return the previous one (for signal pairs)."""
    previous = _current.get()
    _current.set(origin)
    return previous


def _valid_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return ""


def _is_trusted_proxy(address: str) -> bool:
    if not address:
        return False
    ip = ipaddress.ip_address(address)
    trusted: list[str] = list(getattr(settings, "SHANHAI_TRUSTED_PROXIES", []))
    return any(ip in ipaddress.ip_network(network, strict=False) for network in trusted)


def client_ip(request: HttpRequest) -> str:
    """Return the client's address: REMOTE_ADDR, or X-Forwarded-For behind a trusted proxy.

    Only when REMOTE_ADDR is one of ``settings.SHANHAI_TRUSTED_PROXIES`` (addresses or
    networks; none by default) is X-Forwarded-For read, from the right, skipping the trusted
    proxies: the entries further left are whatever the client chose to send.
    """
    address = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    if not _is_trusted_proxy(address):
        return address
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed(forwarded.split(",")):
        hop_ip = _valid_ip(hop)
        if not hop_ip:
            return address
        if not _is_trusted_proxy(hop_ip):
            return hop_ip
    return address


def request_origin(request: HttpRequest) -> AuditOrigin:
    """Return the origin of events recorded while handling *request*."""
    return AuditOrigin(
        origin=f"{request.method} {request.path}"[:ORIGIN_LENGTH],
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH],
    )


class AuditOriginMiddleware:
    """Make the request's address, user agent and path the origin of its audit events."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with audit_origin(request_origin(request)):
            return self.get_response(request)
