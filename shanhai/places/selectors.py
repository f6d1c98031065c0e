"""Reads of the spine, and the one place that decides who may see and do what in a pairing."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from shanhai.accounts.models import ROLE_ACTIONS, Action, User, roles_allowing
from shanhai.places.models import LockedYear, Organisation, Pairing, Place, PlaceAlias

# ---------------------------------------------------------------------------------------------
# Access: every page and query that touches a pairing goes through these functions.


def _granted_paths(user: User, action: str) -> list[str]:
    return list(
        user.role_grants.filter(role__in=roles_allowing(action)).values_list(
            "pairing__path", flat=True
        )
    )


def pairings_for_user(user: User, action: str = Action.VIEW) -> QuerySet[Pairing]:
    """Return the pairings *user* may *action*: those granted to them and all their sub-pairings."""
    pairings = Pairing.objects.select_related(
        "east_place", "west_place", "east_organisation", "west_organisation", "source"
    )
    if not user.is_active:
        return pairings.none()
    if user.is_superuser:
        return pairings
    paths = _granted_paths(user, action)
    if not paths:
        return pairings.none()
    return pairings.filter(reduce(or_, (Q(path__startswith=path) for path in paths)))


def user_can(user: User, pairing: Pairing, action: str = Action.VIEW) -> bool:
    """Say whether *user* may do *action* in *pairing* (a grant on an ancestor counts)."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(pairing.path.startswith(path) for path in _granted_paths(user, action))


def user_can_anywhere(user: User, action: str = Action.VIEW) -> bool:
    """Say whether *user* may do *action* in at least one pairing (one query at most)."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.role_grants.filter(role__in=roles_allowing(action)).exists()


def get_pairing_for_user(user: User, code: str, action: str = Action.VIEW) -> Pairing:
    """Return the pairing *code* if *user* may *action* it.

    Raise Http404 when the user may not even see it (so codes of other pairings do not leak),
    and PermissionDenied when they may see it but not do *action*.
    """
    try:
        pairing = pairings_for_user(user).get(code=code)
    except Pairing.DoesNotExist:
        raise Http404 from None
    if action != Action.VIEW and not user_can(user, pairing, action):
        raise PermissionDenied
    return pairing


def roles_in_pairing(user: User, pairing: Pairing) -> list[str]:
    """Return the roles *user* holds in *pairing*, directly or through an ancestor."""
    grants = user.role_grants.select_related("pairing")
    return sorted({g.role for g in grants if pairing.path.startswith(g.pairing.path)})


def actions_in_pairing(user: User, pairing: Pairing) -> frozenset[str]:
    """Return what *user* may do in *pairing*, for showing only the buttons they can use."""
    if not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(Action.values)
    actions: set[str] = set()
    for role in roles_in_pairing(user, pairing):
        actions |= ROLE_ACTIONS[role]
    return frozenset(actions)


# ---------------------------------------------------------------------------------------------
# Pairings


@dataclass
class PairingNode:
    """A pairing with the sub-pairings the reader may see, for drawing a tree."""

    pairing: Pairing
    children: list[PairingNode] = field(default_factory=list)


def pairing_forest(user: User, *, root: Pairing | None = None) -> list[PairingNode]:
    """Return the pairings *user* may see as trees, under *root* if given, in one query."""
    pairings = pairings_for_user(user).select_related("parent")
    if root is not None:
        pairings = pairings.filter(path__startswith=root.path).exclude(pk=root.pk)
    nodes = {p.pk: PairingNode(p) for p in pairings.order_by("path")}
    roots: list[PairingNode] = []
    for node in nodes.values():
        parent = nodes.get(node.pairing.parent_id or 0)
        (parent.children if parent else roots).append(node)
    return roots


@dataclass(frozen=True)
class PairingFacts:
    """The key facts shown at the top of a pairing's home page."""

    sub_pairings: int
    by_kind: list[tuple[str, int]]
    illustrative: int
    organisations: int


def pairing_facts(user: User, pairing: Pairing) -> PairingFacts:
    """Count what lies under *pairing* that *user* may see."""
    below = pairings_for_user(user).filter(path__startswith=pairing.path).exclude(pk=pairing.pk)
    kinds = Counter(
        dict(below.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    )
    labels = dict(Pairing.Kind.choices)
    organisations = Organisation.objects.filter(
        Q(east_pairings__in=below) | Q(west_pairings__in=below) | Q(pk__in=_party_orgs(pairing))
    ).distinct()
    return PairingFacts(
        sub_pairings=sum(kinds.values()),
        by_kind=[(str(labels[k]), n) for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])],
        illustrative=below.filter(is_illustrative=True).count(),
        organisations=organisations.count(),
    )


def tree_facts(node: PairingNode) -> PairingFacts:
    """Count what lies under *node* from the tree already read (no query), as pairing_facts
    would: the visible pairings below a root of pairing_forest are exactly its subtree."""
    below: list[Pairing] = []
    stack = list(node.children)
    while stack:
        child = stack.pop()
        below.append(child.pairing)
        stack.extend(child.children)
    kinds = Counter(p.kind for p in below)
    labels = dict(Pairing.Kind.choices)
    organisations = set(_party_orgs(node.pairing))
    for pairing in below:
        organisations.update(_party_orgs(pairing))
    return PairingFacts(
        sub_pairings=len(below),
        by_kind=[(str(labels[k]), n) for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])],
        illustrative=sum(p.is_illustrative for p in below),
        organisations=len(organisations),
    )


def _party_orgs(pairing: Pairing) -> list[int]:
    return [pk for pk in (pairing.east_organisation_id, pairing.west_organisation_id) if pk]


def _path_ids(path: str) -> list[int]:
    """Return the ids of the ancestors named in a materialized *path*, from the top."""
    return [int(part) for part in path.strip("/").split("/")[:-1] if part]


def pairing_ancestors(user: User, pairing: Pairing) -> list[Pairing]:
    """Return the pairings above *pairing* that *user* may see, from the top."""
    return list(pairings_for_user(user).filter(pk__in=_path_ids(pairing.path)).order_by("depth"))


def root_ids(pairing_ids: Iterable[int]) -> dict[int, int]:
    """Return {pairing id: the id of its root} for these pairings (see Pairing.root)."""
    return dict(Pairing.objects.filter(pk__in=set(pairing_ids)).values_list("pk", "root"))


def is_year_locked(pairing: Pairing, year: int) -> bool:
    """Whether *year* is final for *pairing*: locked on it or on a pairing above it."""
    above = [*_path_ids(pairing.path), pairing.pk]
    return LockedYear.objects.filter(pairing_id__in=above, year=year).exists()


def pairings_of_place(user: User, place: Place) -> QuerySet[Pairing]:
    """Return the visible pairings in which *place* is a party."""
    return pairings_for_user(user).filter(Q(east_place=place) | Q(west_place=place))


def pairings_of_organisation(user: User, organisation: Organisation) -> QuerySet[Pairing]:
    return pairings_for_user(user).filter(
        Q(east_organisation=organisation) | Q(west_organisation=organisation)
    )


# ---------------------------------------------------------------------------------------------
# Places and organisations: reference data every signed-in user may read.

_SUFFIXES = ("苗族彝族乡", "民族乡", "街道", "社区", "省", "市", "区", "县", "镇", "乡", "村")


def normalise_name(text: str) -> str:
    """Fold full-width characters and drop spaces, as names arrive from sheets and news.

    Control characters go too: no name has them, and PostgreSQL refuses a NUL in a query.
    """
    return re.sub(r"[\s\x00-\x1f\x7f]+", "", unicodedata.normalize("NFKC", text))


def short_name(name: str) -> str:
    """Drop the level suffix: 麟凤镇 → 麟凤, 双河苗族彝族乡 → 双河."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _places_named(text: str) -> set[int]:
    """Return ids of places called *text*, by name, alias or the name without its suffix."""
    exact = set(Place.objects.filter(name=text).values_list("pk", flat=True))
    exact |= set(PlaceAlias.objects.filter(name=text).values_list("place_id", flat=True))
    if exact:
        return exact
    stem = short_name(text)
    found: set[int] = set()
    for pk, name in Place.objects.filter(name__startswith=stem).values_list("pk", "name"):
        if short_name(name) == stem:
            found.add(pk)
    for pk, name in PlaceAlias.objects.filter(name__startswith=stem).values_list(
        "place_id", "name"
    ):
        if short_name(name) == stem:
            found.add(pk)
    return found


def match_places(text: str) -> list[Place]:
    """Return the places *text* may mean, the most specific reading first.

    Accepts a name with or without its parents and suffix, and former names and variants:
    麟凤镇, 麟凤, 林凤, 威信县麟凤镇, 罗布乡 (now 罗布镇), 云南省昭通市威信县.
    """
    text = normalise_name(text)
    if not text:
        return []
    found = _NameReader().places_meant(text)
    return list(Place.objects.filter(pk__in=found).order_by("-depth", "path"))


# A name may follow at most four parents' names (省 市 县 镇 before a 村), and no one place's name
# is longer than 20 characters (双江拉祜族佤族布朗族傣族自治县 has 15): together these bound the
# work for any query typed into the search box.
_PARENT_LEVELS = 4
_LONGEST_NAME = 20


@dataclass
class _NameReader:
    """Read a place name, perhaps written after its parents', remembering what each piece named."""

    named: dict[str, set[int]] = field(default_factory=dict)
    meant: dict[tuple[str, int], set[int]] = field(default_factory=dict)

    def places_named(self, text: str) -> set[int]:
        if text not in self.named:
            self.named[text] = _places_named(text)
        return self.named[text]

    def places_meant(self, text: str, levels: int = _PARENT_LEVELS) -> set[int]:
        """Return ids of the places *text* names, alone or after up to *levels* parents."""
        key = (text, levels)
        if key not in self.meant:
            found = self.places_named(text)
            if not found and levels:
                found = self._places_inside(text, levels)
            self.meant[key] = found
        return self.meant[key]

    def _places_inside(self, text: str, levels: int) -> set[int]:
        # "威信县麟凤镇": a known place's name, then the name of a place inside it, which may
        # itself follow its own parents ("云南省昭通市威信县麟凤镇").
        found: set[int] = set()
        for split in range(2, min(len(text) - 1, _LONGEST_NAME + 1)):
            parents = self.places_named(text[:split])
            if not parents:
                continue
            inner = self.places_meant(text[split:], levels - 1)
            if not inner:
                continue
            parent_paths = list(Place.objects.filter(pk__in=parents).values_list("path", flat=True))
            for pk, path in Place.objects.filter(pk__in=inner).values_list("pk", "path"):
                if any(path.startswith(p) and path != p for p in parent_paths):
                    found.add(pk)
            if found:
                break
        return found


def resolve_place(text: str) -> Place | None:
    """Return the one place *text* means, or None when it means none or several."""
    places = match_places(text)
    return places[0] if len(places) == 1 else None


def search_places(
    query: str = "", *, side: str = "", level: str = "", within: Place | None = None
) -> QuerySet[Place]:
    """Find places by name, former name, variant or division code."""
    places = Place.objects.select_related("parent")
    query = normalise_name(query)
    if query:
        if query.isdigit():
            places = places.filter(code__startswith=query)
        else:
            matched = [p.pk for p in match_places(query)]
            places = places.filter(
                Q(pk__in=matched) | Q(full_name__contains=query) | Q(aliases__name__contains=query)
            ).distinct()
    if side:
        places = places.filter(side=side)
    if level:
        places = places.filter(level=level)
    if within is not None:
        places = places.filter(path__startswith=within.path)
    return places.order_by("path")


def get_place(pk: int) -> Place:
    try:
        return Place.objects.select_related("parent", "source").get(pk=pk)
    except Place.DoesNotExist:
        raise Http404 from None


def place_ancestors(place: Place) -> list[Place]:
    """Return the chain of places above *place*, from the top."""
    ids = _path_ids(place.path)
    by_id = Place.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def search_organisations(
    query: str = "", *, kind: str = "", side: str = "", place: Place | None = None
) -> QuerySet[Organisation]:
    """Find organisations by name, short name or credit code."""
    organisations = Organisation.objects.select_related("place")
    query = normalise_name(query)
    if query:
        organisations = organisations.filter(
            Q(name__contains=query)
            | Q(short_name__contains=query)
            | Q(credit_code=query.upper())
            | Q(place__full_name__contains=query)
        )
    if kind:
        organisations = organisations.filter(kind=kind)
    if side:
        organisations = organisations.filter(place__side=side)
    if place is not None:
        organisations = organisations.filter(place__path__startswith=place.path)
    return organisations.order_by("place__path", "name")


def get_organisation(pk: int) -> Organisation:
    try:
        return Organisation.objects.select_related("place", "source").get(pk=pk)
    except Organisation.DoesNotExist:
        raise Http404 from None
