"""Pages of labor cooperation: a pairing's overview, workers, postings, placements and
follow-ups, organised transfers and subsidies, and the public board of 爱心岗位."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanhai.accounts.models import Action, Side, User
from shanhai.core.http import AuthenticatedHttpRequest
from shanhai.core.routing import reads_from_replica
from shanhai.facts import selectors as facts
from shanhai.labor import selectors, services
from shanhai.labor.forms import (
    AnonymiseForm,
    ClaimFilterForm,
    ClaimMoveForm,
    EndPlacementForm,
    FollowUpForm,
    PlacementForm,
    PostingForm,
    QuickFollowUpForm,
    RevealForm,
    TransferBatchForm,
    WorkerFilterForm,
    WorkerForm,
    year_from,
)
from shanhai.labor.models import (
    Destination,
    Posting,
    SubsidyClaim,
    TransferBatch,
    Worker,
)
from shanhai.labor.rules import milestones
from shanhai.labor.selectors import (
    DueFollowUp,
    batches_for_user,
    claims_for_user,
    confirmed_months,
    due_followups,
    get_worker_for_user,
    may_unmask,
    open_postings,
    postings_for_user,
    workers_for_user,
)
from shanhai.ledger.selectors import organisations_for_pairing, places_for_pairing
from shanhai.places.models import Pairing, Place
from shanhai.places.selectors import (
    get_pairing_for_user,
    pairing_forest,
    user_can,
)

PAGE_SIZE = 30
RECENT = timedelta(days=400)  # postings and transfers offered when recording a placement

# ---------------------------------------------------------------------------------------------
# Access


def _check(user: User, pairing: Pairing, action: str) -> None:
    if action != Action.VIEW and not user_can(user, pairing, action):
        raise PermissionDenied


# ---------------------------------------------------------------------------------------------
# Helpers of the pages


def _worker_to_write(user: User, worker_id: int) -> Worker:
    """The worker *worker_id* if *user* may record for their pairing: 404 if unseen, else 403."""
    worker = get_worker_for_user(user, worker_id)
    _check(user, worker.pairing, Action.RECORD)
    return worker


def _next_or(request: AuthenticatedHttpRequest, fallback: str) -> str:
    """Where the form asked to go back to, if it is on this site; else *fallback*."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _month_labels(year: int) -> list[str]:
    if (get_language() or "").startswith("zh"):
        return [f"{m}月" for m in range(1, 13)]
    return [date(year, m, 1).strftime("%b") for m in range(1, 13)]


# ---------------------------------------------------------------------------------------------
# Overview


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The navigation's way in: the pairings whose labor pages the reader may open."""
    return render(request, "labor/home.html", {"forest": pairing_forest(request.user)})


@login_required
@require_GET
@reads_from_replica
def overview(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, code)
    today = timezone.localdate()
    ids = selectors.visible_pairing_ids(request.user, pairing)
    with_facts = [y for y in facts.years_with_facts(ids) if y <= today.year]
    # The latest year with work recorded, so a ledger kept up to last year does not open empty.
    year = year_from(request.GET.get("year"), default=max(with_facts, default=today.year))
    years = sorted({*with_facts, today.year, year}, reverse=True)
    figures = selectors.labor_figures(ids, year)
    counts = selectors.worker_counts(request.user, pairing)
    labels = dict(Destination.choices)
    chart_months = {
        "months": _month_labels(year),
        "series": [
            {"name": str(labels[d]), "values": values} for d, values in figures.by_month.items()
        ],
    }
    chart_destinations = [
        {"name": label, "value": people} for _value, label, people in figures.by_destination
    ]
    context = {
        "pairing": pairing,
        "year": year,
        "years": years,
        "figures": figures,
        "workers": sum(counts.values()),
        "seeking": counts.get(Worker.Status.SEEKING, 0),
        "in_work": counts.get(Worker.Status.PLACED, 0),
        "chart_months": chart_months if figures.placed else None,
        "chart_destinations": chart_destinations if figures.placed else None,
        "can_record": user_can(request.user, pairing, Action.RECORD),
        "tab": "overview",
    }
    return render(request, "labor/overview.html", context)


# ---------------------------------------------------------------------------------------------
# Workers


def _towns(pairing: Pairing) -> QuerySet[Place]:
    return places_for_pairing(pairing).filter(side=Side.WEST, level=Place.Level.TOWN)


@login_required
@require_GET
def worker_list(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, code)
    form = WorkerFilterForm(request.GET, towns=_towns(pairing))
    workers = form.apply(workers_for_user(request.user, pairing=pairing))
    page = Paginator(workers, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "pairing": pairing,
        "form": form,
        "page": page,
        "show_names": may_unmask(request.user, pairing),
        "can_record": user_can(request.user, pairing, Action.RECORD),
        "tab": "workers",
    }
    return render(request, "labor/worker_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def worker_create(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, code, Action.RECORD)
    form = WorkerForm(request.POST or None, origins=places_for_pairing(pairing))
    if request.method == "POST" and form.is_valid():
        try:
            worker = services.register_worker(
                pairing=pairing, recorded_by=request.user, **form.service_arguments()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Worker registered."))
            return redirect("labor:worker-detail", worker.pk)
    return render(request, "labor/worker_form.html", {"form": form, "pairing": pairing})


@login_required
@require_http_methods(["GET", "POST"])
def worker_edit(request: AuthenticatedHttpRequest, worker_id: int) -> HttpResponse:
    worker = _worker_to_write(request.user, worker_id)
    if worker.anonymised_at is not None:
        raise Http404
    editing = get_worker_for_user(request.user, worker_id)  # the form changes its copy
    form = WorkerForm(
        request.POST or None, instance=editing, origins=places_for_pairing(worker.pairing)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.register_worker(
                pairing=worker.pairing,
                recorded_by=request.user,
                existing=editing,
                loaded_version=form.loaded_version,
                **form.service_arguments(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("labor:worker-detail", worker.pk)
    context = {"form": form, "pairing": worker.pairing, "worker": worker}
    return render(request, "labor/worker_form.html", context)


@dataclass(frozen=True)
class Milestone:
    months: int
    due_on: date
    is_confirmed: bool


def _profile(request: AuthenticatedHttpRequest, worker: Worker, **extra: Any) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    placements = list(
        worker.placements.select_related("employer", "work_place", "posting", "batch")
        .prefetch_related("followups", "subsidy_claims__rule")
        .order_by("-started_on", "-id")
    )
    for placement in placements:
        reached = confirmed_months(placement, list(placement.followups.all()))
        placement.milestones = [  # type: ignore[attr-defined]
            Milestone(months, day, months in reached)
            for months, day in milestones(placement.started_on).items()
        ]
    active = next((p for p in placements if p.ended_on is None), None)
    may_see = may_unmask(user, worker.pairing)
    return {
        "worker": worker,
        "pairing": worker.pairing,
        "placements": placements,
        "active": active,
        "batches": worker.transfer_batches.select_related("destination"),
        "can_record": user_can(user, worker.pairing, Action.RECORD)
        and worker.anonymised_at is None,
        "may_unmask": may_see,
        "show_names": may_see,
        "reveal_form": RevealForm(),
        "followup_form": FollowUpForm(initial={"checked_on": today, "is_employed": "yes"}),
        "revealed": None,
        "today": today,
        **extra,
    }


@login_required
@require_GET
def worker_detail(request: AuthenticatedHttpRequest, worker_id: int) -> HttpResponse:
    worker = get_worker_for_user(request.user, worker_id)
    return render(request, "labor/worker_detail.html", _profile(request, worker))


@never_cache
@login_required
@require_POST
def worker_reveal(request: AuthenticatedHttpRequest, worker_id: int) -> HttpResponse:
    """Show the full ID number and phone once, to those allowed, for a stated reason."""
    worker = get_worker_for_user(request.user, worker_id)
    if not may_unmask(request.user, worker.pairing):
        raise PermissionDenied
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = services.reveal_personal_data(
                worker=worker, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
    context = _profile(request, worker, reveal_form=form, revealed=revealed)
    return render(request, "labor/worker_detail.html", context, status=200 if revealed else 400)


@login_required
@require_http_methods(["GET", "POST"])
def worker_anonymise(request: AuthenticatedHttpRequest, worker_id: int) -> HttpResponse:
    """Delete a worker's personal data on request, after a confirmation and a reason."""
    worker = get_worker_for_user(request.user, worker_id)
    if not may_unmask(request.user, worker.pairing) or worker.anonymised_at is not None:
        raise PermissionDenied
    form = AnonymiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.anonymise_worker(
            worker=worker, user=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The worker's personal data was deleted."))
        return redirect("labor:worker-detail", worker.pk)
    context = {"form": form, "worker": worker, "pairing": worker.pairing}
    return render(request, "labor/worker_anonymise.html", context)


# ---------------------------------------------------------------------------------------------
# Placements and follow-ups


@login_required
@require_http_methods(["GET", "POST"])
def placement_create(request: AuthenticatedHttpRequest, worker_id: int) -> HttpResponse:
    worker = _worker_to_write(request.user, worker_id)
    if worker.anonymised_at is not None:
        raise Http404
    since = timezone.localdate() - RECENT
    form = PlacementForm(
        request.POST or None,
        initial={"started_on": timezone.localdate()},
        postings=postings_for_user(request.user).filter(valid_to__gte=since),
        organisations=organisations_for_pairing(worker.pairing),
        places=places_for_pairing(worker.pairing),
        batches=batches_for_user(request.user).filter(departed_on__gte=since),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_placement(worker=worker, recorded_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Placement recorded."))
            return redirect("labor:worker-detail", worker.pk)
    context = {"form": form, "worker": worker, "pairing": worker.pairing, "show_names": True}
    return render(request, "labor/placement_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def placement_end(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    placement = selectors.get_placement_for_user(request.user, placement_id, Action.RECORD)
    if placement.ended_on is not None:
        raise Http404
    form = EndPlacementForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.end_placement(
                placement=placement,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The placement has ended."))
            return redirect("labor:worker-detail", placement.worker_id)
    context = {"form": form, "placement": placement, "pairing": placement.pairing}
    return render(request, "labor/placement_end.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def followup_create(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    placement = selectors.get_placement_for_user(request.user, placement_id, Action.RECORD)
    form = FollowUpForm(
        request.POST or None, initial={"checked_on": timezone.localdate(), "is_employed": "yes"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_followup(
                placement=placement, recorded_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Follow-up recorded."))
            return redirect("labor:worker-detail", placement.worker_id)
    context = {"form": form, "placement": placement, "pairing": placement.pairing}
    return render(request, "labor/followup_form.html", context)


@login_required
@require_POST
def followup_quick(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    """The due list's button: checked today, still in work."""
    placement = selectors.get_placement_for_user(request.user, placement_id, Action.RECORD)
    form = QuickFollowUpForm(request.POST)
    checked_on = form.cleaned_data["checked_on"] if form.is_valid() else timezone.localdate()
    try:
        services.record_followup(
            placement=placement, checked_on=checked_on, is_employed=True, recorded_by=request.user
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Confirmed: still in work."))
    return redirect(_next_or(request, reverse("labor:due", args=[placement.pairing.code])))


@dataclass(frozen=True)
class DueWeek:
    monday: date
    is_past: bool
    items: list[DueFollowUp]


@login_required
@require_GET
def due_list(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """The liaison's list: who reaches 3, 6 or 12 months soon (or did), not yet confirmed."""
    pairing = get_pairing_for_user(request.user, code)
    today = timezone.localdate()
    weeks_ahead = 4 if request.GET.get("weeks") == "4" else 1
    due = due_followups(request.user, pairing=pairing, today=today, days=7 * weeks_ahead)
    this_monday = today - timedelta(days=today.weekday())

    def monday(item: DueFollowUp) -> date:
        return item.due_on - timedelta(days=item.due_on.weekday())

    weeks = [
        DueWeek(monday=week, is_past=week < this_monday, items=list(items))
        for week, items in groupby(due, key=monday)
    ]
    context = {
        "pairing": pairing,
        "weeks": weeks,
        "count": len(due),
        "today": today,
        "weeks_ahead": weeks_ahead,
        "this_monday": this_monday,
        "quick_form": QuickFollowUpForm(initial={"checked_on": today}, auto_id=False),
        "can_record": user_can(request.user, pairing, Action.RECORD),
        "show_names": may_unmask(request.user, pairing),
        "tab": "due",
    }
    return render(request, "labor/due_list.html", context)


# ---------------------------------------------------------------------------------------------
# Postings


@login_required
@require_GET
def posting_list(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, code)
    state = "closed" if request.GET.get("state") == "closed" else "open"
    today = timezone.localdate()
    postings = selectors.postings_in_state(request.user, pairing, state, today)
    page = Paginator(postings, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "pairing": pairing,
        "page": page,
        "state": state,
        "today": today,
        "can_record": user_can(request.user, pairing, Action.RECORD),
        "tab": "postings",
    }
    return render(request, "labor/posting_list.html", context)


def _posting_form(
    request: AuthenticatedHttpRequest, posting: Posting, pairing: Pairing
) -> HttpResponse:
    form = PostingForm(
        request.POST or None,
        instance=posting,
        organisations=organisations_for_pairing(pairing),
        places=places_for_pairing(pairing),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.post_job(
                posting=form.save(commit=False),
                posted_by=request.user,
                loaded_version=form.loaded_version,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Posting saved."))
            return redirect("labor:posting-list", pairing.code)
    context = {"form": form, "pairing": pairing, "posting": posting if posting.pk else None}
    return render(request, "labor/posting_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def posting_create(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, code, Action.RECORD)
    today = timezone.localdate()
    posting = Posting(pairing=pairing, valid_from=today, valid_to=today + timedelta(days=90))
    return _posting_form(request, posting, pairing)


@login_required
@require_http_methods(["GET", "POST"])
def posting_edit(request: AuthenticatedHttpRequest, posting_id: int) -> HttpResponse:
    posting = selectors.get_posting_for_user(request.user, posting_id, Action.RECORD)
    return _posting_form(request, posting, posting.pairing)


@require_GET
def love_posts(request: HttpRequest) -> HttpResponse:
    """Open 爱心岗位 for anyone, signed in or not: jobs only, never a worker's data."""
    today = timezone.localdate()
    postings = open_postings(today).filter(is_love_post=True).order_by("valid_to", "id")
    page = Paginator(postings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "labor/love_posts.html", {"page": page, "today": today})


# ---------------------------------------------------------------------------------------------
# Organised transfers


@login_required
@require_GET
def batch_list(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, code)
    batches = (
        batches_for_user(request.user, pairing=pairing)
        .annotate(people=Count("workers"))
        .order_by("-departed_on", "-id")
    )
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "pairing": pairing,
        "page": page,
        "can_record": user_can(request.user, pairing, Action.RECORD),
        "tab": "transfers",
    }
    return render(request, "labor/batch_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def batch_create(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, code, Action.RECORD)
    candidates = workers_for_user(request.user, pairing=pairing).filter(
        status__in=[Worker.Status.SEEKING, Worker.Status.PLACED], anonymised_at__isnull=True
    )
    form = TransferBatchForm(
        request.POST or None,
        instance=TransferBatch(pairing=pairing),
        workers=candidates,
        places=places_for_pairing(pairing),
        show_names=may_unmask(request.user, pairing),
    )
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.record_transfer_batch(
                batch=form.save(commit=False),
                workers=form.cleaned_data["workers"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Organised transfer recorded."))
            return redirect("labor:batch-detail", batch.pk)
    return render(request, "labor/batch_form.html", {"form": form, "pairing": pairing})


@login_required
@require_GET
def batch_detail(request: AuthenticatedHttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.get_batch_for_user(request.user, batch_id)
    context = {
        "batch": batch,
        "pairing": batch.pairing,
        "workers": batch.workers.select_related("origin"),
        "show_names": may_unmask(request.user, batch.pairing),
    }
    return render(request, "labor/batch_detail.html", context)


# ---------------------------------------------------------------------------------------------
# Subsidies


@login_required
@require_GET
def claim_list(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, code)
    form = ClaimFilterForm(request.GET)
    claims = claims_for_user(request.user, pairing=pairing)
    if form.is_valid() and form.cleaned_data["status"]:
        claims = claims.filter(status=form.cleaned_data["status"])
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "pairing": pairing,
        "form": form,
        "page": page,
        "move_form": ClaimMoveForm(),
        "today": timezone.localdate(),
        "can_record": user_can(request.user, pairing, Action.RECORD),
        "show_names": may_unmask(request.user, pairing),
        "closed": {SubsidyClaim.Status.PAID, SubsidyClaim.Status.REJECTED},
        "tab": "subsidies",
    }
    return render(request, "labor/claim_list.html", context)


@login_required
@require_POST
def subsidies_compute(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, code, Action.RECORD)
    added = services.compute_subsidies(pairing=pairing, user=request.user)
    if added:
        messages.success(
            request, _("%(count)d new eligible subsidies were found.") % {"count": added}
        )
    else:
        messages.info(request, _("No new eligible subsidies."))
    return redirect("labor:claim-list", pairing.code)


@login_required
@require_POST
def claim_move(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    claim = selectors.get_claim_for_user(request.user, claim_id, Action.RECORD)
    form = ClaimMoveForm(request.POST)
    if form.is_valid():
        try:
            services.move_claim(claim=claim, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Subsidy claim updated."))
    else:
        problems = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(request, "；".join(problems))
    fallback = reverse("labor:claim-list", args=[claim.placement.pairing.code])
    return redirect(_next_or(request, fallback))
