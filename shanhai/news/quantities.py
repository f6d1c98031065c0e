"""Find the figures a news article gives for a cooperation: 61名医疗人才, 四辆, 60余次, 上千人.

A quantity is a number with a measure word or unit right after it. Left out on purpose:
dates and durations (年, 月, 日, 天 and 个月 are not units here), ordinals (第3批), a bare 一
(一个, 一次, 一家 are nearly always idiom, not a count), numerals that open with a magnitude
(千亩猕猴桃示范基地, 万人空巷, 百分之三十: names and set phrases), percentages (a rate, not an
input or output someone can record), numbers without a unit (全州人口400万), and background
statistics of a place (人口, 面积, 海拔, 辖… earlier in the same clause).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from shanhai.core.parsing import ParseError, parse_quantity

__all__ = ["CATEGORIES", "QUALIFIERS", "Quantity", "extract_quantities"]

QUALIFIERS = ("exact", "more_than", "about")
CATEGORIES = (
    "funds",
    "talent",
    "labor",
    "consumption",
    "industry",
    "exchange",
    "medical",
    "education",
    "other",
)


@dataclass(frozen=True)
class Quantity:
    text: str  # exactly as it stands in the input, qualifier words included: "近200名"
    value: Decimal  # magnitudes multiplied in: 3.2万元 → 32000
    unit: str  # as written, magnitude included: "万元", "名", "人次"
    qualifier: str  # one of QUALIFIERS
    category: str  # one of CATEGORIES
    start: int  # offset of text in the input


_NUMERAL_CHARS = "〇零一二两三四五六七八九十百千万亿"
_ARABIC = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"
# Measure words and units, longest first so that 人次 wins over 人.
_UNITS = (
    "平方米",
    "人次",
    "台次",
    "公斤",
    "千克",
    "公里",
    "元",
    "名",
    "人(?![民口])",
    "位",
    "个",
    "辆",
    "次",
    "台",
    "例",
    "家",
    "项",
    "场",
    "批次",
    "批",
    "期",
    "所",
    "吨",
    "斤",
    "亩",
    "套",
    "件",
    "户",
    "座",
    "条",
    "款",
    "种",
    "份",
    "头",
    "只",
    "株",
    "棵",
    "册",
    "本",
    "箱",
    "篇",
    "班",
    "栋",
    "张",
    "笔",
)
_QUANTITY = re.compile(
    rf"""
    (?:
        (?<![\d{_NUMERAL_CHARS}])(?P<up>上[百千万])                 # 上千人
      | (?P<pre>超过|大约|(?<![最附接将临])近|约|超|逾)?
        (?<![\d.{_NUMERAL_CHARS}])(?<!\d,)
        (?P<num>{_ARABIC}[{_NUMERAL_CHARS}]*|[{_NUMERAL_CHARS}]+)
    )
    (?P<approx>余|多)?
    (?P<mag>[万亿])?
    (?P<unit>{"|".join(_UNITS)})
    (?P<post>以上|左右)?
    """,
    re.VERBOSE,
)
_UP = {"上百": Decimal(100), "上千": Decimal(1000), "上万": Decimal(10000)}
_MAGNITUDE = {"万": Decimal(10**4), "亿": Decimal(10**8)}
_MORE_THAN = frozenset({"超过", "超", "逾", "余", "多", "以上"})
_ABOUT = frozenset({"近", "约", "大约", "左右"})
# After 个 these make a duration or a percentage, not a count: 3个月, 5个百分点.
_NOT_A_COUNT_AFTER_GE = ("月", "多月", "小时", "星期", "工作日", "年", "季度", "百分点")
# Earlier in the same clause, these make the figure a statistic of the place itself.
_BACKGROUND = re.compile(
    r"(?<!贫困)(?<!脱贫)(?<!农村)人口|面积|海拔|户籍|辖|耕地|常住|平方公里|气温|饲养量|存栏|出栏"
    r"|年产量|总产值|生产总值|GDP|人均"
)
# Words in quotation marks longer than a name are someone speaking: “一个月能拿五六千元”.
_QUOTE = re.compile(r"“[^”]{12,}”|\"[^\"]{12,}\"")
_CLAUSE_END = re.compile(r"[，；;。！？!?：:\n]|,(?!\d{3})")
_SENTENCE_END = re.compile(r"[。！？!?\n]")
_KEYWORDS = {
    "funds": ("资金", "援助", "拨付", "捐赠", "捐款", "财政", "投入"),
    "medical": ("医疗", "医生", "医护", "医院", "医务", "医师", "护士", "患者", "病人", "手术"),
    "education": ("教师", "老师", "支教", "学校", "学生", "教育", "校长", "图书", "课桌"),
    "labor": ("劳动力", "务工", "就业", "转移", "劳务", "岗位", "招聘"),
    "consumption": ("销售", "采购", "消费", "农产品", "农特产品", "带货", "订单", "展销", "参展"),
    "industry": ("企业", "产业", "投资", "项目", "车间", "工厂", "落户"),
    "exchange": ("互访", "考察", "座谈", "交流", "调研", "对接", "会议", "带队"),
    "talent": ("干部", "人才", "挂职", "专家", "技术人员"),
}
_SECTORS = frozenset({"medical", "education", "labor", "consumption"})
_DEFAULT_CATEGORY = {"次": "exchange", "例": "medical", "台次": "medical"}


def extract_quantities(text: str) -> list[Quantity]:
    """Return each figure that measures a cooperation input, output or activity, in order."""
    found: list[Quantity] = []
    for match in _QUANTITY.finditer(text):
        quantity = _quantity(text, match)
        if quantity is not None:
            found.append(quantity)
    return found


def _quantity(text: str, match: re.Match[str]) -> Quantity | None:
    up, num, mag, unit = match["up"], match["num"], match["mag"], match["unit"]
    end = match.end()
    after = text[end:]
    if _is_excluded(text, match, after):
        return None
    read: Decimal | None
    if up is not None:
        read = _UP[up]
    elif mag is None and match["approx"] is None and len(num) > 1 and num[-1] in _MAGNITUDE:
        mag = num[-1]  # 3.2万元: the unit as written is 万元, and 万 is multiplied in below
        read = _number(num[:-1])
    else:
        read = _number(num)
    if read is None:
        return None
    value = read
    if mag is not None:
        value *= _MAGNITUDE[mag]
    words = (match["pre"], match["approx"], match["post"], up)
    qualifier = "exact"
    if any(word in _MORE_THAN for word in words) or up is not None:
        qualifier = "more_than"
    elif any(word in _ABOUT for word in words):
        qualifier = "about"
    full_unit = (mag or "") + unit
    return Quantity(
        text=match[0],
        value=value.to_integral_value() if value == value.to_integral_value() else value,
        unit=full_unit,
        qualifier=qualifier,
        category=_category(text, match.start(), end, full_unit),
        start=match.start(),
    )


def _is_excluded(text: str, match: re.Match[str], after: str) -> bool:
    num, unit = match["num"], match["unit"]
    start = match.start()
    if num is not None and (num in {"一", "壹"} or num[0] in "百千万亿"):
        return True  # 一个…, 千亩猕猴桃示范基地: idiom or a name
    if start > 0 and text[start - 1] in "第每":
        return True  # ordinals, rates
    if len(unit) == 1 and after.startswith(unit):
        return True  # 一次次, 两项项
    if unit == "个" and after.startswith(_NOT_A_COUNT_AFTER_GE):
        return True
    if unit == "期" and after.startswith(("项目", "工程", "建设")):
        return True  # 产业园二期项目: a phase of a name
    if any(q.start() < start < q.end() for q in _QUOTE.finditer(text)):
        return True
    clause_before = _clause(text, start, start)[0]
    return _BACKGROUND.search(clause_before) is not None


def _number(text: str) -> Decimal | None:
    try:
        value = parse_quantity(text)
    except (ParseError, ArithmeticError):
        return None
    return value if value >= 0 else None


def _clause(
    text: str, start: int, end: int, pattern: re.Pattern[str] = _CLAUSE_END
) -> tuple[str, str]:
    """The text of the clause before *start* and after *end*."""
    opening = max((m.end() for m in pattern.finditer(text, 0, start)), default=0)
    closing = pattern.search(text, end)
    return text[opening:start], text[end : closing.start() if closing else len(text)]


# Money is aid funds unless its clause says it was sales or an enterprise's investment.
_MONEY_KEYWORDS = {
    "consumption": ("销售", "采购", "消费", "带货", "订单", "成交", "交易额", "销售额", "农产品"),
    "industry": ("投资", "签约", "到位", "产值", "企业"),
    "funds": ("资金", "援助", "拨付", "捐赠", "捐款", "财政", "帮扶款"),
}


def _category(text: str, start: int, end: int, unit: str) -> str:
    money = unit.endswith("元")
    keywords = _MONEY_KEYWORDS if money else _KEYWORDS
    for pattern in (_CLAUSE_END, _SENTENCE_END):
        before, after = _clause(text, start, end, pattern)
        best: tuple[bool, int, int, str] | None = None
        for rank, (category, words) in enumerate(keywords.items()):
            for word in words:
                near = [len(before) - i - len(word) for i in _find_all(before, word)]
                near += list(_find_all(after, word))
                if near:
                    # A sector named in the clause (a hospital, a school, jobs, sales) says
                    # more than a nearer generic word: 医院…专家68名 are medical staff.
                    generic = not money and category not in _SECTORS
                    candidate = (generic, min(near), rank, category)
                    best = candidate if best is None else min(best, candidate)
        if best is not None:
            return best[3]
    return "funds" if money else _DEFAULT_CATEGORY.get(unit, "other")


def _find_all(text: str, word: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(word), text)]
