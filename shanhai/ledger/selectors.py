"""Reads of the ledger, and who may see, edit and confirm which record."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min, Q, QuerySet
from django.http import Http404

from shanhai.accounts.models import Action, User
from shanhai.ledger.models import KIND_MODELS, AidProject, Evidence, FundTransaction, Record
from shanhai.places.models import Organisation, Pairing, Place
from shanhai.places.selectors import pairings_for_user, place_ancestors, user_can

# ---------------------------------------------------------------------------------------------
# Access. A record belongs to a pairing: the pairing's grants decide, and the sides decide
# who edits (the side that recorded it) and who confirms (the other side).


# What a record's line shows of its pairing and source, fetched with it in one query.
WITH_PAIRING = (
    "source",
    "pairing__east_place",
    "pairing__west_place",
    "pairing__east_organisation",
    "pairing__west_organisation",
)


def records_for_user(user: User, action: str = Action.VIEW) -> QuerySet[Record]:
    """Return the records in every pairing *user* may *action*."""
    return Record.objects.filter(pairing__in=pairings_for_user(user, action))


def can_edit(user: User, record: Record) -> bool:
    """The recording side edits its own records; the other side may only confirm or query."""
    if not user_can(user, record.pairing, Action.RECORD):
        return False
    return user.is_superuser or user.side == record.side


def can_confirm(user: User, record: Record) -> bool:
    """Only someone on the paired side, with the right to confirm there, confirms."""
    return (
        bool(user.side)
        and user.side != record.side
        and user_can(user, record.pairing, Action.CONFIRM)
    )


def can_reply(user: User, record: Record) -> bool:
    """The recording side answers queries on its records."""
    return (
        bool(user.side)
        and user.side == record.side
        and user_can(user, record.pairing, Action.RECORD)
    )


def get_record_for_user(user: User, record_id: int, action: str = Action.VIEW) -> Record:
    """Return the record as its own kind, if *user* may *action* it.

    *action* is VIEW, RECORD (edit) or CONFIRM. Raise Http404 when the user may not see the
    record, PermissionDenied when they may see it but not do *action*.
    """
    try:
        record = records_for_user(user).select_related("pairing").get(pk=record_id)
    except Record.DoesNotExist:
        raise Http404 from None
    if action == Action.RECORD:
        allowed = can_edit(user, record)
    elif action == Action.CONFIRM:
        allowed = can_confirm(user, record)
    else:
        allowed = action == Action.VIEW
    if not allowed:
        raise PermissionDenied
    return record.specific


def get_evidence_for_user(user: User, evidence_id: int) -> Evidence:
    try:
        return Evidence.objects.select_related("record").get(
            pk=evidence_id, record__in=records_for_user(user)
        )
    except Evidence.DoesNotExist:
        raise Http404 from None


# ---------------------------------------------------------------------------------------------
# Lists


@dataclass(frozen=True)
class RecordFilters:
    """What a timeline or list is narrowed to; every field optional."""

    kind: str = ""
    year: int | None = None
    level: str = ""
    direction: str = ""
    status: str = ""
    sub_pairing: Pairing | None = None
    query: str = ""


def _filtered(records: QuerySet[Record], filters: RecordFilters) -> QuerySet[Record]:
    """Narrow *records* by everything but the sub-pairing (the callers scope pairings first)."""
    if filters.kind:
        records = records.filter(kind=filters.kind)
    if filters.year:
        records = records.filter(occurred_on__year=filters.year)
    if filters.level:
        records = records.filter(level=filters.level)
    if filters.direction:
        records = records.filter(direction=filters.direction)
    if filters.status:
        records = records.filter(status=filters.status)
    if filters.query:
        records = records.filter(
            Q(title__icontains=filters.query) | Q(summary__icontains=filters.query)
        )
    return records


def _pairing_ids(user: User, pairing: Pairing) -> list[int]:
    """Ids of *pairing* and the pairings below it that *user* may see (a short list)."""
    visible = pairings_for_user(user).filter(path__startswith=pairing.path)
    return list(visible.values_list("pk", flat=True))


def timeline(user: User, pairing: Pairing, filters: RecordFilters) -> QuerySet[Record]:
    """Return the records of *pairing* and its sub-pairings, newest first, as the user may see.

    The pairings are resolved to ids first, so the database walks the date index and checks
    each row's pairing id, instead of joining pairings for every row (measured: 2 s → tens of
    ms on 100,000 records; see docs/benchmarks.md).
    """
    scope = filters.sub_pairing or pairing
    if not scope.path.startswith(pairing.path):
        return Record.objects.none()
    records = Record.objects.filter(pairing_id__in=_pairing_ids(user, scope))
    return _filtered(records, filters).select_related(*WITH_PAIRING).order_by("-occurred_on", "-id")


def records_by_ids(user: User, ids: Iterable[int]) -> list[Record]:
    """The records among *ids* that *user* may see, newest first, with their evidence counts."""
    records = list(
        records_for_user(user)
        .filter(pk__in=list(ids))
        .select_related(*WITH_PAIRING)
        .order_by("-occurred_on", "-id")
    )
    add_evidence_counts(records)
    return records


def add_evidence_counts(records: Iterable[Record]) -> None:
    """Set ``evidence_count`` on each record of a page, in one query for the page."""
    page = list(records)
    counts = dict(
        Evidence.objects.filter(record__in=page)
        .values_list("record")
        .annotate(n=Count("pk"))
        .values_list("record", "n")
    )
    for record in page:
        record.evidence_count = counts.get(record.pk, 0)  # type: ignore[attr-defined]


SORTS = {
    "date": ("occurred_on", "id"),
    "-date": ("-occurred_on", "-id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "recorded": ("created_at", "id"),
    "-recorded": ("-created_at", "-id"),
}


def records_of_kind(
    user: User, kind: str, filters: RecordFilters, *, sort: str = "-date"
) -> QuerySet[Record]:
    """Return one kind's records across the pairings *user* may see (or those of a sub-pairing
    tree, when the filters name one)."""
    model = KIND_MODELS[kind]
    records: QuerySet[Record] = model.objects.filter(pairing__in=pairings_for_user(user))
    if filters.sub_pairing is not None:
        records = records.filter(pairing_id__in=_pairing_ids(user, filters.sub_pairing))
    return (
        _filtered(records, filters)
        .select_related(*WITH_PAIRING)
        .order_by(*SORTS.get(sort, SORTS["-date"]))
    )


def records_in_period(
    user: User, pairing: Pairing, kind: str, start: date, end: date
) -> QuerySet[Record]:
    """One kind's records of *pairing* and below, dated start..end, oldest first (for reports)."""
    model = KIND_MODELS[kind]
    records: QuerySet[Record] = model.objects.filter(
        pairing_id__in=_pairing_ids(user, pairing), occurred_on__gte=start, occurred_on__lte=end
    )
    return records.select_related(*WITH_PAIRING).order_by("occurred_on", "id")


def years_with_records(user: User, pairing: Pairing) -> list[int]:
    """The years from the first record to the last, newest first (two index look-ups)."""
    span = Record.objects.filter(pairing_id__in=_pairing_ids(user, pairing)).aggregate(
        first=Min("occurred_on"), last=Max("occurred_on")
    )
    if span["first"] is None:
        return []
    return list(range(span["last"].year, span["first"].year - 1, -1))


# ---------------------------------------------------------------------------------------------
# What a form may offer


def _scope_paths(pairing: Pairing) -> list[str]:
    """The county-level (or higher) places around the pairing's two parties."""
    above_town = {Place.Level.COUNTY, Place.Level.CITY, Place.Level.PROVINCE}
    paths = []
    for place in (pairing.east_place, pairing.west_place):
        chain = [*place_ancestors(place), place]
        county = next((p for p in reversed(chain) if p.level in above_town), place)
        paths.append(county.path)
    return paths


def organisations_for_pairing(pairing: Pairing) -> QuerySet[Organisation]:
    """Organisations a record in *pairing* may name: those on either side's county."""
    query = Q()
    for path in _scope_paths(pairing):
        query |= Q(place__path__startswith=path)
    return (
        Organisation.objects.filter(query).select_related("place").order_by("place__path", "name")
    )


def places_for_pairing(pairing: Pairing) -> QuerySet[Place]:
    """Places a record in *pairing* may name (visited, project location, venue)."""
    query = Q()
    for path in _scope_paths(pairing):
        query |= Q(path__startswith=path)
    return Place.objects.filter(query).order_by("path")


def fund_transactions_for_user(
    user: User, *, pairing: Pairing | None = None, year: int | None = None
) -> QuerySet[FundTransaction]:
    """The money of the projects *user* may see (in *pairing*'s tree), oldest first."""
    projects = records_of_kind(user, Record.Kind.PROJECT, RecordFilters(sub_pairing=pairing))
    entries = FundTransaction.objects.filter(project__in=projects.values("pk"))
    if year:
        entries = entries.filter(transacted_on__year=year)
    return entries.select_related("project", "project__pairing").order_by("transacted_on", "id")


def projects_titled(pairing_ids: Iterable[int], titles: Iterable[str]) -> QuerySet[AidProject]:
    """The aid projects of these pairings with these titles (how a money sheet names them)."""
    return AidProject.objects.filter(pairing_id__in=pairing_ids, title__in=titles).select_related(
        "pairing"
    )
