"""What an article proposes for the ledger: one record per dated event, one per group of people
sent, pre-filled where the article says so plainly."""

from datetime import date

import pytest

from shanhai.news.extract import Event, Extraction, PartialDate
from shanhai.news.proposals import TITLE_LENGTH, ProposedRecord, Sides, propose_records
from shanhai.news.quantities import extract_quantities
from shanhai.news.selectors import side_names, sub_pairings

pytestmark = pytest.mark.django_db

VISIT = "2023年3月10日，威信县党政代表团到松江区与松江区政府召开东西部协作工作座谈会。"
PLAN = "2023年6月28日，松江区与威信县签订《2023年人力资源和社会保障对口劳务协作计划》。"
VEHICLES = (
    "2023年6月，上海市松江区城管执法局帮扶援助威信县城管监察执法大队执法车四辆，"
    "并于7月投入城市管理工作。"
)
KIWI = (
    "2022年7月，乘着沪滇协作的东风，麟凤镇人民政府协调引进了上海市松江区百姓义工公益发展中心"
    "到威信县麟凤镇金鸡村千亩猕猴桃示范基地实地考察，并就猕猴桃销售事宜与麟凤镇金鸡村签订了"
    "结对帮扶协议。"
)
LIVESTREAM = "2022年8月22日，松江区百姓义工公益发展中心知名主播指导威信县麟凤镇群众直播带货。"
DOCTORS = (
    "以医疗帮扶为例，威信县先后派出医务人员61名到上海帮扶医院进修护理管理、儿童保健、"
    "急诊放射等临床学科，并且在松江区方塔中医医院专家帮助指导下，威信县人民医院成功运用"
    "帮扶诊疗技术，开展手术50余台次，抢救危重病人300余人次。"
)
TEACHERS = (
    "2021年以来，威信县累计派出5名一线教师到上海学习培训，松江区也先后派出4名教师到威信县"
    "各学校支教，把先进的教学、科研、管理等知识带到了威信。"
)
WORKERS = "县人社局积极派出工作组赴松江区，有组织向上海转移输出劳动力上千人。"


def make_extraction(
    paragraphs: list[str],
    events: list[tuple[str, str, PartialDate]] = (),  # type: ignore[assignment]
    published: date | None = date(2023, 8, 20),
) -> Extraction:
    text = "\n\n".join(paragraphs)
    # Each event's sentence opens with its date, then a comma: "2023年3月10日，…"
    return Extraction(
        title="云南威信：东西部协作强对接 筑牢“山海盟”",
        publish_date=published,
        source="精选热点资讯",
        author="铁璘琪",
        text=text,
        events=[
            Event(
                date=when,
                kind=kind,
                summary=sentence.split("，", 1)[1].rstrip("。"),
                sentence=sentence,
                start=text.index(sentence),
                end=text.index(sentence) + len(sentence),
                date_start=text.index(sentence),
                date_end=text.index(sentence) + sentence.index("，"),
            )
            for sentence, kind, when in events
        ],
        quantities=extract_quantities(text),
    )


def propose(spine, extraction: Extraction) -> list[ProposedRecord]:
    sides = Sides(*side_names(spine.county, extraction))
    return propose_records(extraction, sides=sides, sub_pairings=sub_pairings(spine.county))


def only(proposed: list[ProposedRecord], kind: str) -> ProposedRecord:
    found = [p for p in proposed if p.kind == kind]
    assert len(found) == 1, found
    return found[0]


def test_a_delegation_from_the_west_is_a_visit_west_to_east_led_by_principal_leaders(spine):
    extraction = make_extraction([VISIT], [(VISIT, "visit", PartialDate(2023, 3, 10))])

    visit = only(propose(spine, extraction), "visit")

    assert visit.values == {
        "title": "威信县党政代表团到松江区与松江区政府召开东西部协作工作座谈会",
        "occurred_on": "2023-03-10",
        "occurred_on_precision": "day",
        "direction": "west_east",
        "level": "principal",
    }
    assert visit.evidence == VISIT
    assert visit.pairing is None  # the article's own pairing


def test_a_symposium_is_a_meeting_of_that_kind(spine):
    extraction = make_extraction([VISIT], [(VISIT, "meeting", PartialDate(2023, 3, 10))])

    meeting = only(propose(spine, extraction), "meeting")

    assert meeting.values["meeting_kind"] == "symposium"
    assert meeting.values["level"] == "principal"


def test_a_signed_plan_is_an_agreement_dated_on_the_signing_day(spine):
    extraction = make_extraction([PLAN], [(PLAN, "agreement", PartialDate(2023, 6, 28))])

    agreement = only(propose(spine, extraction), "agreement")

    assert agreement.values["agreement_kind"] == "plan"
    assert agreement.values["title"] == (
        "松江区与威信县签订《2023年人力资源和社会保障对口劳务协作计划》"
    )
    assert agreement.values["occurred_on"] == "2023-06-28"


def test_four_vehicles_are_a_donation_of_goods_with_donor_recipient_and_items(spine):
    extraction = make_extraction([VEHICLES], [(VEHICLES, "donation", PartialDate(2023, 6))])

    donation = only(propose(spine, extraction), "donation")

    assert donation.values == {
        "title": (
            "上海市松江区城管执法局帮扶援助威信县城管监察执法大队执法车四辆，"
            "并于7月投入城市管理工作"
        ),
        "occurred_on": "2023-06-01",
        "occurred_on_precision": "month",
        "direction": "east_west",
        "donation_kind": "goods",
        "donor_name": "上海市松江区城管执法局",
        "recipient_name": "威信县城管监察执法大队",
        "items": "执法车",
        "quantity": "4",
        "unit": "辆",
    }


def test_money_given_is_a_donation_of_money_with_its_value(spine):
    sentence = "2024年1月，松江区慈善基金会向威信县捐赠帮扶资金50万元。"
    extraction = make_extraction([sentence], [(sentence, "donation", PartialDate(2024, 1))])

    donation = only(propose(spine, extraction), "donation")

    assert donation.values["donation_kind"] == "money"
    assert donation.values["value_amount"] == "500000"


def test_a_livestream_is_a_sales_event(spine):
    extraction = make_extraction(
        [LIVESTREAM], [(LIVESTREAM, "sales_event", PartialDate(2022, 8, 22))]
    )

    sales = only(propose(spine, extraction), "sales_event")

    assert sales.values["event_kind"] == "livestream"
    assert sales.values["occurred_on"] == "2022-08-22"


def test_a_training_takes_its_topic_and_person_times(spine):
    sentence = "2023年5月，松江区在威信县举办乡村振兴带头人培训班，培训基层干部120人次。"
    extraction = make_extraction([sentence], [(sentence, "training", PartialDate(2023, 5))])

    training = only(propose(spine, extraction), "training")

    assert training.values["topic"].startswith("松江区在威信县举办乡村振兴带头人培训班")
    assert training.values["person_times"] == 120
    assert training.values["direction"] == "east_west"


def test_other_events_are_not_proposed(spine):
    sentence = "2021年，松江区与威信县正式建立东西部协作关系。"
    extraction = make_extraction([sentence], [(sentence, "other", PartialDate(2021))])

    assert propose(spine, extraction) == []


def test_people_sent_each_way_are_talent_exchanges_with_direction_form_and_headcount(spine):
    extraction = make_extraction([DOCTORS, TEACHERS, WORKERS])

    talent = [p for p in propose(spine, extraction) if p.kind == "talent"]

    assert [
        (
            p.values["headcount"],
            p.values["direction"],
            p.values["form"],
            p.values["sector"],
            p.values.get("host_name"),
        )
        for p in talent
    ] == [
        (61, "west_east", "study", "health", "上海帮扶医院"),
        (5, "west_east", "training", "education", "上海"),
        (4, "east_west", "teaching", "education", "威信县各学校"),
    ]
    assert talent[0].evidence == DOCTORS
    assert talent[2].values["title"] == "松江区也先后派出4名教师到威信县各学校支教"


def test_a_talent_exchange_is_dated_by_its_sentence_else_by_the_year_of_publication(spine):
    extraction = make_extraction([DOCTORS, TEACHERS])

    doctors, five, four = (p for p in propose(spine, extraction) if p.kind == "talent")

    assert (five.values["occurred_on"], five.values["occurred_on_precision"]) == (
        "2021-01-01",
        "year",
    )
    assert four.values["occurred_on"] == "2021-01-01"
    assert (doctors.values["occurred_on"], doctors.values["occurred_on_precision"]) == (
        "2023-01-01",
        "year",
    )


def test_without_any_date_the_reviewer_gives_one(spine):
    extraction = make_extraction([DOCTORS], published=None)

    doctors = only(propose(spine, extraction), "talent")

    assert doctors.values["occurred_on"] is None


def test_a_year_in_a_documents_name_does_not_date_people_sent(spine):
    sentence = "为落实《2019年东西部协作协议》，威信县选派3名干部到松江区挂职。"
    extraction = make_extraction([sentence])

    cadres = only(propose(spine, extraction), "talent")

    assert cadres.values["occurred_on"] == "2023-01-01"  # the publication's year, not 2019
    assert cadres.values["form"] == "secondment"
    assert cadres.values["direction"] == "west_east"


def test_workers_moved_for_jobs_are_not_a_talent_exchange(spine):
    extraction = make_extraction([WORKERS])

    assert propose(spine, extraction) == []


def test_a_record_goes_to_the_sub_pairing_whose_two_parties_its_sentence_names(spine):
    extraction = make_extraction(
        [KIWI, LIVESTREAM],
        [
            (KIWI, "agreement", PartialDate(2022, 7)),
            (LIVESTREAM, "sales_event", PartialDate(2022, 8, 22)),
        ],
    )

    agreement, sales = propose(spine, extraction)

    assert agreement.kind == "agreement"
    assert agreement.values["agreement_kind"] == "pairing"
    assert agreement.pairing == spine.social  # 百姓义工 and 金鸡村 are both named
    assert sales.pairing is None  # 麟凤镇 alone does not make it the town pairing


def test_a_title_is_never_longer_than_a_record_title_may_be(spine):
    sentence = "2023年3月10日，" + "威信县党政代表团到松江区考察" * 30 + "。"
    extraction = make_extraction([sentence], [(sentence, "visit", PartialDate(2023, 3, 10))])

    visit = only(propose(spine, extraction), "visit")

    assert len(visit.values["title"]) == TITLE_LENGTH


def test_proposals_follow_the_order_of_the_article(spine):
    extraction = make_extraction(
        [VISIT, DOCTORS, PLAN],
        [
            (VISIT, "visit", PartialDate(2023, 3, 10)),
            (PLAN, "agreement", PartialDate(2023, 6, 28)),
        ],
    )

    assert [p.kind for p in propose(spine, extraction)] == ["visit", "talent", "agreement"]


def test_the_party_named_just_before_it_went_is_the_one_that_travelled(spine):
    extraction = make_extraction([KIWI], [(KIWI, "visit", PartialDate(2022, 7))])

    visit = only(propose(spine, extraction), "visit")

    # 麟凤镇人民政府协调引进了…百姓义工公益发展中心到威信县…: the NGO from Songjiang went west.
    assert visit.values["direction"] == "east_west"
    assert visit.values["level"] == "enterprise"
    assert visit.pairing == spine.social
