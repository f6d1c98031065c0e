"""An article dropped in becomes proposed records; the reviewer accepts or rejects each, and an
article already imported is recognised."""

import hashlib
import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shanhai.accounts.models import Role, Side
from shanhai.accounts.tests.factories import UserFactory
from shanhai.core.models import AuditEvent, Source
from shanhai.ledger.models import Meeting, Record, Visit
from shanhai.ledger.services import delete_record
from shanhai.ledger.tests.factories import VisitFactory, person
from shanhai.news import services
from shanhai.news.extract import Event, Extraction, PartialDate
from shanhai.news.models import Article, Proposal
from shanhai.news.quantities import extract_quantities
from shanhai.places.services import grant_role
from shanhai.places.tests.factories import PairingFactory

pytestmark = pytest.mark.django_db

VISIT = "2023年3月10日，威信县党政代表团到松江区与松江区政府召开东西部协作工作座谈会。"
DOCTORS = "以医疗帮扶为例，威信县先后派出医务人员61名到上海帮扶医院进修护理管理等临床学科。"


def hand_made(
    text: str = f"{VISIT}\n\n{DOCTORS}",
    *,
    title: str = "云南威信：东西部协作强对接 筑牢“山海盟”",
    published: date | None = date(2023, 8, 20),
) -> Extraction:
    """What extraction gives for a short article: one dated visit, one group of doctors."""
    events = []
    if VISIT in text:
        start = text.index(VISIT)
        events.append(
            Event(
                date=PartialDate(2023, 3, 10),
                kind="visit",
                summary=VISIT.split("，", 1)[1].rstrip("。"),
                sentence=VISIT,
                start=start,
                end=start + len(VISIT),
                date_start=start,
                date_end=start + len("2023年3月10日"),
            )
        )
    return Extraction(
        title=title,
        publish_date=published,
        source="精选热点资讯",
        author="铁璘琪",
        text=text,
        events=events,
        quantities=extract_quantities(text),
    )


@pytest.fixture
def extracted(monkeypatch):
    """Make services.extract return a hand-made extraction (set .value to change it)."""

    class Holder:
        value = hand_made()

    monkeypatch.setattr(services, "extract", lambda data: Holder.value)
    return Holder


@pytest.fixture
def article(extracted, east_office) -> Article:
    article, created = services.import_article(user=east_office, data="（粘贴的文章）")
    assert created
    return article


def visit_values(**changes):
    return {
        "title": "威信县党政代表团到松江区召开东西部协作工作座谈会",
        "occurred_on": date(2023, 3, 10),
        "occurred_on_precision": "day",
        "direction": "west_east",
        "level": "principal",
        **changes,
    }


def review_url(article: Article) -> str:
    return reverse("news:article-detail", args=[article.pk])


def form_data(proposal: Proposal, **changes) -> dict[str, str]:
    """The review form as the page pre-fills it, with *changes*."""
    values = {
        key: value
        for key, value in proposal.values.items()
        if key != "pairing" and value is not None
    }
    values["pairing"] = proposal.values.get("pairing", proposal.article.pairing.code)
    values.update(changes)
    return {f"p{proposal.pk}-{key}": str(value) for key, value in values.items()}


# Import ---------------------------------------------------------------------------------------


def test_importing_the_seed_stores_the_article_its_source_and_the_proposed_records(
    spine, east_office, seed
):
    article, created = services.import_article(user=east_office, data=seed)

    assert created
    assert article.pairing == spine.county  # the pairing of 松江区 and 威信县
    assert article.title == "云南威信:东西部协作强对接 筑牢“山海盟”"
    assert article.digest == hashlib.sha256(article.text.encode()).hexdigest()
    assert "協" not in article.text
    assert "(xié)" not in article.text
    assert article.source.kind == Source.Kind.NEWS
    assert article.source.key == f"news-{article.digest[:12]}"
    assert article.source.title == article.title
    talent = article.proposals.filter(kind="talent")
    assert sorted(p.values["headcount"] for p in talent) == [4, 5, 61]
    assert all(p.evidence and p.evidence in article.text for p in article.proposals.all())
    assert AuditEvent.objects.filter(action="news.article.imported").count() == 1


def test_the_seed_imported_again_is_recognised_and_nothing_is_written_twice(
    spine, east_office, seed
):
    first, _ = services.import_article(user=east_office, data=seed)

    again, created = services.import_article(user=east_office, data=seed)
    pasted, pasted_created = services.import_article(
        user=east_office, data=seed.decode("utf-8") + "\n\n"
    )

    assert (again, created) == (first, False)
    assert (pasted, pasted_created) == (first, False)
    assert Article.objects.count() == 1
    assert Source.objects.filter(key__startswith="news-").count() == 1
    assert Proposal.objects.count() == first.proposals.count()


def test_an_article_with_the_same_title_and_date_is_recognised_though_its_text_changed(
    extracted, article, east_office
):
    extracted.value = hand_made(f"{VISIT}\n\n（编辑：张三）")

    again, created = services.import_article(user=east_office, data="another copy")

    assert (again, created) == (article, False)
    assert Article.objects.count() == 1


def test_recognising_an_article_in_a_pairing_one_cannot_see_says_so_and_shows_nothing(
    extracted, article, outsider
):
    with pytest.raises(ValidationError) as error:
        services.import_article(user=outsider, data="the same again")

    assert error.value.code == "imported_elsewhere"


def test_the_pairing_is_the_users_only_pairing_when_the_article_names_no_party(
    extracted, spine, west_office
):
    extracted.value = hand_made(DOCTORS.replace("威信县", "某县"))

    article, _ = services.import_article(user=west_office, data="…")

    assert article.pairing == spine.county


def test_a_person_of_several_pairings_must_say_which_when_the_article_names_none(extracted, spine):
    other = PairingFactory.create(code="songjiang-zhaoyang")
    person_of_two = person(spine.county, Role.COOPERATION_OFFICE, Side.EAST)
    grant_role(user=person_of_two, pairing=other, role=Role.COOPERATION_OFFICE)
    extracted.value = hand_made("某地与某地开展协作。", title="协作")

    with pytest.raises(ValidationError) as error:
        services.import_article(user=person_of_two, data="…")

    assert "pairing" in error.value.message_dict
    assert not Article.objects.exists()

    article, _ = services.import_article(user=person_of_two, data="…", pairing=other)
    assert article.pairing == other


def test_a_viewer_cannot_import(extracted, spine, viewer):
    with pytest.raises(PermissionDenied):
        services.import_article(user=viewer, data="…", pairing=spine.county)

    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "无法读取文章：内容为空。"),
        ("   \n\n  ", "无法读取文章：内容为空。"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
            "无法读取文章：这是二进制文件，不是文本。",
        ),
        ("协作" * (1024 * 1024), "文章超过 2 MB。"),
    ],
    ids=["empty", "blank", "binary", "too-big"],
)
def test_input_that_is_not_an_article_is_refused_in_chinese_and_nothing_is_written(
    spine, east_office, data, message
):
    with pytest.raises(ValidationError) as error:
        services.import_article(user=east_office, data=data)

    assert error.value.messages == [message]
    assert not Article.objects.exists()
    assert not Source.objects.filter(key__startswith="news-").exists()


# Accept and reject ----------------------------------------------------------------------------


def test_accepting_a_proposal_records_it_in_the_ledger_with_the_article_as_source(
    article, east_office, spine
):
    proposal = article.proposals.get(kind="visit")

    record = services.accept_proposal(user=east_office, proposal=proposal, values=visit_values())

    assert isinstance(record, Visit)
    assert record.source == article.source
    assert record.entry_method == Record.EntryMethod.NEWS
    assert record.pairing == spine.county
    assert (record.occurred_on, record.occurred_on_precision) == (date(2023, 3, 10), "day")
    assert record.side == Side.EAST
    assert record.recorded_by == east_office
    assert record.source_note == VISIT
    assert record.status == Record.Status.PENDING  # the west still confirms it
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED
    assert proposal.record_id == record.pk
    assert proposal.decided_by == east_office
    assert proposal.decided_at is not None
    assert proposal.values["occurred_on"] == "2023-03-10"
    assert AuditEvent.objects.filter(action="news.proposal.accepted").count() == 1


def test_a_proposal_can_be_recorded_as_another_kind_in_a_sub_pairing(article, east_office, spine):
    proposal = article.proposals.get(kind="visit")

    record = services.accept_proposal(
        user=east_office,
        proposal=proposal,
        values={
            "title": "座谈会",
            "occurred_on": date(2023, 3, 10),
            "direction": "west_east",
        },
        pairing=spine.town,
    )

    assert record.pairing == spine.town
    assert Record.objects.get().kind == "visit"


def test_a_proposal_cannot_be_accepted_twice(article, east_office, west_office):
    proposal = article.proposals.get(kind="visit")
    services.accept_proposal(user=east_office, proposal=proposal, values=visit_values())

    with pytest.raises(ValidationError, match="已经接受"):
        services.accept_proposal(user=west_office, proposal=proposal, values=visit_values())

    assert Record.objects.count() == 1


def test_bad_values_record_nothing_and_leave_the_proposal_to_review(article, east_office):
    proposal = article.proposals.get(kind="visit")

    with pytest.raises(ValidationError):
        services.accept_proposal(
            user=east_office,
            proposal=proposal,
            values=visit_values(ended_on=date(2023, 3, 1)),  # before it started
        )

    assert not Record.objects.exists()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PENDING


def test_rejecting_records_nothing_and_can_be_undone(article, east_office):
    proposal = article.proposals.get(kind="visit")

    services.reject_proposal(user=east_office, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.REJECTED
    assert not Record.objects.exists()
    with pytest.raises(ValidationError, match="已经拒绝"):
        services.accept_proposal(user=east_office, proposal=proposal, values=visit_values())

    services.reopen_proposal(user=east_office, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PENDING
    assert proposal.decided_by is None


def test_a_viewer_can_neither_accept_nor_reject(article, viewer):
    proposal = article.proposals.get(kind="visit")

    with pytest.raises(PermissionDenied):
        services.accept_proposal(user=viewer, proposal=proposal, values=visit_values())
    with pytest.raises(PermissionDenied):
        services.reject_proposal(user=viewer, proposal=proposal)

    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PENDING


# Pages ----------------------------------------------------------------------------------------


def test_pasting_an_article_leads_to_its_review_page(client, spine, east_office, seed):
    client.force_login(east_office)

    response = client.post(reverse("news:article-add"), {"text": seed.decode("utf-8")})

    article = Article.objects.get()
    assert response.status_code == 302
    assert response.url == review_url(article)


def test_a_gbk_file_can_be_uploaded(client, spine, east_office, seed):
    client.force_login(east_office)
    upload = SimpleUploadedFile(
        "松威协作.txt", seed.decode("utf-8").encode("gbk", errors="replace"), "text/plain"
    )

    response = client.post(reverse("news:article-add"), {"file": upload})

    assert response.status_code == 302
    assert "松江区与威信县正式建立东西部协作关系" in Article.objects.get().text


def test_adding_an_article_again_goes_to_the_one_imported_with_a_message(
    client, extracted, article, east_office
):
    client.force_login(east_office)

    response = client.post(reverse("news:article-add"), {"text": "又一份"}, follow=True)

    assert response.redirect_chain == [(review_url(article), 302)]
    assert "这篇文章已导入过（2023年8月20日，云南威信：东西部协作强对接" in response.text
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"text": ""}, "无法读取文章：内容为空。"),
        (
            {"file": SimpleUploadedFile("照片.txt", b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(64))},
            "无法读取文章：这是二进制文件，不是文本。",
        ),
        ({"file": SimpleUploadedFile("报道.pdf", b"%PDF-1.4")}, "请选择 .txt 或 .html 文件。"),
        (
            {"file": SimpleUploadedFile("报道.txt", "协作".encode() * (1024 * 1024))},
            "文章超过 2 MB。",
        ),
    ],
    ids=["empty", "binary", "pdf", "too-big"],
)
def test_the_add_page_explains_in_chinese_what_is_wrong_and_writes_nothing(
    client, spine, east_office, post, message
):
    client.force_login(east_office)

    response = client.post(reverse("news:article-add"), post)

    assert response.status_code == 200
    assert message in response.text
    assert not Article.objects.exists()


def test_the_review_page_shows_the_metadata_the_marked_text_and_a_form_per_proposal(
    client, article, east_office
):
    client.force_login(east_office)

    response = client.get(review_url(article))

    page = response.text
    assert response.status_code == 200
    assert "2023年8月20日" in page
    assert "精选热点资讯" in page
    assert "铁璘琪" in page
    assert "建议录入的台账记录" in page
    assert '<mark class="fact event kind-visit" title="互访 · 2023年3月10日">' in page
    assert '<mark class="fact date">2023年3月10日</mark>' in page
    assert re.search(r'<mark class="fact q-medical" title="[^"]+">61名</mark>', page)
    proposal = article.proposals.get(kind="visit")
    assert f'name="p{proposal.pk}-title"' in page
    assert 'value="威信县党政代表团到松江区与松江区政府召开东西部协作工作座谈会"' in page
    assert ">接受</button>" in page
    assert ">拒绝</button>" in page


def test_the_review_page_escapes_what_the_article_says(client, extracted, east_office, spine):
    extracted.value = hand_made(
        f"{VISIT}\n\n<script>alert('协作')</script> 威信县<b>粗体</b>",
        title="<img src=x onerror=alert(1)>松威协作",
    )
    article, _ = services.import_article(user=east_office, data="…")
    client.force_login(east_office)

    page = client.get(review_url(article)).text

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;协作&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;粗体&lt;/b&gt;" in page
    assert "<img src=x" not in page


def test_accepting_on_the_review_page_records_it_and_links_to_the_record(
    client, article, east_office
):
    proposal = article.proposals.get(kind="visit")
    client.force_login(east_office)

    response = client.post(
        reverse("news:proposal-accept", args=[proposal.pk]),
        form_data(proposal, title="威信县党政代表团赴松江区考察并召开座谈会"),
        follow=True,
    )

    record = Record.objects.get()
    assert record.title == "威信县党政代表团赴松江区考察并召开座谈会"
    assert record.source == article.source
    assert record.entry_method == Record.EntryMethod.NEWS
    assert reverse("ledger:record-detail", args=[record.pk]) in response.text
    assert "已接受" in response.text


def test_a_bad_value_shows_the_form_again_with_its_error(client, article, east_office):
    proposal = article.proposals.get(kind="visit")
    client.force_login(east_office)

    response = client.post(
        reverse("news:proposal-accept", args=[proposal.pk]),
        form_data(proposal, title=""),
    )

    assert response.status_code == 200
    assert "这个字段是必填项。" in response.text
    assert not Record.objects.exists()


def test_a_proposal_can_be_accepted_into_a_sub_pairing_from_the_page(
    client, article, east_office, spine
):
    proposal = article.proposals.get(kind="visit")
    client.force_login(east_office)

    client.post(
        reverse("news:proposal-accept", args=[proposal.pk]),
        form_data(proposal, pairing=spine.town.code),
    )

    assert Record.objects.get().pairing == spine.town


def test_rejecting_on_the_review_page(client, article, east_office):
    proposal = article.proposals.get(kind="visit")
    client.force_login(east_office)

    response = client.post(reverse("news:proposal-reject", args=[proposal.pk]), follow=True)

    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.REJECTED
    assert not Record.objects.exists()
    assert "已拒绝" in response.text


def test_a_viewer_sees_the_review_page_without_forms_and_cannot_post(client, article, viewer):
    proposal = article.proposals.get(kind="visit")
    client.force_login(viewer)

    page = client.get(review_url(article))
    accept = client.post(reverse("news:proposal-accept", args=[proposal.pk]), form_data(proposal))
    reject = client.post(reverse("news:proposal-reject", args=[proposal.pk]))
    add = client.get(reverse("news:article-add"))

    assert page.status_code == 200
    assert f'name="p{proposal.pk}-title"' not in page.text
    assert (accept.status_code, reject.status_code, add.status_code) == (403, 403, 403)
    assert not Record.objects.exists()


def test_another_pairings_person_gets_not_found(client, article, outsider):
    proposal = article.proposals.get(kind="visit")
    client.force_login(outsider)

    responses = [
        client.get(review_url(article)),
        client.post(reverse("news:proposal-accept", args=[proposal.pk]), form_data(proposal)),
        client.post(reverse("news:proposal-reject", args=[proposal.pk])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert article.title not in client.get(reverse("news:article-list")).text


def test_the_list_shows_my_pairings_articles_with_what_is_left_to_review(
    client, article, east_office, django_assert_num_queries
):
    proposal = article.proposals.get(kind="visit")
    services.accept_proposal(user=east_office, proposal=proposal, values=visit_values())
    client.force_login(east_office)

    # session, user, grants (articles), grants (may add), the articles with their counts,
    # and the navigation's import link; none grows with the number of articles.
    with django_assert_num_queries(6):
        response = client.get(reverse("news:article-list"))

    assert response.status_code == 200
    row = response.text.split(article.title, 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="num">(?:<span[^>]*>)?(\d+)', row) == [
        str(article.proposals.filter(status="pending").count()),
        "1",
    ]


def test_meetings_are_accepted_with_their_own_fields(extracted, east_office):
    extracted.value = Extraction(
        title="座谈",
        publish_date=date(2023, 8, 20),
        source="",
        author="",
        text=VISIT,
        events=[
            Event(
                date=PartialDate(2023, 3, 10),
                kind="meeting",
                summary="召开座谈会",
                sentence=VISIT,
                start=0,
                end=len(VISIT),
                date_start=0,
                date_end=len("2023年3月10日"),
            )
        ],
        quantities=[],
    )
    article, _ = services.import_article(user=east_office, data="…")
    proposal = article.proposals.get()

    record = services.accept_proposal(
        user=east_office,
        proposal=proposal,
        values={
            "title": proposal.values["title"],
            "occurred_on": date(2023, 3, 10),
            "meeting_kind": proposal.values["meeting_kind"],
        },
    )

    assert isinstance(record, Meeting)
    assert record.meeting_kind == Meeting.MeetingKind.SYMPOSIUM


def test_the_review_page_reads_the_same_few_things_however_many_proposals(
    client, extracted, article, east_office, django_assert_num_queries
):
    services.accept_proposal(
        user=east_office, proposal=article.proposals.get(kind="visit"), values=visit_values()
    )
    client.force_login(east_office)

    # session, user, grants ×3 (the article, may review, pairings below), the article, its
    # proposals with their records, the pairings to record in, and the navigation's import link
    with django_assert_num_queries(10):  # + records already in the ledger
        response = client.get(review_url(article))

    assert response.status_code == 200


def test_an_error_on_a_field_the_review_form_lacks_is_shown_above_the_form(client, article):
    administrator = UserFactory.create(is_superuser=True, side="")  # on neither side
    proposal = article.proposals.get(kind="visit")
    client.force_login(administrator)

    response = client.post(reverse("news:proposal-accept", args=[proposal.pk]), form_data(proposal))

    assert response.status_code == 200
    assert "请注明该记录属于东部还是西部。" in response.text
    assert not Record.objects.exists()


# Already in the ledger ------------------------------------------------------------------------


def test_a_record_already_in_the_ledger_is_offered_and_linked_not_recorded_twice(
    client, article, east_office, spine
):
    existing = VisitFactory.create(
        pairing=spine.town, title="威信县代表团来访", occurred_on=date(2023, 3, 10)
    )
    proposal = article.proposals.get(kind="visit")
    client.force_login(east_office)

    page = client.get(review_url(article)).content.decode()
    assert "台账中已有？" in page
    assert "威信县代表团来访" in page

    response = client.post(
        reverse("news:proposal-link", args=[proposal.pk]), {"record": existing.pk}
    )

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED
    assert proposal.record_id == existing.pk
    assert Record.objects.count() == 1  # nothing recorded twice
    assert AuditEvent.objects.filter(action="news.proposal.linked").count() == 1
    # once linked, the record is offered to no other proposal
    assert "台账中已有？" not in client.get(review_url(article)).content.decode()


def test_a_record_of_another_pairing_cannot_be_linked(article, east_office, spine):
    elsewhere = VisitFactory.create(pairing=spine.elsewhere, occurred_on=date(2023, 3, 10))
    proposal = article.proposals.get(kind="visit")

    with pytest.raises(ValidationError, match="不是这篇文章所属结对"):
        services.link_proposal(user=east_office, proposal=proposal, record=elsewhere)

    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PENDING


def test_a_proposal_whose_record_was_deleted_can_be_reviewed_again(article, east_office):
    proposal = article.proposals.get(kind="visit")
    record = services.accept_proposal(user=east_office, proposal=proposal, values=visit_values())

    delete_record(record=record, deleted_by=east_office)  # made in error

    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED
    assert proposal.record is None
    services.reopen_proposal(user=east_office, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PENDING


def test_another_thing_done_the_same_day_is_not_offered_as_the_same(
    client, article, east_office, spine
):
    VisitFactory.create(
        pairing=spine.county, title="苗木采购商到麟凤镇看货", occurred_on=date(2023, 3, 10)
    )
    client.force_login(east_office)

    assert "台账中已有？" not in client.get(review_url(article)).content.decode()
