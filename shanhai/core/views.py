"""Health endpoints for load balancers and monitoring: is the process up, can it reach its data."""

from __future__ import annotations

from django.db import DatabaseError, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The process answers: no database, no session (also the load benchmark's trivial view)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Every configured database answers `SELECT 1`; 503 naming the one that does not."""
    failed = []
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            failed.append(alias)
    if failed:
        return JsonResponse({"status": "unavailable", "databases": failed}, status=503)
    return JsonResponse({"status": "ok"})
