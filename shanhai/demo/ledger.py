"""The Songjiang–Weixin story, part 2: the cooperation ledger.

Every fact the seed article (2023-08-20) states is recorded once, with the article as its source
and the sentence that states it (in simplified Chinese) as the source note. The article dates
few of them: where a record needs a date the article does not give, the date is ours, the record
is flagged illustrative and its note says so (“日期为示意”). Around the facts, a year's ordinary
work (fiscal aid, projects and their money, trainings, town visits) is invented to make the
ledger look lived in; those records cite the "illustrative-demo" source.

Everything is written through the ledger's services, as the two sides' demo accounts would write
it: the side that did the work records it, the paired side confirms, queries or has not got to
it yet. A record already in the ledger (same pairing, kind, title and date) is left alone, so
loading the demo again changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from shanhai.accounts.models import User
from shanhai.core.models import DatePrecision, Source
from shanhai.ledger.models import (
    KIND_MODELS,
    Agreement,
    AidProject,
    BenefitMechanism,
    Direction,
    Donation,
    FundAllocation,
    FundSource,
    FundTransaction,
    IndustryCooperation,
    Level,
    Meeting,
    Record,
    ReportedFigure,
    SalesEvent,
    Sector,
    TalentExchange,
    Training,
    Visit,
)
from shanhai.ledger.selectors import records_for_user
from shanhai.ledger.services import (
    confirm_record,
    create_record,
    query_record,
    record_fund_transaction,
    reply_to_query,
)
from shanhai.places.models import Organisation, Pairing, Place
from shanhai.places.selectors import get_pairing_for_user, search_organisations, search_places

from .places import ARTICLE

MADE_UP = "illustrative-demo"
ARTICLE_DATE = date(2023, 8, 20)  # what the article's totals (截至目前) are counted to
SINCE_PAIRING = date(2021, 1, 1)
DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR
EAST_WEST, WEST_EAST = Direction.EAST_TO_WEST, Direction.WEST_TO_EAST
Tx = FundTransaction.TransactionKind
Qualifier = ReportedFigure.Qualifier

DATE_MADE_UP = "（日期为示意）"
TOTAL_TO_DATE = "（截至报道发布之日2023年8月20日的累计数。）"

# The article's sentences, in simplified Chinese, each quoted by the records it backs.
S_MEETING = "2023年3月10日，威信县党政代表团到松江区与松江区政府召开东西部协作工作座谈会。"
S_WEST_LEADERS = (
    "三年间，威信县党政主要领导先后4次带队到松江区考察交流，在松江期间，多次到新浜镇、洞泾镇、"
    "永丰街道等地参观学习，并先后与松江区召开东西部协作座谈会4次，畅叙协作情谊、共商发展之计。"
)
S_EAST_LEADERS = (
    "上海市松江区党政主要领导也先后3次到威信县考察调研，深入革命老区察看援建项目、交流发展经验、"
    "深化合作对接，推动对口协作工作向纵深推进。"
)
S_TOWNS = "协作工作中，松江区还安排9个街镇分别结对威信县的9个乡镇，为威信县乡村振兴注入新的动力。"
S_EXCHANGES = (
    "截至目前，两地党政、部门、镇村、镇企累计开展互访60余次，每年就东西部协作制定工作要点，"
    "确保资金投入、人才交流、产业协作、社会帮扶等方面年年有落实、事事见实效。"
)
S_HR_PLAN = "2023年6月28日，松江区与威信县签订《2023年人力资源和社会保障对口劳务协作计划》。"
S_MEDICAL = (
    "以医疗帮扶为例，威信县先后派出医务人员61名到上海帮扶医院进修护理管理、儿童保健、急诊放射等"
    "临床学科，并且在松江区方塔中医医院专家帮助指导下，威信县人民医院成功运用帮扶诊疗技术，"
    "开展气管插管内肺表面活性物质给药近50例，开展手术50余台次，抢救危重病人300余人次。"
)
S_TEACHERS = (
    "2021年以来，威信县累计派出5名一线教师到上海学习培训，松江区也先后派出4名教师到威信县各学校"
    "支教，把先进的教学、科研、管理等知识带到了威信。"
)
S_VEHICLES = (
    "2023年6月，上海市松江区城管执法局帮扶援助威信县城管监察执法大队执法车四辆，"
    "并于7月投入城市管理工作。"
)
S_LABOR = (
    "在推进劳务协作促进群众就业方面，县人社局积极派出工作组赴松江区，与当地人社部门、企业、"
    "人力资源服务机构进行劳务协作对接，有组织向上海转移输出劳动力上千人。"
)
S_KIWI = (
    "2022年7月，乘着沪滇协作的东风，麟凤镇人民政府协调引进了上海市松江区百姓义工公益发展中心到"
    "威信县麟凤镇金鸡村千亩猕猴桃示范基地实地考察，并就猕猴桃销售事宜与麟凤镇金鸡村签订了"
    "结对帮扶协议。"
)
S_LIVESTREAM = "2022年8月22日，松江区百姓义工公益发展中心知名主播指导威信县麟凤镇群众直播带货。"
S_VILLAGE_PAIRING = "百姓义工与麟凤金鸡村的“双向奔赴”仅是松威两地村企结对谋发展的“版图”之一。"
S_CADRES = (
    "近年来，通过援滇干部积极协调，把上海松江消费帮扶平台、县商务部门、县供销社、种养殖大户等"
    "有机整合、信息共享，形成有力工作体系。"
)
S_SENXIAN = (
    "其中，具有多年从业经验、深谙上海市场需求的松江消费帮扶平台“森鲜馆”通过邀请平台负责人深入"
    "威信实地考察、签订长期合作协议、日常工作群交流等举措把上海市场需求及时传递到县内种养殖大户，"
    "引导县内农特产品生产有的放矢、提升效益。"
)
S_COMMERCE = (
    "同时，威信县商务部门也通过组织县内优质农特产品参加上海进博会等大型展览、协调上海东华大学"
    "设计团队做好产品创意设计征集等方式，不断开拓上海市场，提升县内农特产品知名度、影响力。"
)

PLACE_NAMES = [
    "松江区", "新浜镇", "洞泾镇", "永丰街道", "威信县", "扎西镇", "旧城镇", "罗布镇", "麟凤镇",
    "长安镇", "双河苗族彝族乡", "金鸡村",
]  # fmt: skip
ORGANISATION_NAMES = [
    "上海市松江区人民政府", "上海市松江区人民政府合作交流办公室",
    "上海市松江区人力资源和社会保障局", "上海市松江区城市管理行政执法局",
    "上海市松江区方塔中医医院", "上海市松江区百姓义工公益发展中心",
    "松江消费帮扶平台“森鲜馆”", "东华大学", "新浜镇人民政府", "威信县人民政府",
    "威信县人力资源和社会保障局", "威信县商务局", "威信县城市管理监察执法大队", "威信县人民医院",
    "麟凤镇人民政府", "金鸡村村民委员会",
]  # fmt: skip


@dataclass(frozen=True)
class LedgerSummary:
    """What loading the ledger did: records made this time, and demo records in all."""

    created: int
    total: int


class _Ledger:
    """The demo accounts, pairings, places and sources, and one way to write a record."""

    def __init__(self, users: Sequence[User]) -> None:
        self.users = {user.username: user for user in users}
        self.admin = self.users["admin"]
        self.sources = {key: Source.objects.get(key=key) for key in (ARTICLE, MADE_UP)}
        self.places = {name: search_places(name).get(name=name) for name in PLACE_NAMES}
        self.orgs = {name: search_organisations(name).get(name=name) for name in ORGANISATION_NAMES}
        self._pairings: dict[str, Pairing] = {}
        self.created = 0

    def pairing(self, code: str) -> Pairing:
        if code not in self._pairings:
            self._pairings[code] = get_pairing_for_user(self.admin, code)
        return self._pairings[code]

    def place(self, *names: str) -> list[Place]:
        return [self.places[name] for name in names]

    def org(self, name: str) -> Organisation:
        return self.orgs[name]

    def add[R: Record](
        self,
        model: type[R],
        *,
        pairing: str,
        by: str,
        title: str,
        on: date,
        note: str,
        precision: str = DAY,
        made_up: bool = False,
        date_made_up: bool = False,
        many: dict[str, Iterable[models.Model]] | None = None,
        confirm: str = "",
        confirm_note: str = "",
        **fields: Any,
    ) -> R | None:
        """Record *title* as *by* would, unless it is already in the ledger; return it if new.

        *made_up* records cite the illustrative source; *date_made_up* ones cite the article
        but carry a date of ours. Both are flagged illustrative. *confirm* names the paired
        side's account that confirms it; without one the record stays awaiting confirmation.
        """
        kind = {m: k for k, m in KIND_MODELS.items()}[model]
        exists = (
            records_for_user(self.admin)
            .filter(pairing=self.pairing(pairing), kind=kind, title=title, occurred_on=on)
            .exists()
        )
        if exists:
            return None
        if date_made_up and "为示意" not in note:
            note += DATE_MADE_UP
        record = model(
            pairing=self.pairing(pairing),
            title=title,
            occurred_on=on,
            occurred_on_precision=precision,
            source=self.sources[MADE_UP if made_up else ARTICLE],
            source_note=note,
            is_illustrative=made_up or date_made_up,
            **fields,
        )
        create_record(
            record=record,
            recorded_by=self.users[by],
            many=many,
            entry_method=Record.EntryMethod.DEMO,
        )
        self.created += 1
        if confirm:
            confirm_record(record=record, confirmed_by=self.users[confirm], note=confirm_note)
        return record

    def money(
        self, project: AidProject | None, by: str, *entries: tuple[str, date, int, str]
    ) -> None:
        """Add the project's commitment, disbursements and expenditures (yuan)."""
        if project is None:
            return
        for kind, on, amount, note in entries:
            record_fund_transaction(
                project=project,
                transaction_kind=kind,
                transacted_on=on,
                amount=Decimal(amount),
                recorded_by=self.users[by],
                note=note,
            )


def _leadership(ledger: _Ledger) -> None:
    """Leaders' visits and symposiums, annual work points, the reported totals."""
    add, place, org = ledger.add, ledger.place, ledger.org
    county = "songjiang-weixin"
    songjiang_gov = org("上海市松江区人民政府")

    add(Visit, pairing=county, by="weixin", confirm="songjiang",
        title="威信县党政代表团到松江区考察交流", on=date(2023, 3, 10), note=S_MEETING,
        direction=WEST_EAST, level=Level.PRINCIPAL,
        leader_title="威信县党政主要领导", members="威信县党政代表团",
        purpose="与松江区政府召开东西部协作工作座谈会。",
        many={"places_visited": place("松江区"), "units_visited": [songjiang_gov]})  # fmt: skip
    add(Meeting, pairing=county, by="songjiang", confirm="weixin", confirm_note="与会议纪要一致。",
        title="松江区—威信县东西部协作工作座谈会", on=date(2023, 3, 10), note=S_MEETING,
        level=Level.PRINCIPAL, meeting_kind=Meeting.MeetingKind.SYMPOSIUM,
        venue="松江区", venue_place=ledger.places["松江区"],
        attendees="威信县党政代表团；松江区政府")  # fmt: skip

    # The other three of the four visits west → east, each with its symposium. Which of
    # 新浜镇 / 洞泾镇 / 永丰街道 each visit saw is ours too.
    earlier = [
        (date(2021, 5, 19), ["新浜镇", "永丰街道"]),
        (date(2021, 12, 8), ["洞泾镇"]),
        (date(2022, 8, 16), ["新浜镇", "洞泾镇"]),
    ]
    for on, towns in earlier:
        note = S_WEST_LEADERS + "（4次中的一次；日期与参观点的分配为示意）"
        add(Visit, pairing=county, by="weixin", confirm="songjiang", date_made_up=True,
            title=f"{on.year}年{on.month}月威信县党政主要领导带队到松江区考察交流", on=on,
            note=note, direction=WEST_EAST, level=Level.PRINCIPAL,
            leader_title="威信县党政主要领导", members="威信县党政代表团",
            purpose="考察交流、参观学习。",
            many={"places_visited": place("松江区", *towns)})  # fmt: skip
        add(Meeting, pairing=county, by="songjiang", confirm="weixin", date_made_up=True,
            title=f"{on.year}年{on.month}月松江区—威信县东西部协作座谈会", on=on,
            note=S_WEST_LEADERS + "（4次座谈会中的一次；日期为示意）",
            level=Level.PRINCIPAL, meeting_kind=Meeting.MeetingKind.SYMPOSIUM,
            venue="松江区", venue_place=ledger.places["松江区"],
            attendees="威信县党政代表团；松江区",
            decisions="畅叙协作情谊、共商发展之计。")  # fmt: skip

    for on in [date(2021, 7, 13), date(2022, 4, 26), date(2023, 5, 23)]:
        add(Visit, pairing=county, by="songjiang", confirm="weixin", date_made_up=True,
            title=f"{on.year}年松江区党政主要领导到威信县考察调研", on=on,
            note=S_EAST_LEADERS + "（3次中的一次；日期为示意）",
            direction=EAST_WEST, level=Level.PRINCIPAL, leader_title="松江区党政主要领导",
            members="松江区党政代表团",
            purpose="深入革命老区察看援建项目、交流发展经验、深化合作对接。",
            many={"places_visited": place("威信县")})  # fmt: skip

    for year, on in [(2021, date(2021, 4, 20)), (2022, date(2022, 3, 22)),
                     (2023, date(2023, 3, 10))]:  # fmt: skip
        add(Agreement, pairing=county, by="songjiang", confirm="weixin", date_made_up=True,
            title=f"{year}年松江区—威信县东西部协作工作要点", on=on, note=S_EXCHANGES,
            agreement_kind=Agreement.AgreementKind.WORK_POINTS, parties_text="松江区、威信县",
            period_start=date(year, 1, 1), period_end=date(year, 12, 31),
            summary="资金投入、人才交流、产业协作、社会帮扶等方面的年度任务。",
            many={"parties": [songjiang_gov, org("威信县人民政府")]})  # fmt: skip

    figures = [
        ("两地累计开展互访（党政、部门、镇村、镇企）", 60, Qualifier.MORE_THAN, "次", S_EXCHANGES,
         "", ""),
        ("威信县党政主要领导带队到松江区考察交流", 4, Qualifier.EXACT, "次", S_WEST_LEADERS,
         WEST_EAST, Level.PRINCIPAL),
        ("威信县与松江区召开东西部协作座谈会", 4, Qualifier.EXACT, "次", S_WEST_LEADERS,
         "", Level.PRINCIPAL),
        ("松江区党政主要领导到威信县考察调研", 3, Qualifier.EXACT, "次", S_EAST_LEADERS,
         EAST_WEST, Level.PRINCIPAL),
        ("松江区街镇结对威信县乡镇", 9, Qualifier.EXACT, "对", S_TOWNS, "", ""),
    ]  # fmt: skip
    for metric, value, qualifier, unit, sentence, direction, level in figures:
        add(ReportedFigure, pairing=county, by="weixin", confirm="songjiang",
            title=f"报道数：{metric}", on=ARTICLE_DATE, note=sentence + TOTAL_TO_DATE,
            metric=metric, value=Decimal(value), qualifier=qualifier, unit=unit,
            period_start=SINCE_PAIRING, direction=direction, level=level)  # fmt: skip


def _departments(ledger: _Ledger) -> None:
    """Health, education, urban management and labour cooperation."""
    add, org = ledger.add, ledger.org
    hospital, fangta = org("威信县人民医院"), org("上海市松江区方塔中医医院")

    add(TalentExchange, pairing="songjiang-weixin", by="weixin", confirm="songjiang",
        date_made_up=True, title="威信县医务人员到上海帮扶医院进修", on=SINCE_PAIRING,
        precision=YEAR, ended_on=ARTICLE_DATE,
        note=S_MEDICAL + "（报道称“先后”，未给出日期；以2021年起至报道发布之日计，日期为示意）",
        direction=WEST_EAST, form=TalentExchange.Form.STUDY, sector=Sector.HEALTH, headcount=61,
        host_name="上海帮扶医院",
        outcomes="进修护理管理、儿童保健、急诊放射等临床学科。")  # fmt: skip
    add(TalentExchange, pairing="fangta-weixin-hospital", by="songjiang", confirm="weixin",
        date_made_up=True, title="方塔中医医院专家帮助指导威信县人民医院", on=date(2023, 1, 1),
        precision=YEAR, ended_on=ARTICLE_DATE,
        note=S_MEDICAL + "（报道未写明专家人数与时间：人数留空，年份为示意）",
        direction=EAST_WEST, form=TalentExchange.Form.MEDICAL, sector=Sector.HEALTH,
        home_organisation=fangta, host_organisation=hospital, headcount=None,
        summary="报道称“专家”，未写明人数。",
        outcomes="威信县人民医院成功运用帮扶诊疗技术，开展气管插管内肺表面活性物质给药近50例，"
        "开展手术50余台次，抢救危重病人300余人次。")  # fmt: skip
    hospital_figures = [
        ("气管插管内肺表面活性物质给药", 50, Qualifier.NEARLY, "例", "songjiang"),
        ("运用帮扶诊疗技术开展手术", 50, Qualifier.MORE_THAN, "台次", "songjiang"),
        ("抢救危重病人", 300, Qualifier.MORE_THAN, "人次", ""),  # not yet confirmed
    ]
    for metric, value, qualifier, unit, confirmer in hospital_figures:
        add(ReportedFigure, pairing="fangta-weixin-hospital", by="weixin", confirm=confirmer,
            title=f"报道数：威信县人民医院{metric}", on=ARTICLE_DATE,
            note=S_MEDICAL + TOTAL_TO_DATE, metric=metric, value=Decimal(value),
            qualifier=qualifier, unit=unit)  # fmt: skip

    add(TalentExchange, pairing="songjiang-weixin", by="weixin", confirm="songjiang",
        title="威信县一线教师到上海学习培训", on=SINCE_PAIRING, precision=YEAR,
        ended_on=ARTICLE_DATE, note=S_TEACHERS, direction=WEST_EAST,
        form=TalentExchange.Form.TRAINING, sector=Sector.EDUCATION, headcount=5,
        person_title="一线教师", host_name="上海")  # fmt: skip
    add(TalentExchange, pairing="songjiang-weixin", by="songjiang", confirm="weixin",
        title="松江区教师到威信县各学校支教", on=SINCE_PAIRING, precision=YEAR,
        ended_on=ARTICLE_DATE, note=S_TEACHERS, direction=EAST_WEST,
        form=TalentExchange.Form.TEACHING, sector=Sector.EDUCATION, headcount=4,
        host_name="威信县各学校",
        outcomes="把先进的教学、科研、管理等知识带到了威信。")  # fmt: skip

    add(Donation, pairing="songjiang-weixin-urban", by="songjiang", confirm="weixin",
        confirm_note="车辆已于7月投入使用。",
        title="松江区城管执法局援助威信县城管监察执法大队执法车", on=date(2023, 6, 1),
        precision=MONTH, note=S_VEHICLES, direction=EAST_WEST,
        donation_kind=Donation.DonationKind.GOODS,
        donor=org("上海市松江区城市管理行政执法局"),
        recipient=org("威信县城市管理监察执法大队"), items="执法车", quantity=Decimal(4),
        unit="辆", in_service_on=date(2023, 7, 1), in_service_on_precision=MONTH)  # fmt: skip

    hr = "songjiang-weixin-hr"
    add(Agreement, pairing=hr, by="renshe", confirm="songjiang",
        title="2023年人力资源和社会保障对口劳务协作计划", on=date(2023, 6, 28), note=S_HR_PLAN,
        agreement_kind=Agreement.AgreementKind.PLAN, parties_text="松江区、威信县",
        period_start=date(2023, 1, 1), period_end=date(2023, 12, 31),
        summary="劳务协作模块中，计划签订后的有组织输出批次（2023年7月、8月）注明按本计划组织；"
        "批次与劳动力为演示数据。",
        many={"parties": [org("上海市松江区人民政府"), org("威信县人民政府")]})  # fmt: skip
    add(Visit, pairing=hr, by="renshe", confirm="songjiang", date_made_up=True,
        title="威信县人社局工作组赴松江区开展劳务协作对接", on=date(2023, 4, 18), note=S_LABOR,
        direction=WEST_EAST, level=Level.DEPARTMENT, members="威信县人社局工作组",
        purpose="与当地人社部门、企业、人力资源服务机构进行劳务协作对接。",
        many={"places_visited": ledger.place("松江区"),
              "units_visited": [org("上海市松江区人力资源和社会保障局")]})  # fmt: skip
    figure = add(ReportedFigure, pairing=hr, by="renshe",
        title="报道数：有组织向上海转移输出劳动力", on=ARTICLE_DATE,
        note=S_LABOR + TOTAL_TO_DATE, direction=WEST_EAST, metric="有组织向上海转移输出劳动力",
        value=Decimal(1000), qualifier=Qualifier.OVER_THOUSAND, unit="人")  # fmt: skip
    if figure is not None:
        # The east wants the batches behind the round number; the west explains and will import.
        query_record(
            record=figure,
            queried_by=ledger.users["songjiang"],
            text="“上千人”是自2021年起的累计数，还是2023年的数？请按批次列出输出台账，"
            "以便与松江区接收企业的用工记录核对。",
        )
        reply_to_query(
            record=figure,
            author=ledger.users["renshe"],
            text="为2021年结对以来有组织输出到上海的累计人数。分批次台账（含脱贫劳动力）"
            "正在整理，将在劳务协作模块中导入后再请确认。",
        )


def _social_and_consumption(ledger: _Ledger) -> None:
    """The NGO ↔ 金鸡村 pairing, 森鲜馆, the commerce bureau's expos and design work."""
    add, org = ledger.add, ledger.org
    baixing, jinji = org("上海市松江区百姓义工公益发展中心"), org("金鸡村村民委员会")
    pairing = "baixing-jinji"

    add(Visit, pairing=pairing, by="weixin", confirm="songjiang",
        title="百姓义工公益发展中心到金鸡村千亩猕猴桃示范基地实地考察", on=date(2022, 7, 1),
        precision=MONTH, note=S_KIWI, direction=EAST_WEST, level=Level.ENTERPRISE,
        members="上海市松江区百姓义工公益发展中心",
        purpose="由麟凤镇人民政府协调引进，考察猕猴桃示范基地。",
        many={"places_visited": ledger.place("麟凤镇", "金鸡村"),
              "units_visited": [jinji]})  # fmt: skip
    add(Agreement, pairing=pairing, by="weixin", confirm="songjiang",
        title="百姓义工公益发展中心与金鸡村猕猴桃销售结对帮扶协议", on=date(2022, 7, 1),
        precision=MONTH, note=S_KIWI, agreement_kind=Agreement.AgreementKind.PAIRING,
        parties_text="上海市松江区百姓义工公益发展中心、麟凤镇金鸡村",
        summary="就猕猴桃销售事宜签订结对帮扶协议。",
        many={"parties": [baixing, jinji]})  # fmt: skip
    add(IndustryCooperation, pairing=pairing, by="songjiang", confirm="weixin",
        title="百姓义工公益发展中心结对金鸡村（企村结对）", on=date(2022, 7, 1), precision=MONTH,
        note=S_KIWI + S_VILLAGE_PAIRING, direction=EAST_WEST,
        cooperation_kind=IndustryCooperation.CooperationKind.VILLAGE_PAIRING,
        enterprise=baixing)  # fmt: skip
    add(SalesEvent, pairing=pairing, by="songjiang", confirm="weixin",
        title="百姓义工知名主播指导麟凤镇群众直播带货", on=date(2022, 8, 22), note=S_LIVESTREAM,
        direction=EAST_WEST, event_kind=SalesEvent.EventKind.TRAINING, venue="威信县麟凤镇",
        participants="麟凤镇群众；松江区百姓义工公益发展中心知名主播")  # fmt: skip

    county = "songjiang-weixin"
    senxian = org("松江消费帮扶平台“森鲜馆”")
    add(Visit, pairing=county, by="weixin", confirm="songjiang", date_made_up=True,
        title="“森鲜馆”平台负责人到威信县实地考察", on=date(2022, 4, 12), note=S_SENXIAN,
        direction=EAST_WEST, level=Level.ENTERPRISE, leader_title="“森鲜馆”平台负责人",
        purpose="应邀深入威信实地考察。",
        many={"places_visited": ledger.place("威信县")})  # fmt: skip
    add(Agreement, pairing=county, by="weixin", date_made_up=True,  # awaiting confirmation
        title="威信县与“森鲜馆”长期合作协议", on=date(2022, 4, 13), note=S_SENXIAN,
        agreement_kind=Agreement.AgreementKind.COOPERATION,
        parties_text="松江消费帮扶平台“森鲜馆”、威信县",
        summary="通过日常工作群把上海市场需求及时传递到县内种养殖大户，"
        "引导农特产品生产有的放矢。", many={"parties": [senxian]})  # fmt: skip
    add(SalesEvent, pairing=county, by="weixin", confirm="songjiang", date_made_up=True,
        title="威信县组织优质农特产品参加上海进博会", on=date(2022, 11, 5), note=S_COMMERCE,
        direction=WEST_EAST, event_kind=SalesEvent.EventKind.EXPO,
        venue="中国国际进口博览会（上海）", products="威信县优质农特产品",
        participants="威信县商务局")  # fmt: skip
    add(SalesEvent, pairing=county, by="weixin", date_made_up=True,  # awaiting confirmation
        title="东华大学设计团队参与威信农特产品创意设计征集", on=date(2023, 4, 6),
        note=S_COMMERCE, event_kind=SalesEvent.EventKind.PROMOTION,
        venue="上海东华大学", products="威信县农特产品创意设计征集",
        participants="威信县商务局；东华大学设计团队")  # fmt: skip
    add(TalentExchange, pairing=county, by="songjiang", confirm="weixin", date_made_up=True,
        title="松江区援滇干部到威信县挂职", on=date(2021, 7, 1), precision=MONTH,
        note=S_CADRES + "（报道未写明人数与时间：人数与日期为示意）",
        direction=EAST_WEST, form=TalentExchange.Form.SECONDMENT,
        sector=Sector.GOVERNANCE, headcount=2, person_title="援滇干部",
        home_organisation=org("上海市松江区人民政府合作交流办公室"),
        host_organisation=org("威信县人民政府"),
        outcomes="协调消费帮扶平台、县商务部门、县供销社、种养殖大户信息共享。")  # fmt: skip


FILLER = "演示数据：为展示一年的协作而设，并非报道所述。"


def _filler(ledger: _Ledger) -> None:
    """A year's ordinary work, invented: fiscal aid, projects, trainings, town visits."""
    add, org, place = ledger.add, ledger.org, ledger.place
    county = "songjiang-weixin"

    for year, amount, on in [(2021, 56_000_000, date(2021, 4, 28)),
                             (2022, 58_500_000, date(2022, 3, 30)),
                             (2023, 60_300_000, date(2023, 3, 28))]:  # fmt: skip
        add(FundAllocation, pairing=county, by="songjiang", confirm="weixin", made_up=True,
            title=f"{year}年松江区对威信县财政援助资金", on=on, note=FILLER,
            direction=EAST_WEST, year=year, amount=Decimal(amount),
            fund_source=FundSource.EAST_FISCAL)  # fmt: skip

    wages, dividends = BenefitMechanism.WAGES, BenefitMechanism.DIVIDENDS
    purchases, land_rent = BenefitMechanism.PURCHASES, BenefitMechanism.LAND_RENT
    completed = AidProject.ProjectStatus.COMPLETED
    underway = AidProject.ProjectStatus.UNDERWAY

    kiwi = add(AidProject, pairing=county, by="weixin", confirm="songjiang", made_up=True,
        title="麟凤镇金鸡村猕猴桃示范基地提质增效项目", on=date(2022, 3, 20), note=FILLER,
        sector=Sector.AGRICULTURE, place=ledger.places["金鸡村"],
        budget_amount=Decimal(3_200_000), project_status=completed, progress_percent=100,
        households=412, people=1536, poverty_exited_households=138, monitored_households=11,
        benefit_mechanisms=[purchases, wages, land_rent],
        benefit_note="合作社按保底价收购农户猕猴桃；基地务工按日结算工资；"
        "流转土地按年付租金。")  # fmt: skip
    ledger.money(kiwi, "weixin",
        (Tx.COMMITMENT, date(2022, 3, 20), 3_200_000, "2022年财政援助资金安排"),
        (Tx.DISBURSEMENT, date(2022, 5, 10), 1_900_000, "第一批拨付"),
        (Tx.EXPENDITURE, date(2022, 6, 30), 1_650_000, "滴灌与棚架改造"),
        (Tx.DISBURSEMENT, date(2022, 9, 15), 1_300_000, "第二批拨付"),
        (Tx.EXPENDITURE, date(2022, 12, 20), 1_520_000, "冷库与分拣线"))  # fmt: skip

    cattle = add(AidProject, pairing=county, by="weixin", confirm="songjiang", made_up=True,
        title="旧城镇肉牛养殖小区建设项目", on=date(2022, 4, 15), note=FILLER,
        sector=Sector.AGRICULTURE, place=ledger.places["旧城镇"],
        budget_amount=Decimal(2_600_000), project_status=completed, progress_percent=100,
        households=260, people=980, poverty_exited_households=120, monitored_households=14,
        benefit_mechanisms=[dividends, land_rent, wages],
        benefit_note="项目资产归村集体，按投入资金的6%向村集体分红后按户分配；"
        "流转土地付租金；养殖小区优先雇用脱贫劳动力。")  # fmt: skip
    ledger.money(cattle, "weixin",
        (Tx.COMMITMENT, date(2022, 4, 15), 2_600_000, "2022年财政援助资金安排"),
        (Tx.DISBURSEMENT, date(2022, 6, 1), 2_600_000, "一次性拨付"),
        (Tx.EXPENDITURE, date(2022, 8, 31), 1_200_000, "圈舍建设"),
        (Tx.EXPENDITURE, date(2022, 11, 30), 1_350_000, "购置基础母牛"))  # fmt: skip

    village = add(AidProject, pairing=county, by="weixin", confirm="songjiang", made_up=True,
        title="扎西镇乡村振兴示范村人居环境提升项目", on=date(2023, 4, 10), note=FILLER,
        sector=Sector.INFRASTRUCTURE, place=ledger.places["扎西镇"],
        budget_amount=Decimal(4_800_000), project_status=underway, progress_percent=65,
        households=530, people=2010, poverty_exited_households=96, monitored_households=7,
        benefit_mechanisms=[wages],
        benefit_note="项目建设优先吸纳本村脱贫劳动力务工。")  # fmt: skip
    ledger.money(village, "weixin",
        (Tx.COMMITMENT, date(2023, 4, 10), 4_800_000, "2023年财政援助资金安排"),
        (Tx.DISBURSEMENT, date(2023, 5, 20), 2_400_000, "第一批拨付"),
        (Tx.EXPENDITURE, date(2023, 7, 31), 2_150_000, "道路硬化与污水管网"))  # fmt: skip

    workshop = add(AidProject, pairing=county, by="weixin", confirm="songjiang", made_up=True,
        title="长安镇东西部协作就业帮扶车间", on=date(2023, 3, 20), note=FILLER,
        sector=Sector.EMPLOYMENT, place=ledger.places["长安镇"],
        budget_amount=Decimal(1_500_000), project_status=underway, progress_percent=80,
        households=85, people=85, poverty_exited_households=52, monitored_households=6,
        benefit_mechanisms=[wages],
        benefit_note="车间吸纳脱贫劳动力就近就业，按月发放工资。")  # fmt: skip
    ledger.money(workshop, "weixin",
        (Tx.COMMITMENT, date(2023, 3, 20), 1_500_000, "2023年财政援助资金安排"),
        (Tx.DISBURSEMENT, date(2023, 5, 5), 1_000_000, "第一批拨付"),
        (Tx.EXPENDITURE, date(2023, 7, 15), 720_000, "厂房改造与设备"))  # fmt: skip

    herbs = add(AidProject, pairing=county, by="weixin", made_up=True,  # awaiting confirmation
        title="双河苗族彝族乡中药材种植基地项目", on=date(2023, 6, 12), note=FILLER,
        sector=Sector.AGRICULTURE, place=ledger.places["双河苗族彝族乡"],
        budget_amount=Decimal(1_800_000), project_status=underway, progress_percent=20,
        households=140, people=520, poverty_exited_households=61, monitored_households=5,
        benefit_mechanisms=[purchases, land_rent],
        benefit_note="企业与农户签订保底收购订单；流转土地付租金。")  # fmt: skip
    ledger.money(herbs, "weixin",
        (Tx.COMMITMENT, date(2023, 6, 12), 1_800_000, "2023年财政援助资金安排"))  # fmt: skip

    add(IndustryCooperation, pairing=county, by="songjiang", confirm="weixin", made_up=True,
        title="引导松江企业在扎西镇投资农产品加工项目", on=date(2023, 5, 23), note=FILLER,
        direction=EAST_WEST, cooperation_kind=IndustryCooperation.CooperationKind.ENTERPRISE,
        investment_agreed_amount=Decimal(12_000_000),
        investment_in_place_amount=Decimal(6_500_000), jobs_created=68,
        poverty_exited_employed=31)  # fmt: skip

    add(Training, pairing=county, by="songjiang", confirm="weixin", made_up=True,
        title="威信县乡村振兴干部能力提升培训班", on=date(2023, 5, 15), ended_on=date(2023, 5, 19),
        note=FILLER, direction=EAST_WEST, organiser=org("上海市松江区人民政府合作交流办公室"),
        topic="乡村振兴与东西部协作", participants="威信县乡镇和县直部门干部",
        sessions=1, person_times=45)  # fmt: skip
    add(Training, pairing="xinbang-linfeng", by="xinbang", confirm="weixin", made_up=True,
        title="麟凤镇农村电商直播带货培训", on=date(2023, 4, 18), note=FILLER,
        direction=EAST_WEST, organiser=org("新浜镇人民政府"), topic="农村电商与直播带货",
        participants="麟凤镇致富带头人、合作社成员", sessions=2, person_times=86)  # fmt: skip
    add(Training, pairing="fangta-weixin-hospital", by="songjiang", confirm="weixin",
        made_up=True, title="新生儿复苏与危重症救治培训", on=date(2022, 11, 10), note=FILLER,
        direction=EAST_WEST, organiser=org("上海市松江区方塔中医医院"),
        topic="新生儿复苏与危重症救治", participants="威信县人民医院医护人员",
        sessions=1, person_times=60)  # fmt: skip
    skills = add(Training, pairing="songjiang-weixin-hr", by="renshe", made_up=True,
        title="赴沪务工人员岗前技能培训", on=date(2023, 7, 6), note=FILLER,
        organiser=org("威信县人力资源和社会保障局"), topic="岗前技能与安全生产",
        participants="拟赴上海务工的农村劳动力（含脱贫劳动力）", sessions=3,
        person_times=152)  # fmt: skip
    if skills is not None:
        query_record(
            record=skills,
            queried_by=ledger.users["songjiang"],
            text="152人次是否含线上参训？请附签到表。",
        )

    add(Visit, pairing="xinbang-linfeng", by="xinbang", confirm="weixin", made_up=True,
        title="新浜镇党政代表团到麟凤镇开展结对帮扶", on=date(2022, 5, 17), note=FILLER,
        direction=EAST_WEST, level=Level.TOWN_VILLAGE, members="新浜镇党政代表团",
        purpose="走访结对村，商定年度帮扶事项。",
        many={"places_visited": place("麟凤镇", "金鸡村")})  # fmt: skip
    add(Donation, pairing="xinbang-linfeng", by="xinbang", confirm="weixin", made_up=True,
        title="新浜镇向麟凤镇捐赠村集体经济发展资金", on=date(2022, 5, 17), note=FILLER,
        direction=EAST_WEST, donation_kind=Donation.DonationKind.MONEY,
        donor=org("新浜镇人民政府"), recipient=org("麟凤镇人民政府"),
        value_amount=Decimal(200_000))  # fmt: skip
    add(Visit, pairing="xinbang-linfeng", by="weixin", confirm="xinbang", made_up=True,
        title="麟凤镇代表团到新浜镇考察学习", on=date(2023, 4, 11), note=FILLER,
        direction=WEST_EAST, level=Level.TOWN_VILLAGE, members="麟凤镇党政代表团",
        purpose="学习新浜镇乡村振兴与村级集体经济发展经验。",
        many={"places_visited": place("新浜镇")})  # fmt: skip
    add(Visit, pairing="dongjing-jiucheng", by="songjiang", confirm="weixin", made_up=True,
        title="洞泾镇代表团到旧城镇开展结对帮扶", on=date(2023, 5, 24), note=FILLER,
        direction=EAST_WEST, level=Level.TOWN_VILLAGE, members="洞泾镇党政代表团",
        many={"places_visited": place("旧城镇")})  # fmt: skip
    add(Visit, pairing="yongfeng-luobu", by="songjiang", made_up=True,  # awaiting confirmation
        title="永丰街道代表团到罗布镇开展结对帮扶", on=date(2023, 7, 12), note=FILLER,
        direction=EAST_WEST, level=Level.TOWN_VILLAGE, members="永丰街道党政代表团",
        many={"places_visited": place("罗布镇")})  # fmt: skip


@transaction.atomic
def load(users: Sequence[User]) -> LedgerSummary:
    """Record the article's facts and the illustrative year around them, once.

    *users* are the demo accounts places.load() returns (admin, songjiang, weixin …).
    """
    ledger = _Ledger(users)
    _leadership(ledger)
    _departments(ledger)
    _social_and_consumption(ledger)
    _filler(ledger)
    total = records_for_user(ledger.admin).filter(entry_method=Record.EntryMethod.DEMO).count()
    return LedgerSummary(created=ledger.created, total=total)
