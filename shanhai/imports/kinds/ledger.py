"""Ledger records from offices' sheets: visits, meetings, agreements, projects, donations …

Every kind shares the record's own columns (pairing, date, title, summary, direction, level)
and adds its own. A row's natural key is its pairing, date and title: importing the same
sheet again finds every row already there. Sheets that have no title column (a talent list
names people, not events) get a title made from the row, the same each time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from shanhai.accounts.models import Action, User
from shanhai.core.models import DatePrecision
from shanhai.imports.columns import (
    Amount,
    Choice,
    Choices,
    Column,
    Day,
    Integer,
    OrganisationRef,
    PairingRef,
    Percent,
    PlaceRef,
    PlacesText,
    Text,
)
from shanhai.imports.kinds.base import Action as RowAction
from shanhai.imports.kinds.base import Context, Kind, Row
from shanhai.ledger import selectors as ledger_selectors
from shanhai.ledger import services as ledger_services
from shanhai.ledger.models import (
    Agreement,
    AidProject,
    BenefitMechanism,
    Direction,
    Donation,
    FundSource,
    Level,
    Meeting,
    Record,
    Sector,
    TalentExchange,
    Training,
    Visit,
)
from shanhai.places.models import Pairing
from shanhai.places.selectors import is_year_locked

DIRECTION_WORDS = {
    "东→西": Direction.EAST_TO_WEST,
    "东部到西部": Direction.EAST_TO_WEST,
    "东西": Direction.EAST_TO_WEST,
    "赴西部": Direction.EAST_TO_WEST,
    "松江赴威信": Direction.EAST_TO_WEST,
    "西→东": Direction.WEST_TO_EAST,
    "西部到东部": Direction.WEST_TO_EAST,
    "西东": Direction.WEST_TO_EAST,
    "赴东部": Direction.WEST_TO_EAST,
    "威信赴松江": Direction.WEST_TO_EAST,
    "双向": Direction.BOTH,
    "互访": Direction.BOTH,
}
LEVEL_WORDS = {
    "主要领导": Level.PRINCIPAL,
    "党政主要领导": Level.PRINCIPAL,
    "分管领导": Level.DEPUTY,
    "部门": Level.DEPARTMENT,
    "乡镇": Level.TOWN_VILLAGE,
    "镇村": Level.TOWN_VILLAGE,
    "企业": Level.ENTERPRISE,
    "社会组织": Level.ENTERPRISE,
}
FORM_WORDS = {
    "挂职": TalentExchange.Form.SECONDMENT,
    "干部挂职": TalentExchange.Form.SECONDMENT,
    "支教": TalentExchange.Form.TEACHING,
    "支医": TalentExchange.Form.MEDICAL,
    "医疗帮扶": TalentExchange.Form.MEDICAL,
    "进修": TalentExchange.Form.STUDY,
    "跟岗学习": TalentExchange.Form.STUDY,
    "培训": TalentExchange.Form.TRAINING,
    "农技": TalentExchange.Form.AGRITECH,
    "农技服务": TalentExchange.Form.AGRITECH,
    "柔性引才": TalentExchange.Form.FLEXIBLE,
    "专技人才": TalentExchange.Form.FLEXIBLE,
}
FORM_TITLES = {form: word for word, form in reversed(FORM_WORDS.items())}
SECTOR_WORDS = {
    "教育": Sector.EDUCATION,
    "卫生": Sector.HEALTH,
    "医疗": Sector.HEALTH,
    "卫健": Sector.HEALTH,
    "农业": Sector.AGRICULTURE,
    "产业": Sector.INDUSTRY,
    "工业": Sector.INDUSTRY,
    "就业": Sector.EMPLOYMENT,
    "基础设施": Sector.INFRASTRUCTURE,
    "乡村建设": Sector.INFRASTRUCTURE,
    "城市管理": Sector.URBAN,
    "商贸": Sector.COMMERCE,
    "消费帮扶": Sector.COMMERCE,
    "党政": Sector.GOVERNANCE,
    "其他": Sector.OTHER,
}

COMMON: tuple[Column, ...] = (
    Column("pairing", "结对", PairingRef(), shared="pairing", width=18),
    Column("occurred_on", "日期", Day(), shared="date", required=True, example="2023年6月28日"),
    Column("ended_on", "结束日期", Day(), shared="end_date"),
    Column("title", "标题", Text(200), shared="title", width=30),
    Column("summary", "内容摘要", Text(5000), shared="summary", width=40),
    Column("direction", "方向", Choice(Direction.choices, DIRECTION_WORDS), shared="direction"),
    Column("level", "层级", Choice(Level.choices, LEVEL_WORDS), shared="level"),
)
_NOT_CHECKED = [
    "pairing",
    "kind",
    "side",
    "recorded_by",
    "source",
    "confirmed_by",
    "record_ptr",
    "entry_method",
    "status",
]


class RecordKind(Kind):
    """A kind of ledger record; subclasses give the model, their columns and a default title."""

    model: ClassVar[type[Record]]
    record_kind: ClassVar[str]
    own: ClassVar[tuple[Column, ...]]
    key_help = "结对、日期、标题相同的行视为同一条记录"

    @property
    def columns(self) -> Sequence[Column]:  # type: ignore[override]
        return (*COMMON, *self.own)

    # --- reading -----------------------------------------------------------------------------

    def default_title(self, record: Any, row: Row) -> str:
        return str(self.label)

    def build(self, row: Row, ctx: Context) -> None:
        pairing = row.get("pairing") or ctx.pairing
        if pairing is None:
            row.error("pairing", _("Say which pairing the row belongs to (column 结对)."))
            return
        if not ctx.may(pairing, Action.RECORD):
            row.error("pairing", _("You may not record in %(pairing)s.") % {"pairing": pairing})
            return
        record = self.model(pairing=pairing)
        for column in self.columns:
            if column.key != "pairing" and row.has(column.key):
                self._fill(record, column, row.values[column.key], row)
        if not record.title:
            record.title = self.default_title(record, row)[:200]
        if not getattr(record, "occurred_on", None):
            return  # the required date is missing: already an error
        if record.ended_on and record.ended_on < record.occurred_on:
            row.error("ended_on", _("The end date cannot be before the start date."))
        if self._locked(pairing, record.occurred_on.year, ctx):
            row.error(
                "occurred_on",
                _("The %(year)s ledger of %(pairing)s is locked after its assessment.")
                % {"year": record.occurred_on.year, "pairing": pairing},
            )
        try:
            record.clean_fields(exclude=[*_NOT_CHECKED, *self._relations()])
            record.clean()
        except ValidationError as error:
            row.invalid(error, self._field_columns())
        row.built = record
        row.key = (pairing.pk, record.occurred_on, record.title)

    def _locked(self, pairing: Pairing, year: int, ctx: Context) -> bool:
        key = f"locked:{pairing.pk}:{year}"
        return bool(ctx.remember(key, lambda: is_year_locked(pairing, year)))

    def _relations(self) -> list[str]:
        return [f.name for f in self.model._meta.get_fields() if f.is_relation]

    def _field_columns(self) -> dict[str, str]:
        """Model field → the column that fills it, for placing a model's errors."""
        result = {"occurred_on_precision": "occurred_on"}
        for column in self.columns:
            for name in self.fields_of(column):
                result[name] = column.key
        return result

    def fields_of(self, column: Column) -> list[str]:
        """The model fields a column fills (a date fills its precision too)."""
        value = column.value
        if isinstance(value, Day):
            precision = f"{column.key}_precision"
            return [column.key, *([precision] if _has_field(self.model, precision) else [])]
        if isinstance(value, OrganisationRef):
            return [column.key, self.name_fields[column.key]]
        if isinstance(value, PlacesText):
            return ["places_visited", "units_visited", "visited_text"]
        return [column.key]

    name_fields: ClassVar[dict[str, str]] = {}

    def _fill(self, record: Any, column: Column, value: Any, row: Row) -> None:
        kind = column.value
        if isinstance(kind, Day):
            on, precision = value
            setattr(record, column.key, on)
            if _has_field(self.model, f"{column.key}_precision"):
                setattr(record, f"{column.key}_precision", precision)
        elif isinstance(kind, OrganisationRef):
            organisation, name = value
            setattr(record, column.key, organisation)
            setattr(record, self.name_fields[column.key], "" if organisation else name)
        elif isinstance(kind, PlacesText):
            places, organisations, unmatched = value
            row.many["places_visited"] = places
            row.many["units_visited"] = organisations
            record.visited_text = "、".join(unmatched)[:300]
        else:
            setattr(record, column.key, value)

    # --- comparing and writing ---------------------------------------------------------------

    def find_existing(self, rows: Sequence[Row], ctx: Context) -> None:
        if not rows:
            return
        many = [
            n for n in ("places_visited", "units_visited", "parties") if _has_field(self.model, n)
        ]
        stored = self.model.objects.filter(
            pairing_id__in={r.key[0] for r in rows},  # type: ignore[index]
            title__in={r.key[2] for r in rows},  # type: ignore[index]
        ).prefetch_related(*many)
        by_key = {(r.pairing_id, r.occurred_on, r.title): r for r in stored}
        for row in rows:
            existing = by_key.get(row.key)  # type: ignore[call-overload]
            if existing is None:
                row.action = RowAction.CREATE
                continue
            row.existing = existing
            row.changes = self._changes(existing, row)
            if not row.changes:
                row.action = RowAction.UNCHANGED
            elif ctx.mode == "update":
                row.action = RowAction.UPDATE
            else:
                row.action = RowAction.EXISTS

    def _changes(self, existing: Any, row: Row) -> dict[str, tuple[Any, Any]]:
        changes: dict[str, tuple[Any, Any]] = {}
        for column in self.columns:
            if column.key == "pairing" or column.key not in row.headers:
                continue  # a column the sheet does not have changes nothing
            for name in self.fields_of(column):
                if name in ("places_visited", "units_visited", "parties"):
                    old = set(getattr(existing, name).all())
                    new = set(row.many.get(name, []))
                else:
                    old, new = getattr(existing, name), getattr(row.built, name)
                if old != new:
                    changes[name] = (old, new)
        return changes

    def create(self, rows: Sequence[Row], ctx: Context) -> None:
        ledger_services.import_records(
            records=[r.built for r in rows],
            many=[r.many for r in rows],
            recorded_by=ctx.user,
            side=ctx.side,
            source=ctx.source,
        )

    def update(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            values = {n: new for n, (_old, new) in row.changes.items() if n not in row.many}
            many = {n: new for n, (_old, new) in row.changes.items() if n in row.many}
            ledger_services.update_record(
                record=row.existing, changed_by=ctx.user, values=values, many=many
            )

    # --- exporting ---------------------------------------------------------------------------

    def export_objects(
        self, user: User, *, pairing: Pairing | None, year: int | None
    ) -> Iterable[Any]:
        filters = ledger_selectors.RecordFilters(year=year, sub_pairing=pairing)
        records = ledger_selectors.records_of_kind(user, self.record_kind, filters, sort="date")
        many = [
            n for n in ("places_visited", "units_visited", "parties") if _has_field(self.model, n)
        ]
        related = [
            f.name
            for f in self.model._meta.get_fields()
            if f.many_to_one and f.name not in ("recorded_by", "confirmed_by", "record_ptr")
        ]
        return records.select_related(*related).prefetch_related(*many).iterator(chunk_size=2000)

    def export_values(self, obj: Any) -> dict[str, Any]:
        values: dict[str, Any] = {"pairing": obj.pairing}
        for column in self.columns:
            if column.key == "pairing":
                continue
            kind = column.value
            if isinstance(kind, Day):
                on = getattr(obj, column.key)
                precision = getattr(obj, f"{column.key}_precision", DatePrecision.DAY)
                values[column.key] = (on, precision) if on else None
            elif isinstance(kind, OrganisationRef):
                organisation = getattr(obj, column.key)
                name = getattr(obj, self.name_fields[column.key])
                values[column.key] = (organisation, name) if organisation or name else None
            elif isinstance(kind, PlacesText):
                unmatched = [n for n in obj.visited_text.split("、") if n]
                values[column.key] = (
                    list(obj.places_visited.all()),
                    list(obj.units_visited.all()),
                    unmatched,
                )
            else:
                values[column.key] = getattr(obj, column.key)
        return values


def _has_field(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:  # FieldDoesNotExist
        return False
    return True


class Visits(RecordKind):
    name = "visits"
    label = "互访考察"
    model = Visit
    record_kind = Record.Kind.VISIT
    own = (
        Column("leader_name", "带队领导", Text(100), ("带队人", "领队", "带队领导姓名", "带队")),
        Column("leader_title", "领导职务", Text(200), ("职务", "带队领导职务", "带队人职务")),
        Column(
            "member_count",
            "人数",
            Integer(unit="人", also=("名", "位")),
            ("团队人数", "考察人数", "参加人数", "人员数量", "随行人数"),
        ),
        Column("members", "成员", Text(5000), ("随行人员", "团队成员", "考察人员")),
        Column(
            "visited",
            "考察地点或单位",
            PlacesText(),
            ("考察地点", "考察单位", "地点", "考察对象", "走访单位", "调研地点"),
            width=30,
        ),
        Column("purpose", "目的", Text(5000), ("事由", "考察目的", "主要任务", "调研主题")),
        Column("outcomes", "成果", Text(5000), ("主要成果", "成效", "考察成果")),
    )

    def default_title(self, record: Any, row: Row) -> str:
        leader = record.leader_name or ""
        visited = row.values.get("visited")
        where = ""
        if visited:
            names = [p.name for p in visited[0]] + [o.name for o in visited[1]] + visited[2]
            where = "赴" + "、".join(names[:3])
        return f"{leader}带队{where}考察" if leader or where else "互访考察"


class Meetings(RecordKind):
    name = "meetings"
    label = "会议座谈"
    model = Meeting
    record_kind = Record.Kind.MEETING
    own = (
        Column(
            "meeting_kind",
            "会议类型",
            Choice(
                Meeting.MeetingKind.choices,
                {"座谈会": "symposium", "联席会议": "joint", "推进会": "progress"},
            ),
            ("类型", "会议形式"),
            example="座谈会",
        ),
        Column("venue", "会议地点", Text(200), ("地点", "召开地点")),
        Column("chairs", "主持", Text(300), ("主持人", "主持领导")),
        Column("attendees", "参会人员", Text(5000), ("出席人员", "参加人员")),
        Column(
            "attendee_count",
            "参会人数",
            Integer(unit="人", also=("名", "位")),
            ("出席人数", "参加人数", "人数"),
        ),
        Column("decisions", "议定事项", Text(5000), ("会议决定", "主要成果", "会议成果")),
    )

    def build(self, row: Row, ctx: Context) -> None:
        if not row.has("meeting_kind"):
            row.values["meeting_kind"] = Meeting.MeetingKind.OTHER
        super().build(row, ctx)

    def default_title(self, record: Any, row: Row) -> str:
        return f"{record.venue}会议" if record.venue else "会议座谈"


class Agreements(RecordKind):
    name = "agreements"
    label = "协议计划"
    model = Agreement
    record_kind = Record.Kind.AGREEMENT
    own = (
        Column(
            "agreement_kind",
            "文件类型",
            Choice(
                Agreement.AgreementKind.choices,
                {
                    "协议": "cooperation",
                    "框架协议": "cooperation",
                    "计划": "plan",
                    "要点": "work_points",
                },
            ),
            ("类型", "协议类型"),
            required=True,
            example="协议",
        ),
        Column("parties_text", "签约各方", Text(300), ("签约方", "签订单位", "协议各方")),
        Column("period_start", "有效期起", Day(), ("起始日期", "执行期起")),
        Column("period_end", "有效期止", Day(), ("终止日期", "执行期止")),
    )

    def _fill(self, record: Any, column: Column, value: Any, row: Row) -> None:
        if column.key in ("period_start", "period_end"):
            setattr(record, column.key, value[0])
        else:
            super()._fill(record, column, value, row)

    def build(self, row: Row, ctx: Context) -> None:
        super().build(row, ctx)
        start, end = row.get("period_start"), row.get("period_end")
        if start and end and end[0] < start[0]:
            row.error("period_end", _("The period cannot end before it starts."))

    def fields_of(self, column: Column) -> list[str]:
        if column.key in ("period_start", "period_end"):
            return [column.key]
        return super().fields_of(column)

    def export_values(self, obj: Any) -> dict[str, Any]:
        values = super().export_values(obj)
        for key in ("period_start", "period_end"):
            on = getattr(obj, key)
            values[key] = (on, DatePrecision.DAY) if on else None
        return values


class Projects(RecordKind):
    name = "projects"
    label = "援建项目"
    model = AidProject
    record_kind = Record.Kind.PROJECT
    own = (
        Column(
            "sector",
            "领域",
            Choice(Sector.choices, SECTOR_WORDS),
            ("行业", "项目类别", "类别"),
            required=True,
            example="农业",
        ),
        Column("place", "实施地点", PlaceRef(), ("项目地点", "建设地点", "地点")),
        Column(
            "budget_amount",
            "预算（万元）",
            Amount(unit="万元", places=6),
            ("总投资", "项目总投资", "投资金额", "预算", "计划投资", "帮扶资金"),
        ),
        Column(
            "fund_source",
            "资金来源",
            Choice(
                FundSource.choices,
                {
                    "财政": "east_fiscal",
                    "东部财政": "east_fiscal",
                    "社会": "social",
                    "地方": "local",
                },
            ),
            ("资金性质",),
        ),
        Column(
            "project_status",
            "项目状态",
            Choice(
                AidProject.ProjectStatus.choices,
                {
                    "已完工": "completed",
                    "在建": "underway",
                    "未开工": "planned",
                    "已竣工": "completed",
                },
            ),
            ("状态", "进展状态", "建设状态"),
        ),
        Column("progress_percent", "进度（%）", Percent(), ("进度", "完成进度", "项目进度")),
        Column("households", "受益户数", Integer(unit="户"), ("带动户数", "受益农户")),
        Column("people", "受益人数", Integer(unit="人", also=("名",)), ("带动人数", "受益群众")),
        Column(
            "poverty_exited_households",
            "其中脱贫户",
            Integer(unit="户"),
            ("脱贫户数", "带动脱贫户"),
        ),
        Column(
            "monitored_households", "其中监测户", Integer(unit="户"), ("监测户数", "监测对象户数")
        ),
        Column(
            "benefit_mechanisms",
            "联农带农方式",
            Choices(
                BenefitMechanism.choices,
                {
                    "务工": "wages",
                    "分红": "dividends",
                    "订单": "purchases",
                    "土地流转": "land_rent",
                    "租金": "land_rent",
                },
            ),
            ("带农方式", "利益联结方式"),
        ),
        Column("benefit_note", "带农益农说明", Text(5000), ("利益联结机制", "带农说明")),
    )

    def _fill(self, record: Any, column: Column, value: Any, row: Row) -> None:
        if column.key == "budget_amount":
            value = (value * 10000).quantize(Decimal("0.01"))  # the column is in 万元
        super()._fill(record, column, value, row)

    def export_values(self, obj: Any) -> dict[str, Any]:
        values = super().export_values(obj)
        if obj.budget_amount is not None:
            values["budget_amount"] = obj.budget_amount / 10000
        return values

    def default_title(self, record: Any, row: Row) -> str:
        return "援建项目"


class Donations(RecordKind):
    name = "donations"
    label = "社会帮扶捐赠"
    model = Donation
    record_kind = Record.Kind.DONATION
    name_fields = {"donor": "donor_name", "recipient": "recipient_name"}
    own = (
        Column(
            "donation_kind",
            "捐赠类型",
            Choice(
                Donation.DonationKind.choices,
                {
                    "资金": "money",
                    "现金": "money",
                    "捐款": "money",
                    "物资": "goods",
                    "捐物": "goods",
                    "实物": "goods",
                },
            ),
            ("类型", "资金或物资", "捐赠形式"),
            required=True,
            example="物资",
        ),
        Column(
            "donor", "捐赠方", OrganisationRef(), ("捐赠单位", "捐赠人", "捐助单位", "帮扶单位")
        ),
        Column("recipient", "受赠方", OrganisationRef(), ("受捐单位", "受赠单位", "接收单位")),
        Column("items", "物资", Text(300), ("捐赠物资", "物资名称", "捐赠内容")),
        Column("quantity", "数量", Amount(unit="", positive=True), ("物资数量",)),
        Column("unit", "计量单位", Text(20), ("单位（数量）",)),
        Column(
            "value_amount",
            "金额（元）",
            Amount(unit="元"),
            ("捐赠金额", "价值", "折合金额", "捐款金额", "金额"),
        ),
        Column("in_service_on", "投入使用日期", Day(), ("投用日期", "使用日期")),
    )

    def default_title(self, record: Any, row: Row) -> str:
        donor = record.donor.name if record.donor else record.donor_name
        what = record.items or ("捐款" if record.donation_kind == "money" else "捐赠")
        return f"{donor}捐赠{what}" if donor else f"捐赠{what}"


class Exchanges(RecordKind):
    name = "exchanges"
    label = "干部人才交流"
    model = TalentExchange
    record_kind = Record.Kind.TALENT
    name_fields = {"home_organisation": "home_name", "host_organisation": "host_name"}
    own = (
        Column("person_name", "姓名", Text(100), ("人员姓名", "干部姓名", "专技人才姓名")),
        Column("person_title", "职务职称", Text(200), ("职务", "职称", "原职务", "现任职务")),
        Column(
            "form",
            "交流方式",
            Choice(TalentExchange.Form.choices, FORM_WORDS),
            ("类型", "交流类型", "帮扶方式", "形式"),
            required=True,
            example="挂职",
        ),
        Column(
            "sector",
            "领域",
            Choice(Sector.choices, SECTOR_WORDS),
            ("行业", "专业领域", "所属领域"),
            required=True,
            example="教育",
        ),
        Column("headcount", "人数", Integer(unit="人", also=("名", "位"), minimum=1), ("人员数",)),
        Column(
            "home_organisation", "派出单位", OrganisationRef(), ("原单位", "工作单位", "所在单位")
        ),
        Column(
            "host_organisation",
            "接收单位",
            OrganisationRef(),
            ("挂职单位", "支教学校", "支医医院", "受援单位", "服务单位", "帮扶单位"),
        ),
        Column("outcomes", "工作成效", Text(5000), ("成效", "主要成效", "工作成果")),
    )

    def build(self, row: Row, ctx: Context) -> None:
        if row.has("person_name") and not row.has("headcount"):
            row.values["headcount"] = 1
        super().build(row, ctx)

    def default_title(self, record: Any, row: Row) -> str:
        host = record.host_organisation.name if record.host_organisation else record.host_name
        form_zh = FORM_TITLES.get(record.form, "交流")
        who = record.person_name or (f"{record.headcount}人" if record.headcount else "")
        return f"{who}{form_zh}" + (f"（{host}）" if host else "")


class Trainings(RecordKind):
    name = "trainings"
    label = "培训"
    model = Training
    record_kind = Record.Kind.TRAINING
    name_fields = {"organiser": "organiser_name"}
    own = (
        Column(
            "topic",
            "培训主题",
            Text(200),
            ("培训名称", "培训内容", "班次名称", "主题"),
            required=True,
            example="乡村振兴干部培训班",
        ),
        Column("organiser", "主办单位", OrganisationRef(), ("举办单位", "培训单位", "承办单位")),
        Column("participants", "培训对象", Text(300), ("参训对象", "参训人员")),
        Column(
            "sessions",
            "期数",
            Integer(unit="期", also=("场", "次", "班")),
            ("场次", "班次", "培训期数"),
        ),
        Column(
            "person_times",
            "培训人次",
            Integer(unit="人次", also=("人", "名")),
            ("参训人次", "培训人数", "参训人数", "人次"),
        ),
    )

    def build(self, row: Row, ctx: Context) -> None:
        if not row.has("title") and row.has("topic"):
            row.values["title"] = row.values["topic"]
        if not row.has("sessions"):
            row.values["sessions"] = 1
        super().build(row, ctx)


KINDS: tuple[type[RecordKind], ...] = (
    Visits,
    Meetings,
    Agreements,
    Projects,
    Donations,
    Exchanges,
    Trainings,
)
