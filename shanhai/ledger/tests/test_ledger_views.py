"""The ledger's pages: the timeline, the per-kind lists, the forms and the confirmation buttons."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from shanhai.accounts.models import Role
from shanhai.ledger.models import AidProject, Donation, Evidence, Record, Visit
from shanhai.ledger.services import confirm_record, query_record
from shanhai.ledger.tests.factories import (
    AidProjectFactory,
    DonationFactory,
    MeetingFactory,
    TalentExchangeFactory,
    TrainingFactory,
    VisitFactory,
    jpeg_upload,
    person,
    renamed_exe_upload,
)

pytestmark = pytest.mark.django_db

# Measured; neither grows with the number of records shown.
# … and one for the navigation's import link (places.selectors.user_can_anywhere).
TIMELINE_QUERIES = 17  # session, user, grants, pairing ids ×2, years, count, page, evidence
LIST_QUERIES = 6  # session, user, grants, count, page


def titles(response) -> list[str]:
    return [record.title for record in response.context["page"].object_list]


def timeline_url(pairing) -> str:
    return reverse("ledger:timeline", args=[pairing.code])


@pytest.fixture
def ledger(tree, east_office, west_office, outsider):
    """Records in the county pairing, its town pairing, and a pairing elsewhere."""
    return {
        "county_visit": VisitFactory.create(
            pairing=tree.county,
            recorded_by=east_office,
            title="松江区党政代表团赴威信考察",
            occurred_on=date(2023, 4, 10),
            direction="east_west",
        ),
        "county_donation": DonationFactory.create(
            pairing=tree.county,
            recorded_by=east_office,
            title="捐赠医疗设备",
            occurred_on=date(2024, 2, 1),
            direction="east_west",
        ),
        "town_meeting": MeetingFactory.create(
            pairing=tree.town,
            recorded_by=west_office,
            title="麟凤镇赴新浜镇座谈",
            summary="商定劳务协作",
            occurred_on=date(2024, 6, 18),
            direction="west_east",
        ),
        "elsewhere": VisitFactory.create(
            pairing=tree.elsewhere,
            recorded_by=outsider,
            title="别处的考察",
            occurred_on=date(2024, 7, 1),
        ),
    }


# Timeline -------------------------------------------------------------------------------------


def test_the_timeline_lists_the_pairings_and_its_sub_pairings_records_newest_first(
    client, tree, east_office, ledger
):
    client.force_login(east_office)

    response = client.get(timeline_url(tree.county))

    assert response.status_code == 200
    assert titles(response) == ["麟凤镇赴新浜镇座谈", "捐赠医疗设备", "松江区党政代表团赴威信考察"]


def test_the_timeline_of_a_town_pairing_leaves_out_the_county_pairings_records(
    client, tree, east_office, ledger
):
    client.force_login(east_office)

    response = client.get(timeline_url(tree.town))

    assert titles(response) == ["麟凤镇赴新浜镇座谈"]


def test_the_timeline_filters_by_kind(client, tree, east_office, ledger):
    client.force_login(east_office)

    response = client.get(timeline_url(tree.county), {"kind": "donation"})

    assert titles(response) == ["捐赠医疗设备"]


def test_the_timeline_filters_by_year(client, tree, east_office, ledger):
    client.force_login(east_office)

    response = client.get(timeline_url(tree.county), {"year": "2023"})

    assert titles(response) == ["松江区党政代表团赴威信考察"]


def test_the_timeline_filters_by_direction(client, tree, east_office, ledger):
    client.force_login(east_office)

    response = client.get(timeline_url(tree.county), {"direction": "west_east"})

    assert titles(response) == ["麟凤镇赴新浜镇座谈"]


def test_the_timeline_narrows_to_a_sub_pairing(client, tree, east_office, ledger):
    client.force_login(east_office)

    response = client.get(timeline_url(tree.county), {"sub": tree.town.code})

    assert titles(response) == ["麟凤镇赴新浜镇座谈"]


def test_the_timeline_searches_titles_and_summaries(client, tree, east_office, ledger):
    client.force_login(east_office)

    by_title = client.get(timeline_url(tree.county), {"q": "医疗"})
    by_summary = client.get(timeline_url(tree.county), {"q": "劳务"})

    assert titles(by_title) == ["捐赠医疗设备"]
    assert titles(by_summary) == ["麟凤镇赴新浜镇座谈"]


def test_an_htmx_request_gets_only_the_timeline_entries(client, tree, east_office, ledger):
    client.force_login(east_office)

    response = client.get(timeline_url(tree.county), {"kind": "donation"}, HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert response.status_code == 200
    assert "捐赠医疗设备" in content
    assert "松江区党政代表团赴威信考察" not in content
    assert "<html" not in content
    assert "<form" not in content
    assert 'class="timeline"' in content


def test_a_full_request_gets_the_whole_timeline_page(client, tree, east_office, ledger):
    client.force_login(east_office)

    content = client.get(timeline_url(tree.county)).content.decode()

    assert "<html" in content
    assert 'id="entries"' in content


def test_the_timeline_of_a_pairing_one_cannot_see_is_not_found(client, tree, outsider):
    client.force_login(outsider)

    response = client.get(timeline_url(tree.county))

    assert response.status_code == 404


def test_the_timeline_needs_the_same_queries_however_many_records(
    client, tree, east_office, west_office, ledger, django_assert_max_num_queries
):
    for n in range(12):
        MeetingFactory.create(pairing=tree.town, recorded_by=west_office, title=f"座谈{n}")
    client.force_login(east_office)

    with django_assert_max_num_queries(TIMELINE_QUERIES):
        response = client.get(timeline_url(tree.county))

    assert len(titles(response)) == 15


# Per-kind lists -------------------------------------------------------------------------------


def list_url(kind: str) -> str:
    return reverse("ledger:record-list", args=[kind])


def test_the_list_of_visits_shows_only_visits_one_may_see(client, east_office, ledger):
    client.force_login(east_office)

    response = client.get(list_url("visit"))

    assert titles(response) == ["松江区党政代表团赴威信考察"]


def test_the_list_of_visits_sorts_by_title(client, tree, east_office, ledger):
    VisitFactory.create(pairing=tree.county, recorded_by=east_office, title="A 考察")
    VisitFactory.create(pairing=tree.county, recorded_by=east_office, title="Z 考察")
    client.force_login(east_office)

    response = client.get(list_url("visit"), {"sort": "title"})

    assert titles(response) == sorted(titles(response))
    assert titles(response)[0] == "A 考察"


def test_an_unknown_kind_of_record_is_not_found(client, east_office):
    client.force_login(east_office)

    assert client.get(list_url("parade")).status_code == 404


def test_the_list_of_visits_needs_the_same_queries_however_many_records(
    client, tree, east_office, ledger, django_assert_max_num_queries
):
    for n in range(12):
        VisitFactory.create(pairing=tree.town, recorded_by=east_office, title=f"考察{n}")
    client.force_login(east_office)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(list_url("visit"), {"sort": "title"})

    assert len(titles(response)) == 13


# Recording through the forms ------------------------------------------------------------------


def create_url(pairing, kind: str) -> str:
    return reverse("ledger:record-create", args=[pairing.code, kind])


def test_the_visit_form_is_shown(client, tree, east_office):
    client.force_login(east_office)

    response = client.get(create_url(tree.county, "visit"))

    assert response.status_code == 200
    assert "title" in response.context["form"].fields


def test_a_visit_is_recorded_through_the_form(client, tree, east_office):
    client.force_login(east_office)

    response = client.post(
        create_url(tree.county, "visit"),
        {
            "title": "松江区教育局赴威信考察",
            "occurred_on": "2024-05-20",
            "occurred_on_precision": "day",
            "direction": "east_west",
            "member_count": "8",
            "places_visited": [str(tree.west_town.pk)],
        },
    )

    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:record-detail", args=[visit.pk])
    assert (visit.title, visit.side, visit.recorded_by) == (
        "松江区教育局赴威信考察",
        "east",
        east_office,
    )
    assert visit.member_count == 8
    assert list(visit.places_visited.all()) == [tree.west_town]


def test_a_donation_is_recorded_through_the_form(client, tree, east_office):
    client.force_login(east_office)

    client.post(
        create_url(tree.county, "donation"),
        {
            "title": "捐赠图书",
            "occurred_on": "2024-09-01",
            "occurred_on_precision": "day",
            "donation_kind": "goods",
            "items": "图书",
            "quantity": "3000",
            "unit": "册",
            "value_amount": "9万元",
            "in_service_on_precision": "day",
        },
    )

    donation = Donation.objects.get()
    assert donation.value_amount == Decimal("90000")
    assert donation.quantity == Decimal("3000")


def test_a_project_budget_may_be_typed_in_wan(client, tree, east_office):
    client.force_login(east_office)

    response = client.post(
        create_url(tree.county, "project"),
        {
            "title": "麟凤镇蔬菜大棚",
            "occurred_on": "2024-03-01",
            "occurred_on_precision": "day",
            "sector": "agriculture",
            "place": str(tree.west_town.pk),
            "budget_amount": "5.2万",
            "fund_source": "east_fiscal",
            "project_status": "underway",
            "progress_percent": "40",
            "benefit_mechanisms": ["wages", "dividends"],
        },
    )

    project = AidProject.objects.get()
    assert response.status_code == 302
    assert project.budget_amount == Decimal("52000")
    assert project.benefit_mechanisms == ["wages", "dividends"]
    assert project.place == tree.west_town


def test_a_visit_with_no_title_is_shown_again_with_the_error_in_chinese(client, tree, east_office):
    client.force_login(east_office)

    response = client.post(
        create_url(tree.county, "visit"),
        {"title": "", "occurred_on": "2024-05-20", "occurred_on_precision": "day"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["title"] == ["这个字段是必填项。"]
    assert not Record.objects.exists()


def test_a_project_budget_that_is_not_an_amount_is_shown_again_with_the_error(
    client, tree, east_office
):
    client.force_login(east_office)

    response = client.post(
        create_url(tree.county, "project"),
        {
            "title": "麟凤镇蔬菜大棚",
            "occurred_on": "2024-03-01",
            "occurred_on_precision": "day",
            "sector": "agriculture",
            "budget_amount": "五万多",
            "fund_source": "east_fiscal",
            "project_status": "planned",
            "progress_percent": "0",
        },
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert list(errors) == ["budget_amount"]
    assert "五万多" in errors["budget_amount"][0]
    assert "not an amount" not in errors["budget_amount"][0]  # written in Chinese
    assert not Record.objects.exists()


def test_a_visit_that_ends_before_it_starts_is_shown_again(client, tree, east_office):
    client.force_login(east_office)

    response = client.post(
        create_url(tree.county, "visit"),
        {
            "title": "考察",
            "occurred_on": "2024-05-20",
            "ended_on": "2024-05-18",
            "occurred_on_precision": "day",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Record.objects.exists()


def test_a_viewer_cannot_open_the_record_form(client, tree):
    viewer = person(tree.county, Role.VIEWER, "east")
    client.force_login(viewer)

    assert client.get(create_url(tree.county, "visit")).status_code == 403


def test_an_unknown_kind_has_no_form(client, tree, east_office):
    client.force_login(east_office)

    assert client.get(create_url(tree.county, "parade")).status_code == 404


# Editing --------------------------------------------------------------------------------------


def test_the_recording_side_edits_a_visit_and_the_change_is_kept(client, tree, east_office, ledger):
    visit = ledger["county_visit"]
    client.force_login(east_office)

    response = client.post(
        reverse("ledger:record-edit", args=[visit.pk]),
        {
            "title": "松江区党政代表团赴威信县考察",
            "occurred_on": "2023-04-10",
            "occurred_on_precision": "day",
            "direction": "east_west",
        },
    )

    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.title == "松江区党政代表团赴威信县考察"
    assert visit.changes.get().changes == {
        "title": ["松江区党政代表团赴威信考察", "松江区党政代表团赴威信县考察"]
    }


def test_the_other_side_cannot_open_the_edit_form(client, west_office, ledger):
    client.force_login(west_office)

    response = client.get(reverse("ledger:record-edit", args=[ledger["county_visit"].pk]))

    assert response.status_code == 403


def test_the_other_side_cannot_post_an_edit(client, west_office, ledger):
    visit = ledger["county_visit"]
    client.force_login(west_office)

    response = client.post(
        reverse("ledger:record-edit", args=[visit.pk]),
        {"title": "改了", "occurred_on": "2023-04-10", "occurred_on_precision": "day"},
    )

    assert response.status_code == 403
    visit.refresh_from_db()
    assert visit.title == "松江区党政代表团赴威信考察"


# Quick entry ----------------------------------------------------------------------------------


def quick_url(pairing) -> str:
    return reverse("ledger:record-quick", args=[pairing.code])


def test_quick_entry_with_a_photo_records_a_visit_with_its_evidence(client, tree, east_office):
    client.force_login(east_office)

    response = client.post(
        quick_url(tree.county),
        {
            "kind": "visit",
            "title": "威信客商来松江对接",
            "occurred_on": "2024-10-08",
            "direction": "west_east",
            "photo": jpeg_upload(),
        },
    )

    visit = Visit.objects.get()
    assert response.status_code == 302
    assert visit.entry_method == Record.EntryMethod.QUICK
    assert visit.evidence.get().content_type == "image/jpeg"


def test_quick_entry_with_a_renamed_program_records_nothing(client, tree, east_office, media_root):
    client.force_login(east_office)

    response = client.post(
        quick_url(tree.county),
        {
            "kind": "visit",
            "title": "威信客商来松江对接",
            "occurred_on": "2024-10-08",
            "photo": renamed_exe_upload(),
        },
    )

    assert response.status_code == 200
    assert "photo" in response.context["form"].errors
    assert "照片.jpg" in response.context["form"].errors["photo"][0]
    assert Record.objects.count() == 0
    assert Evidence.objects.count() == 0


def test_quick_entry_of_a_meeting_records_a_meeting(client, tree, west_office):
    client.force_login(west_office)

    client.post(
        quick_url(tree.town),
        {"kind": "meeting", "title": "镇村座谈", "occurred_on": "2024-10-09"},
    )

    record = Record.objects.get()
    assert (record.kind, record.side, record.pairing) == ("meeting", "west", tree.town)


# Confirming, querying, replying ---------------------------------------------------------------


def test_the_paired_side_confirms_through_the_confirm_button(client, west_office, ledger):
    visit = ledger["county_visit"]
    client.force_login(west_office)

    response = client.post(reverse("ledger:record-confirm", args=[visit.pk]), {"text": "属实"})

    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == Record.Status.CONFIRMED
    assert visit.confirmed_by == west_office


def test_the_recording_side_gets_forbidden_from_the_confirm_button(client, east_office, ledger):
    visit = ledger["county_visit"]
    client.force_login(east_office)

    response = client.post(reverse("ledger:record-confirm", args=[visit.pk]))

    assert response.status_code == 403
    visit.refresh_from_db()
    assert visit.status == Record.Status.PENDING


def test_confirming_an_already_confirmed_record_shows_a_message(client, west_office, ledger):
    visit = ledger["county_visit"]
    confirm_record(record=visit, confirmed_by=west_office)
    client.force_login(west_office)

    response = client.post(reverse("ledger:record-confirm", args=[visit.pk]), follow=True)

    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert visit.comments.count() == 1


def test_the_paired_side_queries_through_the_query_button(client, west_office, ledger):
    visit = ledger["county_visit"]
    client.force_login(west_office)

    client.post(reverse("ledger:record-query", args=[visit.pk]), {"text": "人数有误"})

    visit.refresh_from_db()
    assert visit.status == Record.Status.QUERIED
    assert visit.comments.get().text == "人数有误"


def test_a_query_without_text_changes_nothing(client, west_office, ledger):
    visit = ledger["county_visit"]
    client.force_login(west_office)

    client.post(reverse("ledger:record-query", args=[visit.pk]), {"text": ""})

    visit.refresh_from_db()
    assert visit.status == Record.Status.PENDING
    assert not visit.comments.exists()


def test_the_recording_side_replies_through_the_reply_button(
    client, east_office, west_office, ledger
):
    visit = ledger["county_visit"]
    query_record(record=visit, queried_by=west_office, text="人数有误")
    client.force_login(east_office)

    client.post(reverse("ledger:record-reply", args=[visit.pk]), {"text": "已更正为15人"})

    visit.refresh_from_db()
    assert visit.status == Record.Status.PENDING
    assert visit.comments.last().text == "已更正为15人"


def test_the_querying_side_cannot_reply_to_its_own_query(client, west_office, ledger):
    visit = ledger["county_visit"]
    query_record(record=visit, queried_by=west_office, text="人数有误")
    client.force_login(west_office)

    response = client.post(reverse("ledger:record-reply", args=[visit.pk]), {"text": "自问自答"})

    assert response.status_code == 403


def test_the_record_page_offers_the_paired_side_the_confirm_button(client, west_office, ledger):
    visit = ledger["county_visit"]
    client.force_login(west_office)

    response = client.get(reverse("ledger:record-detail", args=[visit.pk]))

    assert response.context["can_confirm"] is True
    assert response.context["can_edit"] is False
    assert reverse("ledger:record-confirm", args=[visit.pk]) in response.content.decode()


def test_a_record_page_one_cannot_see_is_not_found(client, outsider, ledger):
    client.force_login(outsider)

    response = client.get(reverse("ledger:record-detail", args=[ledger["county_visit"].pk]))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("factory", "fields", "shown"),
    [
        (VisitFactory, {"leader_name": "张伟", "member_count": 12}, "张伟"),
        (MeetingFactory, {"venue": "威信县政府", "attendee_count": 30}, "威信县政府"),
        (
            DonationFactory,
            {
                "items": "课桌椅",
                "value_amount": Decimal("52000"),
                "in_service_on": date(2024, 9, 1),
            },
            "课桌椅",
        ),
        (
            AidProjectFactory,
            {"budget_amount": Decimal("3000000"), "benefit_mechanisms": ["wages", "dividends"]},
            "300万元",
        ),
        (TalentExchangeFactory, {"person_name": "李明", "headcount": 3}, "李明"),
        (TrainingFactory, {"sessions": 2, "person_times": 4321}, "4321"),
    ],
)
def test_the_record_page_shows_a_record_of_each_kind(
    client, tree, east_office, factory, fields, shown
):
    record = factory.create(pairing=tree.county, recorded_by=east_office, **fields)
    client.force_login(east_office)

    response = client.get(reverse("ledger:record-detail", args=[record.pk]))

    assert response.status_code == 200
    assert record.title in response.content.decode()
    assert shown in response.content.decode()
