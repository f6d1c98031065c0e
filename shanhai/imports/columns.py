"""Columns of import sheets: the names offices give them and how each cell is read.

A kind of import is a list of Columns. A column knows its Chinese header (as our templates and
exports write it), the other headers offices use for it, and a Value that reads a cell, shows
the value in the preview and writes it back into an export, so that export → import returns
exactly what was exported. Header synonyms that mean the same thing in every kind (日期, 备注 …)
live in SYNONYMS and are shared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from shanhai.core import parsing
from shanhai.core.formats import partial_date
from shanhai.core.parsing import ParseError, clean_text
from shanhai.places.models import Organisation, Pairing, Place
from shanhai.places.selectors import match_places

# Headers that mean the same in every kind, compared after header_key().
SYNONYMS: dict[str, tuple[str, ...]] = {
    "pairing": ("结对", "结对关系", "协作关系", "结对编号", "结对代码", "pairing"),
    "date": (
        "日期",
        "时间",
        "开展时间",
        "活动时间",
        "活动日期",
        "举办时间",
        "开始时间",
        "开始日期",
        "date",
    ),
    "end_date": ("结束日期", "结束时间", "截止时间", "截止日期", "至", "enddate"),
    "title": ("标题", "名称", "事项", "活动名称", "主题", "title"),
    "summary": (
        "内容",
        "主要内容",
        "简要内容",
        "工作内容",
        "内容摘要",
        "摘要",
        "情况说明",
        "summary",
    ),
    "remarks": ("备注", "说明", "remarks", "note"),
    "direction": ("方向", "交流方向", "direction"),
    "level": ("层级", "级别", "领导层级", "level"),
    "side": ("记录方", "填报方", "side"),
    "phone": ("联系电话", "电话", "手机号", "手机", "手机号码", "联系方式", "phone"),
    "people": ("人数", "人员数", "人次", "people"),
    "place": ("地点", "所在地", "地区", "实施地点", "place"),
    "organisation": ("单位", "单位名称", "organisation"),
    "amount": ("金额", "资金", "资金额", "amount"),
}

# Rows whose first cells say these are totals or notes, not records.
SUMMARY_WORDS = ("合计", "小计", "总计", "共计", "累计")
NOTE_PREFIXES = ("注：", "注:", "说明：", "说明:", "填表人", "填报人", "审核人", "制表", "备注：")
EXAMPLE_MARKS = ("示例", "例", "样例", "example")
INDEX_HEADERS = ("序号", "编号序号", "no", "no.")

_UNIT_IN_HEADER = re.compile(r"[（(【\[]([^（）()【】\[\]]{1,8})[）)】\]]$")
_LIST_SEPARATORS = re.compile(r"[、,，;；/\n]+")


def header_key(text: Any) -> tuple[str, str]:
    """Return a header's comparison key and the unit it names.

    "预算金额（万元）*" → ("预算金额", "万元"); " Title " → ("title", "").
    """
    cleaned = re.sub(r"\s+", "", clean_text(text)).strip("*＊※")
    unit = ""
    match = _UNIT_IN_HEADER.search(cleaned)
    if match:
        unit = match[1]
        cleaned = cleaned[: match.start()]
    return cleaned.lower().strip("*＊※:："), unit


class Value:
    """How one kind of cell is read, shown and written back; subclasses say for which type."""

    hint = ""  # what to write, for the template's instructions sheet
    keeps_text = False  # the template formats the column as text (ID numbers: Excel mangles them)

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> Any:
        raise NotImplementedError

    def show(self, value: Any) -> str:
        """The value as the preview shows it and the CSV export writes it."""
        if value is None:
            return ""
        return str(value)

    def write(self, value: Any) -> Any:
        """The value as the .xlsx export writes it (a number stays a number)."""
        return self.show(value)

    def choices(self) -> list[str]:
        """The values a template's drop-down offers (none: free input)."""
        return []

    def masked(self, value: Any) -> str:
        """The value with its personal part hidden (previews, masked exports)."""
        return "*" * len(self.show(value))


@dataclass
class Text(Value):
    max_length: int = 200
    hint: str = ""

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> str:
        text = _tidy(cell) if isinstance(cell, str) else clean_text(cell)
        if len(text) > self.max_length:
            raise ParseError(
                _("The text is %(length)d characters long; at most %(max)d fit.")
                % {"length": len(text), "max": self.max_length}
            )
        return text


_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"), None)


def _tidy(text: str) -> str:
    """Free text as written: Chinese punctuation stays full-width; only the edges are trimmed."""
    return text.translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n").strip()


@dataclass
class Integer(Value):
    unit: str = ""
    also: tuple[str, ...] = ()
    minimum: int = 0
    maximum: int = 2_000_000_000

    @property
    def hint(self) -> str:  # type: ignore[override]
        return _("a whole number") + (f"（{self.unit}）" if self.unit else "")

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> int:
        number = parsing.parse_integer(cell, unit=self.unit, also=(*self.also, unit))
        if not self.minimum <= number <= self.maximum:
            raise ParseError(
                _("%(number)s is out of range: it must be from %(min)d to %(max)d.")
                % {"number": number, "min": self.minimum, "max": self.maximum}
            )
        return number

    def write(self, value: Any) -> Any:
        return value


@dataclass
class Amount(Value):
    """Money in yuan (or another unit); a unit in the header, （万元）, scales bare numbers."""

    unit: str = "元"
    positive: bool = False
    places: int = 2  # decimals the unit allows: 2 for 元 (fen), 6 for 万元

    @property
    def hint(self) -> str:  # type: ignore[override]
        return _("an amount in %(unit)s; 3.2万 and 5,000元 are understood") % {"unit": self.unit}

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> Decimal:
        header_unit = unit if unit.endswith(self.unit[-1:]) else ""
        if header_unit and header_unit != self.unit and _bare_number(cell):
            # "预算（万元）" with 120 in the cell: 120万元.
            number = parsing.parse_quantity(cell, unit=header_unit)
            amount = parsing.parse_quantity(f"{number}{header_unit}", unit=self.unit)
        else:
            amount = parsing.parse_quantity(cell, unit=self.unit)
        if amount < 0 or (self.positive and amount == 0):
            raise ParseError(
                _("The amount must be more than zero.")
                if self.positive
                else _("The amount cannot be negative.")
            )
        if amount >= Decimal(10) ** 12:  # before quantize, which fails past 28 digits
            raise ParseError(_("The amount is too large."))
        step = Decimal(1).scaleb(-self.places)
        if amount != amount.quantize(step):
            raise ParseError(_("An amount is exact to the fen (0.01 yuan)."))
        return amount.quantize(step)

    def show(self, value: Any) -> str:
        if value is None:
            return ""
        return _decimal_text(value)

    def write(self, value: Any) -> Any:
        return None if value is None else float(value)


def _bare_number(cell: Any) -> bool:
    if isinstance(cell, int | float | Decimal) and not isinstance(cell, bool):
        return True
    return bool(re.fullmatch(r"[-+]?[\d,，]+(\.\d+)?", clean_text(cell)))


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass
class Percent(Value):
    hint: str = "0–100"

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> int:
        if isinstance(cell, float) and 0 <= cell <= 1 and not cell.is_integer():
            cell = cell * 100  # a cell formatted as a percentage holds 0.35 for 35%
        number = parsing.parse_quantity(cell, unit="%")
        if not 0 <= number <= 100:
            raise ParseError(_("A percentage is from 0 to 100."))
        return int(number.to_integral_value())

    def write(self, value: Any) -> Any:
        return value


@dataclass
class Day(Value):
    """A date, perhaps known only to the month or year: returns (date, precision)."""

    hint: str = "2023年6月28日、2023-06-28、2023.6.28、2023年6月"

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> tuple[date, str]:
        on, precision = parsing.parse_date(cell)
        return on, precision

    def show(self, value: Any) -> str:
        if value is None:
            return ""
        on, precision = value
        with translation.override("zh-hans"):
            return partial_date(on, precision)

    def write(self, value: Any) -> Any:
        return self.show(value)


@dataclass
class Flag(Value):
    hint: str = "是 / 否"

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> bool:
        return parsing.parse_bool(cell)

    def show(self, value: Any) -> str:
        return "" if value is None else ("是" if value else "否")

    def choices(self) -> list[str]:
        return ["是", "否"]


@dataclass
class Choice(Value):
    """One of a TextChoices; shown and exported by its Chinese label."""

    options: Sequence[tuple[str, Any]]
    synonyms: Mapping[str, str] = field(default_factory=dict)

    @property
    def hint(self) -> str:  # type: ignore[override]
        return "、".join(self.choices())

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> str:
        return parsing.parse_choice(cell, self.options, synonyms=self.synonyms)

    def show(self, value: Any) -> str:
        labels = dict(self.options)
        if value in (None, ""):
            return ""
        with translation.override("zh-hans"):
            return str(labels.get(value, value))

    def choices(self) -> list[str]:
        with translation.override("zh-hans"):
            return [str(label) for _value, label in self.options]


@dataclass
class Choices(Value):
    """Several of a TextChoices, separated by 、 or commas."""

    options: Sequence[tuple[str, Any]]
    synonyms: Mapping[str, str] = field(default_factory=dict)

    @property
    def hint(self) -> str:  # type: ignore[override]
        return _("one or more of: %(options)s, separated by 、") % {
            "options": Choice(self.options).hint
        }

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> list[str]:
        one = Choice(self.options, self.synonyms)
        values = [one.parse(part, unit=unit, lookups=lookups) for part in split_list(cell)]
        return list(dict.fromkeys(values))

    def show(self, value: Any) -> str:
        one = Choice(self.options)
        return "、".join(one.show(v) for v in value or [])


def split_list(cell: Any) -> list[str]:
    return [part for part in (p.strip() for p in _LIST_SEPARATORS.split(clean_text(cell))) if part]


@dataclass
class PlaceRef(Value):
    """A place by name (with or without its parents, former names too) or by division code."""

    hint: str = "威信县麟凤镇、麟凤镇 或 区划代码"

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> Place:
        return lookups.place(clean_text(cell))

    def show(self, value: Any) -> str:
        return "" if value is None else value.full_name


@dataclass
class PlacesText(Value):
    """Places or units visited: each name matched to a place or organisation where possible.

    Returns (places, organisations, names matched to neither) so nothing written is lost.
    """

    hint: str = "麟凤镇、威信县人民医院（以、分隔）"

    def parse(
        self, cell: Any, *, unit: str, lookups: Lookups
    ) -> tuple[list[Place], list[Organisation], list[str]]:
        places: list[Place] = []
        organisations: list[Organisation] = []
        unmatched: list[str] = []
        for name in split_list(cell):
            organisation = lookups.organisation_or_none(name)
            place = None if organisation else lookups.place_or_none(name)
            if organisation is not None:
                organisations.append(organisation)
            elif place is not None:
                places.append(place)
            else:
                unmatched.append(name)
        return places, organisations, unmatched

    def show(self, value: Any) -> str:
        if not value:
            return ""
        places, organisations, unmatched = value
        return "、".join(
            [*(p.full_name for p in places), *(o.name for o in organisations), *unmatched]
        )


@dataclass
class OrganisationRef(Value):
    """An organisation by name, short name or credit code; unknown names are kept as text.

    Returns (organisation or None, the name as written).
    """

    hint: str = "单位全称或统一社会信用代码"

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> tuple[Organisation | None, str]:
        name = clean_text(cell)
        if len(name) > 200:
            raise ParseError(_("A name has at most 200 characters."))
        return lookups.organisation_or_none(name), name

    def show(self, value: Any) -> str:
        if not value:
            return ""
        organisation, name = value
        return str(organisation.name if organisation is not None else name)


@dataclass
class PairingRef(Value):
    hint: str = "结对编号，如 songjiang-weixin"

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> Pairing:
        return lookups.pairing(clean_text(cell))

    def show(self, value: Any) -> str:
        return "" if value is None else value.code


@dataclass(frozen=True)
class Column:
    """One column of a kind's sheet."""

    key: str
    header: str
    value: Value
    synonyms: tuple[str, ...] = ()
    shared: str = ""  # a SYNONYMS group this column also answers to
    required: bool = False
    help: str = ""
    example: Any = None
    width: int = 14
    personal: bool = False  # personal data: masked in previews, and in exports unless allowed

    def header_keys(self) -> set[str]:
        names = [self.header, *self.synonyms, *SYNONYMS.get(self.shared, ())]
        return {header_key(name)[0] for name in names}


@dataclass
class Lookups:
    """Finds places, organisations and pairings named in cells, remembering every answer.

    *pairings* are those the importing user may write to; codes outside them are "not found".
    """

    pairings: Callable[[], Iterable[Pairing]]
    _places: dict[str, list[Place]] = field(default_factory=dict)
    _organisations: dict[str, list[Organisation]] = field(default_factory=dict)
    _pairings: dict[str, Pairing] | None = None

    def places(self, name: str) -> list[Place]:
        if name not in self._places:
            if re.fullmatch(r"\d{6}(\d{3}(\d{3})?)?", name):
                code = name.ljust(12, "0")
                self._places[name] = list(Place.objects.filter(code=code))
            else:
                self._places[name] = match_places(name)
        return self._places[name]

    def place(self, name: str) -> Place:
        found = self.places(name)
        if not found:
            raise ParseError(
                _("No place called “%(name)s” is known; check the name or add the place first.")
                % {"name": name}
            )
        if len(found) > 1:
            raise ParseError(
                _("“%(name)s” could mean %(places)s; write the county or town before it.")
                % {"name": name, "places": "、".join(p.full_name for p in found[:4])}
            )
        return found[0]

    def place_or_none(self, name: str) -> Place | None:
        found = self.places(name)
        return found[0] if len(found) == 1 else None

    def organisations(self, name: str) -> list[Organisation]:
        if name not in self._organisations:
            compact = re.sub(r"\s+", "", name).upper()
            if len(compact) == 18 and compact.isalnum():
                found = list(Organisation.objects.filter(credit_code=compact))
            else:
                found = list(Organisation.objects.filter(name=name)) or list(
                    Organisation.objects.filter(short_name=name)
                )
            self._organisations[name] = found
        return self._organisations[name]

    def organisation_or_none(self, name: str) -> Organisation | None:
        found = self.organisations(name) if name else []
        return found[0] if len(found) == 1 else None

    def pairing(self, text: str) -> Pairing:
        if self._pairings is None:
            self._pairings = {}
            for pairing in self.pairings():
                self._pairings[pairing.code.lower()] = pairing
                self._pairings.setdefault(str(pairing).replace(" ", "").lower(), pairing)
        key = re.sub(r"\s+", "", text).lower()
        found = self._pairings.get(key)
        if found is None:  # 松江区—威信县, 松江区与威信县
            for arrow in ("<->", "—", "-", "–", "⇄", "与"):
                key = key.replace(arrow, "↔")
            found = self._pairings.get(key)
        if found is None:
            raise ParseError(
                _("No pairing “%(text)s” that you may record in; write its code.") % {"text": text}
            )
        return found
