"""Read cells and typed text as Chinese offices write them: 5.2万元, 5,000元, ５０００, 六十一人.

Every cell of an imported sheet passes through one of these parsers, whatever the spreadsheet
engine made of it (None, text, int, float, bool, date, datetime, time or Decimal). A parser
returns the value or raises ParseError, whose text quotes the cell and says what to write
instead; the import framework adds the row and column.
"""

from __future__ import annotations

import calendar
import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from itertools import pairwise, takewhile
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from shanhai.core.models import DatePrecision


class ParseError(ValueError):
    """A cell that cannot be read; str(error) is a message for the person who uploaded it."""


# --- Text ---------------------------------------------------------------------------------------

_SHOWN_LENGTH = 40  # a message quotes at most this much of a cell


def clean_text(value: Any) -> str:
    """Return the cell as one line of plain text: full-width folded, invisible marks dropped.

    None → ""; a float that is a whole number → "61", not "61.0"; a date or datetime → its ISO
    date; True/False → 是/否.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        text = _float_text(value)
    elif isinstance(value, Decimal):
        text = format(value, "f") if value.is_finite() else str(value)
    else:
        text = str(value)
    text = unicodedata.normalize("NFKC", text)  # ５→5, ，→, and U+3000 → space
    if not text.isascii():
        # BOM, zero-width spaces and joiners, soft hyphens, direction marks: all category Cf.
        text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return " ".join(text.split())


def _float_text(value: float) -> str:
    if math.isfinite(value) and value.is_integer():
        return str(int(value))
    return format(value, ".15g")  # Excel keeps 15 significant digits; the rest is noise


def _shown(value: Any) -> str:
    """The cell as a message quotes it."""
    text = clean_text(value)
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 1] + "…"


def _compact(text: str) -> str:
    return "".join(text.split())


# --- Chinese numerals ---------------------------------------------------------------------------

_DIGITS = {
    **dict.fromkeys("〇零", 0),
    **dict.fromkeys("一壹", 1),
    **dict.fromkeys("二贰貳两兩", 2),
    **dict.fromkeys("三叁參叄", 3),
    **dict.fromkeys("四肆", 4),
    **dict.fromkeys("五伍", 5),
    **dict.fromkeys("六陆陸", 6),
    **dict.fromkeys("七柒", 7),
    **dict.fromkeys("八捌", 8),
    **dict.fromkeys("九玖", 9),
}
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_WAN, _YI = 10**4, 10**8
_POINTS = frozenset("点點.")
_ARABIC = frozenset("0123456789")
_NUMERAL_CHARS = frozenset(_DIGITS) | frozenset(_SMALL_UNITS) | frozenset(_BIG_UNITS)
_NUMERAL_CHARS |= _POINTS | _ARABIC
_POINT = "."
_LONGEST_NUMERAL = 40  # longer text is not a number someone wrote, and int() would balk at it


@dataclass(frozen=True, slots=True)
class _Number:
    """A digit (一, 5) or a run of Arabic digits ("2500") inside a numeral."""

    value: int
    digits: str  # as written, in ASCII: keeps the leading zeros of a fraction ("05")
    arabic: bool


# A unit is its value as an int (10, 100, 1000 or 10**4, 10**8); the decimal point is _POINT.
_Token = _Number | int | str


def parse_chinese_numeral(text: str) -> Decimal:
    """Return the number a Chinese numeral states: 六十一 → 61, 一万二千 → 12000, 三点五 → 3.5.

    Financial forms (壹贰叁…拾佰仟萬) and digit-by-digit years (二〇二三) are read too;
    Arabic digits are not this function's job (see parse_quantity).
    """
    compact = _compact(clean_text(text))
    body = compact.removeprefix("负")
    if body and not any(char in _ARABIC for char in body):
        read = _numeral(body)
        if read is not None:
            return -read[0] if body != compact else read[0]
    raise ParseError(
        _("“%(text)s” is not a number written in Chinese numerals.") % {"text": _shown(text)}
    )


def _numeral(text: str) -> tuple[Decimal, bool] | None:
    """Read a numeral in Chinese, Arabic or both ("3万5千", "1.5亿"); None if it is not one.

    The flag says whether the numeral carries a magnitude (万, 亿, or 千 after Arabic digits),
    so that it states a count of the base unit: "3.2万" is 32000 元 even in a 万元 column.
    """
    tokens = _tokens(text)
    if not tokens or tokens.count(_POINT) > 1:
        return None
    if _POINT not in tokens:
        integer = _integer(tokens)
        return None if integer is None else (Decimal(integer), _has_magnitude(tokens))
    point = tokens.index(_POINT)
    whole, after = tokens[:point], tokens[point + 1 :]
    fraction = list(takewhile(lambda t: isinstance(t, _Number), after))
    units = [token for token in after[len(fraction) :] if isinstance(token, int)]
    if not whole or not fraction or len(units) != len(after) - len(fraction):
        return None
    if units and any(isinstance(token, int) for token in whole):
        return None  # 一百点五万
    integer = _integer(whole)
    magnitude = _magnitude(units)
    if integer is None or magnitude is None:
        return None
    digits = "".join(token.digits for token in fraction if isinstance(token, _Number))
    return Decimal(f"{integer}.{digits}") * magnitude, magnitude >= 1000


def _tokens(text: str) -> list[_Token] | None:
    if len(text) > _LONGEST_NUMERAL:
        return None
    tokens: list[_Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char in _ARABIC:
            end = index
            while end < len(text) and text[end] in _ARABIC:
                end += 1
            tokens.append(_Number(int(text[index:end]), text[index:end], arabic=True))
            index = end
            continue
        if char in _DIGITS:
            tokens.append(_Number(_DIGITS[char], str(_DIGITS[char]), arabic=False))
        elif char in _SMALL_UNITS:
            tokens.append(_SMALL_UNITS[char])
        elif char in _BIG_UNITS:
            tokens.append(_BIG_UNITS[char])
        elif char in _POINTS:
            tokens.append(_POINT)
        else:
            return None
        index += 1
    return tokens


def _has_magnitude(tokens: list[_Token]) -> bool:
    if any(isinstance(token, int) and token >= _WAN for token in tokens):
        return True
    return any(
        isinstance(first, _Number) and first.arabic and second == 1000
        for first, second in pairwise(tokens)
    )


def _magnitude(units: list[int]) -> Decimal | None:
    """The size of 万, 千万, 百万, 亿, 万亿… written after a decimal fraction ("3.5万")."""
    order = [*[unit for unit in (10, 100, 1000) if unit in units][:1], _WAN, _YI]
    size, position = 1, 0
    for unit in units:
        while position < len(order) and order[position] != unit:
            position += 1
        if position == len(order):
            return None
        size *= unit
        position += 1
    return Decimal(size)


def _integer(tokens: list[_Token]) -> int | None:
    """Read a whole number: 一千二百三十四, 一万零五, 两万, 十二, 一万二 (12000), 5千万."""
    if all(isinstance(token, _Number) for token in tokens):
        # 二〇二三 → 2023, 五 → 5, 2500 → 2500
        return int("".join(token.digits for token in tokens if isinstance(token, _Number)))
    total = wan = section = 0  # the 亿 part, the 万 part, and the part below 万
    pending: _Number | None = None
    last_small: int | None = None  # the last of 十百千 in this section
    last_big: int | None = None  # the last of 万亿
    zero = False  # a 零 was written since the last unit
    for token in tokens:
        if isinstance(token, _Number):
            if pending is not None:
                return None  # 二三百
            if token.value == 0 and not token.arabic:
                if last_small is None and last_big is None:
                    return None
                zero = True
            else:
                pending = token
        elif isinstance(token, str):  # pragma: no cover - the caller splits at the point
            return None
        elif token < _WAN:
            if pending is None:
                # A bare 十 opens a number or follows 零: 十二, 十万, 一千零十.
                if token != 10 or not (last_small is None or zero):
                    return None
                count = 1
            elif len(pending.digits) != 1 or pending.value == 0:
                return None  # 12百
            else:
                count = pending.value
            if last_small is not None and token >= last_small:
                return None  # 二十百
            section += count * token
            last_small, pending, zero = token, None, False
        else:
            if pending is not None:
                added = _flush(pending, last_small, zero)
                if added is None:
                    return None
                section += added
            if token == _WAN:
                if section == 0 or wan:
                    return None
                wan = section * _WAN
            else:
                if wan + section == 0 or total:
                    return None
                total, wan = (wan + section) * _YI, 0
            section, last_small, last_big, pending, zero = 0, None, token, None, False
    if pending is not None:
        added = _flush(pending, last_small if last_small is not None else last_big, zero)
        if added is None:
            return None
        section += added
    elif zero:
        return None  # 一百零
    return total + wan + section


def _flush(pending: _Number, unit: int | None, zero: bool) -> int | None:
    """The value of digits written after *unit*: 一百零五's 5, 一万二's 2000, 1万2500's 2500."""
    if unit is None:
        return pending.value
    if zero:
        return pending.value if pending.value < unit else None
    if len(pending.digits) == 1:
        return pending.value * unit // 10  # 一万二 is 12000, 三百五 is 350, 十二 is 12
    return pending.value if len(pending.digits) == len(str(unit)) - 1 else None


# --- Quantities ---------------------------------------------------------------------------------

# A magnitude that prefixes a unit ("万元") or follows a number ("3.2万"), longest first.
_MAGNITUDE_WORDS = (
    ("万亿", Decimal(10**12)),
    ("千万", Decimal(10**7)),
    ("百万", Decimal(10**6)),
    ("十万", Decimal(10**5)),
    ("亿", Decimal(10**8)),
    ("万", Decimal(10**4)),
    ("千", Decimal(10**3)),
)
_MONEY_WORDS = frozenset({"元", "块", "块钱", "人民币", "元人民币", "元整"})
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")
_SCIENTIFIC = re.compile(r"\d+(?:\.\d+)?[eE][-+]?\d{1,3}")
_MINUS = ("-", "−", "负")
# What people write around a figure they do not know exactly: 约61人, 61余人, 60多, 50-60.
_INEXACT_WORDS = (
    "约",
    "近",
    "余",
    "多",
    "以上",
    "以下",
    "以内",
    "左右",
    "上下",
    "超",
    "逾",
    "不到",
    "不足",
    "不少于",
    "至少",
    "最多",
    "几",
    "若干",
    "≈",
)
_NUMERAL_RUN = "[0-9.〇零一二两三四五六七八九十百千万亿]+"
_RANGE = re.compile(rf"{_NUMERAL_RUN}(?:-+|~|—+|–|至|到){_NUMERAL_RUN}[^-~—–至到0-9]*|.*\+")


def parse_quantity(value: Any, *, unit: str = "", also: Iterable[str] = ()) -> Decimal:
    """Return the number the cell states, expressed in *unit* ("元", "万元", "人", "%" or "").

    A number cell is already in *unit*. Text may carry thousands separators, a leading ¥, a
    magnitude (千 万 亿 百万 千万) and a unit word: for unit "万元", "32000元" and "3.2万" are
    both 3.2. A unit word must be *unit*, one of *also*, or for money 元/块/人民币.
    """
    return _quantity(value, unit=unit, also=tuple(also), chinese=True)


def parse_integer(value: Any, *, unit: str = "", also: Iterable[str] = ()) -> int:
    """Return the whole number the cell states in *unit*: "61名" → 61, "1.2万人" → 12000."""
    number = parse_quantity(value, unit=unit, also=also)
    if number != number.to_integral_value():
        raise ParseError(_("“%(text)s” is not a whole number.") % {"text": _shown(value)})
    return int(number)


def parse_amount(text: str) -> Decimal:
    """Return the yuan amount *text* states, to the fen: "3.2万元" → 32000, "5,000元" → 5000.

    Typed into a form, so Arabic digits only: a Chinese numeral is refused. Raise ParseError
    (a ValueError) with a message that quotes the text when it is not an amount.
    """
    try:
        return _quantity(text, unit="元", also=(), chinese=False).quantize(Decimal("0.01"))
    except (ParseError, InvalidOperation):
        raise ParseError(
            _("“%(text)s” is not an amount of money (write e.g. 52000, 5.2万 or 5,000元).")
            % {"text": _shown(text)}
        ) from None


def _quantity(value: Any, *, unit: str, also: tuple[str, ...], chinese: bool) -> Decimal:
    if isinstance(value, bool | date | time):
        raise ParseError(_("“%(text)s” is not a number.") % {"text": _shown(value)})
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParseError(_("“%(text)s” is not a number.") % {"text": _shown(value)})
        return Decimal(f"{value:.15g}")  # Excel keeps 15 significant digits
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ParseError(_("“%(text)s” is not a number.") % {"text": _shown(value)})
        return value
    text = clean_text(value)
    if not text:
        raise ParseError(_("The cell is empty; a number is needed."))
    number = _text_quantity(_compact(text), unit=_word(unit), also=also, chinese=chinese)
    if number is not None:
        return number
    raise _quantity_error(text, unit=unit)


def _text_quantity(text: str, *, unit: str, also: tuple[str, ...], chinese: bool) -> Decimal | None:
    rest, negative, money = _strip_signs(text)
    if money and _split_unit(unit)[1] not in _MONEY_WORDS:
        return None  # ¥ before a count of people
    if rest.startswith("百分之"):
        rest = rest.removeprefix("百分之") + "%"
    ungrouped = _ungrouped(rest)
    if ungrouped is None:
        return None
    words = {_word(word) for word in also} - {""}
    for number, scaled, word in _readings(ungrouped, chinese=chinese):
        if money and not word:
            word = "元"  # ¥32000 in a 万元 column is 3.2
        converted = _in_unit(number, scaled, word, unit=unit, also=words)
        if converted is not None:
            return -converted if negative else converted
    return None


def _ungrouped(text: str) -> str | None:
    """Drop the thousands separators from "5,000元"; None if commas stand anywhere else."""
    if "," not in text:
        return text
    grouped = re.match(r"[\d,]+", text)
    if grouped is None or not _GROUPED.fullmatch(grouped[0]) or "," in text[grouped.end() :]:
        return None
    return grouped[0].replace(",", "") + text[grouped.end() :]


def _strip_signs(text: str) -> tuple[str, bool, bool]:
    """Take a leading minus or plus and ¥ (in either order) off *text*."""
    negative = money = False
    rest = text
    for _round in range(2):
        if not money and rest.startswith("¥"):
            money, rest = True, rest[1:]
        elif not negative and rest.startswith(_MINUS):
            negative, rest = True, rest[1:]
        elif rest.startswith("+"):
            rest = rest[1:]
    return rest, negative, money


def _readings(text: str, *, chinese: bool) -> Iterator[tuple[Decimal, bool, str]]:
    """Each way to read *text* as a number and a unit word after it, longest number first."""
    scientific = _SCIENTIFIC.match(text)
    if scientific is not None:
        yield Decimal(scientific[0]), False, text[scientific.end() :]
        return
    for stop in range(_numeral_end(text), 0, -1):
        head = text[:stop]
        if not chinese and any(char in _DIGITS or char in "点點" for char in head):
            continue
        read = _numeral(head)
        if read is not None:
            yield read[0], read[1], text[stop:]


def _numeral_end(text: str) -> int:
    end = 0
    while end < len(text) and text[end] in _NUMERAL_CHARS:
        end += 1
    return end


def _in_unit(
    number: Decimal, scaled: bool, word: str, *, unit: str, also: set[str]
) -> Decimal | None:
    """Convert *number*, written with unit *word*, into *unit*; None if *word* is another unit.

    A bare number is already in *unit*; one written with a magnitude ("3.2万") or with the base
    unit ("32000元") counts the base unit, so it is divided by the magnitude of *unit* (万元).
    """
    scale, base = _split_unit(unit)
    if word == unit or word in also:
        return number
    if not word:
        return number / scale if scaled else number
    magnitude, rest = _split_magnitude(word)
    accepted = _MONEY_WORDS if base in _MONEY_WORDS else {base}
    if rest in accepted - {""} or (not rest and magnitude != 1):
        return number * magnitude / scale
    return None


def _split_magnitude(word: str) -> tuple[Decimal, str]:
    for prefix, size in _MAGNITUDE_WORDS:
        if word.startswith(prefix):
            return size, word.removeprefix(prefix)
    return Decimal(1), word


def _split_unit(unit: str) -> tuple[Decimal, str]:
    """ "万元" → (10000, "元"); "人次" → (1, "人次"); "千克" stays a unit of its own."""
    size, base = _split_magnitude(unit)
    if not base or (unit.startswith("千") and not unit.startswith("千万") and base != "元"):
        return Decimal(1), unit
    return size, base


def _word(word: str) -> str:
    return _compact(clean_text(word)).casefold()


def _quantity_error(text: str, *, unit: str) -> ParseError:
    """Say why *text* is not a quantity: inexact, in another unit, or not a number at all."""
    compact = _compact(text)
    shown = {"text": _shown(text), "unit": unit}
    if any(word in compact for word in _INEXACT_WORDS) or _RANGE.fullmatch(compact):
        return ParseError(
            _("“%(text)s” is not an exact number; write the exact figure, e.g. 61.") % shown
        )
    rest, _negative, money = _strip_signs(compact)
    rest = _ungrouped(rest) or ""
    if money and rest:
        rest += "元"  # ¥61 in a column of people: the ¥ names a unit, as 元 would
    end = _numeral_end(rest)
    if 0 < end < len(rest) and _numeral(rest[:end]) is not None:
        if unit:
            return ParseError(
                _(
                    "“%(text)s” is not a number in the unit “%(unit)s”"
                    " (write e.g. 61 or 61%(unit)s)."
                )
                % shown
            )
        return ParseError(_("“%(text)s” is not a plain number (write e.g. 61).") % shown)
    return ParseError(_("“%(text)s” is not a number.") % shown)


# --- Dates --------------------------------------------------------------------------------------

_FIRST_YEAR, _LAST_YEAR = 1949, 2100
_EXCEL_EPOCH = date(1899, 12, 30)  # the 1900 date system, past its 1900-02-29 that never was
_LAST_SERIAL = 2958465  # 9999-12-31
_TIME_OF_DAY = re.compile(r"(?:\s+|T|(?<=[日号]))\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
_CHINESE_RUN = re.compile("[〇零一二两三四五六七八九十]+")
_TWO_DIGIT_YEAR = re.compile(r"\d{2}(?:[./-]\d{1,2}(?:[./-]\d{1,2})?|年.*)")
_NO_YEAR = re.compile(r"\d{1,2}月")
# Where a date starts; the rest of the text is empty, a trailing separator, or a range's end.
_STARTS = (
    re.compile(r"(?P<y>\d{4})年(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})[日号]?)?)?"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?!\d)"),
    re.compile(r"(?P<y>\d{4})(?P<sep>[./-])(?P<m>\d{1,2})(?:(?P=sep)(?P<d>\d{1,2}))?"),
    re.compile(r"(?P<y>\d{4})(?!\d)"),
)
_RANGE_SEPARATOR = re.compile(r"-+|—+|–+|~|至|到")
_ENDS = {
    DatePrecision.DAY: (
        re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
        re.compile(r"(?:(?:(?P<y>\d{4})[年./-])?(?P<m>\d{1,2})[月./-])?(?P<d>\d{1,2})[日号.]?"),
    ),
    DatePrecision.MONTH: (re.compile(r"(?:(?P<y>\d{4})[年./-])?(?P<m>\d{1,2})月?"),),
    DatePrecision.YEAR: (re.compile(r"(?P<y>\d{4})年?度?"),),
}


def parse_date(value: Any) -> tuple[date, str]:
    """Return the day the cell states and how precisely: (date, "day" | "month" | "year").

    2023年6月28日, 2023.6.28, 2023-06-28, 20230628, an Excel serial number or a date cell
    are days; 2023年6月 or 2023.6 is the first of the month; 2023年 is 1 January. A range
    ("2023年6月28日至30日") gives its first day.
    """
    start, precision, _end = parse_date_range(value)
    return start, precision


def parse_date_range(value: Any) -> tuple[date, str, date | None]:
    """Return (first day, precision, last day or None) for a date or a range of dates.

    The last day of a range is stated to the same precision as the first: "2023年6月至8月"
    ends on 2023-08-01, at month precision.
    """
    shown = _shown(value)
    if isinstance(value, bool):
        raise _not_a_date(shown)
    if isinstance(value, datetime):
        return _checked(value.date(), shown), DatePrecision.DAY, None
    if isinstance(value, date):
        return _checked(value, shown), DatePrecision.DAY, None
    if isinstance(value, time):
        raise ParseError(_("“%(text)s” is a time of day, not a date.") % {"text": shown})
    if isinstance(value, int | float | Decimal):
        return _date_from_number(value, shown)
    text = clean_text(value)
    if not text:
        raise ParseError(_("The cell is empty; a date is needed."))
    return _date_from_text(text, shown)


def _date_from_number(value: float | Decimal, shown: str) -> tuple[date, str, date | None]:
    if isinstance(value, float) and not math.isfinite(value):
        raise _not_a_date(shown)
    number = Decimal(f"{value:.15g}") if isinstance(value, float) else Decimal(value)
    if not number.is_finite() or not -_LAST_SERIAL < number < 10**8:
        raise _not_a_date(shown)
    whole = int(number)
    if number == whole and 19000101 <= whole <= 21001231:  # 20230628: never a serial number
        day = _day(whole // 10000, whole // 100 % 100, whole % 100, shown)
        return day, DatePrecision.DAY, None
    if number == whole and _FIRST_YEAR <= whole <= _LAST_YEAR:
        # As serial numbers these would be days in 1905, which no record can be.
        return date(whole, 1, 1), DatePrecision.YEAR, None
    if _FIRST_YEAR <= number < _LAST_YEAR + 1:
        # 2023.6 typed into a cell that Excel turned into a number; 2023.10 became 2023.1.
        text = format(number, "f")
        if text.endswith(".1"):
            raise ParseError(
                _(
                    "“%(text)s” was stored by Excel as a number, so 2023.1 and 2023.10 look"
                    " the same; write the month as e.g. 2023年10月."
                )
                % {"text": shown}
            )
        return _date_from_text(text, shown)
    if 1 <= number < _LAST_SERIAL + 1:
        return _checked(_EXCEL_EPOCH + timedelta(days=whole), shown), DatePrecision.DAY, None
    raise _not_a_date(shown)


def _date_from_text(text: str, shown: str) -> tuple[date, str, date | None]:
    text = _TIME_OF_DAY.sub("", text)
    if re.search("[年月日号]", text):
        text = _CHINESE_RUN.sub(_arabic, text)  # 二〇二三年六月二十八日
    text = _compact(text)
    if _TWO_DIGIT_YEAR.fullmatch(text):
        raise ParseError(
            _("“%(text)s” has a two-digit year; write the year in full, e.g. 2023年6月28日.")
            % {"text": shown}
        )
    if _NO_YEAR.match(text):
        raise ParseError(
            _("“%(text)s” does not say which year; write e.g. 2023年6月28日.") % {"text": shown}
        )
    for pattern in _STARTS:
        start = pattern.match(text)
        if start is None:
            continue
        parts = _range_parts(start, text[start.end() :])
        if parts is not None:
            return _range(start, parts, shown)
    raise _not_a_date(shown)


def _arabic(run: re.Match[str]) -> str:
    tokens = _tokens(run[0])
    number = None if tokens is None else _integer(tokens)
    return run[0] if number is None else str(number)


def _precision(groups: Mapping[str, str | None]) -> DatePrecision:
    if groups.get("d"):
        return DatePrecision.DAY
    return DatePrecision.MONTH if groups.get("m") else DatePrecision.YEAR


def _range_parts(start: re.Match[str], rest: str) -> dict[str, str | None] | None:
    """The year, month and day a range's end states; {} for a single date; None if no date."""
    if not rest or rest in {".", start.groupdict().get("sep")}:
        return {}
    precision = _precision(start.groupdict())
    if rest == "度" and precision == DatePrecision.YEAR:  # 2023年度
        return {}
    separator = _RANGE_SEPARATOR.match(rest)
    if separator is None:
        return None
    for pattern in _ENDS[precision]:
        end = pattern.fullmatch(rest[separator.end() :])
        if end is not None:
            return end.groupdict()
    return None


def _range(
    start: re.Match[str], end: dict[str, str | None], shown: str
) -> tuple[date, str, date | None]:
    precision = _precision(start.groupdict())
    year, month, day = (int(start.groupdict().get(part) or 1) for part in "ymd")
    first = _day(year, month, day, shown)
    if not end:
        return first, precision, None
    end_year = int(end.get("y") or year)
    end_month = int(end.get("m") or month)
    end_day = int(end.get("d") or 1)
    crosses_new_year = (  # 12月28日至1月3日
        not end.get("y")
        and end.get("m")
        and not _is_on_or_after(first, year, end_month, end_day)
        and _is_on_or_after(first, year + 1, end_month, end_day)
    )
    if crosses_new_year:
        end_year = year + 1
    last = _day(end_year, end_month, end_day, shown)
    if last < first:
        raise ParseError(_("“%(text)s” ends before it starts.") % {"text": shown})
    return first, precision, last


def _is_on_or_after(first: date, year: int, month: int, day: int) -> bool:
    """Whether year-month-day is a real date no earlier than *first*."""
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return False
    return date(year, month, day) >= first


def _day(year: int, month: int, day: int, shown: str) -> date:
    """The date, or ParseError saying which part of it cannot be."""
    _check_year(year, shown)
    if not 1 <= month <= 12:
        raise ParseError(
            _("“%(text)s” is not a real date: there is no month %(month)d.")
            % {"text": shown, "month": month}
        )
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ParseError(
            _("“%(text)s” is not a real date: month %(month)d of %(year)d has %(days)d days.")
            % {"text": shown, "month": month, "year": year, "days": days}
        )
    return date(year, month, day)


def _checked(day: date, shown: str) -> date:
    _check_year(day.year, shown)
    return day


def _check_year(year: int, shown: str) -> None:
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise ParseError(
            _(
                "“%(text)s” is not a plausible date: the year %(year)d is not"
                " from %(first)d to %(last)d."
            )
            % {"text": shown, "year": year, "first": _FIRST_YEAR, "last": _LAST_YEAR}
        )


def _not_a_date(shown: str) -> ParseError:
    return ParseError(
        _("“%(text)s” is not a date (write e.g. 2023年6月28日 or 2023-06-28).") % {"text": shown}
    )


# --- Yes or no ----------------------------------------------------------------------------------

_YES = frozenset({"是", "√", "✓", "✔", "对", "有", "y", "yes", "true", "1"})
_NO = frozenset({"否", "×", "✗", "✘", "无", "没有", "不是", "n", "no", "false", "0"})


def parse_bool(value: Any) -> bool:
    """Return True for 是, √, Y, yes, true or 1 and False for 否, ×, 无, N, no, false or 0."""
    if isinstance(value, bool):
        return value
    # A signalling NaN raises on any comparison; it is refused below like any other text.
    is_number = isinstance(value, int | float) or (
        isinstance(value, Decimal) and not value.is_snan()
    )
    if is_number and value in (0, 1):
        return bool(value == 1)
    key = _compact(clean_text(value)).casefold()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise ParseError(
        _("“%(text)s” is not yes or no (write 是 or 否; √ and × are understood too).")
        % {"text": _shown(value)}
    )


# --- Choices ------------------------------------------------------------------------------------

_PARENTHESES = re.compile(r"\(([^()]*)\)")


def parse_choice(
    value: Any,
    choices: Iterable[tuple[str, Any]],
    *,
    synonyms: Mapping[str, str] | None = None,
) -> str:
    """Return the value of the choice the cell names, by value, label or synonym.

    *choices* is a TextChoices' .choices; its labels match in Chinese and in English, and so
    does a part in parentheses ("Cadre secondment (挂职)" matches 挂职). *synonyms* maps other
    texts to values. Case, width and spaces do not matter.
    """
    pairs = tuple(_flat_choices(choices))
    extra = tuple((synonyms or {}).items())
    try:
        table, labels = _choice_table(pairs, extra)
    except TypeError:  # a label that cannot be hashed: build the table for this call only
        table, labels = _choice_table.__wrapped__(pairs, extra)
    found = table.get(_choice_key(value))
    if found is None:
        raise ParseError(
            _("“%(text)s” is not one of the choices: %(choices)s.")
            % {"text": _shown(value), "choices": "、".join(labels)}
        )
    return found


def _flat_choices(choices: Iterable[tuple[Any, Any]]) -> Iterator[tuple[str, Any]]:
    for value, label in choices:
        if isinstance(label, list | tuple):  # a named group of choices
            yield from _flat_choices(label)
        elif value not in (None, ""):
            yield str(value), label


def _choice_key(text: Any) -> str:
    return _compact(clean_text(text)).casefold()


@functools.lru_cache(maxsize=256)
def _choice_table(
    choices: tuple[tuple[str, Any], ...], synonyms: tuple[tuple[str, str], ...]
) -> tuple[dict[str, str], tuple[str, ...]]:
    """What each choice may be called, best names first, and the Chinese labels to list."""
    with translation.override("zh-hans"):
        chinese = [str(label) for _value, label in choices]
    with translation.override("en"):
        english = [str(label) for _value, label in choices]
    values = [value for value, _label in choices]
    names: list[tuple[str, str]] = [(value, value) for value in values]
    names += zip(chinese, values, strict=True)
    names += zip(english, values, strict=True)
    names += synonyms
    for value, label in zip(values * 2, chinese + english, strict=True):
        folded = clean_text(label)
        names.append((_PARENTHESES.sub("", folded), value))
        names += [(part, value) for part in _PARENTHESES.findall(folded)]
    table: dict[str, str] = {}
    for name, value in names:
        key = _choice_key(name)
        if key:
            table.setdefault(key, value)
    return table, tuple(chinese)


# --- Identity numbers and phone numbers ---------------------------------------------------------

# The first two digits of a resident ID: provinces, and 81–83 for residence permits of people
# from Hong Kong, Macao and Taiwan.
_PROVINCES = frozenset(
    {
        *("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36"),
        *("37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62"),
        *("63", "64", "65", "71", "81", "82", "83"),
    }
)
_NUMBER_AS_TEXT = re.compile(r"\d+(?:\.\d+)?E[-+]?\d+|\d{15,}\.\d+", re.IGNORECASE)


def parse_id_number(value: Any) -> str:
    """Return an 18-character resident ID number, its final x upper-cased.

    An ID number that Excel stored as a number has lost its last digits (Excel keeps 15), so
    it is refused with a message saying how to send it again, never repaired.
    """
    shown = {"text": _shown(value)}
    lost = _(
        "“%(text)s” was stored by Excel as a number, which keeps only 15 digits, so this ID"
        " number has lost digits. Format the column as text and type the ID numbers again."
    )
    if isinstance(value, bool):
        raise ParseError(_("“%(text)s” is not a resident ID number.") % shown)
    if isinstance(value, int | float | Decimal) or _NUMBER_AS_TEXT.fullmatch(clean_text(value)):
        raise ParseError(lost % shown)
    number = ric.compact(_compact(clean_text(value)).lstrip("'"))
    if len(number) != 18:
        raise ParseError(
            _("“%(text)s” has %(count)d characters; a resident ID number has 18.")
            % {**shown, "count": len(number)}
        )
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ParseError(
            _("“%(text)s” is not a resident ID number: it has 17 digits and then a digit or X.")
            % shown
        )
    if number[:2] not in _PROVINCES:
        raise ParseError(
            _("“%(text)s” is not a resident ID number: it does not start with a province code.")
            % shown
        )
    _check_birth_date(number, shown)
    if ric.calc_check_digit(number) != number[-1]:
        if number.endswith("000"):
            raise ParseError(lost % shown)  # Excel showed zeros for the digits it dropped
        raise ParseError(
            _(
                "“%(text)s” is not a valid resident ID number: its last character does not"
                " match the others, so a digit is probably mistyped."
            )
            % shown
        )
    return number


def _check_birth_date(number: str, shown: dict[str, str]) -> None:
    try:
        born = ric.get_birth_date(number)
    except StdnumError:
        born = None
    if born is None or not date(1900, 1, 1) <= born <= timezone.localdate():
        raise ParseError(
            _(
                "“%(text)s” is not a valid resident ID number: its birth date %(born)s"
                " does not exist."
            )
            % {**shown, "born": f"{number[6:10]}-{number[10:12]}-{number[12:14]}"}
        )


_MOBILE = re.compile(r"1[3-9]\d{9}")
_LOCAL = re.compile(r"[2-9]\d{6,7}")
_PHONE_MARKS = re.compile(r"[\s()\-—–]")


def parse_phone(value: Any) -> str:
    """Return a mobile number as 13812345678 or a landline as 0870-6123456.

    A country code (+86, 0086) and spaces, dashes and parentheses are dropped. A landline
    needs its area code.
    """
    shown = {"text": _shown(value)}
    if isinstance(value, bool):
        raise _not_a_phone(shown)
    if isinstance(value, float | Decimal):
        number = Decimal(value)
        if not number.is_finite() or number != int(number) or abs(number) >= 10**15:
            raise ParseError(_lost_phone_digits() % shown)
        value = int(number)  # 13812345678.0: eleven digits survive a float exactly
    text = _compact(clean_text(value))
    if re.fullmatch(r"\d+(?:\.\d+)?E[-+]?\d+", text, re.IGNORECASE):
        raise ParseError(_lost_phone_digits() % shown)
    digits = _PHONE_MARKS.sub("", re.sub(r"^(\d+)\.0+$", r"\1", text))
    international = digits.startswith(("+86", "0086"))
    digits = digits.removeprefix("+86").removeprefix("0086")
    if not international and len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    if not re.fullmatch(r"[0-9]+", digits):
        raise _not_a_phone(shown)
    if _MOBILE.fullmatch(digits):
        return digits
    if international:
        digits = "0" + digits  # +86 870 6123456: the area code loses its 0 abroad
    if not digits.startswith("0"):
        if _LOCAL.fullmatch(digits):
            raise ParseError(
                _("“%(text)s” has no area code; write it as e.g. 0870-6123456.") % shown
            )
        raise _not_a_phone(shown)
    size = 3 if digits.startswith(("010", "02")) else 4
    area, local = digits[:size], digits[size:]
    if not re.fullmatch(r"0(?:10|2\d|[3-9]\d\d)", area) or not _LOCAL.fullmatch(local):
        raise _not_a_phone(shown)
    return f"{area}-{local}"


def _lost_phone_digits() -> str:
    return _(
        "“%(text)s” was stored by Excel as a number in scientific notation and has lost"
        " digits; format the column as text and type the number again."
    )


def _not_a_phone(shown: dict[str, str]) -> ParseError:
    return ParseError(
        _(
            "“%(text)s” is not a phone number (write a mobile number such as 13812345678 or a"
            " landline with its area code, such as 0870-6123456)."
        )
        % shown
    )
