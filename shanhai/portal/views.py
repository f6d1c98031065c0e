"""The public portal (no login, light on a phone) and the office's page choosing what it shows."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_safe

from shanhai.accounts.models import User
from shanhai.core.http import AuthenticatedHttpRequest
from shanhai.indicators.selectors import Status
from shanhai.places.models import Pairing
from shanhai.places.selectors import get_pairing_for_user, user_can
from shanhai.portal import selectors, services
from shanhai.portal.forms import PortalForm

PUBLIC_MAX_AGE = 300  # seconds a phone or a proxy may keep a public page
ARTICLES_PER_PAGE = 20
ARTICLES_PER_MANAGE_PAGE = 50


def _year(request: HttpRequest, years: list[int], name: str = "year") -> int | None:
    """``?year=2023`` if the pairing has that year; None if not asked; 404 for anything else."""
    asked = request.GET.get(name)
    if asked is None:
        return None
    if not asked.isdigit() or int(asked) not in years:
        raise Http404
    return int(asked)


def _first_year(request: HttpRequest, years: list[int], year: int | None) -> int | None:
    """``?from=2021&year=2023`` adds the years up, as news reports do ("三年间")."""
    first = _year(request, years, "from")
    if first is not None and (year is None or first > year):
        raise Http404
    return None if first == year else first


def _may_publish(request: HttpRequest, pairing: Pairing) -> bool:
    user = request.user
    return isinstance(user, User) and user_can(user, pairing, selectors.PUBLISH)


@require_safe
@cache_control(public=True, max_age=PUBLIC_MAX_AGE)
def index(request: HttpRequest) -> HttpResponse:
    """The pairings that publish news or figures."""
    return render(request, "portal/index.html", {"pairings": selectors.public_pairings()})


@require_safe
def pairing_page(request: HttpRequest, code: str) -> HttpResponse:
    """A pairing's headline figures for a year (the latest with recorded work), then its news."""
    pairing = selectors.get_public_pairing(code)
    years = selectors.figure_years(pairing)
    year = _year(request, years)
    first_year = _first_year(request, years, year)
    shown = (
        selectors.public_figures(pairing, year, first_year=first_year)
        if year is not None
        else selectors.opening_figures(pairing, years)
    )
    page = Paginator(selectors.public_articles(pairing), ARTICLES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    # Only someone signed in is asked whether they may publish; they get a private page.
    signed_in = request.user.is_authenticated
    context = {
        "pairing": pairing,
        "shown": shown,
        "years": years,
        "is_this_year": shown is not None and shown.year == timezone.localdate().year,
        "page": page,
        "can_publish": _may_publish(request, pairing),
    }
    response = render(request, "portal/pairing.html", context)
    if signed_in:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


@require_safe
@cache_control(public=True, max_age=PUBLIC_MAX_AGE)
def article_page(request: HttpRequest, code: str, article_id: int) -> HttpResponse:
    """One published article: title, date, outlet, author and its paragraphs."""
    pairing = selectors.get_public_pairing(code)
    article = selectors.get_public_article(pairing, article_id)
    return render(request, "portal/article.html", {"pairing": pairing, "article": article})


@login_required
@require_http_methods(["GET", "POST"])
def manage(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """The office ticks which figures are public and which of its articles are published."""
    pairing = get_pairing_for_user(request.user, code, selectors.PUBLISH)
    years = selectors.ledger_years(pairing)
    year = _year(request, years) or (years[0] if years else timezone.localdate().year)
    choices = selectors.figure_choices(pairing, year)
    offered = [v for v in choices.values if v.status != Status.NOT_YET]
    indicators = [v.indicator for v in offered]
    page = Paginator(selectors.pairing_articles(pairing), ARTICLES_PER_MANAGE_PAGE).get_page(
        request.GET.get("page")
    )
    listed = list(page)
    form = PortalForm(request.POST or None, indicators=indicators, articles=listed)
    if form.is_valid():
        changes = services.update_portal(
            user=request.user,
            pairing=pairing,
            regime=choices.regime,
            figures=form.chosen_figures(),
            articles_shown=listed,
            articles_public=form.chosen_articles(),
        )
        if changes.total:
            messages.success(request, _("The portal is updated."))
        else:
            messages.info(request, _("Nothing changed."))
        query = {"year": year, **({"page": page.number} if page.number > 1 else {})}
        return redirect(f"{reverse('portal:manage', args=[pairing.code])}?{urlencode(query)}")
    context = {
        "pairing": pairing,
        "year": year,
        "years": years,
        "regime": choices.regime,
        "offered": offered,
        "public_ids": selectors.public_indicator_ids(pairing),
        "page": page,
        "articles": listed,
        "form": form,
    }
    return render(request, "portal/manage.html", context)
