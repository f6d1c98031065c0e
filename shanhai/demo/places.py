"""The Songjiang–Weixin story, part 1: places, organisations, pairings and demo accounts.

Every fact names its source. The seed article (2023-08-20) states the district↔county pairing
since 2021, that nine Songjiang streets/towns are paired with nine Weixin townships (not which
nine: that assignment is ours and flagged illustrative), and the NGO ↔ 金鸡村 pairing of 2022-07.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from shanhai.accounts.models import Role, Side, User
from shanhai.accounts.services import register_user
from shanhai.core.models import DatePrecision, Source
from shanhai.core.services import register_source
from shanhai.places.models import Organisation, Pairing, Place, PlaceAlias
from shanhai.places.services import (
    grant_role,
    register_organisation,
    register_pairing,
    register_place,
)

ARTICLE = "songjiang-weixin-2023"
DEMO_PASSWORD = "shanhai-demo-2023"  # noqa: S105 - printed for the demo on purpose

SOURCES = {
    ARTICLE: {
        "kind": Source.Kind.NEWS,
        "title": "云南威信：东西部协作强对接 筑牢“山海盟”",
        "publisher": "亚洲资本网转载（铁璘琪 文/图）",
        "published_on": date(2023, 8, 20),
        "excerpt": "2021年，松江区与威信县正式建立东西部协作关系……",
    },
    "nbs-division-codes": {
        "kind": Source.Kind.DOCUMENT,
        "title": "国家统计局《统计用区划代码》（县、乡级）",
        "publisher": "国家统计局",
        "url": "https://www.stats.gov.cn/sj/tjbz/qhdm/",
        "excerpt": "县、乡级代码经公开整理数据核对（xiangyuecn/AreaCity-JsSpider-StatsGov，"
        "modood/Administrative-divisions-of-China）。",
    },
    "shanhai-domain-research": {
        "kind": Source.Kind.RESEARCH,
        "title": "山海领域研究：松江区对口协作昭通市四县区",
        "publisher": "山海项目组",
        "excerpt": "松江区与昭通市昭阳区、镇雄县、彝良县、威信县结对开展东西部协作。",
    },
    "illustrative-demo": {
        "kind": Source.Kind.ILLUSTRATIVE,
        "title": "演示数据（为展示而设，并非事实）",
        "publisher": "山海项目组",
    },
}

SONGJIANG_STREETS = [
    ("岳阳街道", "001"), ("永丰街道", "002"), ("方松街道", "003"),
    ("中山街道", "004"), ("广富林街道", "005"), ("九里亭街道", "006"),
]  # fmt: skip
SONGJIANG_TOWNS = [
    ("泗泾镇", "102"), ("佘山镇", "103"), ("车墩镇", "104"), ("新桥镇", "105"),
    ("洞泾镇", "106"), ("九亭镇", "107"), ("泖港镇", "109"), ("石湖荡镇", "116"),
    ("新浜镇", "117"), ("叶榭镇", "120"), ("小昆山镇", "121"),
]  # fmt: skip
# (name, code suffix, aliases as (name, kind))
WEIXIN_TOWNSHIPS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("扎西镇", "101", []),
    ("旧城镇", "102", []),
    ("罗布镇", "103", [("罗布乡", PlaceAlias.Kind.FORMER)]),
    ("麟凤镇", "104", [("林凤", PlaceAlias.Kind.VARIANT), ("林凤乡", PlaceAlias.Kind.FORMER)]),
    ("长安镇", "105", []),
    ("庙沟镇", "106", []),
    ("水田镇", "107", []),
    ("双河苗族彝族乡", "201", [("双河乡", PlaceAlias.Kind.VARIANT)]),
    ("高田乡", "202", []),
    ("三桃乡", "207", []),
]  # fmt: skip

# Nine 街镇 ↔ 乡镇 pairs: the article states the number, not the assignment. Illustrative.
TOWN_PAIRS = [
    ("新浜镇", "麟凤镇", "xinbang-linfeng"),
    ("洞泾镇", "旧城镇", "dongjing-jiucheng"),
    ("永丰街道", "罗布镇", "yongfeng-luobu"),
    ("泖港镇", "长安镇", "maogang-changan"),
    ("石湖荡镇", "庙沟镇", "shihudang-miaogou"),
    ("叶榭镇", "水田镇", "yexie-shuitian"),
    ("小昆山镇", "双河苗族彝族乡", "xiaokunshan-shuanghe"),
    ("车墩镇", "高田乡", "chedun-gaotian"),
    ("佘山镇", "三桃乡", "sheshan-santao"),
]


@dataclass
class DemoAccount:
    username: str
    display_name: str
    organisation: str
    role: str
    pairing: str


DEMO_ACCOUNTS = [
    DemoAccount("songjiang", "松江区合作交流办", "上海市松江区人民政府合作交流办公室",
                Role.COOPERATION_OFFICE, "songjiang-weixin"),
    DemoAccount("weixin", "威信县乡村振兴局", "威信县乡村振兴局",
                Role.COOPERATION_OFFICE, "songjiang-weixin"),
    DemoAccount("xinbang", "新浜镇联络员", "新浜镇人民政府", Role.TOWN_LIAISON, "xinbang-linfeng"),
    DemoAccount("renshe", "威信县人社局联络员", "威信县人力资源和社会保障局",
                Role.DEPARTMENT_LIAISON, "songjiang-weixin-hr"),
    DemoAccount("viewer", "观察员", "上海市松江区人民政府合作交流办公室",
                Role.VIEWER, "songjiang-weixin"),
]  # fmt: skip


def _sources() -> dict[str, Source]:
    return {key: register_source(key=key, **fields) for key, fields in SOURCES.items()}  # type: ignore[arg-type]


def _places(codes: Source) -> dict[str, Place]:
    places: dict[str, Place] = {}

    def add(name: str, level: str, parent: Place | None, code: str | None, **kw: object) -> Place:
        place = register_place(
            name=name,
            level=level,
            parent=parent,
            code=code,
            source=codes,
            **kw,  # type: ignore[arg-type]
        )
        places[name] = place
        return place

    shanghai = add("上海市", Place.Level.PROVINCE, None, "310000000000", side=Side.EAST)
    songjiang = add("松江区", Place.Level.COUNTY, shanghai, "310117000000")
    for name, suffix in SONGJIANG_STREETS + SONGJIANG_TOWNS:
        add(name, Place.Level.TOWN, songjiang, f"310117{suffix}000")

    yunnan = add("云南省", Place.Level.PROVINCE, None, "530000000000", side=Side.WEST)
    zhaotong = add("昭通市", Place.Level.CITY, yunnan, "530600000000")
    for name, code in [("昭阳区", "530602"), ("镇雄县", "530627"), ("彝良县", "530628")]:
        add(name, Place.Level.COUNTY, zhaotong, f"{code}000000")
    weixin = add("威信县", Place.Level.COUNTY, zhaotong, "530629000000")
    for name, suffix, aliases in WEIXIN_TOWNSHIPS:
        add(name, Place.Level.TOWN, weixin, f"530629{suffix}000",
            aliases=[(alias, kind, None) for alias, kind in aliases])  # fmt: skip
    # 金鸡村's 12-digit code was not verifiable offline; it stays blank rather than guessed.
    places["金鸡村"] = register_place(
        name="金鸡村", level=Place.Level.VILLAGE, parent=places["麟凤镇"]
    )
    return places


# (name, short name, kind, place, source key)
ORGANISATIONS = [
    ("上海市松江区人民政府", "松江区政府", Organisation.Kind.GOVERNMENT, "松江区", ARTICLE),
    (
        "上海市松江区人民政府合作交流办公室",
        "松江区合作交流办",
        Organisation.Kind.DEPARTMENT,
        "松江区",
        "shanhai-domain-research",
    ),
    (
        "上海市松江区人力资源和社会保障局",
        "松江区人社局",
        Organisation.Kind.DEPARTMENT,
        "松江区",
        ARTICLE,
    ),
    (
        "上海市松江区城市管理行政执法局",
        "松江区城管执法局",
        Organisation.Kind.DEPARTMENT,
        "松江区",
        ARTICLE,
    ),
    ("上海市松江区方塔中医医院", "方塔中医医院", Organisation.Kind.HOSPITAL, "松江区", ARTICLE),
    ("上海市松江区百姓义工公益发展中心", "百姓义工", Organisation.Kind.NGO, "松江区", ARTICLE),
    ("松江消费帮扶平台“森鲜馆”", "森鲜馆", Organisation.Kind.PLATFORM, "松江区", ARTICLE),
    ("东华大学", "东华大学", Organisation.Kind.SCHOOL, "松江区", ARTICLE),
    ("新浜镇人民政府", "", Organisation.Kind.GOVERNMENT, "新浜镇", "illustrative-demo"),
    ("威信县人民政府", "威信县政府", Organisation.Kind.GOVERNMENT, "威信县", ARTICLE),
    ("威信县乡村振兴局", "", Organisation.Kind.DEPARTMENT, "威信县", "shanhai-domain-research"),
    ("威信县人力资源和社会保障局", "威信县人社局", Organisation.Kind.DEPARTMENT, "威信县", ARTICLE),
    ("威信县商务局", "", Organisation.Kind.DEPARTMENT, "威信县", ARTICLE),
    ("威信县供销合作社联合社", "威信县供销社", Organisation.Kind.COOPERATIVE, "威信县", ARTICLE),
    (
        "威信县城市管理监察执法大队",
        "威信县城管执法大队",
        Organisation.Kind.DEPARTMENT,
        "威信县",
        ARTICLE,
    ),
    ("威信县人民医院", "", Organisation.Kind.HOSPITAL, "威信县", ARTICLE),
    ("麟凤镇人民政府", "", Organisation.Kind.GOVERNMENT, "麟凤镇", ARTICLE),
    ("金鸡村村民委员会", "金鸡村委会", Organisation.Kind.VILLAGE_COMMITTEE, "金鸡村", ARTICLE),
]


def _organisations(places: dict[str, Place], sources: dict[str, Source]) -> dict[str, Organisation]:
    return {
        name: register_organisation(
            name=name,
            short_name=short,
            kind=kind,
            place=places[place],
            source=sources[source],
            is_illustrative=source == "illustrative-demo",
        )
        for name, short, kind, place, source in ORGANISATIONS
    }


def _pairings(
    places: dict[str, Place], orgs: dict[str, Organisation], sources: dict[str, Source]
) -> dict[str, Pairing]:
    article, research, made_up = (
        sources[ARTICLE],
        sources["shanhai-domain-research"],
        sources["illustrative-demo"],
    )
    year, month = DatePrecision.YEAR, DatePrecision.MONTH
    pairings: dict[str, Pairing] = {}
    pairings["shanghai-yunnan"] = register_pairing(
        code="shanghai-yunnan", kind=Pairing.Kind.PROVINCE,
        east_place=places["上海市"], west_place=places["云南省"],
        started_on=date(1996, 1, 1), started_on_precision=year, source=research,
        source_note="沪滇对口帮扶始于1996年；2021年起为东西部协作。",
    )  # fmt: skip
    pairings["songjiang-weixin"] = register_pairing(
        code="songjiang-weixin", kind=Pairing.Kind.COUNTY, parent=pairings["shanghai-yunnan"],
        east_place=places["松江区"], west_place=places["威信县"],
        started_on=date(2021, 1, 1), started_on_precision=year, source=article,
        source_note="2021年，松江区与威信县正式建立东西部协作关系。",
    )  # fmt: skip
    for county, code in [("昭阳区", "zhaoyang"), ("镇雄县", "zhenxiong"), ("彝良县", "yiliang")]:
        pairings[f"songjiang-{code}"] = register_pairing(
            code=f"songjiang-{code}", kind=Pairing.Kind.COUNTY, parent=pairings["shanghai-yunnan"],
            east_place=places["松江区"], west_place=places[county],
            started_on=date(2021, 1, 1), started_on_precision=year, source=research,
            source_note=f"松江区与{county}结对开展东西部协作（2021年新一轮结对）。",
        )  # fmt: skip
    root = pairings["songjiang-weixin"]
    for east, west, code in TOWN_PAIRS:
        pairings[code] = register_pairing(
            code=code, kind=Pairing.Kind.TOWN, parent=root,
            east_place=places[east], west_place=places[west],
            started_on=date(2021, 1, 1), started_on_precision=year, source=article,
            source_note="松江区还安排9个街镇分别结对威信县的9个乡镇。"
            "（报道只说明数量；具体对应关系与起始时间为示意。）",
            is_illustrative=True,
        )  # fmt: skip
    pairings["baixing-jinji"] = register_pairing(
        code="baixing-jinji", kind=Pairing.Kind.SOCIAL, parent=root,
        east_place=places["松江区"], east_organisation=orgs["上海市松江区百姓义工公益发展中心"],
        west_place=places["金鸡村"], west_organisation=orgs["金鸡村村民委员会"],
        started_on=date(2022, 7, 1), started_on_precision=month, source=article,
        source_note="2022年7月，麟凤镇人民政府协调引进了上海市松江区百姓义工公益发展中心到威信县麟凤镇"
        "金鸡村千亩猕猴桃示范基地实地考察，并就猕猴桃销售事宜与麟凤镇金鸡村签订了结对帮扶协议。",
    )  # fmt: skip
    departments = [
        ("songjiang-weixin-hr", Pairing.Kind.DEPARTMENT, "上海市松江区人力资源和社会保障局",
         "威信县人力资源和社会保障局", date(2023, 6, 28), DatePrecision.DAY,
         "2023年6月28日，松江区与威信县签订《2023年人力资源和社会保障对口劳务协作计划》。"
         "（以签订计划之日作为部门结对起始，属示意。）"),
        ("songjiang-weixin-urban", Pairing.Kind.DEPARTMENT, "上海市松江区城市管理行政执法局",
         "威信县城市管理监察执法大队", date(2023, 6, 1), month,
         "2023年6月，上海市松江区城管执法局帮扶援助威信县城管监察执法大队执法车四辆。"
         "（以援助之月作为部门结对起始，属示意。）"),
        ("fangta-weixin-hospital", Pairing.Kind.HOSPITAL, "上海市松江区方塔中医医院",
         "威信县人民医院", date(2023, 1, 1), year,
         "在松江区方塔中医医院专家帮助指导下，威信县人民医院成功运用帮扶诊疗技术……"
         "（报道未写明结对时间，起始年份为示意。）"),
    ]  # fmt: skip
    for code, kind, east, west, started_on, precision, note in departments:
        pairings[code] = register_pairing(
            code=code, kind=kind, parent=root,
            east_place=orgs[east].place, east_organisation=orgs[east],
            west_place=orgs[west].place, west_organisation=orgs[west],
            started_on=started_on, started_on_precision=precision, source=article,
            source_note=note, is_illustrative=True,
        )  # fmt: skip
    del made_up
    return pairings


def _accounts(orgs: dict[str, Organisation], pairings: dict[str, Pairing]) -> list[User]:
    users = [
        register_user(
            username="admin",
            password=DEMO_PASSWORD,
            display_name="系统管理员",
            is_superuser=True,
        )
    ]
    for account in DEMO_ACCOUNTS:
        organisation = orgs[account.organisation]
        user = register_user(
            username=account.username,
            password=DEMO_PASSWORD,
            display_name=account.display_name,
            organisation=organisation,
            side=organisation.side,
        )
        grant_role(user=user, pairing=pairings[account.pairing], role=account.role)
        users.append(user)
    # The Songjiang office runs all four of Songjiang's county pairings.
    songjiang = users[1]
    for code in ("songjiang-zhaoyang", "songjiang-zhenxiong", "songjiang-yiliang"):
        grant_role(user=songjiang, pairing=pairings[code], role=Role.COOPERATION_OFFICE)
    return users


@transaction.atomic
def load() -> list[User]:
    """Load (or bring up to date) the places, organisations, pairings and demo accounts."""
    sources = _sources()
    places = _places(sources["nbs-division-codes"])
    orgs = _organisations(places, sources)
    pairings = _pairings(places, orgs, sources)
    return _accounts(orgs, pairings)
