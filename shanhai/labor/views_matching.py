"""Matching pages: jobs for a worker, candidates for a job, and a batch assignment to review.

Names beside a match are masked unless the worker agreed to share their details with
employers or is already placed (matching.match_name); ID numbers and phones only ever show
their masked forms here. Nothing is recorded until the liaison accepts the reviewed pairs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from shanhai.accounts.models import Action
from shanhai.core.http import AuthenticatedHttpRequest
from shanhai.labor import selectors, selectors_matching
from shanhai.labor.assignments import record_matches
from shanhai.labor.forms_matching import AcceptForm, AssignmentForm
from shanhai.labor.matching import (
    Match,
    match_name,
    propose_assignment,
    rank_postings,
    rank_workers,
    weights_table,
)
from shanhai.labor.models import Placement, Worker
from shanhai.labor.rules import age_on
from shanhai.places.models import Pairing
from shanhai.places.selectors import get_pairing_for_user, user_can

SHOWN = 30  # best matches listed on a ranking page
MOST_WORKERS = 1000  # a batch beyond this is narrowed to a town first


def _person(worker: Worker, today: Any) -> dict[str, Any]:
    """What a matching page shows of a worker: no full ID number or phone, ever."""
    return {
        "name": match_name(worker),
        "phone": worker.phone_masked,
        "age": age_on(worker.birth_date, today) if worker.birth_date else None,
    }


def _rows(matches: list[Match], today: Any) -> list[dict[str, Any]]:
    return [{"match": m, "person": _person(m.worker, today)} for m in matches]


@login_required
@require_GET
def worker_matches(request: AuthenticatedHttpRequest, worker_id: int) -> HttpResponse:
    worker = selectors.get_worker_for_user(request.user, worker_id)
    today = timezone.localdate()
    postings = selectors_matching.open_postings_for_user(request.user, on=today)
    matches = rank_postings(worker, postings, on=today, limit=SHOWN)
    context = {
        "worker": worker,
        "person": _person(worker, today),
        "rows": _rows(matches, today),
        "today": today,
        "is_looking": worker.status == Worker.Status.SEEKING and worker.anonymised_at is None,
        "weights": weights_table(),
    }
    return render(request, "labor/match_worker.html", context)


@login_required
@require_GET
def posting_candidates(request: AuthenticatedHttpRequest, posting_id: int) -> HttpResponse:
    posting = selectors_matching.get_posting_for_user(request.user, posting_id)
    today = timezone.localdate()
    filled = selectors_matching.active_placement_counts([posting])
    workers = selectors_matching.seeking_workers_for_user(request.user)
    matches = rank_workers(posting, workers, on=today, limit=SHOWN, filled=filled)
    context = {
        "posting": posting,
        "rows": _rows(matches, today),
        "places_left": max(0, posting.headcount - filled.get(posting.pk, 0)),
        "is_open": posting.valid_from <= today <= posting.valid_to,
        "can_assign": user_can(request.user, posting.pairing, Action.RECORD),
        "weights": weights_table(),
    }
    return render(request, "labor/match_posting.html", context)


def _assignment_form(
    request: AuthenticatedHttpRequest, pairing: Pairing, form_class: type[AssignmentForm]
) -> AssignmentForm:
    data = request.POST if request.method == "POST" else request.GET
    return form_class(
        data if "started_on" in data else None,
        initial={"started_on": timezone.localdate()},
        towns=selectors_matching.towns_of(pairing),
        batches=selectors.batches_for_user(request.user, pairing=pairing),
    )


@login_required
@require_GET
def assignment(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """Propose who goes where, for the liaison to review; nothing is recorded here."""
    pairing = get_pairing_for_user(request.user, code, Action.RECORD)
    form = _assignment_form(request, pairing, AssignmentForm)
    context: dict[str, Any] = {"pairing": pairing, "form": form, "weights": weights_table()}
    if form.is_bound and form.is_valid():
        on = form.cleaned_data["started_on"]
        workers = list(
            selectors_matching.seeking_workers_for_user(
                request.user, pairing=pairing, within=form.cleaned_data["town"]
            )[: MOST_WORKERS + 1]
        )
        postings = list(
            selectors_matching.open_postings_for_user(request.user, on=on, pairing=pairing)
        )
        proposal = propose_assignment(workers[:MOST_WORKERS], postings, on=on)
        context |= {
            "proposal": proposal,
            "rows": _rows(proposal.pairs, on),
            "left_out": [
                {"person": _person(u.worker, on), "worker": u.worker, "reason": u.reason}
                for u in proposal.unassigned
            ],
            "too_many": len(workers) > MOST_WORKERS,
            "considered": len(proposal.pairs) + len(proposal.unassigned),
            "most_workers": MOST_WORKERS,
            "postings": postings,
            "mean": round(proposal.total_score / len(proposal.pairs)) if proposal.pairs else 0,
            "solver_ms": round(proposal.solver_seconds * 1000),
        }
    return render(request, "labor/match_assignment.html", context)


@login_required
@require_POST
def assignment_accept(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """Record the ticked pairs of a reviewed proposal, all or none."""
    pairing = get_pairing_for_user(request.user, code, Action.RECORD)
    form = _assignment_form(request, pairing, AcceptForm)
    back = reverse("labor_matching:assignment", args=[pairing.code])
    if not form.is_valid():
        messages.error(
            request, " ".join(str(e) for e in form.non_field_errors()) or _("Check the form.")
        )
        return redirect(f"{back}?{urlencode(_query(request.POST))}")
    data = form.cleaned_data
    pairs = selectors_matching.pairs_for_user(request.user, pairing, data["pairs"])
    try:
        placements = record_matches(
            pairs=pairs,
            started_on=data["started_on"],
            recorded_by=request.user,
            batch=data["batch"],
            channel=Placement.Channel.JOB_FAIR if data["job_fair"] and not data["batch"] else None,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{back}?{urlencode(_query(request.POST))}")
    messages.success(
        request,
        ngettext("%(count)s placement recorded.", "%(count)s placements recorded.", len(placements))
        % {"count": len(placements)},
    )
    return redirect(back)


def _query(data: Any) -> dict[str, str]:
    """The proposal's own filters, to show it again after a refusal."""
    return {key: data[key] for key in ("town", "started_on", "batch", "job_fair") if data.get(key)}
