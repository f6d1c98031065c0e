"""Find the dated events of an article: who visited, met, signed, gave, trained or sold, and when.

An event is a sentence that gives a date and says something was done. Dates may be absolute
(2023年3月10日, 二〇二三年三月十日), partial (2022年7月, 2021年) or relative to the publish date
(昨天, 今年8月, 去年); a month or a day without a year takes the year last written before it in
the paragraph, else the publish date's (a day after the publish date being last year's). A
multi-day visit (4月12日至14日) is dated by its first day. Not events: spans and summaries
(2021年以来, 截至6月底, 2021年到2023年, 累计…, 先后…) and dates nothing is done on.

The kind comes from the words of the sentence; where a visit and something done there are told
in two clauses (到…实地考察，并…签订了…协议), both are events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from shanhai.core.parsing import ParseError, parse_chinese_numeral

__all__ = ["Event", "PartialDate", "find_events"]


@dataclass(frozen=True, order=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    def iso(self) -> str:
        if self.day and self.month:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"


@dataclass(frozen=True)
class Event:
    date: PartialDate
    kind: str
    summary: str
    sentence: str
    start: int  # of the sentence in the text
    end: int
    date_start: int  # of the date expression
    date_end: int


_CN_DIGIT = "〇零一二三四五六七八九"
_YEAR = rf"(?P<year>(?:19|20)\d{{2}}|[{_CN_DIGIT}]{{4}})\s*年"
_REL_YEAR = r"(?P<rel_year>今年|去年|前年|明年|同年|当年)"
_NUM = r"\d{1,2}|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九]"
_MONTH = rf"(?P<month>{_NUM})\s*月份?"
_DAY = rf"(?P<day>{_NUM})\s*[日号]"
_REL_DAY = r"(?P<rel_day>前天|昨天|昨日|今天|今日)"
_REL_MONTH = r"(?P<rel_month>上月|上个月|本月|当月|同月)"
_TO = r"(?:至|到|—|–|-|~|～)"
_RANGE_END = rf"(?:{_TO}\s*(?:(?:{_NUM})\s*月\s*)?(?:{_NUM})\s*[日号])?"
_DAY_ONLY = rf"(?P<day_only>{_NUM})\s*[日号]\s*{_RANGE_END}"

_DATE = re.compile(
    rf"(?<![\d{_CN_DIGIT}十月])(?:{_REL_DAY}"
    rf"|{_REL_MONTH}\s*(?:(?P<rel_month_day>{_NUM})\s*[日号]\s*{_RANGE_END})?"
    rf"|(?:(?:{_YEAR}|{_REL_YEAR})\s*)?(?:{_MONTH}(?:\s*{_DAY}\s*{_RANGE_END})?)?"
    rf"|{_DAY_ONLY})"
)
# Sentences that open with these tell what happened at the event just told: 会上，两地签订…
_AT_THE_EVENT = re.compile(
    r"^\s*(?:会上|会前|会后|会议期间|会议现场|活动现场|活动中|当天|当日|同日|同一天|仪式上"
    r"|(?P<noun>[\u4e00-\u9fff]{1,6}(?:会|仪式|活动))(?:上|期间|现场))[，,\s]"
)
# A date that opens a span or a tally, or part of a larger period, is not an event's date.
_SPAN_AFTER = re.compile(
    r"^\s*(?:以来|来|起|开始|至今|以后|之后|以前|之前|前|后|间|期间|底|初|中旬|下旬|上旬|末|上半年"
    rf"|下半年|年底|年初|度|左右|{_TO}\s*(?:(?:19|20)\d{{2}}|[{_CN_DIGIT}]{{4}}|今|明)\s*年"
    rf"|(?:{_NUM})\s*{_TO}\s*(?:{_NUM})\s*月)"  # 今年1至4月
)
_SPAN_BEFORE = re.compile(r"(?:截至|截止|截止到|直到|自|从|至|到|每年|每)\s*$")
_TALLY = re.compile(r"累计|共计|先后|以来|截至|截止|每年|近年|历年|年均|同比|连续")
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
_CLAUSE_SPLIT = re.compile(r"[，,]\s*(?=并|随后|其间|期间|同时|之后|还|又)")

# Kinds in order of precedence: a delegation that travels to hold a symposium held a meeting.
_KIND_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("agreement", re.compile(r"签订|签署|签约|签下|协议|备忘录|合作框架|结对帮扶协议|协作计划》")),
    (
        "donation",
        re.compile(
            r"捐赠|捐款|捐助|捐资|捐建|捐献|赠送|援赠|帮扶援助|援助.{0,24}(?:车|物资|设备|资金)"
        ),
    ),
    ("training", re.compile(r"培训|研修|授课|讲座|传授|指导.{0,16}(?:直播|技术|种植|养殖|带货)")),
    (
        "sales_event",
        re.compile(
            r"展销|(?<!招商)推介会|博览会|进博会|农交会|交易会|订货会|采购会|展会|直播带货|带货|年货节"
            r"|消费帮扶(?:活动|月|周|节)|产销对接"
        ),
    ),
    (
        "meeting",
        re.compile(
            r"座谈会|联席会议?|会议|召开|推进会|工作会|对接会|论坛|峰会|洽谈会|见面会|恳谈会"
        ),
    ),
    (
        "visit",
        re.compile(
            r"考察|调研|走访|慰问|带队|率队|率团|代表团|考察团|工作组|到访|来到|赴|深入|看望|观摩"
            r"|参观|一行|(?:到|前往)[\u4e00-\u9fff·]{2,12}(?:开展|进行|指导|举办)"
        ),
    ),
)
_DONE = re.compile(
    r"建立|启动|开展|举行|举办|成立|开工|竣工|投产|揭牌|挂牌|完成|实施|开通|上线|发布|启用|落成"
    r"|出席|派出|选派|开班|开幕|签|投入|引进|组织|参加|抵达|上岗|输送|招聘"
)
# What is done once, and so dates an event even when only its year is told (2021年，…建立…).
_ONCE = re.compile(r"建立|成立|签|启动|揭牌|挂牌|开工|竣工|投产|落成|开通|启用|开业|结对")
# Workers travelling to their new jobs are a labour transfer, not a delegation's visit.
_LABOR_TRANSFER = re.compile(r"务工|劳动力|专列|输送|返岗|招聘")


def _numeral(text: str) -> int:
    if text.isdigit():
        return int(text)
    return int(parse_chinese_numeral(text))


def _year(text: str) -> int:
    if text.isdigit():
        return int(text)
    return int("".join(str(max(_CN_DIGIT.index(ch) - 1, 0)) for ch in text))


@dataclass
class _Context:
    """What the article has said so far: the year and month last written, the last event date."""

    published: date | None
    year: int | None = None
    month: int | None = None
    events: list[Event] = field(default_factory=list)
    year_inferred: bool = False  # the year last used was the publish year's, not written


def _resolve(match: re.Match[str], context: _Context) -> PartialDate | None:
    groups = match.groupdict()
    published = context.published
    if groups["rel_day"]:
        if published is None:
            return None
        back = {"前天": 2, "昨天": 1, "昨日": 1}.get(groups["rel_day"], 0)
        day = published - timedelta(days=back)
        context.year_inferred = True
        return PartialDate(day.year, day.month, day.day)
    try:
        if groups["rel_month"]:
            in_month = _relative_month(groups, context)
            if in_month is not None and groups["rel_month"] != "同月":
                context.year_inferred = True
            return in_month
        if groups["day_only"]:
            if context.year is None or context.month is None:
                return None
            return _checked(context.year, context.month, _numeral(groups["day_only"]))
        month = _numeral(groups["month"]) if groups["month"] else None
        day_of = _numeral(groups["day"]) if groups["day"] else None
    except (ParseError, ValueError):
        return None
    inferred = False
    if groups["year"]:
        year: int | None = _year(groups["year"])
    elif groups["rel_year"]:
        relative = groups["rel_year"]
        if relative in ("同年", "当年"):
            year, inferred = context.year, context.year_inferred
        elif published is None:
            return None
        else:
            year = published.year + {"去年": -1, "前年": -2, "明年": 1}.get(relative, 0)
    else:
        year = context.year or (published.year if published else None)
        # An event told without its year happened before the article was published, even
        # when an earlier date without its year set the year: 1月1日…6月28日 published 1月2日.
        inferred = not context.year or context.year_inferred
        if year is not None and published is not None and inferred:
            try:
                if date(year, month or 1, day_of or 1) > published:
                    year -= 1
            except ValueError:
                return None
    if year is None:
        return None
    when = _checked(year, month, day_of if month else None)
    if when is not None:
        context.year_inferred = inferred
    return when


def _relative_month(groups: dict[str, str | None], context: _Context) -> PartialDate | None:
    anchor = groups["rel_month"] or ""
    day_of = _numeral(groups["rel_month_day"]) if groups["rel_month_day"] else None
    if anchor == "同月":
        if context.year is None or context.month is None:
            return None
        return _checked(context.year, context.month, day_of)
    if context.published is None:
        return None
    first = context.published.replace(day=1)
    if anchor in ("上月", "上个月"):
        first = (first - timedelta(days=1)).replace(day=1)
    return _checked(first.year, first.month, day_of)


def _checked(year: int, month: int | None, day: int | None) -> PartialDate | None:
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        return None
    return PartialDate(year, month, day)


def _kind(text: str) -> str | None:
    for kind, words in _KIND_WORDS:
        if words.search(text):
            if kind == "visit" and _LABOR_TRANSFER.search(text):
                break
            return kind
    return "other" if _DONE.search(text) else None


_SUMMARY_LENGTH = 80


def _shorten(text: str) -> str:
    """Cut a long summary at the last clause that fits."""
    if len(text) <= _SUMMARY_LENGTH:
        return text
    cut = max(text.rfind("，", 0, _SUMMARY_LENGTH), text.rfind(",", 0, _SUMMARY_LENGTH))
    return text[: cut if cut > 20 else _SUMMARY_LENGTH]


_SCENE = re.compile(r"^(?:乘着?|乘著|在|为|借|随着|按照|根据|围绕|依托|通过)")
_LEADING_LINK = re.compile(r"^(?:并且?|随后|其间|期间|同时|之后|还|又)")


def _told(sentence: str, date_start: int, date_end: int) -> str:
    """The sentence without its date and the words that only lead to it."""
    before = re.sub(r"(?:于|在)\s*$", "", sentence[:date_start])  # …一行25人于5月9日赴深圳
    text = (before + sentence[date_end:]).strip()
    text = re.sub(
        r"^(?:本报讯|讯)?\s*[(（][^()（）]{0,30}[)）]\s*[，,]?", "", text
    )  # 本报讯（记者…）
    text = re.sub(r"^[，,、：:\s]*(?:于|在)?(?:上午|下午|晚上|晚间|早上)?[，,\s]*", "", text)
    return re.sub(r"[，,]\s*[，,]", "，", text).rstrip("。！？!?；;，, ")


def _summary(clauses: list[str], kind: str, first: int = 0) -> tuple[str, int]:
    """Clauses from *first* to the one that tells *kind*; and the index after it."""
    last = next(
        (i for i in range(first, len(clauses)) if _kind(clauses[i]) == kind), len(clauses) - 1
    )
    if first < last and _SCENE.match(clauses[first]):
        first += 1  # 乘着沪滇协作的东风，…
    text = _LEADING_LINK.sub("", "".join(clauses[first : last + 1]).strip("，, "))
    return _shorten(text), last + 1


def find_events(text: str, *, published: date | None) -> list[Event]:
    """Return the dated events of *text* (a cleaned article body) in the order told."""
    events: list[Event] = []
    context = _Context(published)
    for paragraph_match in re.finditer(r"[^\n]+", text):
        paragraph = paragraph_match.group(0)
        for sentence_match in _SENTENCE.finditer(paragraph):
            sentence = sentence_match.group(0)
            offset = paragraph_match.start() + sentence_match.start()
            events += _sentence_events(sentence, offset, context)
            context.events = events
    return events


def _event_meant(opener: re.Match[str], context: _Context) -> PartialDate | None:
    """The day of the latest event the opener names (推介会上: the 推介会; 会上: the meeting),
    else of the latest event (当天)."""
    noun = opener.group("noun") or ""
    if noun:
        named = [e for e in context.events if noun in e.summary]
    elif opener.group(0).lstrip().startswith("会"):
        named = [e for e in context.events if e.kind == "meeting"]
    else:
        named = []
    latest = named[-1] if named else context.events[-1] if context.events else None
    if latest is None:
        return None
    return latest.date


def _masked(sentence: str) -> str:
    """The sentence with the titles of documents blanked: 《2023年…计划》 dates no event."""
    return re.sub(r"《[^》]*》", lambda m: "《" + "　" * (len(m.group(0)) - 2) + "》", sentence)


def _date_in(sentence: str, context: _Context) -> tuple[int, int, PartialDate] | None:
    """The event's date in *sentence*: where it is written and what it is."""
    chosen: tuple[int, int, PartialDate] | None = None
    for match in _DATE.finditer(_masked(sentence)):
        if not match.group(0).strip():
            continue
        when = _resolve(match, context)
        if when is None:
            continue
        if when.month:
            context.year, context.month = when.year, when.month
        elif when.year != context.year:  # 今年以来 in September leaves the month as it was
            context.year, context.month = when.year, None
        if chosen:
            continue
        after = sentence[match.end() :]
        year_end = re.match(r"\s*年?底(?!前)", after)
        if when.precision == "year" and year_end:
            # 去年底，…建成投产: December of that year, as precise as the article is.
            chosen = (match.start(), match.end() + year_end.end(), PartialDate(when.year, 12))
            continue
        if _SPAN_AFTER.match(after) or _SPAN_BEFORE.search(sentence[: match.start()]):
            continue
        if when.precision == "year" and (match.start() > 0 or match.group("rel_year")):
            continue  # 今年已举办4期, 深圳市今年选派…: a period, not an event's date
        chosen = (match.start(), match.end(), when)
    return chosen


def _sentence_events(sentence: str, offset: int, context: _Context) -> list[Event]:
    chosen = _date_in(sentence, context)
    if chosen is None:
        at_event = _AT_THE_EVENT.match(sentence)
        when = _event_meant(at_event, context) if at_event else None
        if at_event is None or when is None:
            return []
        # 会上，两地签订了…: on the day of the event just told, or of the one it names.
        chosen = (at_event.start(), at_event.end(), when)
    date_start, date_end, when = chosen
    rest = sentence[:date_start] + sentence[date_end:]
    if _TALLY.search(re.split(r"[，,]", sentence[date_end:].lstrip("，, "))[0]):
        return []  # 2021年，威信县累计派出…: a tally, not an event
    kind = _kind(rest)
    if kind is None:
        return []
    clauses = re.split(r"(?<=[，,])", _told(sentence, date_start, date_end))
    summary, _ = _summary(clauses, kind)
    if not summary:
        return []

    if when.precision == "year" and kind == "other" and not _ONCE.search(rest):
        return []  # 2021年，福州市共向固原市输送…: what a year came to, not an event

    def event(kind: str, summary: str) -> Event:
        return Event(
            date=when,
            kind=kind,
            summary=summary,
            sentence=sentence.strip(),
            start=offset,
            end=offset + len(sentence),
            date_start=offset + date_start,
            date_end=offset + date_end,
        )

    found = [event(kind, summary)]
    if kind != "visit" and len(clauses) > 1:
        # 到…实地考察，并就…签订了…协议: the visit is an event of its own, told first.
        visit, after = _summary(clauses, "visit")
        if after < len(clauses) and _kind(visit) == "visit":
            rest_summary, _ = _summary(clauses, kind, after)
            found = [event("visit", visit), event(kind, rest_summary or summary)]
    return found
