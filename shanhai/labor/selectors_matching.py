"""Reads the matching needs: places left per posting, and who may match which workers and jobs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, QuerySet
from django.http import Http404

from shanhai.accounts.models import Action, User
from shanhai.labor.models import Placement, Posting, Worker
from shanhai.labor.selectors import postings_for_user, workers_for_user
from shanhai.places.models import Pairing, Place
from shanhai.places.selectors import user_can

_IDS_PER_QUERY = 2000  # well under SQLite's limit on query parameters


def active_placement_counts(postings: Iterable[Posting]) -> dict[int, int]:
    """How many workers are in work through each posting now, by posting id."""
    ids = [posting.pk for posting in postings if posting.pk is not None]
    counts: dict[int, int] = {}
    for start in range(0, len(ids), _IDS_PER_QUERY):
        rows = (
            Placement.objects.filter(
                posting_id__in=ids[start : start + _IDS_PER_QUERY], ended_on__isnull=True
            )
            .values_list("posting_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        counts.update({posting_id: n for posting_id, n in rows if posting_id is not None})
    return counts


def get_posting_for_user(user: User, posting_id: int, action: str = Action.VIEW) -> Posting:
    """The posting *posting_id* if *user* may *action* its pairing; 404 otherwise."""
    posting = (
        Posting.objects.select_related("pairing", "employer", "work_place")
        .filter(pk=posting_id)
        .first()
    )
    if posting is None or not user_can(user, posting.pairing, action):
        raise Http404
    return posting


def open_postings_for_user(
    user: User, *, on: date, pairing: Pairing | None = None
) -> QuerySet[Posting]:
    """The postings *user* may see (under *pairing*, if given) that are open on *on*."""
    return postings_for_user(user, pairing=pairing).filter(valid_from__lte=on, valid_to__gte=on)


def seeking_workers_for_user(
    user: User, *, pairing: Pairing | None = None, within: Place | None = None
) -> QuerySet[Worker]:
    """The workers *user* may see who look for work, from *within* a place if given."""
    workers = workers_for_user(user, pairing=pairing).filter(
        status=Worker.Status.SEEKING, anonymised_at__isnull=True
    )
    if within is not None:
        workers = workers.filter(origin__path__startswith=within.path)
    return workers


def towns_of(pairing: Pairing) -> QuerySet[Place]:
    """The towns of the pairing's western side, where its workers come from."""
    return Place.objects.filter(
        path__startswith=pairing.west_place.path, level=Place.Level.TOWN
    ).order_by("path")


def pairs_for_user(
    user: User, pairing: Pairing, ids: list[tuple[int, int]]
) -> list[tuple[Worker, Posting]]:
    """The (worker, posting) pairs named by *ids* within *pairing*; 404 if any is out of reach."""
    workers = workers_for_user(user, pairing=pairing).in_bulk({w for w, _p in ids})
    postings = postings_for_user(user, pairing=pairing).in_bulk({p for _w, p in ids})
    try:
        return [(workers[w], postings[p]) for w, p in ids]
    except KeyError:
        raise Http404 from None
