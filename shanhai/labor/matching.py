"""Match workers and job postings: rank one side for the other, and assign many to many.

Pure logic: it reads the instances it is given (and, unless told, counts each posting's active
placements in one query) and never writes. Recording accepted pairs is assignments.py's job.

Hard constraints. A pair that fails one is no match; asked with include_blocked=True, it comes
back with the reasons in Match.blocked.

- The posting is open on the day, with places left (headcount minus active placements).
- The worker is looking for work: not in work, not "not looking", personal data not deleted;
  and is at least 16, the lawful working age.
- The worker's age is within the posting's range, when both are known. The posting's own
  range is the only one applied; the matcher adds none of its own above 16.
- An 爱心岗位 goes only to poverty-exited or monitored households.

Soft factors make the score, 0–100. Each factor gives whole points, and the score is the exact
sum of the points shown beside it:

| factor            | points | how                                                           |
| ----------------- | ------ | ------------------------------------------------------------- |
| willingness/place |   30   | rules.destination(origin, work_place) against the worker's    |
|                   |        | wish, table WISH_FIT: Shanghai-willing ↔ Shanghai job = 1.0;  |
|                   |        | near-home workers for jobs outside the province = 0           |
| skills            |   25   | share of the posting's skills_required that the worker's      |
|                   |        | skills, certificates or trainings name (tokens split on 、，,; |
|                   |        | and spaces; equal, or one contains the other when both have 2+ |
|                   |        | characters: 焊工 ~ 电焊工); no skills asked: half the points    |
| wage              |   20   | the posting's range against the expected wage: all when the   |
|                   |        | lowest wage meets it, 0.8 when the highest does, falling to 0 |
|                   |        | at 25 % short; 0.6 when the worker named no wage              |
| housing and meals |   15   | housing 10, meals 5, weighed by distance (FARNESS): far from  |
|                   |        | home they count in full; near home they do not matter, so     |
|                   |        | every near-home job gets the points                           |
| education         |   10   | the posting's level against the worker's, which is read from  |
|                   |        | their certificates and trainings (初中, 高中, 中专, 大专 …);     |
|                   |        | unknown: half; one level short: 0.3                           |

The last four count in full only where the worker is willing to go: each is multiplied by
WILLINGNESS_FLOOR + (1 − WILLINGNESS_FLOOR) × the willingness fit, so a perfect Shanghai job
scores 28 for a worker who wants to stay near home (30 × 0 + 70 × 0.4), not 70. A job in a
place the worker will not go is worth little however good it is otherwise.

Why these weights: what the cooperation counts is people still in work at 3, 6 and 12 months,
and a worker sent where they did not want to go is the likeliest to come home early, so the
stated willingness leads and damps the rest; skills decide whether the employer takes them;
wage is what workers compare jobs by; housing and meals decide whether a far job is affordable;
most postings for rural workers (普工) ask no education, and the worker record has no education
field (it is read from the certificates), so it weighs least. They are a starting point for
the liaisons to tune with the follow-up figures, not a fitted model.

Never weighed: the worker's sex, and ethnicity (not recorded at all). Nothing in this module
reads the sex field; a test proves that changing it changes no score.

The batch assignment is a min-cost flow (OR-tools SimpleMinCostFlow): worker → posting arcs
of capacity 1 and cost −score, posting → sink arcs of capacity "places left", and a zero-cost
worker → sink arc so a worker may stay unassigned. For 100,000 workers × 10,000 postings the
graph is kept sparse: each worker gets arcs to their TOP_K best feasible postings scoring at
least MIN_PROPOSED_SCORE, each posting to its best-fitting workers (TOP_PER_POSTING at most),
and postings that cannot reach that score for a worker's wish and home are not even scored.
Similar workers share their favourite postings, so some who fit well are left out while places
stay free: they get arcs to their best postings with places free, assigned by a small flow over
those arcs, until no one more is placed (ROUNDS at most); then one flow over every arc found
decides. It is optimal on that graph; the benchmark measures what the sparsity costs against
every arc.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext as _
from ortools.graph.python import min_cost_flow

from shanhai.core.personal import mask_name
from shanhai.labor import rules
from shanhai.labor.models import Destination, HouseholdType, Posting, Willingness, Worker
from shanhai.labor.selectors_matching import active_placement_counts
from shanhai.places.models import Place

Ints = npt.NDArray[np.int64]
Reals = npt.NDArray[np.float32]
Points = npt.NDArray[np.int16]
Flags = npt.NDArray[np.bool_]

WEIGHTS = {"place": 30, "skills": 25, "wage": 20, "comfort": 15, "education": 10}
HOUSING_POINTS, MEALS_POINTS = 10, 5  # together WEIGHTS["comfort"]
TOP_K = 20
TOP_PER_POSTING = 100  # at most this many best-fitting workers per posting, whatever its places
ROUNDS = 10  # at most: the first solve, then small ones for those left out while places are free
WILLINGNESS_FLOOR = 0.4  # the share of the other factors a job gets where the worker won't go
MIN_PROPOSED_SCORE = 40  # below this a pair is not worth proposing to the liaison
LAWFUL_WORKING_AGE = 16  # 劳动法 第十五条

_DESTINATIONS = [
    Destination.SHANGHAI,
    Destination.OTHER_EAST,
    Destination.PROVINCE,
    Destination.NEAR_HOME,
    Destination.ELSEWHERE,
]
_WISHES = [Willingness.SHANGHAI, Willingness.EAST, Willingness.PROVINCE, Willingness.NEAR_HOME]

# How well a destination (columns, in _DESTINATIONS order) suits a wish (rows, _WISHES order).
WISH_FIT = np.array(
    [
        # Shanghai, other east, province, near home, other west
        [1.0, 0.6, 0.3, 0.3, 0.3],  # wants Shanghai
        [0.8, 1.0, 0.3, 0.3, 0.4],  # wants elsewhere in the east
        [0.1, 0.1, 1.0, 0.8, 0.3],  # wants to stay in the province
        [0.0, 0.0, 0.3, 1.0, 0.1],  # wants to stay near home
    ]
)
# How much housing and meals matter at each destination (same column order).
FARNESS = np.array([1.0, 1.0, 0.5, 0.0, 1.0])

_EDUCATION: dict[str, int] = {
    Posting.Education.NONE: 0,
    Posting.Education.PRIMARY: 1,
    Posting.Education.JUNIOR: 2,
    Posting.Education.SENIOR: 3,
    Posting.Education.COLLEGE: 4,
}
# Words in a worker's certificates and trainings that tell their schooling, highest first.
_SCHOOLING_WORDS = [
    (4, ("本科", "大专", "专科", "大学", "研究生", "高职")),
    (3, ("高中", "中专", "职高", "技校", "中职", "中等职业")),
    (2, ("初中",)),
    (1, ("小学",)),
]
_PRIORITY_HOUSEHOLDS = frozenset({HouseholdType.POVERTY_EXITED, HouseholdType.MONITORED})
_TOKEN_SPLIT = re.compile(r"[、，,;；/\s]+")

# The fit (0–1) of housing and meals per (destination, 2 × housing + meals), and of schooling
# per (worker's level + 1, posting's level): tables every score reads from, in float32 as all
# the scoring is (a batch scores a billion pairs).
_COMFORT_FIT = np.array(
    [
        [
            (
                HOUSING_POINTS * (1 if housing else 1 - far)
                + MEALS_POINTS * (1 if meals else 1 - far)
            )
            / WEIGHTS["comfort"]
            for housing, meals in ((0, 0), (0, 1), (1, 0), (1, 1))
        ]
        for far in FARNESS
    ],
    dtype=np.float32,
)


def _education_fit(worker_level: int, required: int) -> float:
    if required == 0 or worker_level >= required:
        return 1.0
    if worker_level < 0:
        return 0.5
    return 0.3 if worker_level == required - 1 else 0.0


_EDUCATION_FIT = np.array(
    [[_education_fit(level, required) for required in range(5)] for level in range(-1, 5)],
    dtype=np.float32,
)
_WISH_FIT = WISH_FIT.astype(np.float32)
_WEIGHT = {factor: np.float32(points) for factor, points in WEIGHTS.items()}
_FLOOR = np.float32(WILLINGNESS_FLOOR)
# The wage's fit: unsaid 0.6; in the range 0.8; below it 0.6 falling to 0 at 25 % short.
_WAGE_UNSAID, _WAGE_IN_RANGE, _WAGE_SET, _WAGE_SLOPE = (
    np.float32(0.6),
    np.float32(0.8),
    np.float32(0.6),
    np.float32(2.4),
)


# ---------------------------------------------------------------------------------------------
# What the pages and the batch get back


@dataclass
class Match:
    """A worker and a posting, how well they fit (0–100) and why."""

    worker: Worker
    posting: Posting
    score: int
    reasons: list[str]
    blocked: list[str] = field(default_factory=list)
    concerns: list[str] = field(default_factory=list)  # what cost points
    points: dict[str, int] = field(default_factory=dict)  # per factor; they add up to score

    @property
    def is_blocked(self) -> bool:
        return bool(self.blocked)


@dataclass
class Unassigned:
    worker: Worker
    reason: str


@dataclass
class Proposal:
    """Who goes where: a batch assignment for the liaison to review before anything is saved."""

    pairs: list[Match]
    unassigned: list[Unassigned]
    total_score: int
    solver_seconds: float
    scoring_seconds: float = 0.0
    arcs: int = 0  # candidate worker → posting arcs in the graph
    rounds: int = 0  # times the flow was solved
    places: int = 0  # places left in the postings open on the day


def match_name(worker: Worker) -> str:
    """The name to show beside a match: in full once the worker consented or is placed."""
    if worker.has_consented or worker.status == Worker.Status.PLACED:
        return worker.name
    return mask_name(worker.name)


# ---------------------------------------------------------------------------------------------
# Features: the fields that matter, as arrays, read once per call


def skill_tokens(text: str) -> frozenset[str]:
    """The skills a text names: 电焊、叉车, 普通话 → {电焊, 叉车, 普通话}."""
    return frozenset(token.lower() for token in _TOKEN_SPLIT.split(text) if token)


def _token_matches(have: str, wanted: str) -> bool:
    if have == wanted:
        return True
    return len(have) >= 2 and len(wanted) >= 2 and (have in wanted or wanted in have)


def _schooling(worker: Worker) -> int:
    """The worker's education level as _EDUCATION counts it, or -1 when nothing says."""
    text = f"{worker.certificates} {worker.trainings} {worker.skills}"
    for level, words in _SCHOOLING_WORDS:
        if any(word in text for word in words):
            return level
    return -1


_UNAVAILABLE_IN_WORK, _UNAVAILABLE_NOT_LOOKING, _UNAVAILABLE_DELETED, _UNAVAILABLE_YOUNG = (
    1,
    2,
    3,
    4,
)


def _unavailable(worker: Worker, age: int) -> int:
    if worker.anonymised_at is not None:
        return _UNAVAILABLE_DELETED
    if worker.status == Worker.Status.PLACED:
        return _UNAVAILABLE_IN_WORK
    if worker.status == Worker.Status.NOT_LOOKING:
        return _UNAVAILABLE_NOT_LOOKING
    if 0 <= age < LAWFUL_WORKING_AGE:
        return _UNAVAILABLE_YOUNG
    return 0


def _place_key(place: Place) -> object:
    return place.pk if place.pk is not None else id(place)


@dataclass
class _Workers:
    items: Sequence[Worker]
    origins: list[Place]
    origin: Ints
    wish: Ints
    expected: npt.NDArray[np.float32]  # -1: not said
    education: Ints  # -1: not known
    age: Ints  # -1: not known
    priority: Flags
    unavailable: Ints  # 0: available
    tokens: list[frozenset[str]]


def _workers(items: Sequence[Worker], on: date) -> _Workers:
    origins: dict[object, int] = {}
    places: list[Place] = []
    origin, age = [], []
    for worker in items:
        place = worker.origin
        key = _place_key(place)
        if key not in origins:
            origins[key] = len(places)
            places.append(place)
        origin.append(origins[key])
        age.append(rules.age_on(worker.birth_date, on) if worker.birth_date else -1)
    wishes: dict[str, int] = {wish: i for i, wish in enumerate(_WISHES)}
    return _Workers(
        items=items,
        origins=places,
        origin=np.array(origin, dtype=np.int64),
        wish=np.array([wishes[w.willingness] for w in items], dtype=np.int64),
        expected=np.array([w.expected_wage or -1 for w in items], dtype=np.float32),
        education=np.array([_schooling(w) for w in items], dtype=np.int64),
        age=np.array(age, dtype=np.int64),
        priority=np.array([w.household_type in _PRIORITY_HOUSEHOLDS for w in items], dtype=bool),
        unavailable=np.array(
            [_unavailable(w, a) for w, a in zip(items, age, strict=True)], dtype=np.int64
        ),
        tokens=[skill_tokens(f"{w.skills} {w.certificates} {w.trainings}") for w in items],
    )


@dataclass
class _Postings:
    items: Sequence[Posting]
    places: list[Place]
    place: Ints
    wage_min: npt.NDArray[np.float32]
    wage_max: npt.NDArray[np.float32]
    comfort: Ints  # 2 × housing + meals
    love: Flags
    education: Ints
    age_min: Ints  # 0: none
    age_max: Ints  # 999: none
    is_open: Flags
    remaining: Ints
    tokens: list[frozenset[str]]
    vocabulary: dict[str, int]  # every skill any posting asks for → its bit
    skill_mask: npt.NDArray[np.uint64]  # (postings, words)
    skill_share: Reals  # what each asked-for skill is worth: 1 / how many are asked
    skill_free: Reals  # the fit when no skill is asked: 0.5


def _postings(items: Sequence[Posting], on: date, filled: Mapping[int, int]) -> _Postings:
    keys: dict[object, int] = {}
    places: list[Place] = []
    place = []
    for posting in items:
        work = posting.work_place
        key = _place_key(work)
        if key not in keys:
            keys[key] = len(places)
            places.append(work)
        place.append(keys[key])
    tokens = [skill_tokens(p.skills_required) for p in items]
    vocabulary: dict[str, int] = {}
    for wanted in tokens:
        for token in wanted:
            vocabulary.setdefault(token, len(vocabulary))
    return _Postings(
        items=items,
        places=places,
        place=np.array(place, dtype=np.int64),
        wage_min=np.array([p.wage_min for p in items], dtype=np.float32),
        wage_max=np.array([p.wage_max for p in items], dtype=np.float32),
        comfort=np.array([2 * p.has_housing + p.has_meals for p in items], dtype=np.int64),
        love=np.array([p.is_love_post for p in items], dtype=bool),
        education=np.array([_EDUCATION[p.education] for p in items], dtype=np.int64),
        age_min=np.array([p.age_min or 0 for p in items], dtype=np.int64),
        age_max=np.array([999 if p.age_max is None else p.age_max for p in items], np.int64),
        is_open=np.array([p.valid_from <= on <= p.valid_to for p in items], dtype=bool),
        remaining=np.array(
            [p.headcount - (filled.get(p.pk, 0) if p.pk is not None else 0) for p in items],
            dtype=np.int64,
        ),
        tokens=tokens,
        vocabulary=vocabulary,
        skill_mask=_masks([{vocabulary[t] for t in wanted} for wanted in tokens], vocabulary),
        skill_share=np.array([1 / len(t) if t else 0 for t in tokens], dtype=np.float32),
        skill_free=np.array([0 if t else 0.5 for t in tokens], dtype=np.float32),
    )


def _words(vocabulary: Mapping[str, int]) -> int:
    return max(1, -(-len(vocabulary) // 64))


def _masks(bit_sets: Sequence[set[int]], vocabulary: Mapping[str, int]) -> npt.NDArray[np.uint64]:
    masks = np.zeros((len(bit_sets), _words(vocabulary)), dtype=np.uint64)
    for row, bits in enumerate(bit_sets):
        for bit in bits:
            masks[row, bit // 64] |= np.uint64(1 << (bit % 64))
    return masks


@dataclass
class _Problem:
    """Workers and postings side by side: destinations and skill cover, computed once."""

    workers: _Workers
    postings: _Postings
    destination: Ints  # (origins, places) → index into _DESTINATIONS
    cover: npt.NDArray[np.uint64]  # (workers, words): the asked-for skills each worker has


def _problem(
    workers: Sequence[Worker], postings: Sequence[Posting], on: date, filled: Mapping[int, int]
) -> _Problem:
    w, p = _workers(workers, on), _postings(postings, on, filled)
    index: dict[str, int] = {d: i for i, d in enumerate(_DESTINATIONS)}
    destination = np.array(
        [[index[rules.destination(home, work)] for work in p.places] for home in w.origins],
        dtype=np.int64,
    ).reshape(len(w.origins), len(p.places))
    covered: dict[frozenset[str], set[int]] = {}
    for have in w.tokens:
        if have not in covered:
            covered[have] = {
                bit
                for wanted, bit in p.vocabulary.items()
                if any(_token_matches(token, wanted) for token in have)
            }
    cover = _masks([covered[have] for have in w.tokens], p.vocabulary)
    return _Problem(workers=w, postings=p, destination=destination, cover=cover)


# ---------------------------------------------------------------------------------------------
# Scoring: one function for a grid (workers × postings) and for a list of pairs


@dataclass
class _Scored:
    points: dict[str, Reals]  # whole numbers
    score: Points
    destination: Ints
    failing: dict[str, Flags]  # per hard constraint: where it fails
    feasible: Flags


def _wish_fit(problem: _Problem, wi: Ints, pj: Ints) -> tuple[Ints, Reals]:
    """Where each posting is from each worker's home, and how well that suits their wish."""
    dest = problem.destination[problem.workers.origin[wi], problem.postings.place[pj]]
    return dest, _WISH_FIT[problem.workers.wish[wi], dest]


def _damping(wish_fit: Reals) -> Reals:
    return _FLOOR + (1 - _FLOOR) * wish_fit


def _points(fit: Reals, damping: Reals, factor: str) -> Reals:
    return np.rint(fit * damping * _WEIGHT[factor])


def _evaluate(problem: _Problem, wi: Ints, pj: Ints) -> _Scored:
    """Score workers *wi* against postings *pj*.

    The index arrays broadcast: wi[:, None] and pj[None, :] give a grid, two equal-length
    arrays give pairs. Every number a Match shows comes from here.
    """
    w, p = problem.workers, problem.postings
    dest, wish_fit = _wish_fit(problem, wi, pj)
    damping = _damping(wish_fit)
    matched = np.bitwise_count(problem.cover[wi] & p.skill_mask[pj])
    matched = matched[..., 0] if matched.shape[-1] == 1 else matched.sum(axis=-1)
    expected, low, high = w.expected[wi], p.wage_min[pj], p.wage_max[pj]
    shortfall = np.clip(_WAGE_SET - _WAGE_SLOPE * (expected - high) / expected, 0, _WAGE_SET)
    wage_fit = np.where(
        expected < 0,
        _WAGE_UNSAID,
        np.where(low >= expected, 1, np.where(high >= expected, _WAGE_IN_RANGE, shortfall)),
    )
    points = {
        "place": np.rint(wish_fit * _WEIGHT["place"]),
        "skills": _points(matched * p.skill_share[pj] + p.skill_free[pj], damping, "skills"),
        "wage": _points(wage_fit.astype(np.float32), damping, "wage"),
        "comfort": _points(_COMFORT_FIT[dest, p.comfort[pj]], damping, "comfort"),
        "education": _points(
            _EDUCATION_FIT[w.education[wi] + 1, p.education[pj]], damping, "education"
        ),
    }
    score = points["place"] + points["skills"] + points["wage"] + points["comfort"]
    score += points["education"]
    age = w.age[wi]
    failing = {
        "open": ~p.is_open[pj],
        "places": p.remaining[pj] <= 0,
        "worker": w.unavailable[wi] != 0,
        "household": p.love[pj] & ~w.priority[wi],
        "age": (age >= 0) & ((age < p.age_min[pj]) | (age > p.age_max[pj])),
    }
    feasible = (
        ~(failing["open"] | failing["places"] | failing["worker"] | failing["household"])
        & ~failing["age"]
    )
    return _Scored(
        points=points,
        score=score.astype(np.int16),
        destination=dest,
        failing=failing,
        feasible=np.broadcast_to(feasible, score.shape),
    )


def _upper_bound(problem: _Problem, i: int, pj: Ints) -> Reals:
    """The most worker *i* could score at postings *pj*: as if every fit but the place were 1."""
    _dest, wish_fit = _wish_fit(problem, np.array([i]), pj)
    damping = _damping(wish_fit)
    bound = np.rint(wish_fit * _WEIGHT["place"])
    one = np.float32(1)
    for factor in ("skills", "wage", "comfort", "education"):
        bound += _points(one, damping, factor)  # type: ignore[arg-type]
    return bound


# ---------------------------------------------------------------------------------------------
# Explaining a pair in words


def _worker_block(code: int) -> str:
    return {
        _UNAVAILABLE_IN_WORK: _("Already in work"),
        _UNAVAILABLE_NOT_LOOKING: _("Not looking for work"),
        _UNAVAILABLE_DELETED: _("Personal data deleted on request"),
        _UNAVAILABLE_YOUNG: _("Under 16: may not be employed"),
    }[code]


def _blocked(problem: _Problem, i: int, j: int, failing: Mapping[str, bool], on: date) -> list[str]:
    posting = problem.postings.items[j]
    blocked = []
    if failing["worker"]:
        blocked.append(_worker_block(int(problem.workers.unavailable[i])))
    if failing["open"]:
        blocked.append(
            _("Opens on %(date)s") % {"date": posting.valid_from}
            if on < posting.valid_from
            else _("Closed on %(date)s") % {"date": posting.valid_to}
        )
    if failing["places"]:
        blocked.append(
            _("No places left (%(headcount)s wanted)") % {"headcount": posting.headcount}
        )
    if failing["household"]:
        blocked.append(_("爱心岗位: only for poverty-exited or monitored households"))
    if failing["age"]:
        low, high = posting.age_min or LAWFUL_WORKING_AGE, posting.age_max
        ages = f"{low}–{high}" if high is not None else f"≥{low}"
        blocked.append(
            _("Aged %(age)s; the job asks for ages %(ages)s")
            % {"age": int(problem.workers.age[i]), "ages": ages}
        )
    return blocked


_WISH_REASONS = {
    Willingness.SHANGHAI: lambda: _("Wants to work in Shanghai"),
    Willingness.EAST: lambda: _("Wants to work in the east"),
    Willingness.PROVINCE: lambda: _("Wants to stay in the province"),
    Willingness.NEAR_HOME: lambda: _("Wants to work near home"),
}


def _explain(
    problem: _Problem, i: int, j: int, dest: int, points: Mapping[str, int]
) -> tuple[list[str], list[str]]:
    worker, posting = problem.workers.items[i], problem.postings.items[j]
    reasons: list[str] = []
    concerns: list[str] = []

    wish = _WISHES[int(problem.workers.wish[i])]
    if WISH_FIT[_WISHES.index(wish), dest] >= 0.8:
        reasons.append(_WISH_REASONS[wish]())
    else:
        concerns.append(
            _("Wants: %(wish)s; this job: %(destination)s")
            % {"wish": wish.label, "destination": _DESTINATIONS[dest].label}
        )

    wanted = problem.postings.tokens[j]
    if wanted:
        have = problem.workers.tokens[i]
        met = sorted(t for t in wanted if any(_token_matches(h, t) for h in have))
        missing = sorted(wanted - set(met))
        if met:
            reasons.append(_("Has the skills needed: %(skills)s") % {"skills": "、".join(met)})
        if missing:
            concerns.append(_("Skills not listed: %(skills)s") % {"skills": "、".join(missing)})
    else:
        reasons.append(_("No particular skills needed"))

    expected = worker.expected_wage or None
    wages = {"min": posting.wage_min, "max": posting.wage_max, "wage": expected}
    if expected is not None:
        if posting.wage_min >= expected:
            reasons.append(_("Wage %(min)s–%(max)s meets the expected %(wage)s") % wages)
        elif posting.wage_max >= expected:
            reasons.append(_("Wage %(min)s–%(max)s can reach the expected %(wage)s") % wages)
        else:
            concerns.append(_("Wage %(min)s–%(max)s is below the expected %(wage)s") % wages)

    far = FARNESS[dest] > 0
    if posting.has_housing:
        reasons.append(_("Housing provided"))
    elif far:
        concerns.append(_("No housing, away from home"))
    if posting.has_meals:
        reasons.append(_("Meals provided"))
    elif far:
        concerns.append(_("No meals provided"))

    required = _EDUCATION[posting.education]
    if required:
        level = Posting.Education(posting.education).label
        if _EDUCATION_FIT[problem.workers.education[i] + 1, _EDUCATION[posting.education]] == 1:
            reasons.append(_("Education as required: %(level)s") % {"level": level})
        elif problem.workers.education[i] < 0:
            concerns.append(
                _("Education not recorded; the job asks for %(level)s") % {"level": level}
            )
        else:
            concerns.append(_("The job asks for %(level)s") % {"level": level})
    return reasons, concerns


def _matches(problem: _Problem, wi: Ints, pj: Ints, on: date) -> list[Match]:
    """Build a Match, in words, for each pair (wi[k], pj[k])."""
    if len(wi) == 0:
        return []
    scored = _evaluate(problem, wi, pj)
    matches = []
    for k, (i, j) in enumerate(zip(wi.tolist(), pj.tolist(), strict=True)):
        points = {name: int(values[k]) for name, values in scored.points.items()}
        failing = {name: bool(values[k]) for name, values in scored.failing.items()}
        reasons, concerns = _explain(problem, i, j, int(scored.destination[k]), points)
        matches.append(
            Match(
                worker=problem.workers.items[i],
                posting=problem.postings.items[j],
                score=int(scored.score[k]),
                reasons=reasons,
                concerns=concerns,
                blocked=_blocked(problem, i, j, failing, on),
                points=points,
            )
        )
    return matches


# ---------------------------------------------------------------------------------------------
# Ranking one side for the other


def _filled(postings: Sequence[Posting], filled: Mapping[int, int] | None) -> Mapping[int, int]:
    return filled if filled is not None else active_placement_counts(postings)


def _ranked(
    problem: _Problem,
    wi: Ints,
    pj: Ints,
    *,
    on: date,
    include_blocked: bool,
    limit: int | None,
) -> list[Match]:
    scored = _evaluate(problem, wi, pj)
    score = scored.score.ravel()
    feasible = scored.feasible.ravel()
    # Feasible first, then by score, then in the order given.
    order = np.lexsort((np.arange(len(score)), -score.astype(np.int64), ~feasible))
    if not include_blocked:
        order = order[feasible[order]]
    if limit is not None:
        order = order[:limit]
    flat_w = np.broadcast_to(wi, scored.score.shape).ravel()[order]
    flat_p = np.broadcast_to(pj, scored.score.shape).ravel()[order]
    return _matches(problem, flat_w, flat_p, on)


def rank_postings(
    worker: Worker,
    postings: Iterable[Posting],
    *,
    on: date,
    include_blocked: bool = False,
    limit: int | None = None,
    filled: Mapping[int, int] | None = None,
) -> list[Match]:
    """Rank *postings* for *worker* on the day *on*, best first, each with its reasons.

    Postings the worker may not take are left out, or, with *include_blocked*, come last with
    the reasons in Match.blocked. *filled* maps a posting's id to its active placements (read
    from the database when not given). *limit* keeps the best so many (all are scored).
    """
    items = list(postings)
    problem = _problem([worker], items, on, _filled(items, filled))
    return _ranked(
        problem,
        np.zeros((1, 1), dtype=np.int64),
        np.arange(len(items), dtype=np.int64)[None, :],
        on=on,
        include_blocked=include_blocked,
        limit=limit,
    )


def rank_workers(
    posting: Posting,
    workers: Iterable[Worker],
    *,
    on: date,
    include_blocked: bool = False,
    limit: int | None = None,
    filled: Mapping[int, int] | None = None,
) -> list[Match]:
    """Rank *workers* for *posting* on the day *on*, best first; as rank_postings otherwise."""
    items = list(workers)
    problem = _problem(items, [posting], on, _filled([posting], filled))
    return _ranked(
        problem,
        np.arange(len(items), dtype=np.int64)[:, None],
        np.zeros((1, 1), dtype=np.int64),
        on=on,
        include_blocked=include_blocked,
        limit=limit,
    )


# ---------------------------------------------------------------------------------------------
# Many workers to many postings

_GRID_CELLS = 2_000_000  # workers × postings scored at a time: about 60 MB of arrays


def propose_assignment(
    workers: Iterable[Worker],
    postings: Iterable[Posting],
    *,
    on: date,
    filled: Mapping[int, int] | None = None,
    top_k: int = TOP_K,
    min_score: int = MIN_PROPOSED_SCORE,
) -> Proposal:
    """Assign *workers* to *postings* within each posting's places left, maximising total fit.

    Nothing is written: the liaison reviews the proposal, and assignments.record_matches
    records the pairs they accept. Pairs below *min_score* are never proposed.
    """
    started = time.perf_counter()
    worker_list, posting_list = list(workers), list(postings)
    problem = _problem(worker_list, posting_list, on, _filled(posting_list, filled))
    w, p = problem.workers, problem.postings
    available = np.flatnonzero(w.unavailable == 0)
    usable = np.flatnonzero(p.is_open & (p.remaining > 0))
    best = np.full(len(worker_list), -1, dtype=np.int64)  # best feasible score, -1: none
    found = [_top_arcs(problem, available, usable, top_k=top_k, min_score=min_score, best=best)]
    scoring_seconds = time.perf_counter() - started
    solving = time.perf_counter()
    chosen_w, chosen_p = _solve(*found[0], p.remaining, len(worker_list))
    solver_seconds, rounds = time.perf_counter() - solving, 1

    # Similar workers share their best postings, so some who fit well are left out while
    # places stay free. Give them arcs to their best postings with places free and assign
    # them there (a small flow over those arcs only); repeat while that places anyone.
    free = p.remaining - np.bincount(chosen_p, minlength=len(posting_list))
    placed = np.zeros(len(worker_list), dtype=bool)
    placed[chosen_w] = True
    for _round in range(ROUNDS - 1):
        scoring = time.perf_counter()
        waiting = available[(best[available] >= min_score) & ~placed[available]]
        columns = usable[free[usable] > 0]
        more = _top_arcs(problem, waiting, columns, top_k=top_k, min_score=min_score, best=best)
        scoring_seconds += time.perf_counter() - scoring
        if len(more[0]) == 0:
            break
        solving = time.perf_counter()
        extra_w, extra_p = _solve(*more, free, len(worker_list))
        solver_seconds += time.perf_counter() - solving
        rounds += 1
        found.append(more)
        if len(extra_w) == 0:
            break
        placed[extra_w] = True
        free -= np.bincount(extra_p, minlength=len(posting_list))
    if len(found) > 1:
        # Then solve once over every arc found, so the flow may also move earlier pairs.
        solving = time.perf_counter()
        tail, head, score = (np.concatenate([arcs[n] for arcs in found]) for n in range(3))
        chosen_w, chosen_p = _solve(tail, head, score, p.remaining, len(worker_list))
        solver_seconds += time.perf_counter() - solving
        rounds += 1
    arc_count = sum(len(arcs[0]) for arcs in found)

    matches = _matches(problem, chosen_w, chosen_p, on)
    # Grouped by posting, in the order given; the best fits first within each.
    ordered = sorted(
        zip(chosen_p.tolist(), matches, strict=True), key=lambda t: (t[0], -t[1].score)
    )
    pairs = [match for _posting, match in ordered]
    assigned = set(chosen_w.tolist())
    unassigned = [
        Unassigned(worker=worker, reason=_why_unassigned(problem, i, int(best[i]), min_score))
        for i, worker in enumerate(worker_list)
        if i not in assigned
    ]
    return Proposal(
        pairs=pairs,
        unassigned=unassigned,
        total_score=sum(m.score for m in pairs),
        solver_seconds=solver_seconds,
        scoring_seconds=scoring_seconds,
        arcs=arc_count,
        rounds=rounds,
        places=int(p.remaining[usable].sum()),
    )


def _top_arcs(
    problem: _Problem, workers: Ints, postings: Ints, *, top_k: int, min_score: int, best: Ints
) -> tuple[Ints, Ints, Ints]:
    """Arcs worth giving the solver: each worker's *top_k* best feasible postings, and each
    posting's best-fitting workers (twice its places left, at least *top_k*), all scoring
    *min_score* or more.

    The second set matters: similar workers share their favourite postings, and without it
    a posting that is nobody's favourite would have no arcs at all. Return (workers,
    postings, scores); raise *best* to each worker's best feasible score.
    """
    tails, heads, costs = [], [], []
    places = problem.postings.remaining
    size = min(TOP_PER_POSTING, max(top_k, 2 * int(places[postings].max(initial=0))))
    column_scores = np.full((len(places), size), -1, dtype=np.int16)
    column_workers = np.zeros((len(places), size), dtype=np.int64)
    for chunk, columns in _candidate_blocks(problem, workers, postings, min_score):
        scored = _evaluate(problem, chunk[:, None], columns[None, :])
        score = np.where(scored.feasible, scored.score, np.int16(-1))
        best[chunk] = np.maximum(best[chunk], score.max(axis=1))
        k = min(top_k, len(columns))
        top = np.argpartition(score, len(columns) - k, axis=1)[:, len(columns) - k :]
        top_scores = np.take_along_axis(score, top, axis=1)
        keep = top_scores >= max(min_score, 0)
        tails.append(np.broadcast_to(chunk[:, None], top.shape)[keep])
        heads.append(columns[top[keep]])
        costs.append(top_scores[keep].astype(np.int64))
        _keep_best_workers(column_scores, column_workers, chunk, columns, score)
    found = column_scores >= max(min_score, 0)
    tails.append(column_workers[found])
    heads.append(np.broadcast_to(np.arange(len(places))[:, None], found.shape)[found])
    costs.append(column_scores[found].astype(np.int64))
    tail, head, cost = np.concatenate(tails), np.concatenate(heads), np.concatenate(costs)
    _unique, first = np.unique(tail * len(places) + head, return_index=True)
    return tail[first], head[first], cost[first]


def _keep_best_workers(
    scores: Points, workers: Ints, chunk: Ints, columns: Ints, score: Points
) -> None:
    """Merge the chunk's best workers per posting into the best found so far."""
    size = scores.shape[1]
    take = min(size, len(chunk))
    rows = np.argpartition(score, len(chunk) - take, axis=0)[len(chunk) - take :]
    new_scores = np.take_along_axis(score, rows, axis=0).T  # (columns, take)
    better = new_scores.max(axis=1) > scores[columns].min(axis=1)
    if not better.any():
        return
    columns, new_scores = columns[better], new_scores[better]
    all_scores = np.concatenate([scores[columns], new_scores], axis=1)
    all_workers = np.concatenate([workers[columns], chunk[rows].T[better]], axis=1)
    kept = np.argpartition(all_scores, all_scores.shape[1] - size, axis=1)[:, -size:]
    scores[columns] = np.take_along_axis(all_scores, kept, axis=1)
    workers[columns] = np.take_along_axis(all_workers, kept, axis=1)


def _candidate_blocks(
    problem: _Problem, available: Ints, usable: Ints, min_score: int
) -> Iterator[tuple[Ints, Ints]]:
    """Blocks of (workers, postings) to score, leaving out postings no worker there could reach.

    Workers with the same wish and home see every posting from the same place, so their
    upper bounds agree: a posting whose bound is below *min_score* (a Shanghai job for a
    worker who wants to stay near home) is never scored for them.
    """
    if len(usable) == 0 or len(available) == 0:
        return
    w = problem.workers
    group = w.wish[available] * len(w.origins) + w.origin[available]
    order = np.argsort(group, kind="stable")
    ordered, group = available[order], group[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    for start, end in zip(starts, [*starts[1:], len(ordered)], strict=True):
        members = ordered[start:end]
        columns = usable[_upper_bound(problem, int(members[0]), usable) >= min_score]
        if len(columns) == 0:
            continue
        rows = max(1, _GRID_CELLS // len(columns))
        for first in range(0, len(members), rows):
            yield members[first : first + rows], columns


def _solve(tail: Ints, head: Ints, score: Ints, remaining: Ints, workers: int) -> tuple[Ints, Ints]:
    """Pick the arcs of a maximum-score assignment; return the chosen (worker, posting) pairs.

    Nodes: the workers with arcs, the postings they reach, and a sink. Each worker supplies one
    unit that reaches the sink through a posting (cost −score) or straight (cost 0).
    """
    if len(tail) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    worker_ids, worker_node = np.unique(tail, return_inverse=True)
    posting_ids, posting_node = np.unique(head, return_inverse=True)
    n_workers, n_postings = len(worker_ids), len(posting_ids)
    sink = n_workers + n_postings
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(  # arcs 0 … len(tail) − 1
        worker_node.astype(np.int32),
        (n_workers + posting_node).astype(np.int32),
        np.ones(len(tail), dtype=np.int64),
        -score.astype(np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n_workers, dtype=np.int32),
        np.full(n_workers, sink, dtype=np.int32),
        np.ones(n_workers, dtype=np.int64),
        np.zeros(n_workers, dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n_workers, sink, dtype=np.int32),
        np.full(n_postings, sink, dtype=np.int32),
        np.minimum(remaining[posting_ids], workers).astype(np.int64),
        np.zeros(n_postings, dtype=np.int64),
    )
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n_workers] = 1
    supplies[sink] = -n_workers
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the assignment could not be solved: {status}")
    used = np.asarray(flow.flows(np.arange(len(tail), dtype=np.int32))) > 0
    return tail[used], head[used]


def _why_unassigned(problem: _Problem, i: int, best: int, min_score: int) -> str:
    code = int(problem.workers.unavailable[i])
    if code:
        return _worker_block(code)
    if best < min_score:
        return _("No open posting they may take fits well enough (a score of %(min)s or more)") % {
            "min": min_score
        }
    return _("The places that fit went to workers who fit them better (best score %(score)s)") % {
        "score": best
    }


def weights_table() -> list[tuple[str, int]]:
    """The factors and their points, for showing on the pages."""
    return [
        (_("Willingness and place"), WEIGHTS["place"]),
        (_("Skills"), WEIGHTS["skills"]),
        (_("Wage"), WEIGHTS["wage"]),
        (_("Housing and meals"), WEIGHTS["comfort"]),
        (_("Education"), WEIGHTS["education"]),
    ]
