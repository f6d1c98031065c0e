"""Progress against the year's targets, the records behind each figure, and target entry."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanhai.accounts.models import Action
from shanhai.core.http import AuthenticatedHttpRequest
from shanhai.core.routing import reads_from_replica
from shanhai.core.uploads import XLSX
from shanhai.facts.selectors import years_with_facts
from shanhai.indicators import selectors, services
from shanhai.indicators.forms import TargetsForm
from shanhai.indicators.imports import RowError, template_filename, write_target_template
from shanhai.indicators.models import AssessmentYear, Indicator, Regime
from shanhai.ledger.models import Record
from shanhai.ledger.selectors import records_by_ids, records_in_period
from shanhai.places.models import Pairing
from shanhai.places.selectors import get_pairing_for_user, user_can

BEHIND_PAGE_SIZE = 50


def _first_year(request: AuthenticatedHttpRequest, year: int) -> int | None:
    """``?from=2021`` widens the figures to 2021..year."""
    try:
        first = int(request.GET.get("from", ""))
    except ValueError:
        return None
    return first if 2000 <= first <= year else None


def _year(request: AuthenticatedHttpRequest, ids: list[int]) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        years = years_with_facts(ids)
        return years[0] if years else timezone.localdate().year


@login_required
@require_GET
@reads_from_replica
def progress(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, code)
    ids = selectors.scope_ids(request.user, pairing)
    year = _year(request, ids)
    if not 2000 <= year <= 2100:
        raise Http404
    first_year = _first_year(request, year)
    result = selectors.progress(request.user, pairing, year, first_year=first_year)
    assessment = selectors.assessment_of(pairing, year)
    years = sorted(
        {*years_with_facts(ids), timezone.localdate().year, pairing.started_on.year}, reverse=True
    )
    chart = [
        {"name": v.indicator.name_zh, "percent": float(v.percent)}
        for v in result.values
        if v.percent is not None
    ]
    context = {
        "pairing": pairing,
        "progress": result,
        "year": year,
        "years": years,
        "chart": chart,
        "reported": records_in_period(
            request.user,
            pairing,
            Record.Kind.FIGURE,
            date(first_year or year, 1, 1),
            date(year, 12, 31),
        ),
        "first_year": first_year,
        "span_from": pairing.started_on.year,
        "chart_height": 60 + 28 * len(chart),
        "can_plan": user_can(request.user, pairing, Action.PLAN),
        "assessment": assessment,
        "moves": [
            (to, AssessmentYear.State(to).label)
            for (_from, to), allowed in selectors.assessment_moves(
                assessment or AssessmentYear(pairing=pairing, year=year), request.user
            ).items()
            if allowed
        ],
    }
    return render(request, "indicators/progress.html", context)


@login_required
@require_GET
@reads_from_replica
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """All the user's top pairings side by side: Songjiang's four counties and the total."""
    year = _year(request, [])
    first_year = _first_year(request, year)
    roots, rows = selectors.overview(request.user, year, first_year=first_year)
    context = {"year": year, "first_year": first_year, "roots": roots, "rows": rows}
    return render(request, "indicators/overview.html", context)


@login_required
@require_GET
@reads_from_replica
def indicator_records(
    request: AuthenticatedHttpRequest, code: str, year: int, indicator_code: str
) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, code)
    regime = selectors.regime_for_year(year)
    if regime is None:
        raise Http404
    indicator = selectors.get_indicator(regime, indicator_code)
    first_year = _first_year(request, year)
    ids = selectors.record_ids_behind(request.user, pairing, indicator, year, first_year=first_year)
    records = records_by_ids(request.user, ids)
    behind = selectors.consumption_behind(
        request.user, pairing, indicator, year, first_year=first_year
    )
    page = (
        Paginator(behind.rows, BEHIND_PAGE_SIZE).get_page(request.GET.get("page"))
        if behind
        else None
    )
    value = next(
        (v for v in selectors.progress(request.user, pairing, year, first_year=first_year).values
         if v.indicator.pk == indicator.pk),
        None,
    )  # fmt: skip
    context = {
        "pairing": pairing,
        "year": year,
        "first_year": first_year,
        "indicator": indicator,
        "value": value,
        "records": records,
        "behind": behind,
        "page": page,
        "by_sub_pairing": [
            row
            for row in selectors.by_sub_pairing(
                request.user, pairing, indicator, year, first_year=first_year
            )
            if row[1]
        ],
        "series": [
            {"month": m, "value": float(v)}
            for m, v in selectors.cumulative_by_month(request.user, pairing, indicator, year)
        ],
    }
    return render(request, "indicators/indicator_records.html", context)


def _targets_page(
    request: AuthenticatedHttpRequest, code: str, year: int
) -> tuple[Pairing, Regime, list[Indicator], dict[int, Decimal]]:
    """The pairing (if the user may plan it), the year's regime, what can be targeted, targets."""
    pairing = get_pairing_for_user(request.user, code, Action.PLAN)
    regime = selectors.regime_for_year(year)
    if regime is None:
        raise Http404
    indicators = list(regime.indicators.exclude(computation=Indicator.Computation.RATIO))
    current = {t.indicator_id: t.value for t in selectors.targets_for(pairing, year)}
    return pairing, regime, indicators, current


@login_required
@require_http_methods(["GET", "POST"])
def targets(request: AuthenticatedHttpRequest, code: str, year: int) -> HttpResponse:
    pairing, regime, indicators, current = _targets_page(request, code, year)
    form = TargetsForm(request.POST or None, indicators=indicators, initial_values=current)
    if request.method == "POST" and form.is_valid():
        changed = services.set_targets(
            pairing=pairing, year=year, targets=form.targets(), set_by=request.user
        )
        messages.success(request, _("%(n)d targets saved.") % {"n": changed})
        return redirect(f"{pairing_progress_url(pairing.code)}?year={year}")
    context = {"pairing": pairing, "year": year, "form": form, "regime": regime}
    return render(request, "indicators/targets.html", context)


@login_required
@require_POST
def targets_import(request: AuthenticatedHttpRequest, code: str, year: int) -> HttpResponse:
    """Set the year's targets from an uploaded .xlsx or .csv; show every problem if any."""
    pairing, regime, indicators, current = _targets_page(request, code, year)
    file = request.FILES.get("file")
    if file is None:
        errors = [RowError(None, None, _("Choose a spreadsheet to import."))]
    else:
        sheet = services.import_targets(pairing=pairing, year=year, file=file, set_by=request.user)
        if not sheet.errors:
            messages.success(
                request,
                _("Imported %(rows)d targets from “%(name)s”; %(n)d changed.")
                % {"rows": len(sheet.targets), "name": file.name or "", "n": sheet.changed},
            )
            return redirect(f"{pairing_progress_url(pairing.code)}?year={year}")
        errors = sheet.errors
    context = {
        "pairing": pairing,
        "year": year,
        "form": TargetsForm(indicators=indicators, initial_values=current),
        "regime": regime,
        "import_errors": errors,
        "import_name": (file.name or "") if file else "",
    }
    return render(request, "indicators/targets.html", context)


@login_required
@require_GET
def targets_template(request: AuthenticatedHttpRequest, code: str, year: int) -> FileResponse:
    """Send a ready-to-fill .xlsx of the year's targetable indicators and current targets."""
    pairing, _regime, indicators, current = _targets_page(request, code, year)
    content = write_target_template(
        pairing=pairing, year=year, indicators=indicators, targets=current
    )
    return FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=template_filename(pairing, year),
        content_type=XLSX,
    )


@login_required
@require_POST
def assessment_move(request: AuthenticatedHttpRequest, code: str, year: int) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, code)
    try:
        assessment = services.get_assessment(pairing=pairing, year=year, actor=request.user)
        services.move_assessment(
            assessment=assessment,
            to_state=request.POST.get("to", ""),
            actor=request.user,
            text=request.POST.get("text", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Assessment updated."))
    return redirect(f"{pairing_progress_url(pairing.code)}?year={year}#assessment")


def pairing_progress_url(code: str) -> str:
    return reverse("indicators:progress", args=[code])
