"""Find the eastern and western places an article presents as cooperating.

Place names are looked up in a national gazetteer of provinces, cities and counties (JioNLP's
administrative-division dictionary, with each unit's short name) and then in our own place
registry, which adds former names and variants and tells a place's side. A short name (松江,
杭州) counts only where the article also writes the full name (松江区) or a place inside it
(余杭区 for 杭州), or where it is a province's (上海); two-character county names (沛县, 和县)
are too often parts of other words to count unless the registry knows them.

The parties are, on each side, the most mentioned county or city (a province only when nothing
below it is named), with any other place named nearly as often.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Any

__all__ = ["EAST_PROVINCES", "Mention", "Place", "find_parties", "gazetteer", "mentions"]

# The provinces (and the one city) that give help in East–West cooperation; every other place
# in the gazetteer is on the western, receiving side.
EAST_PROVINCES = frozenset(
    {"北京市", "天津市", "上海市", "江苏省", "浙江省", "福建省", "山东省", "广东省"}
)
EAST_CITIES = frozenset({"大连市"})

_LEVELS = ("province", "city", "county")
_NOT_PLACES = frozenset({"城区", "郊区", "矿区", "东区", "西区", "南区", "北区", "新区", "市中区"})
# A short name followed by one of these is a street, a park or a school named after the place.
_NAMED_AFTER = ("路", "街", "大道", "大街", "巷", "公园", "广场", "商场", "中路", "东路", "西路")


@dataclass(frozen=True)
class Place:
    """A unit of the gazetteer: 松江区 (county) in 上海市 (city 上海市, province 上海市)."""

    name: str
    level: str  # province, city or county
    province: str
    city: str  # "" for a province
    code: str
    short: tuple[str, ...] = ()

    @property
    def side(self) -> str:
        return "east" if self.province in EAST_PROVINCES or self.city in EAST_CITIES else "west"

    @property
    def parents(self) -> tuple[str, ...]:
        if self.level == "county":
            return (self.province, self.city)
        if self.level == "city":
            return (self.province,)
        return ()

    @property
    def full_name(self) -> str:
        names = [self.province]
        if self.city and self.city != self.province:
            names.append(self.city)
        if self.name not in names:
            names.append(self.name)
        return "".join(names)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    surface: str
    places: tuple[Place, ...]
    by_short_name: bool


class _Gazetteer:
    def __init__(self, places: list[Place]) -> None:
        self.places = places
        self.full: dict[str, list[Place]] = defaultdict(list)
        self.short: dict[str, list[Place]] = defaultdict(list)
        # 环县, 沛县: real names, but too often part of other words (…县和县直部门) to count
        # unless the article also names the city they are in.
        self.two_character: dict[str, list[Place]] = defaultdict(list)
        for place in places:
            if place.name in _NOT_PLACES:
                pass
            elif len(place.name) > 2 or place.level != "county":
                self.full[place.name].append(place)
            else:
                self.two_character[place.name].append(place)
            for short in place.short:
                if len(short) >= 2 and short != place.name:
                    if short.endswith(("州", "县", "旗")) and short[-1] == place.name[-1]:
                        self.full[short].append(place)  # 黔东南州 is as good as the full name
                    else:
                        self.short[short].append(place)
        # A full name wins over a short one.
        self.names = {**self.short, **self.two_character, **self.full}
        self.longest = max(len(name) for name in self.names)


def _aliases(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(item for item in value or () if item)


def _suffixed_short_forms(name: str, short: tuple[str, ...]) -> tuple[str, ...]:
    """黔东南苗族侗族自治州 is written 黔东南州; 威宁彝族回族苗族自治县 威宁县 or 威宁自治县."""
    extra: list[str] = []
    for suffix, written in (("自治州", "州"), ("自治县", "县"), ("自治旗", "旗")):
        if name.endswith(suffix):
            extra += [s + written for s in short if not s.endswith(written)]
            extra += [s + suffix for s in short if not s.endswith(suffix)]
    return tuple(extra)


def _load_divisions() -> dict[str, Any]:
    # JioNLP prints a banner on import; keep it off our output (the CLI prints JSON).
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp

        return dict(jionlp.china_location_loader())


_LOCK = threading.Lock()


@cache
def gazetteer() -> _Gazetteer:
    """The national gazetteer, loaded once per process (about 0.3 s)."""
    with _LOCK:
        places: list[Place] = []
        for province, province_data in _load_divisions().items():
            code = province_data.get("_admin_code", "")
            short = _aliases(province_data.get("_alias"))
            places.append(Place(province, "province", province, "", code, short))
            for city, city_data in province_data.items():
                if city.startswith("_"):
                    continue
                if city != province:  # a municipality is its own city
                    short = _aliases(city_data.get("_alias"))
                    short += _suffixed_short_forms(city, short)
                    code = city_data.get("_admin_code", "")
                    places.append(Place(city, "city", province, city, code, short))
                for county, county_data in city_data.items():
                    if county.startswith("_"):
                        continue
                    short = _aliases(county_data.get("_alias"))
                    short += _suffixed_short_forms(county, short)
                    code = county_data.get("_admin_code", "")
                    places.append(Place(county, "county", province, city, code, short))
        return _Gazetteer(places)


def _scan(text: str, names: dict[str, list[Place]], longest: int) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    position = 0
    while position < len(text):
        for length in range(min(longest, len(text) - position), 1, -1):
            surface = text[position : position + length]
            if surface in names:
                found.append((position, position + length, surface))
                position += length
                break
        else:
            position += 1
    return found


def mentions(text: str) -> list[Mention]:
    """Every place name in *text*, longest first, a short name only where it can count."""
    g = gazetteer()
    raw = _scan(text, g.names, g.longest)
    full_written = {surface for _, _, surface in raw if surface in g.full}
    written_places = {p for surface in full_written for p in g.full[surface]}
    written_names = {p.name for p in written_places} | {
        parent for p in written_places for parent in p.parents
    }
    # 庆阳市 may be written 庆阳; a city's or province's short name is enough to place 环县.
    written_names |= {
        p.name
        for _, _, surface in raw
        if surface in g.short
        for p in g.short[surface]
        if p.level != "county"
    }
    found: list[Mention] = []
    for start, end, surface in raw:
        if surface in g.two_character:
            places = tuple(p for p in g.two_character[surface] if p.city in written_names)
            if places:
                found.append(Mention(start, end, surface, places, by_short_name=False))
            continue
        if surface in g.full:
            places = tuple(g.full[surface])
            if surface.endswith("市") and text[end : end + 1] == "场":  # 上海市场 is 上海 + 市场
                end -= 1
                surface = surface[:-1]
            found.append(Mention(start, end, surface, places, by_short_name=False))
            continue
        if text.startswith(_NAMED_AFTER, end):
            continue
        # 真金白银 is no mention of 白银市: a short name counts only beside its full name or a
        # place inside it, except a province's (上海, 云南), which nothing else is called.
        places = tuple(
            p for p in g.short[surface] if p.level == "province" or p.name in written_names
        )
        if places:
            found.append(Mention(start, end, surface, places, by_short_name=True))
    return _disambiguate(found)


def _disambiguate(found: list[Mention]) -> list[Mention]:
    """Keep, for a name several places share (鼓楼区), the one whose city the article names."""
    named = {p.name for m in found if len(m.places) == 1 for p in m.places}
    kept: list[Mention] = []
    for mention in found:
        if len(mention.places) == 1:
            kept.append(mention)
            continue
        inside = tuple(p for p in mention.places if set(p.parents) & named)
        if len(inside) == 1:
            kept.append(Mention(mention.start, mention.end, mention.surface, inside, False))
        elif len({p.side for p in mention.places}) == 1 and mention.places[0].level == "province":
            kept.append(mention)
    return kept


@dataclass(frozen=True)
class FoundParty:
    place: Place
    name: str  # as the article writes it with its suffix, else the gazetteer's name
    mentions: int


def find_parties(text: str) -> dict[str, list[FoundParty]]:
    """Return {"east": [...], "west": [...]} — the places presented as cooperating."""
    found = mentions(text)
    counts: Counter[Place] = Counter()
    written: dict[Place, Counter[str]] = defaultdict(Counter)
    first: dict[Place, int] = {}
    for mention in found:
        (place,) = mention.places[:1]
        counts[place] += 1
        first.setdefault(place, mention.start)
        if not mention.by_short_name:
            written[place][mention.surface] += 1
    paired = _paired(text, found)
    parties: dict[str, list[FoundParty]] = {"east": [], "west": []}
    for side in parties:
        chosen = _choose([p for p in counts if p.side == side], counts, first, paired)
        parties[side] = [
            FoundParty(
                place=p,
                name=written[p].most_common(1)[0][0] if written[p] else p.name,
                mentions=counts[p],
            )
            for p in chosen
        ]
    return parties


# Two places joined as partners: 青岛市城阳区与陇南市宕昌县, 广州市·毕节市, 北仑区人社局与布拖县…
_JOINED = re.compile(r"^[\u4e00-\u9fff]{0,6}?(?:与|和|同|·|、|携手|结对)$")


def _paired(text: str, found: list[Mention]) -> set[Place]:
    """Places the article writes as one of two partners, east with west, in one phrase."""
    addresses: list[tuple[int, int, Place]] = []  # consecutive names: the last is the place
    for mention in found:
        if addresses and addresses[-1][1] == mention.start:
            addresses[-1] = (addresses[-1][0], mention.end, mention.places[0])
        else:
            addresses.append((mention.start, mention.end, mention.places[0]))
    paired: set[Place] = set()
    for (_, end, left), (start, _, right) in itertools.pairwise(addresses):
        if left.side != right.side and _JOINED.match(text[end:start]):
            paired |= {left, right}
    return paired


def _choose(
    places: list[Place], counts: Counter[Place], first: dict[Place, int], paired: set[Place]
) -> list[Place]:
    below_province = [p for p in places if p.level != "province"]
    candidates = below_province or places
    if not candidates:
        return []
    ranked = sorted(candidates, key=lambda p: (-counts[p], -_LEVELS.index(p.level), first[p]))
    top = counts[ranked[0]]
    chosen = [ranked[0]] + [
        p
        for p in ranked[1:]
        # named nearly as often, or a county inside the chosen city named more than in passing
        if counts[p] >= max(2, top / 2)
        or (ranked[0].name in p.parents and (counts[p] >= 3 or (p in paired and counts[p] >= 2)))
    ]
    # A city named less often than a chosen county inside it is only that county's address.
    return [
        p
        for p in chosen
        if not any(p.name in other.parents and counts[other] >= counts[p] for other in chosen)
    ]
