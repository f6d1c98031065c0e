"""Pages of the spine: home, pairings, places and organisations."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shanhai.accounts.models import Action
from shanhai.core.http import AuthenticatedHttpRequest
from shanhai.places import selectors
from shanhai.places.forms import OrganisationSearchForm, PlaceSearchForm

PAGE_SIZE = 50


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    forest = selectors.pairing_forest(request.user)
    cards = [(node, selectors.tree_facts(node)) for node in forest]
    return render(request, "places/home.html", {"cards": cards})


@login_required
@require_GET
def pairing_tree(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request, "places/pairing_tree.html", {"forest": selectors.pairing_forest(request.user)}
    )


@login_required
@require_GET
def pairing_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    pairing = selectors.get_pairing_for_user(request.user, code)
    forest = selectors.pairing_forest(request.user, root=pairing)
    chart = _chart_node(selectors.PairingNode(pairing, forest))
    context = {
        "pairing": pairing,
        "facts": selectors.pairing_facts(request.user, pairing),
        "forest": forest,
        "ancestors": selectors.pairing_ancestors(request.user, pairing),
        "roles": selectors.roles_in_pairing(request.user, pairing),
        "can_record": selectors.user_can(request.user, pairing, Action.RECORD),
        "chart": chart,
        "chart_height": max(240, 34 * _leaf_count(chart)),
    }
    return render(request, "places/pairing_detail.html", context)


def _chart_node(node: selectors.PairingNode) -> dict[str, Any]:
    """Shape a pairing tree for the ECharts tree diagram, sub-pairings grouped by kind."""
    pairing = node.pairing
    name = str(pairing)
    if pairing.is_illustrative:
        name = _("%(pairing)s (illustrative)") % {"pairing": name}
    groups: dict[str, list[dict[str, Any]]] = {}
    for child in node.children:
        groups.setdefault(child.pairing.get_kind_display(), []).append(_chart_node(child))
    children = [
        {"name": f"{kind} ({len(members)})", "children": members}
        if len(members) > 1
        else members[0]
        for kind, members in groups.items()
    ]
    return {
        "name": name,
        "tip": f"{name} · {pairing.get_kind_display()}",
        "url": reverse("places:pairing-detail", args=[pairing.code]),
        "children": children,
    }


def _leaf_count(node: dict[str, Any]) -> int:
    return sum(_leaf_count(child) for child in node["children"]) or 1


@login_required
@require_GET
def place_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PlaceSearchForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    places = selectors.search_places(
        filters.get("q", ""), side=filters.get("side", ""), level=filters.get("level", "")
    )
    page = Paginator(places, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "places/place_list.html#results" if request.htmx else "places/place_list.html"
    return render(request, template, {"form": form, "page": page})


@login_required
@require_GET
def place_detail(request: AuthenticatedHttpRequest, place_id: int) -> HttpResponse:
    place = selectors.get_place(place_id)
    context = {
        "place": place,
        "ancestors": selectors.place_ancestors(place),
        "children": place.children.all(),
        "aliases": place.aliases.all(),
        "organisations": selectors.search_organisations(place=place)[:PAGE_SIZE],
        "pairings": selectors.pairings_of_place(request.user, place),
    }
    return render(request, "places/place_detail.html", context)


@login_required
@require_GET
def organisation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OrganisationSearchForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    organisations = selectors.search_organisations(
        filters.get("q", ""), kind=filters.get("kind", ""), side=filters.get("side", "")
    )
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    template = (
        "places/organisation_list.html#results" if request.htmx else "places/organisation_list.html"
    )
    return render(request, template, {"form": form, "page": page})


@login_required
@require_GET
def organisation_detail(request: AuthenticatedHttpRequest, organisation_id: int) -> HttpResponse:
    organisation = selectors.get_organisation(organisation_id)
    context = {
        "organisation": organisation,
        "ancestors": selectors.place_ancestors(organisation.place),
        "pairings": selectors.pairings_of_organisation(request.user, organisation),
    }
    return render(request, "places/organisation_detail.html", context)
