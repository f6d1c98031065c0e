"""Download a pairing's annual report as Excel, PDF or JSON."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shanhai.core.http import AuthenticatedHttpRequest
from shanhai.places.selectors import get_pairing_for_user
from shanhai.reports import writers
from shanhai.reports.annual import build_annual_report

FIRST_YEAR, LAST_YEAR = 2000, 2100


@login_required
@require_GET
def annual_report(
    request: AuthenticatedHttpRequest, code: str, year: int, fmt: str
) -> HttpResponseBase:
    """Send the report for *year* (from ``?from=`` if given) as a file to save."""
    if fmt not in writers.CONTENT_TYPES or not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    pairing = get_pairing_for_user(request.user, code)
    try:
        first_year = int(request.GET.get("from") or year)
    except ValueError:
        first_year = 0
    if not FIRST_YEAR <= first_year <= year:
        return HttpResponseBadRequest(
            _("The first year must be a year no later than the report's.")
        )
    report = build_annual_report(
        user=request.user, pairing=pairing, year=year, first_year=first_year
    )
    return FileResponse(
        io.BytesIO(writers.render(report, fmt)),
        as_attachment=True,
        filename=writers.filename(report, fmt),
        content_type=writers.CONTENT_TYPES[fmt],
    )
