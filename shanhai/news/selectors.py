"""Reads of the news: the articles a person may see, their proposals, and the pairing an article
is about."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from shanhai.accounts.models import Action, User
from shanhai.ledger.models import Record
from shanhai.ledger.selectors import records_for_user
from shanhai.news.extract import Extraction, Party
from shanhai.news.models import Article, Proposal
from shanhai.places.models import Pairing, Place
from shanhai.places.selectors import (
    pairings_for_user,
    place_ancestors,
    resolve_place,
    short_name,
    user_can,
)

# ---------------------------------------------------------------------------------------------
# Access: an article belongs to a pairing; the pairing's grants decide who sees and reviews it.


def articles_for_user(user: User, action: str = Action.VIEW) -> QuerySet[Article]:
    """Return the articles of every pairing *user* may *action*, newest first."""
    return Article.objects.filter(pairing__in=pairings_for_user(user, action))


def article_list(user: User) -> QuerySet[Article]:
    """The articles *user* may see, each with its pairing and its proposals counted by status."""
    return (
        articles_for_user(user)
        .select_related("pairing__east_place", "pairing__west_place")
        .select_related("pairing__east_organisation", "pairing__west_organisation")
        .annotate(
            pending_count=Count("proposals", filter=Q(proposals__status=Proposal.Status.PENDING)),
            accepted_count=Count("proposals", filter=Q(proposals__status=Proposal.Status.ACCEPTED)),
            rejected_count=Count("proposals", filter=Q(proposals__status=Proposal.Status.REJECTED)),
        )
    )


def get_article_for_user(user: User, article_id: int, action: str = Action.VIEW) -> Article:
    """Return the article if *user* may *action* it.

    Raise Http404 when the user may not even see it (another pairing's articles do not leak),
    PermissionDenied when they may see it but not do *action* (a viewer reviewing).
    """
    try:
        article = (
            articles_for_user(user)
            .select_related(
                "source",
                "added_by",
                "pairing__east_place",
                "pairing__west_place",
                "pairing__east_organisation",
                "pairing__west_organisation",
            )
            .get(pk=article_id)
        )
    except Article.DoesNotExist:
        raise Http404 from None
    if action != Action.VIEW and not user_can(user, article.pairing, action):
        raise PermissionDenied
    return article


def get_proposal_for_user(user: User, proposal_id: int, action: str = Action.VIEW) -> Proposal:
    """Return the proposal if *user* may *action* its article (404 / PermissionDenied as above)."""
    try:
        proposal = Proposal.objects.select_related("article__pairing", "article__source").get(
            pk=proposal_id, article__in=articles_for_user(user)
        )
    except Proposal.DoesNotExist:
        raise Http404 from None
    if action != Action.VIEW and not user_can(user, proposal.article.pairing, action):
        raise PermissionDenied
    return proposal


def proposals_of(article: Article) -> QuerySet[Proposal]:
    """The article's proposals in the order the article tells them, with what they became."""
    return article.proposals.select_related("record", "decided_by").order_by("position")


def _bigrams(text: str) -> set[str]:
    text = "".join(ch for ch in text if ch.isalnum())
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _likeness(proposal: Proposal, record: Record) -> float:
    """Share of the record title's character pairs that the proposal's title has."""
    said = _bigrams(str(proposal.values.get("title", "")))
    titled = _bigrams(record.title)
    return len(said & titled) / len(titled) if titled else 0.0


_SAME_THING = 0.3  # below this a record of the kind and date is something else that day


def _same_period(proposal: Proposal, record: Record) -> bool:
    on = date.fromisoformat(str(proposal.values["occurred_on"]))
    precision = proposal.values.get("occurred_on_precision", "day")
    if precision == "year":
        return record.occurred_on.year == on.year
    if precision == "month":
        return (record.occurred_on.year, record.occurred_on.month) == (on.year, on.month)
    return record.occurred_on == on


def records_already_there(article: Article, proposals: Iterable[Proposal]) -> dict[int, Record]:
    """For each pending proposal, the ledger record in the article's pairing (or below) that is
    likely the same thing, entered before by hand or import: of its kind, in its period (the
    day, month or year the article gives) and with a title like it. One query for the page;
    each record is offered to one proposal, the likeliest.
    """
    pending = [
        p for p in proposals if p.status == Proposal.Status.PENDING and p.values.get("occurred_on")
    ]
    if not pending:
        return {}
    years = {date.fromisoformat(str(p.values["occurred_on"])).year for p in pending}
    candidates = Record.objects.filter(
        pairing__path__startswith=article.pairing.path,
        kind__in={p.kind for p in pending},
        occurred_on__year__in=years,
        proposal__isnull=True,  # not already what another proposal became
    )
    pairs = sorted(
        (
            (_likeness(proposal, record), proposal.pk, record.pk, record)
            for record in candidates
            for proposal in pending
            if record.kind == proposal.kind and _same_period(proposal, record)
        ),
        key=lambda pair: (-pair[0], pair[1], pair[2]),
    )
    found: dict[int, Record] = {}
    offered: set[int] = set()
    for likeness, proposal_id, record_id, record in pairs:
        if likeness >= _SAME_THING and proposal_id not in found and record_id not in offered:
            found[proposal_id] = record
            offered.add(record_id)
    return found


def record_to_link(user: User, record_id: str) -> Record:
    """The ledger record a reviewer says a proposal already is: one they may record in, or 404."""
    try:
        return records_for_user(user).get(pk=int(record_id))
    except (ValueError, Record.DoesNotExist):
        raise Http404 from None


def can_review(user: User, article: Article) -> bool:
    """Whoever may record in the article's pairing accepts or rejects its proposals."""
    return user_can(user, article.pairing, Action.RECORD)


def find_article(*, digest: str, title: str, published_on: date | None) -> Article | None:
    """Return the article already imported with this cleaned text, or this title and date."""
    found = Article.objects.select_related("pairing").filter(digest=digest).first()
    if found is None and title and published_on is not None:
        found = (
            Article.objects.select_related("pairing")
            .filter(title=title, published_on=published_on)
            .first()
        )
    return found


# ---------------------------------------------------------------------------------------------
# Which pairing an article is about.


def pairings_to_record(user: User, *, under: Pairing | None = None) -> QuerySet[Pairing]:
    """The pairings *user* may record in (under *under* and it included, if given), top first."""
    pairings = pairings_for_user(user, Action.RECORD)
    if under is not None:
        pairings = pairings.filter(path__startswith=under.path)
    return pairings.order_by("depth", "path")


def _party_place_ids(parties: Iterable[Party]) -> list[int]:
    ids: list[int] = []
    for party in parties:
        if party.place_id is not None:
            ids.append(party.place_id)
            continue
        place = resolve_place(party.full_name or party.name)
        if place is not None:
            ids.append(place.pk)
    return ids


def _names_of(place: Place) -> set[str]:
    return {name for name in (place.name, short_name(place.name)) if len(name) >= 2}


def pairing_for_article(user: User, extraction: Extraction) -> Pairing | None:
    """Guess the pairing *extraction* is about, among those *user* may record in.

    First the pairing whose east and west places are the parties the extraction found (the
    top-most such pairing: the article's records may still go to a sub-pairing each); then,
    when the parties are not known, a pairing both of whose places the text names; then the
    user's only pairing. None means the user has to say.
    """
    candidates = list(pairings_to_record(user))
    if not candidates:
        return None
    east_ids, west_ids = _party_place_ids(extraction.east), _party_place_ids(extraction.west)
    by_parties = [
        p for p in candidates if p.east_place_id in east_ids and p.west_place_id in west_ids
    ]
    if by_parties:
        return min(
            by_parties,
            key=lambda p: (
                p.depth,
                east_ids.index(p.east_place_id) + west_ids.index(p.west_place_id),
            ),
        )
    text = f"{extraction.title}\n{extraction.text}"
    named: list[tuple[int, int, Pairing]] = []
    for pairing in candidates:
        east = sum(text.count(name) for name in _names_of(pairing.east_place))
        west = sum(text.count(name) for name in _names_of(pairing.west_place))
        if east and west:
            named.append((pairing.depth, -(east + west), pairing))
    if named:
        return min(named, key=lambda entry: entry[:2])[2]
    paths = [p.path for p in candidates]
    tops = [p for p in candidates if not any(p.path != q and p.path.startswith(q) for q in paths)]
    return tops[0] if len(tops) == 1 else None


def side_names(pairing: Pairing, extraction: Extraction) -> tuple[list[str], list[str]]:
    """Names that mark a phrase as east or west: the pairing's places and the places above and
    below them, and the parties the extraction found."""
    east: set[str] = set()
    west: set[str] = set()
    for place, names in ((pairing.east_place, east), (pairing.west_place, west)):
        for above in [*place_ancestors(place), place]:
            names |= _names_of(above)
    below = Pairing.objects.filter(path__startswith=pairing.path).select_related(
        "east_place", "west_place", "east_organisation", "west_organisation"
    )
    for sub in below:
        east |= _names_of(sub.east_place)
        west |= _names_of(sub.west_place)
        for organisation, names in ((sub.east_organisation, east), (sub.west_organisation, west)):
            if organisation is not None:
                names |= {n for n in (organisation.name, organisation.short_name) if n}
    for party in extraction.east:
        east |= {party.name, short_name(party.name)}
    for party in extraction.west:
        west |= {party.name, short_name(party.name)}
    east.discard("")
    west.discard("")
    return sorted(east - west, key=len, reverse=True), sorted(west - east, key=len, reverse=True)


def sub_pairings(pairing: Pairing) -> list[Pairing]:
    """The pairings below *pairing*, with their parties, deepest first."""
    return list(
        Pairing.objects.filter(path__startswith=pairing.path)
        .exclude(pk=pairing.pk)
        .select_related(
            "parent", "east_place", "west_place", "east_organisation", "west_organisation"
        )
        .order_by("-depth", "path")
    )
