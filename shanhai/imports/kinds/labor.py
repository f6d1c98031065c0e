"""Labor cooperation from a county's own 台账: workers, job postings, placements and follow-ups.

A worker is the same person when the ID number is the same: rows are matched through the keyed
hash of the number (core.personal), never the number itself. ID numbers and phones are personal
columns: masked in the preview kept with an import job, and in exports unless the exporting
person may see them (labor.selectors.may_unmask), in which case the export is logged. A masked
cell (4305**********1234) coming back in a sheet is refused, never stored.

Placements are keyed by the worker and the day the job started, follow-ups by the placement
and the day of the check. Everything is written through shanhai.labor.services, row by row.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from shanhai.accounts.models import Action, User
from shanhai.core import personal
from shanhai.core.models import DatePrecision
from shanhai.core.parsing import ParseError, clean_text, parse_id_number, parse_integer, parse_phone
from shanhai.imports.columns import (
    Choice,
    Column,
    Day,
    Flag,
    Integer,
    Lookups,
    OrganisationRef,
    PairingRef,
    PlaceRef,
    Text,
    Value,
)
from shanhai.imports.kinds.base import Action as RowAction
from shanhai.imports.kinds.base import Context, Kind, Row
from shanhai.labor import selectors as labor_selectors
from shanhai.labor import services as labor_services
from shanhai.labor.models import (
    FollowUp,
    HouseholdType,
    Placement,
    Posting,
    Willingness,
    Worker,
)
from shanhai.places import services as place_services
from shanhai.places.models import Organisation, Pairing, Place
from shanhai.places.selectors import pairings_for_user

HOUSEHOLD_WORDS = {
    "脱贫户": HouseholdType.POVERTY_EXITED,
    "脱贫家庭": HouseholdType.POVERTY_EXITED,
    "脱贫劳动力": HouseholdType.POVERTY_EXITED,
    "建档立卡户": HouseholdType.POVERTY_EXITED,
    "建档立卡脱贫户": HouseholdType.POVERTY_EXITED,
    "已脱贫户": HouseholdType.POVERTY_EXITED,
    "监测户": HouseholdType.MONITORED,
    "监测对象": HouseholdType.MONITORED,
    "防返贫监测对象": HouseholdType.MONITORED,
    "脱贫不稳定户": HouseholdType.MONITORED,
    "边缘易致贫户": HouseholdType.MONITORED,
    "突发严重困难户": HouseholdType.MONITORED,
    "一般户": HouseholdType.ORDINARY,
    "一般农户": HouseholdType.ORDINARY,
    "普通农户": HouseholdType.ORDINARY,
    "非贫困户": HouseholdType.ORDINARY,
}
WILLINGNESS_WORDS = {
    "上海": Willingness.SHANGHAI,
    "赴沪": Willingness.SHANGHAI,
    "去上海": Willingness.SHANGHAI,
    "赴上海务工": Willingness.SHANGHAI,
    "到上海务工": Willingness.SHANGHAI,
    "东部": Willingness.EAST,
    "东部省份": Willingness.EAST,
    "省外": Willingness.EAST,
    "省外务工": Willingness.EAST,
    "江浙": Willingness.EAST,
    "广东": Willingness.EAST,
    "省内": Willingness.PROVINCE,
    "省内务工": Willingness.PROVINCE,
    "省内县外": Willingness.PROVINCE,
    "县内": Willingness.NEAR_HOME,
    "就近": Willingness.NEAR_HOME,
    "就地": Willingness.NEAR_HOME,
    "就近就业": Willingness.NEAR_HOME,
    "就地就近": Willingness.NEAR_HOME,
    "就近就地": Willingness.NEAR_HOME,
    "本地": Willingness.NEAR_HOME,
}
CHANNEL_WORDS = {
    "有组织输出": Placement.Channel.TRANSFER,
    "有组织转移": Placement.Channel.TRANSFER,
    "劳务输出": Placement.Channel.TRANSFER,
    "组织输出": Placement.Channel.TRANSFER,
    "点对点输送": Placement.Channel.TRANSFER,
    "招聘会": Placement.Channel.JOB_FAIR,
    "专场招聘会": Placement.Channel.JOB_FAIR,
    "现场招聘": Placement.Channel.JOB_FAIR,
    "推荐就业": Placement.Channel.MATCHED,
    "岗位推荐": Placement.Channel.MATCHED,
    "人社推荐": Placement.Channel.MATCHED,
    "自主就业": Placement.Channel.SELF_FOUND,
    "自主务工": Placement.Channel.SELF_FOUND,
    "自行外出": Placement.Channel.SELF_FOUND,
    "自谋职业": Placement.Channel.SELF_FOUND,
}
INDUSTRY_WORDS = {
    "制造业": Posting.Industry.MANUFACTURING,
    "制造": Posting.Industry.MANUFACTURING,
    "工厂": Posting.Industry.MANUFACTURING,
    "电子": Posting.Industry.MANUFACTURING,
    "建筑": Posting.Industry.CONSTRUCTION,
    "建筑业": Posting.Industry.CONSTRUCTION,
    "物流": Posting.Industry.LOGISTICS,
    "快递": Posting.Industry.LOGISTICS,
    "服务业": Posting.Industry.SERVICES,
    "服务": Posting.Industry.SERVICES,
    "餐饮": Posting.Industry.CATERING,
    "酒店": Posting.Industry.CATERING,
    "住宿餐饮": Posting.Industry.CATERING,
    "家政": Posting.Industry.CARE,
    "养老护理": Posting.Industry.CARE,
    "护理": Posting.Industry.CARE,
    "农业": Posting.Industry.AGRICULTURE,
    "其他": Posting.Industry.OTHER,
}
EDUCATION_WORDS = {
    "不限": Posting.Education.NONE,
    "无": Posting.Education.NONE,
    "无要求": Posting.Education.NONE,
    "小学": Posting.Education.PRIMARY,
    "初中": Posting.Education.JUNIOR,
    "高中": Posting.Education.SENIOR,
    "中专": Posting.Education.SENIOR,
    "职高": Posting.Education.SENIOR,
    "高中或中专": Posting.Education.SENIOR,
    "大专": Posting.Education.COLLEGE,
    "本科": Posting.Education.COLLEGE,
    "大专及以上": Posting.Education.COLLEGE,
}
EMPLOYED_WORDS = {
    True: ("是", "在岗", "在职", "在岗就业", "稳定就业", "务工中", "正常务工", "√", "y", "yes"),
    False: ("否", "离岗", "离职", "已离职", "失业", "返乡", "未就业", "待业", "×", "n", "no"),
}


# --- Cells -------------------------------------------------------------------------------------

_MASKED = re.compile(r"[*＊]")
_WHOLE_ID = re.compile(r"[0-9Xx]{15,18}")


def _masked_cell(cell: Any) -> bool:
    return isinstance(cell, str) and bool(_MASKED.search(cell))


@dataclass
class IdNumber(Value):
    """A resident ID number; a number Excel mangled or a masked export is refused, explained."""

    hint: str = "18位居民身份证号码；请先把该列设为“文本”格式"
    keeps_text = True

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> str:
        if _masked_cell(cell):
            raise ParseError(
                _(
                    "“%(text)s” is masked: the sheet was exported for someone who may not see"
                    " ID numbers, so it cannot be imported. Export it again as someone who may,"
                    " or type the full number."
                )
                % {"text": clean_text(cell)}
            )
        try:
            return parse_id_number(cell)
        except ParseError as error:
            # The message quotes the cell; a (mistyped) whole number is still someone's ID.
            text = clean_text(cell)
            message = str(error)
            if _WHOLE_ID.fullmatch(text):
                message = message.replace(text, personal.mask_id_number(text))
            raise ParseError(message) from None

    def masked(self, value: Any) -> str:
        text = clean_text(value)
        return text if _MASKED.search(text) else personal.mask_id_number(text)


@dataclass
class Phone(Value):
    hint: str = "手机号，或带区号的固定电话（0870-6123456）"
    keeps_text = True

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> str:
        if _masked_cell(cell):
            raise ParseError(
                _(
                    "“%(text)s” is masked: the sheet was exported for someone who may not see"
                    " phone numbers, so it cannot be imported. Export it again as someone who"
                    " may, or type the full number."
                )
                % {"text": clean_text(cell)}
            )
        return parse_phone(cell)

    def masked(self, value: Any) -> str:
        text = clean_text(value)
        return text if _MASKED.search(text) else personal.mask_phone(text)


@dataclass
class Employed(Value):
    """Still in work? 是/在岗/在职 or 否/离岗/离职/返乡."""

    hint: str = "在岗 / 离岗（或 是 / 否）"

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> bool:
        if isinstance(cell, bool):
            return cell
        key = "".join(clean_text(cell).split()).casefold()
        for answer, words in EMPLOYED_WORDS.items():
            if key in words:
                return answer
        raise ParseError(
            _("“%(text)s” does not say whether the person is in work (write 在岗 or 离岗).")
            % {"text": clean_text(cell)}
        )

    def show(self, value: Any) -> str:
        return "" if value is None else ("在岗" if value else "离岗")

    def choices(self) -> list[str]:
        return ["在岗", "离岗"]


_RANGE_SEPARATOR = re.compile(r"\s*(?:-+|~|—+|–|至|到)\s*")


@dataclass
class Range(Value):
    """A range of whole numbers, 5000-6500 or 18～45岁; one number is a range of one."""

    unit: str = ""
    hint: str = ""

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> tuple[int, int]:
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            number = parse_integer(cell, unit=self.unit)
            return number, number
        text = clean_text(cell)
        parts = [p for p in _RANGE_SEPARATOR.split(text) if p]
        if len(parts) not in (1, 2):
            raise ParseError(
                _("“%(text)s” is not a range: write it as e.g. 5000-6500.") % {"text": text}
            )
        also = (f"{self.unit}/月",)
        low, high = (
            parse_integer(part, unit=self.unit, also=also) for part in (parts[0], parts[-1])
        )
        if high < low:
            raise ParseError(_("The range is upside down: “%(text)s”.") % {"text": text})
        return low, high

    def show(self, value: Any) -> str:
        if not value:
            return ""
        low, high = value
        return str(low) if low == high else f"{low}-{high}"


# --- Shared columns and helpers ------------------------------------------------------------

PAIRING = Column("pairing", "结对", PairingRef(), shared="pairing", width=18)
NAME = Column(
    "name",
    "姓名",
    Text(50),
    ("劳动力姓名", "务工人员姓名", "人员姓名", "户主姓名", "名字"),
    example="张三",
    width=10,
)
ID_NUMBER = Column(
    "id_number",
    "身份证号码",
    IdNumber(),
    (
        "身份证号",
        "身份证",
        "公民身份号码",
        "公民身份证号码",
        "身份证件号码",
        "证件号码",
        "证件号",
        "身份号码",
    ),
    help="18位居民身份证号码；同一号码只登记一人。请先把该列设为文本格式，"
    "否则Excel会把号码变成科学计数法并丢失末尾数字。",
    width=22,
    personal=True,
)


def _pairing_of(row: Row, ctx: Context) -> Pairing | None:
    pairing: Pairing | None = row.get("pairing") or ctx.pairing
    if pairing is None:
        row.error("pairing", _("Say which pairing the row belongs to (column 结对)."))
    return pairing


def _may_record(row: Row, ctx: Context, pairing: Pairing) -> bool:
    if ctx.may(pairing, Action.RECORD):
        return True
    row.error("pairing", _("You may not record in %(pairing)s.") % {"pairing": pairing})
    return False


def _day(value: tuple[date, str] | None) -> date | None:
    return value[0] if value else None


def _as_day(on: date | None) -> tuple[date, str] | None:
    return (on, DatePrecision.DAY) if on else None


def _decrypted_id(worker: Worker) -> str:
    return personal.decrypt(worker.id_number_encrypted)


def _may_unmask_everywhere(user: User, pairing: Pairing | None) -> bool:
    """May *user* see the personal data of every pairing an export for *pairing* spans?"""
    if pairing is not None:
        return labor_selectors.may_unmask(user, pairing)
    visible = list(pairings_for_user(user))
    ids = {p.pk for p in visible}
    roots = [p for p in visible if p.parent_id not in ids]
    return bool(roots) and all(labor_selectors.may_unmask(user, p) for p in roots)


def _find_worker(row: Row, ctx: Context) -> Worker | None:
    """The worker a placement or follow-up row names: by ID number, or by a unique name."""
    if row.has("id_number"):
        worker = labor_selectors.find_worker_by_id_number(
            personal.lookup_hash(row.values["id_number"])
        )
        if worker is None or not ctx.may(worker.pairing, Action.VIEW):
            row.error(
                "id_number",
                _("No worker with this ID number is registered; import the workers first."),
            )
            return None
        if row.has("name") and row.values["name"] != worker.name:
            row.error(
                "name",
                _("This ID number is registered to “%(name)s”, not “%(written)s”.")
                % {"name": worker.name, "written": row.values["name"]},
            )
            return None
        return worker
    if not row.has("name"):
        row.error("id_number", _("Give the worker's ID number (or a name unique in the pairing)."))
        return None
    pairing = _pairing_of(row, ctx)
    if pairing is None:
        return None
    name = row.values["name"]
    found = list(labor_selectors.workers_for_user(ctx.user, pairing=pairing).filter(name=name)[:2])
    if not found:
        row.error(
            "name",
            _("No worker called “%(name)s” is registered in %(pairing)s.")
            % {"name": name, "pairing": pairing},
        )
        return None
    if len(found) > 1:
        row.error(
            "name",
            _("Several workers are called “%(name)s”; give the ID number.") % {"name": name},
        )
        return None
    return found[0]


def _decide(row: Row, ctx: Context, *, updatable: bool) -> None:
    """Unchanged, or (with other values) updated in update mode if *updatable*, else exists."""
    if not row.changes:
        row.action = RowAction.UNCHANGED
    elif updatable and ctx.mode == "update":
        row.action = RowAction.UPDATE
    else:
        row.action = RowAction.EXISTS


# --- Workers -----------------------------------------------------------------------------------

WORKER_FIELDS = (
    "household_type",
    "skills",
    "certificates",
    "trainings",
    "willingness",
    "expected_wage",
    "has_consented",
)


@dataclass
class WorkerDraft:
    pairing: Pairing
    name: str
    origin: Place
    id_number: str
    phone: str
    fields: dict[str, Any] = field(default_factory=dict)


class Workers(Kind):
    """劳动力台账: one row per person, found again by the ID number."""

    name = "workers"
    label = "劳动力"
    key_help = "身份证号码相同的行视为同一人"
    export_audit_action = "labor.workers.exported"
    columns = (
        PAIRING,
        dataclasses.replace(NAME, required=True),
        dataclasses.replace(ID_NUMBER, required=True),
        Column("phone", "联系电话", Phone(), shared="phone", width=16, personal=True),
        Column(
            "origin",
            "户籍所在地",
            Text(200),
            ("户籍地", "户籍地址", "家庭住址", "住址", "现居住地", "所在地"),
            help="县、乡镇、村的名称，如 威信县麟凤镇金鸡村；也可分列填写乡镇和村",
            example="威信县麟凤镇",
            width=24,
        ),
        Column("town", "乡镇", Text(100), ("所在乡镇", "乡（镇）", "乡镇（街道）", "镇")),
        Column("village", "村", Text(100), ("所在村", "村（社区）", "行政村", "村居", "村委会")),
        Column(
            "household_type",
            "家庭类型",
            Choice(HouseholdType.choices, HOUSEHOLD_WORDS),
            ("户类型", "农户类型", "户籍性质", "人员类别", "劳动力类型"),
            example="脱贫户",
        ),
        Column(
            "is_poverty_exited",
            "是否脱贫户",
            Flag(),
            ("是否脱贫劳动力", "是否建档立卡户", "是否脱贫人口"),
            help="家庭类型一列没有时使用：是＝脱贫户，否＝一般农户",
        ),
        Column("skills", "技能", Text(300), ("技能特长", "专业技能", "掌握技能", "特长")),
        Column("certificates", "证书", Text(300), ("技能证书", "职业资格证书", "持证情况")),
        Column("trainings", "参加培训", Text(300), ("培训情况", "已参加培训", "参训情况")),
        Column(
            "willingness",
            "务工意愿",
            Choice(Willingness.choices, WILLINGNESS_WORDS),
            ("就业意愿", "意向务工地", "意向就业地", "务工去向意愿", "外出意愿"),
            example="上海",
        ),
        Column(
            "expected_wage",
            "期望月薪（元）",
            Integer(unit="元", also=("元/月",), maximum=1_000_000),
            ("期望月薪", "期望工资", "期望薪资", "期望收入", "期望月收入"),
        ),
        Column(
            "has_consented",
            "同意向用工单位提供信息",
            Flag(),
            ("是否同意共享", "同意共享信息", "授权共享"),
        ),
    )

    def build(self, row: Row, ctx: Context) -> None:
        pairing = _pairing_of(row, ctx)
        if pairing is None or not _may_record(row, ctx, pairing):
            return
        origin = self._origin(row, ctx)
        fields = {k: row.values[k] for k in WORKER_FIELDS if k in row.values}
        if row.has("is_poverty_exited"):
            said = (
                HouseholdType.POVERTY_EXITED
                if row.values["is_poverty_exited"]
                else HouseholdType.ORDINARY
            )
            if "household_type" not in fields:
                fields["household_type"] = said
            elif (fields["household_type"] == HouseholdType.POVERTY_EXITED) != (
                said == HouseholdType.POVERTY_EXITED
            ):
                row.error(
                    "is_poverty_exited",
                    _("The household type and “is poverty-exited” columns disagree."),
                )
        if origin is None or row.errors:
            return
        id_number = row.values["id_number"]
        row.built = WorkerDraft(
            pairing=pairing,
            name=row.values["name"],
            origin=origin,
            id_number=id_number,
            phone=row.get("phone", ""),
            fields=fields,
        )
        row.key = personal.lookup_hash(id_number)

    def _origin(self, row: Row, ctx: Context) -> Place | None:
        """The most precise known place among 户籍所在地, 乡镇 and 村 (a village we do not know
        leaves the worker at the town)."""
        parts: list[str] = []
        for key in ("origin", "town", "village"):
            text = row.get(key, "")
            if text and not any(text in part for part in parts):
                parts.append(text)
        if not parts:
            row.error("origin", _("Say where the worker's home is (户籍所在地, or 乡镇 and 村)."))
            return None
        for size in range(len(parts), 0, -1):
            found = ctx.lookups.places("".join(parts[:size]))
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                row.error(
                    "origin",
                    _("“%(name)s” could mean %(places)s; write the county or town before it.")
                    % {
                        "name": "".join(parts[:size]),
                        "places": "、".join(p.full_name for p in found[:4]),
                    },
                )
                return None
        column = "origin" if row.has("origin") else "town" if row.has("town") else "village"
        row.error(
            column,
            _("No place called “%(name)s” is known; check the name or add the place first.")
            % {"name": "".join(parts)},
        )
        return None

    def find_existing(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            existing = labor_selectors.find_worker_by_id_number(str(row.key))
            if existing is None:
                row.action = RowAction.CREATE
                continue
            if not ctx.may(existing.pairing, Action.RECORD):
                row.error(
                    "id_number",
                    _("A worker with this ID number is registered where you may not record."),
                )
                continue
            row.existing = existing
            row.changes = self._changes(existing, row)
            _decide(row, ctx, updatable=True)

    def _changes(self, existing: Worker, row: Row) -> dict[str, tuple[Any, Any]]:
        draft: WorkerDraft = row.built
        new: dict[str, Any] = {"name": draft.name, **draft.fields}
        if {"origin", "town", "village"} & set(row.headers):
            new["origin"] = draft.origin
        if "pairing" in row.headers and row.has("pairing"):
            new["pairing"] = draft.pairing
        changes = {
            name: (getattr(existing, name), value)
            for name, value in new.items()
            if getattr(existing, name) != value
        }
        if draft.phone and draft.phone != personal.decrypt(existing.phone_encrypted):
            changes["phone"] = ("", "")  # which, not what: the preview never shows a phone
        return changes

    def create(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            draft: WorkerDraft = row.built
            labor_services.register_worker(
                pairing=draft.pairing,
                name=draft.name,
                origin=draft.origin,
                recorded_by=ctx.user,
                id_number=draft.id_number,
                phone=draft.phone,
                source=ctx.source,
                **draft.fields,
            )

    def update(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            draft: WorkerDraft = row.built
            existing: Worker = row.existing
            labor_services.register_worker(
                pairing=draft.pairing if "pairing" in row.changes else existing.pairing,
                name=draft.name,
                origin=draft.origin if "origin" in row.changes else existing.origin,
                recorded_by=ctx.user,
                id_number=draft.id_number,
                phone=draft.phone,
                existing=existing,
                **{k: v for k, v in draft.fields.items() if k in row.changes},
            )

    def may_unmask(self, user: User, pairing: Pairing | None) -> bool:
        return _may_unmask_everywhere(user, pairing)

    def export_objects(
        self, user: User, *, pairing: Pairing | None, year: int | None
    ) -> Iterable[Any]:
        workers = labor_selectors.workers_for_user(user, pairing=pairing)
        # Deleted on request: nothing personal is left, and such a row could not come back.
        workers = workers.filter(anonymised_at__isnull=True).order_by("pairing__path", "id")
        return workers.iterator(chunk_size=2000)

    def export_values(self, obj: Any) -> dict[str, Any]:
        return {
            "pairing": obj.pairing,
            "name": obj.name,
            "id_number": obj.id_number_masked,
            "phone": obj.phone_masked,
            "origin": obj.origin.full_name,
            "household_type": obj.household_type,
            "skills": obj.skills,
            "certificates": obj.certificates,
            "trainings": obj.trainings,
            "willingness": obj.willingness,
            "expected_wage": obj.expected_wage,
            "has_consented": obj.has_consented,
        }

    def export_unmasked(self, obj: Any) -> dict[str, Any]:
        return {"id_number": _decrypted_id(obj), "phone": personal.decrypt(obj.phone_encrypted)}


# --- Postings ----------------------------------------------------------------------------------


@dataclass
class PostingDraft:
    posting: Posting
    employer_name: str  # the employer as written, registered when new


class Postings(Kind):
    """岗位信息: jobs employers offer; an employer not yet known is registered with the job."""

    name = "postings"
    label = "岗位"
    key_help = "结对、用工单位、岗位名称、开始日期相同的行视为同一岗位"
    columns = (
        PAIRING,
        Column(
            "employer",
            "用工单位",
            OrganisationRef(),
            ("招聘单位", "企业名称", "用人单位", "公司名称", "招聘企业"),
            shared="organisation",
            required=True,
            example="松江某电子厂",
            width=24,
        ),
        Column(
            "title",
            "岗位名称",
            Text(100),
            ("岗位", "招聘岗位", "工种", "职位", "招聘职位"),
            required=True,
            example="普工",
        ),
        Column(
            "industry",
            "行业",
            Choice(Posting.Industry.choices, INDUSTRY_WORDS),
            ("所属行业", "行业类别", "行业类型"),
            example="制造业",
        ),
        Column(
            "work_place",
            "工作地点",
            PlaceRef(),
            ("工作地", "务工地点", "上班地点", "岗位所在地", "地点"),
            required=True,
            example="松江区车墩镇",
        ),
        Column(
            "headcount",
            "招聘人数",
            Integer(unit="人", also=("名",), minimum=1),
            ("需求人数", "用工人数", "岗位数", "人数"),
            required=True,
            example=20,
        ),
        Column(
            "wage",
            "月薪（元）",
            Range(unit="元", hint="5000-6500 或 6000"),
            ("薪资待遇", "工资待遇", "月工资", "薪资", "工资", "薪酬", "月薪"),
            required=True,
            example="5000-6500",
        ),
        Column("hours", "工作时间", Text(100), ("班次", "工作时长", "上班时间", "工时")),
        Column(
            "education",
            "学历要求",
            Choice(Posting.Education.choices, EDUCATION_WORDS),
            ("文化程度", "学历", "文化程度要求"),
        ),
        Column("skills_required", "技能要求", Text(300), ("技能", "岗位要求", "任职要求")),
        Column("age", "年龄要求", Range(unit="岁", hint="18-45"), ("年龄", "年龄范围")),
        Column("has_housing", "包住", Flag(), ("提供住宿", "是否包住", "住宿")),
        Column("has_meals", "包吃", Flag(), ("提供餐食", "是否包吃", "工作餐")),
        Column("is_love_post", "爱心岗位", Flag(), ("是否爱心岗位",)),
        Column(
            "valid_from",
            "开始日期",
            Day(),
            ("发布日期", "有效期起", "招聘开始日期"),
            shared="date",
            required=True,
        ),
        Column(
            "valid_to",
            "截止日期",
            Day(),
            ("有效期止", "招聘截止日期", "有效期至"),
            shared="end_date",
            required=True,
        ),
        Column("contact", "联系人及电话", Text(100), ("联系人", "联系方式", "招聘联系人")),
    )

    def build(self, row: Row, ctx: Context) -> None:
        pairing = _pairing_of(row, ctx)
        if pairing is None or not _may_record(row, ctx, pairing):
            return
        employer, employer_name = row.values["employer"]
        if employer is None and ctx.lookups.organisations(employer_name):
            row.error(
                "employer",
                _("Several organisations are called “%(name)s”; write its credit code.")
                % {"name": employer_name},
            )
            return
        low, high = row.values["wage"]
        ages = row.get("age") or (None, None)
        posting = Posting(
            pairing=pairing,
            employer=employer,
            title=row.values["title"],
            industry=row.get("industry") or Posting.Industry.OTHER,
            work_place=row.values["work_place"],
            headcount=row.values["headcount"],
            wage_min=low,
            wage_max=high,
            hours=row.get("hours", ""),
            education=row.get("education") or Posting.Education.NONE,
            skills_required=row.get("skills_required", ""),
            age_min=ages[0],
            age_max=ages[1],
            has_housing=row.get("has_housing", False),
            has_meals=row.get("has_meals", False),
            is_love_post=row.get("is_love_post", False),
            valid_from=row.values["valid_from"][0],
            valid_to=row.values["valid_to"][0],
            contact=row.get("contact", ""),
        )
        if posting.valid_to < posting.valid_from:
            row.error("valid_to", _("A posting cannot close before it opens."))
        row.built = PostingDraft(posting, employer_name)
        row.key = (pairing.pk, employer_name, posting.title, posting.valid_from)

    def find_existing(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            draft: PostingDraft = row.built
            new = draft.posting
            existing = (
                labor_selectors.postings_for_user(ctx.user, pairing=new.pairing)
                .filter(
                    pairing=new.pairing,
                    employer__name=draft.employer_name,
                    title=new.title,
                    valid_from=new.valid_from,
                )
                .first()
            )
            if existing is None:
                row.action = RowAction.CREATE
                continue
            row.existing = existing
            row.changes = {
                name: (getattr(existing, name), getattr(new, name))
                for column in self.columns
                if column.key in row.headers
                for name in self._fields(column.key)
                if getattr(existing, name) != getattr(new, name)
            }
            _decide(row, ctx, updatable=True)

    @staticmethod
    def _fields(key: str) -> tuple[str, ...]:
        return {
            "pairing": (),
            "employer": (),
            "wage": ("wage_min", "wage_max"),
            "age": ("age_min", "age_max"),
        }.get(key, (key,))

    def create(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            draft: PostingDraft = row.built
            posting = draft.posting
            if posting.employer_id is None:  # a new employer, registered with its first job
                posting.employer = self._new_employer(draft, ctx)
            labor_services.post_job(posting=posting, posted_by=ctx.user)

    def _new_employer(self, draft: PostingDraft, ctx: Context) -> Organisation:
        key = f"employer:{draft.employer_name}"
        if key not in ctx.cache:
            ctx.cache[key] = place_services.register_organisation(
                name=draft.employer_name,
                kind=Organisation.Kind.ENTERPRISE,
                place=draft.posting.work_place,
                source=ctx.source,
                actor=ctx.user,
            )
        employer: Organisation = ctx.cache[key]
        return employer

    def update(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            posting: Posting = row.existing
            for name, (_old, new) in row.changes.items():
                setattr(posting, name, new)
            labor_services.post_job(posting=posting, posted_by=ctx.user)

    def export_objects(
        self, user: User, *, pairing: Pairing | None, year: int | None
    ) -> Iterable[Any]:
        postings = labor_selectors.postings_for_user(user, pairing=pairing)
        if year:
            postings = postings.filter(valid_from__year=year)
        return postings.select_related("pairing").order_by("valid_from", "id").iterator()

    def export_values(self, obj: Any) -> dict[str, Any]:
        ages = (obj.age_min, obj.age_max) if obj.age_min is not None else None
        if obj.age_min is not None and obj.age_max is None:
            ages = None  # an open-ended age range has no sheet form; keep the record's own
        return {
            "pairing": obj.pairing,
            "employer": (obj.employer, obj.employer.name),
            "title": obj.title,
            "industry": obj.industry,
            "work_place": obj.work_place,
            "headcount": obj.headcount,
            "wage": (obj.wage_min, obj.wage_max),
            "hours": obj.hours,
            "education": obj.education,
            "skills_required": obj.skills_required,
            "age": ages,
            "has_housing": obj.has_housing,
            "has_meals": obj.has_meals,
            "is_love_post": obj.is_love_post,
            "valid_from": _as_day(obj.valid_from),
            "valid_to": _as_day(obj.valid_to),
            "contact": obj.contact,
        }


# --- Placements --------------------------------------------------------------------------------


@dataclass
class PlacementDraft:
    worker: Worker
    started_on: date
    work_place: Place
    channel: str
    employer: Organisation | None
    employer_name: str
    monthly_wage: int | None
    ended_on: date | None
    end_reason: str


WORKER_COLUMNS = (PAIRING, NAME, ID_NUMBER)
STARTED_ON_NAMES = (
    "务工时间",
    "开始务工时间",
    "入职时间",
    "入职日期",
    "上岗时间",
    "就业日期",
    "务工开始时间",
    "外出务工时间",
)


class Placements(Kind):
    """就业台账: who started work where and when, and when and why it ended."""

    name = "placements"
    label = "务工就业"
    key_help = "同一劳动力（身份证号码）、同一就业时间的行视为同一条就业记录"
    export_audit_action = "labor.placements.exported"
    columns = (
        *WORKER_COLUMNS,
        Column(
            "employer",
            "就业单位",
            OrganisationRef(),
            ("用工单位", "务工单位", "工作单位", "就业企业", "企业名称"),
            shared="organisation",
            width=24,
        ),
        Column(
            "work_place",
            "务工地点",
            PlaceRef(),
            ("就业地点", "务工地", "工作地点", "就业地", "务工地址", "就业地区", "务工所在地"),
            required=True,
            example="上海市松江区",
        ),
        Column(
            "started_on",
            "就业时间",
            Day(),
            STARTED_ON_NAMES,
            shared="date",
            required=True,
            example="2023年3月1日",
        ),
        Column(
            "monthly_wage",
            "月工资（元）",
            Integer(unit="元", also=("元/月",), maximum=1_000_000),
            ("月收入", "月均收入", "工资", "月薪", "工资收入", "月工资"),
        ),
        Column(
            "channel",
            "就业渠道",
            Choice(Placement.Channel.choices, CHANNEL_WORDS),
            ("就业方式", "就业途径", "转移方式", "输出方式", "转移就业方式"),
            help="不填时记为“自主就业”",
            example="有组织输出",
        ),
        Column(
            "ended_on",
            "离岗时间",
            Day(),
            ("离职时间", "离职日期", "离岗日期", "返乡时间"),
            shared="end_date",
        ),
        Column("end_reason", "离岗原因", Text(200), ("离职原因", "返乡原因")),
    )

    def build(self, row: Row, ctx: Context) -> None:
        worker = _find_worker(row, ctx)
        if worker is None:
            return
        if not ctx.may(worker.pairing, Action.RECORD):
            row.error(
                "id_number",
                _("You may not record in %(pairing)s.") % {"pairing": worker.pairing},
            )
            return
        employer, employer_name = row.get("employer") or (None, "")
        draft = PlacementDraft(
            worker=worker,
            started_on=row.values["started_on"][0],
            work_place=row.values["work_place"],
            channel=row.get("channel") or Placement.Channel.SELF_FOUND,
            employer=employer,
            employer_name="" if employer else employer_name,
            monthly_wage=row.get("monthly_wage"),
            ended_on=_day(row.get("ended_on")),
            end_reason=row.get("end_reason", ""),
        )
        if draft.ended_on and draft.ended_on < draft.started_on:
            row.error("ended_on", _("A job cannot end before it starts."))
            return
        row.built = draft
        row.key = (worker.pk, draft.started_on)

    def find_existing(self, rows: Sequence[Row], ctx: Context) -> None:
        workers = {row.built.worker.pk for row in rows}
        stored: dict[int, list[Placement]] = {}
        for placement in labor_selectors.placements_for_user(ctx.user).filter(
            worker_id__in=workers
        ):
            stored.setdefault(placement.worker_id, []).append(placement)
        active_in_file: dict[int, int] = ctx.cache.setdefault("placements:active", {})
        for row in rows:
            draft: PlacementDraft = row.built
            placements = stored.get(draft.worker.pk, [])
            existing = next((p for p in placements if p.started_on == draft.started_on), None)
            if existing is None:
                self._check_new(row, draft, placements, active_in_file)
                row.action = RowAction.CREATE
                continue
            row.existing = existing
            row.changes = self._changes(existing, draft, row)
            ends_it = set(row.changes) <= {"ended_on", "end_reason"} and existing.ended_on is None
            _decide(row, ctx, updatable=ends_it and draft.ended_on is not None)

    def _check_new(
        self,
        row: Row,
        draft: PlacementDraft,
        stored: list[Placement],
        active_in_file: dict[int, int],
    ) -> None:
        """A worker is in one job at a time: an unended job needs the earlier one ended."""
        if draft.ended_on is not None:
            return
        active = next((p for p in stored if p.ended_on is None), None)
        if active is not None:
            row.error(
                "started_on",
                _(
                    "%(name)s is recorded in work since %(since)s; record the end of that job"
                    " first (column 离岗时间)."
                )
                % {"name": draft.worker.name, "since": active.started_on},
            )
        elif draft.worker.pk in active_in_file:
            row.error(
                "started_on",
                _("Row %(row)d already has an unended job for %(name)s.")
                % {"row": active_in_file[draft.worker.pk], "name": draft.worker.name},
            )
        else:
            active_in_file[draft.worker.pk] = row.number

    def _changes(
        self, existing: Placement, draft: PlacementDraft, row: Row
    ) -> dict[str, tuple[Any, Any]]:
        names = {
            "employer": ("employer", "employer_name"),
            "work_place": ("work_place",),
            "monthly_wage": ("monthly_wage",),
            "channel": ("channel",),
            "ended_on": ("ended_on",),
            "end_reason": ("end_reason",),
        }
        return {
            name: (getattr(existing, name), getattr(draft, name))
            for key, fields in names.items()
            if key in row.headers
            for name in fields
            if getattr(existing, name) != getattr(draft, name)
        }

    def create(self, rows: Sequence[Row], ctx: Context) -> None:
        # Ended jobs first, oldest first: a worker's past jobs are closed before the current one.
        for row in sorted(rows, key=lambda r: (r.built.ended_on is None, r.built.started_on)):
            draft: PlacementDraft = row.built
            placement = labor_services.record_placement(
                worker=draft.worker,
                started_on=draft.started_on,
                work_place=draft.work_place,
                channel=draft.channel,
                recorded_by=ctx.user,
                employer=draft.employer,
                employer_name=draft.employer_name,
                monthly_wage=draft.monthly_wage,
                source=ctx.source,
            )
            if draft.ended_on is not None:
                labor_services.end_placement(
                    placement=placement,
                    ended_on=draft.ended_on,
                    reason=draft.end_reason,
                    user=ctx.user,
                )

    def update(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:  # only ending a job is an update (see find_existing)
            draft: PlacementDraft = row.built
            assert draft.ended_on is not None
            labor_services.end_placement(
                placement=row.existing,
                ended_on=draft.ended_on,
                reason=draft.end_reason,
                user=ctx.user,
            )

    def may_unmask(self, user: User, pairing: Pairing | None) -> bool:
        return _may_unmask_everywhere(user, pairing)

    def export_objects(
        self, user: User, *, pairing: Pairing | None, year: int | None
    ) -> Iterable[Any]:
        placements = labor_selectors.placements_for_user(user, pairing=pairing).filter(
            worker__anonymised_at__isnull=True
        )
        if year:
            placements = placements.filter(started_on__year=year)
        placements = placements.select_related("pairing")
        return placements.order_by("started_on", "id").iterator(chunk_size=2000)

    def export_values(self, obj: Any) -> dict[str, Any]:
        employer = (obj.employer, obj.employer.name) if obj.employer else None
        return {
            "pairing": obj.pairing,
            "name": obj.worker.name,
            "id_number": obj.worker.id_number_masked,
            "employer": employer or ((None, obj.employer_name) if obj.employer_name else None),
            "work_place": obj.work_place,
            "started_on": _as_day(obj.started_on),
            "monthly_wage": obj.monthly_wage,
            "channel": obj.channel,
            "ended_on": _as_day(obj.ended_on),
            "end_reason": obj.end_reason,
        }

    def export_unmasked(self, obj: Any) -> dict[str, Any]:
        return {"id_number": _decrypted_id(obj.worker)}


# --- Follow-ups --------------------------------------------------------------------------------


@dataclass
class FollowUpDraft:
    placement: Placement
    checked_on: date
    is_employed: bool
    employer_name: str
    monthly_income: int | None
    note: str


class FollowUps(Kind):
    """回访记录: is the worker still in work, where, earning what; 3/6/12 months follow from it."""

    name = "followups"
    label = "就业回访"
    key_help = "同一劳动力的同一份工作（就业时间）、同一回访日期的行视为同一次回访"
    export_audit_action = "labor.followups.exported"
    columns = (
        *WORKER_COLUMNS,
        Column(
            "started_on",
            "就业时间",
            Day(),
            (*STARTED_ON_NAMES, "开始时间", "开始日期"),
            help="回访的是哪一份工作；不填时为其当前的工作",
        ),
        Column(
            "checked_on",
            "回访日期",
            Day(),
            ("回访时间", "核实日期", "核查日期", "跟踪日期", "跟踪回访时间", "核实时间"),
            shared="date",
            required=True,
            example="2023年6月5日",
        ),
        Column(
            "is_employed",
            "是否在岗",
            Employed(),
            ("在岗情况", "是否在岗就业", "务工状态", "就业状态", "是否稳定就业", "目前状态"),
            required=True,
            example="在岗",
        ),
        Column(
            "employer_name",
            "现工作单位",
            Text(200),
            ("现就业单位", "当前工作单位", "现务工单位", "目前就业单位"),
        ),
        Column(
            "monthly_income",
            "月收入（元）",
            Integer(unit="元", also=("元/月",), maximum=1_000_000),
            ("月工资", "月均收入", "收入", "月收入"),
        ),
        Column("note", "回访情况", Text(300), ("回访内容", "情况说明"), shared="remarks"),
    )

    def build(self, row: Row, ctx: Context) -> None:
        worker = _find_worker(row, ctx)
        if worker is None:
            return
        if not ctx.may(worker.pairing, Action.RECORD):
            row.error(
                "id_number",
                _("You may not record in %(pairing)s.") % {"pairing": worker.pairing},
            )
            return
        checked_on = row.values["checked_on"][0]
        placement = self._placement(row, ctx, worker, checked_on)
        if placement is None:
            return
        if checked_on < placement.started_on:
            row.error("checked_on", _("A follow-up cannot be before the job started."))
            return
        row.built = FollowUpDraft(
            placement=placement,
            checked_on=checked_on,
            is_employed=row.values["is_employed"],
            employer_name=row.get("employer_name", ""),
            monthly_income=row.get("monthly_income"),
            note=row.get("note", ""),
        )
        row.key = (placement.pk, checked_on)

    def _placement(
        self, row: Row, ctx: Context, worker: Worker, checked_on: date
    ) -> Placement | None:
        key = f"placements:{worker.pk}"
        if key not in ctx.cache:
            ctx.cache[key] = list(
                labor_selectors.placements_for_user(ctx.user)
                .filter(worker=worker)
                .prefetch_related("followups")
                .order_by("-started_on")
            )
        placements: list[Placement] = ctx.cache[key]
        started_on = _day(row.get("started_on"))
        if started_on is not None:
            found = next((p for p in placements if p.started_on == started_on), None)
            if found is None:
                row.error(
                    "started_on",
                    _("No job of %(name)s started on %(day)s; import the placements first.")
                    % {"name": worker.name, "day": started_on},
                )
            return found
        current = next((p for p in placements if p.ended_on is None), None)
        current = current or next((p for p in placements if p.started_on <= checked_on), None)
        if current is None:
            row.error(
                "checked_on",
                _("%(name)s has no job recorded to follow up; import the placements first.")
                % {"name": worker.name},
            )
        return current

    def find_existing(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            draft: FollowUpDraft = row.built
            existing = next(
                (f for f in draft.placement.followups.all() if f.checked_on == draft.checked_on),
                None,
            )
            if existing is None:
                row.action = RowAction.CREATE
                continue
            row.existing = existing
            row.changes = {
                name: (getattr(existing, name), getattr(draft, name))
                for name in ("is_employed", "employer_name", "monthly_income", "note")
                if name in row.headers and getattr(existing, name) != getattr(draft, name)
            }
            _decide(row, ctx, updatable=False)  # a follow-up is a record of a call: kept as made

    def create(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in sorted(rows, key=lambda r: r.built.checked_on):
            draft: FollowUpDraft = row.built
            labor_services.record_followup(
                placement=draft.placement,
                checked_on=draft.checked_on,
                is_employed=draft.is_employed,
                recorded_by=ctx.user,
                employer_name=draft.employer_name,
                monthly_income=draft.monthly_income,
                note=draft.note,
            )

    def update(self, rows: Sequence[Row], ctx: Context) -> None:
        return None  # see find_existing: nothing is ever marked for update

    def may_unmask(self, user: User, pairing: Pairing | None) -> bool:
        return _may_unmask_everywhere(user, pairing)

    def export_objects(
        self, user: User, *, pairing: Pairing | None, year: int | None
    ) -> Iterable[Any]:
        placements = (
            labor_selectors.placements_for_user(user, pairing=pairing)
            .filter(worker__anonymised_at__isnull=True)
            .select_related("pairing")
            .prefetch_related("followups")
            .order_by("started_on", "id")
        )
        return self._followups(placements, year)

    @staticmethod
    def _followups(placements: Iterable[Placement], year: int | None) -> Iterator[FollowUp]:
        for placement in placements:
            for followup in placement.followups.all():
                if year is None or followup.checked_on.year == year:
                    followup.placement = placement
                    yield followup

    def export_values(self, obj: Any) -> dict[str, Any]:
        placement = obj.placement
        return {
            "pairing": placement.pairing,
            "name": placement.worker.name,
            "id_number": placement.worker.id_number_masked,
            "started_on": _as_day(placement.started_on),
            "checked_on": _as_day(obj.checked_on),
            "is_employed": obj.is_employed,
            "employer_name": obj.employer_name,
            "monthly_income": obj.monthly_income,
            "note": obj.note,
        }

    def export_unmasked(self, obj: Any) -> dict[str, Any]:
        return {"id_number": _decrypted_id(obj.placement.worker)}


KINDS = (Workers, Postings, Placements, FollowUps)
