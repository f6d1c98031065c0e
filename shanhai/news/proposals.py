"""Turn what an article says into ledger records to review: one per dated event, one per group
of people sent to the other side.

Each proposal is pre-filled only where the article says so plainly; the reviewer edits the rest.
The values are the ledger form's fields (dates in ISO, amounts as text), so they fill the form
as they are and survive in a JSON column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from shanhai.news.extract import Event, Extraction, PartialDate
from shanhai.news.quantities import Quantity
from shanhai.places.models import Pairing
from shanhai.places.selectors import short_name

__all__ = [
    "RECORD_KINDS",
    "ProposedRecord",
    "Sides",
    "propose_records",
]

# Event kinds that are ledger records; "other" is not proposed.
RECORD_KINDS = ("visit", "meeting", "agreement", "donation", "training", "sales_event")
TALENT = "talent"
TITLE_LENGTH = 200

_PERSON_UNITS = ("名", "人", "位")
_PEOPLE_CATEGORIES = ("talent", "medical", "education", "exchange")
# A clause that says people were sent, or went, to work or learn on the other side.
_SENT = re.compile(
    r"派出|选派|派遣|选调|挂职|支教|支医|进修"
    r"|(?:到|赴|前往|来到)[^，,；;。]{0,20}?(?:学习|培训|交流|任职|工作|服务)"
)
_SENDING_VERB = re.compile(r"派出|选派|派遣|选调")
_ADVERBS = re.compile(r"(?:先后|累计|共计|共|也|还|已|已经|陆续|再次|又|分批|分别|积极)+$")
_DESTINATION = re.compile(
    r"(?:到|赴|前往|来到)(?P<host>[^，,；;。、]{1,30}?)"
    r"(?:进修|学习|培训|支教|支医|挂职|任职|工作|交流|服务|开展|参加)"
)
_MOTION = re.compile(r"到|赴|前往|来到|走进|深入")
_DATE = re.compile(
    r"(?P<year>(?:19|20)\d{2})年(?:(?P<month>1[0-2]|0?[1-9])月(?:(?P<day>[0-3]?\d)日)?)?"
)
_LEADING_DATE = re.compile(
    r"^(?:(?:19|20)\d{2}年)?(?:\d{1,2}月)?(?:\d{1,2}日)?(?:以来|期间|前后|上旬|中旬|下旬)?[，,、\s]*"
)
_SENTENCE_END = re.compile(r"[。！？!?\n]")
_CLAUSE_END = re.compile(r"[，,；;。！？!?\n]")

_FORMS = (
    ("挂职", "secondment"),
    ("支教", "teaching"),
    ("支医", "medical"),
    ("进修", "study"),
    ("农技", "agritech"),
    ("培训", "training"),
    ("学习", "training"),
)
_SECTORS = (
    (("教师", "老师", "学校", "教育", "支教", "校长"), "education"),
    (("医", "护理", "卫生", "健康"), "health"),
    (("农技", "农业", "种植", "养殖"), "agriculture"),
    (("干部", "挂职", "党政"), "governance"),
    (("就业", "劳务", "人社"), "employment"),
    (("城管", "城市管理"), "urban"),
)
_CATEGORY_SECTOR = {"medical": "health", "education": "education"}

_PRINCIPAL = re.compile(r"主要领导|党政代表团|(?<!副)书记|(?<!副)区长|(?<!副)县长|(?<!副)市长")
_DEPUTY = re.compile(r"分管|副书记|副区长|副县长|副市长|副主任")
_ENTERPRISE = re.compile(r"企业|公司|协会|基金会|公益|义工|商会|社会组织")
_DEPARTMENT = re.compile(r"局|部门|委员会|办公室|医院|学校|大队|中心")
_TOWN = re.compile(r"镇|乡|村|街道")

_DONATING = re.compile(r"帮扶援助|捐赠|捐助|捐献|援助|赠送|赠予|捐给|资助")
# The last of these closes a recipient's name: 威信县城管监察执法大队 | 执法车.
_NAME_END = "队局县镇村院校所站办会司区市乡部委厅园馆社"


@dataclass(frozen=True)
class Sides:
    """Names that place a phrase on one side: 松江区, 上海, 新浜镇 east; 威信县, 麟凤 west."""

    east: Sequence[str] = ()
    west: Sequence[str] = ()

    def of(self, phrase: str) -> str:
        """The side of the first place *phrase* names: "east", "west" or ""."""
        first: tuple[int, str] = (len(phrase) + 1, "")
        for side, names in (("east", self.east), ("west", self.west)):
            for name in names:
                at = phrase.find(name)
                if 0 <= at < first[0]:
                    first = (at, side)
        return first[1]

    def last_of(self, phrase: str) -> str:
        """The side of the last place *phrase* names (the one nearest what follows it)."""
        last: tuple[int, int, str] = (-1, 0, "")
        for side, names in (("east", self.east), ("west", self.west)):
            for name in names:
                at = phrase.rfind(name)
                # Where two names end at the same place (松江区, 江区), the longer one counts.
                if at >= 0 and (at + len(name), len(name)) > (last[0], last[1]):
                    last = (at + len(name), len(name), side)
        return last[2]


@dataclass(frozen=True)
class ProposedRecord:
    """A ledger record the article suggests: its kind, its form's values, and the sentence."""

    kind: str  # a ledger Record.Kind value
    values: dict[str, Any]
    evidence: str
    start: int  # the evidence's span in the article's text
    end: int
    pairing: Pairing | None = field(default=None, compare=False)


def propose_records(
    extraction: Extraction,
    *,
    sides: Sides,
    sub_pairings: Sequence[Pairing] = (),
) -> list[ProposedRecord]:
    """Propose the records *extraction* tells of, in the order the article tells them.

    *sides* names each side's places; *sub_pairings* (deepest first) are the pairings below
    the article's, one of which a record goes to when its sentence names both its parties.
    """
    text = extraction.text
    proposed: list[ProposedRecord] = []
    for event in extraction.events:
        if event.kind not in RECORD_KINDS:
            continue
        sentence = text[event.start : event.end] or event.sentence
        quantities = [q for q in extraction.quantities if event.start <= q.start < event.end]
        values = _common(event.summary or sentence, event.date)
        values.update(_KIND_VALUES[event.kind](event, sentence, quantities, sides))
        proposed.append(
            ProposedRecord(
                kind=event.kind,
                values=values,
                evidence=event.sentence or sentence,
                start=event.start,
                end=event.end,
                pairing=_pairing_named(sentence, sub_pairings),
            )
        )
    proposed.extend(_talent_exchanges(extraction, sides, sub_pairings))
    return sorted(proposed, key=lambda p: (p.start, p.kind == TALENT))


# --- common values ------------------------------------------------------------------------


def title_from(text: str) -> str:
    """A record's title from a clause: no leading date, no closing stop, at most 200 chars."""
    title = _LEADING_DATE.sub("", text.strip()).strip("。；;，, ")
    return title[:TITLE_LENGTH]


def _common(title: str, when: PartialDate | None) -> dict[str, Any]:
    return {
        "title": title_from(title),
        "occurred_on": when.first_day.isoformat() if when else None,
        "occurred_on_precision": when.precision if when else "year",
    }


def _amount(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _direction(origin: str, destination: str) -> str:
    """west → east is "west_east"; one side known is enough: the other is the other."""
    if origin and destination and origin != destination:
        return f"{origin}_{destination}"
    if destination and not origin:
        return "west_east" if destination == "east" else "east_west"
    if origin and not destination:
        return "east_west" if origin == "east" else "west_east"
    return ""


def _motion(clause: str, sides: Sides) -> str:
    """威信县党政代表团到松江区…: the side named just before 到/赴 travels to the side named
    first after it (麟凤镇…引进了…百姓义工公益发展中心到威信县…: the east travels)."""
    match = _MOTION.search(clause)
    if match is None:
        return _direction(sides.of(clause), "")
    return _direction(sides.last_of(clause[: match.start()]), sides.of(clause[match.end() :]))


def _subject(clause: str) -> str:
    match = _MOTION.search(clause)
    return clause[: match.start()] if match else clause


def _level(clause: str) -> str:
    """Who led it, from the words for leaders or from the kind of unit that travelled."""
    if _DEPUTY.search(clause) and not re.search(r"主要领导|党政代表团", clause):
        return "deputy"
    if _PRINCIPAL.search(clause):
        return "principal"
    subject = _subject(clause)
    for pattern, level in (
        (_ENTERPRISE, "enterprise"),
        (_DEPARTMENT, "department"),
        (_TOWN, "town"),
    ):
        if pattern.search(subject):
            return level
    return ""


def _first_clause_with(sentence: str, pattern: re.Pattern[str]) -> str:
    for clause in _CLAUSE_END.split(sentence):
        if pattern.search(clause):
            return clause
    return _LEADING_DATE.sub("", sentence)


# --- each kind ----------------------------------------------------------------------------


def _visit(event: Event, sentence: str, quantities: list[Quantity], sides: Sides) -> dict[str, Any]:
    clause = _first_clause_with(sentence, _MOTION)
    return {"direction": _motion(clause, sides), "level": _level(clause)}


def _meeting(
    event: Event, sentence: str, quantities: list[Quantity], sides: Sides
) -> dict[str, Any]:
    kind = "other"
    for words, meeting_kind in (
        ("联席会议", "joint"),
        ("座谈", "symposium"),
        ("推进会", "progress"),
        ("调度会", "progress"),
    ):
        if words in sentence:
            kind = meeting_kind
            break
    return {"meeting_kind": kind, "level": _level(_LEADING_DATE.sub("", sentence))}


def _agreement(
    event: Event, sentence: str, quantities: list[Quantity], sides: Sides
) -> dict[str, Any]:
    kind = "cooperation"
    for words, agreement_kind in (
        ("工作要点", "work_points"),
        ("结对", "pairing"),
        ("计划", "plan"),
        ("方案", "plan"),
        ("规划", "plan"),
        ("年度", "annual"),
    ):
        if words in sentence:
            kind = agreement_kind
            break
    return {"agreement_kind": kind}


def _donation(
    event: Event, sentence: str, quantities: list[Quantity], sides: Sides
) -> dict[str, Any]:
    values: dict[str, Any] = {"direction": "east_west", "donation_kind": "goods"}
    clause = _first_clause_with(sentence, _DONATING)
    verb = _DONATING.search(clause)
    if verb is not None:
        donor = _LEADING_DATE.sub("", clause[: verb.start()]).strip()
        if 2 <= len(donor) <= 60:
            values["donor_name"] = donor
            values["direction"] = _direction(sides.of(donor), "") or "east_west"
    offset = sentence.find(clause)
    given = [q for q in quantities if offset <= q.start - event.start < offset + len(clause)]
    money = next((q for q in given if q.unit.endswith("元")), None)
    if money is not None:
        values.update(donation_kind="money", value_amount=_amount(money.value))
        return values
    goods = next((q for q in given if q.unit not in _PERSON_UNITS), None)
    if goods is None:
        return values
    # 3万件 is 30000 of 件: the magnitude is already in the value.
    values.update(quantity=_amount(goods.value), unit=goods.unit.lstrip("万亿"))
    at = goods.start - event.start - offset
    between = clause[verb.end() : at] if verb is not None and verb.end() <= at else ""
    split = max((between.rfind(char) for char in _NAME_END), default=-1)
    if between:
        if split < 2:  # a name has three characters at least: 威信县…大队, not 办(公桌椅)
            split = -1
        if split >= 0:
            values["recipient_name"] = between[: split + 1]
        items = between[split + 1 :]
    else:
        items = re.split(r"[，,；;。、]", clause[at + len(goods.text) :])[0]
    items = items.strip()
    if items and len(items) <= 30:
        values["items"] = items
    return values


def _training(
    event: Event, sentence: str, quantities: list[Quantity], sides: Sides
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "topic": title_from(event.summary or sentence)[:200],
        "direction": _motion(_LEADING_DATE.sub("", sentence), sides),
    }
    times = next((q for q in quantities if q.unit == "人次"), None)
    if times is not None:
        values["person_times"] = int(times.value)
    return values


def _sales_event(
    event: Event, sentence: str, quantities: list[Quantity], sides: Sides
) -> dict[str, Any]:
    kind = "promotion"
    if "直播" in sentence:
        kind = "livestream"
    elif re.search(r"博览会|进博会|展销|展会|展览|农博会|交易会|推介会", sentence):
        kind = "expo"
    elif "培训" in sentence:
        kind = "training"
    values: dict[str, Any] = {"event_kind": kind}
    sales = next((q for q in quantities if q.unit.endswith("元")), None)
    if sales is not None:
        values["sales_amount"] = _amount(sales.value)
    return values


_KIND_VALUES = {
    "visit": _visit,
    "meeting": _meeting,
    "agreement": _agreement,
    "donation": _donation,
    "training": _training,
    "sales_event": _sales_event,
}


# --- people sent to the other side --------------------------------------------------------


def _span(text: str, at: int, boundary: re.Pattern[str]) -> tuple[int, int]:
    """The span of the sentence or clause around offset *at*."""
    start = 0
    for match in boundary.finditer(text, 0, at):
        start = match.end()
    end_match = boundary.search(text, at)
    end = end_match.end() if end_match else len(text)
    return start, end


def _talent_exchanges(
    extraction: Extraction, sides: Sides, sub_pairings: Sequence[Pairing]
) -> Iterable[ProposedRecord]:
    text = extraction.text
    for quantity in extraction.quantities:
        if quantity.unit not in _PERSON_UNITS or quantity.category not in _PEOPLE_CATEGORIES:
            continue
        clause_start, clause_end = _span(text, quantity.start, _CLAUSE_END)
        clause = text[clause_start:clause_end].rstrip("，,；;。！？!?\n")
        if not _SENT.search(clause):
            continue
        start, end = _span(text, quantity.start, _SENTENCE_END)
        sentence = text[start:end].strip()
        at = quantity.start - clause_start
        yield ProposedRecord(
            kind=TALENT,
            values={
                **_common(clause, _date_near(extraction, quantity.start)),
                **_talent_values(clause, at, quantity, sides),
            },
            evidence=sentence,
            start=start,
            end=end,
            # The clause, not the sentence: 威信县派出医务人员61名到上海…进修，并且在松江区方塔
            # 中医医院专家帮助指导下，威信县人民医院… tells of the county's people first.
            pairing=_pairing_named(clause, sub_pairings),
        )


def _talent_values(clause: str, at: int, quantity: Quantity, sides: Sides) -> dict[str, Any]:
    values: dict[str, Any] = {"headcount": int(quantity.value)}
    sending = _SENDING_VERB.search(clause)
    home = ""
    if sending is not None and sending.start() <= at:
        home = _ADVERBS.sub("", _LEADING_DATE.sub("", clause[: sending.start()]).strip())
    destination = _DESTINATION.search(clause, at)
    host = destination["host"] if destination else ""
    if host:
        values["host_name"] = host
    values["direction"] = _direction(sides.of(home), sides.of(host))
    after = clause[at:]
    values["form"] = next((form for words, form in _FORMS if words in after), "")
    if not values["form"]:
        values["form"] = next((form for words, form in _FORMS if words in clause), "study")
    values["sector"] = _CATEGORY_SECTOR.get(quantity.category) or next(
        (sector for words, sector in _SECTORS if any(w in clause for w in words)), "other"
    )
    return values


def _date_near(extraction: Extraction, at: int) -> PartialDate | None:
    """The date a figure belongs to: its event's, the nearest in its sentence or paragraph
    before it, else the year of publication."""
    for event in extraction.events:
        if event.start <= at < event.end:
            return event.date
    text = extraction.text
    for boundary in (_SENTENCE_END, re.compile(r"\n\n")):
        start, end = _span(text, at, boundary)
        nearest: tuple[int, PartialDate] | None = None
        for match in _DATE.finditer(text, start, end):
            if _inside_book_title(text, start, match.start()):
                continue
            distance = abs(match.start() - at)
            found = PartialDate(
                int(match["year"]),
                int(match["month"]) if match["month"] else None,
                int(match["day"]) if match["day"] and match["month"] else None,
            )
            if nearest is None or distance < nearest[0]:
                nearest = (distance, found)
        if nearest is not None:
            return nearest[1]
    published: date | None = extraction.publish_date
    return PartialDate(published.year) if published else None


def _inside_book_title(text: str, start: int, at: int) -> bool:
    """《2023年人力资源…计划》: a year in a document's name is not a date."""
    before = text[start:at]
    return before.count("《") > before.count("》")


# --- which pairing ------------------------------------------------------------------------


def _terms(pairing: Pairing, side: str) -> tuple[list[str], list[str]]:
    """(organisation names, place names) of one side of *pairing*."""
    organisation = getattr(pairing, f"{side}_organisation")
    place = getattr(pairing, f"{side}_place")
    organisations = (
        [n for n in (organisation.name, organisation.short_name) if n] if organisation else []
    )
    places = [n for n in (place.name, short_name(place.name)) if len(n) >= 2]
    return organisations, places


def _pairing_named(sentence: str, sub_pairings: Sequence[Pairing]) -> Pairing | None:
    """The deepest sub-pairing whose two parties the sentence names.

    A department, hospital or enterprise pairing is named by its organisations (or one of them
    and the other side's place); a town or village pairing by its two places.
    """
    for pairing in sub_pairings:
        east_orgs, east_places = _terms(pairing, "east")
        west_orgs, west_places = _terms(pairing, "west")
        east_org = any(n in sentence for n in east_orgs)
        west_org = any(n in sentence for n in west_orgs)
        east = east_org or any(n in sentence for n in east_places)
        west = west_org or any(n in sentence for n in west_places)
        if not (east and west):
            continue
        parent = pairing.parent
        specific = (
            east_org
            or west_org
            or parent is None
            or (
                pairing.east_place_id != parent.east_place_id
                and any(n in sentence for n in east_places)
            )
            or (
                pairing.west_place_id != parent.west_place_id
                and any(n in sentence for n in west_places)
            )
        )
        if specific:
            return pairing
    return None
