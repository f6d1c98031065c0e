"""The labor pages: who may open and write them, masking, the forms, the due list, the public
board of 爱心岗位, and how many queries the lists need."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shanhai.accounts.models import Role, Side, User
from shanhai.core.models import AuditEvent
from shanhai.labor import services
from shanhai.labor.models import (
    Placement,
    Posting,
    SubsidyClaim,
    SubsidyRule,
    TransferBatch,
    Worker,
)
from shanhai.labor.tests.factories import id_number, posting, worker
from shanhai.ledger.tests.factories import person
from shanhai.places.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

# Measured; none grows with the number of rows shown. Every signed-in page spends five on who
# is asking (session, user, grants for the pairing, the pairing, the navigation's import link)
# and one or two more on may_unmask / user_can.
WORKER_LIST_QUERIES = 11  # … the towns of the filter (3), count, page
POSTING_LIST_QUERIES = 9  # … count, page with the placed counts
BATCH_LIST_QUERIES = 9  # … count, page with the people counts
CLAIM_LIST_QUERIES = 10  # … count, page
DUE_LIST_QUERIES = 10  # … placements, their follow-ups
LOVE_POSTS_QUERIES = 2  # count, page: nothing about who is asking


@dataclass
class Labor:
    placed: Worker  # in work in Shanghai since 95 days ago: reached 3 months a few days ago
    seeking: Worker
    placement: Placement
    posting: Posting
    batch: TransferBatch
    claim: SubsidyClaim


@pytest.fixture
def labor(tree, west_office, work_places) -> Labor:
    today = timezone.localdate()
    placed = worker(tree.county, west_office, origin=tree.west_town, serial=1,
                    household_type="poverty_exited")  # fmt: skip
    seeking = worker(tree.county, west_office, origin=tree.west_town, serial=2)
    job = posting(
        tree.county,
        west_office,
        work_place=work_places.shanghai,
        title="电子装配工",
        is_love_post=True,
        valid_from=today - timedelta(days=30),
        valid_to=today + timedelta(days=60),
        contact="人事部 021-57000000",
    )
    batch = services.record_transfer_batch(
        batch=TransferBatch(
            pairing=tree.county,
            departed_on=today - timedelta(days=96),
            organiser="威信县人社局",
            transport="bus",
            destination=work_places.shanghai,
        ),
        workers=[placed],
        recorded_by=west_office,
    )
    placement = services.record_placement(
        worker=placed,
        posting=job,
        started_on=today - timedelta(days=95),
        work_place=work_places.shanghai,
        channel="transfer",
        batch=batch,
        monthly_wage=5200,
        recorded_by=west_office,
    )
    SubsidyRule.objects.create(
        code="transport", name="跨省交通补贴", kind="transport", amount=Decimal(800),
        valid_from=date(2020, 1, 1),
    )  # fmt: skip
    services.compute_subsidies(pairing=tree.county, user=west_office)
    return Labor(
        placed=placed,
        seeking=seeking,
        placement=placement,
        posting=job,
        batch=batch,
        claim=SubsidyClaim.objects.get(),
    )


@pytest.fixture
def viewer(tree) -> User:
    return person(tree.county, Role.VIEWER, Side.WEST, display_name="观察员")


def pages(tree, labor: Labor) -> list[str]:
    """Every labor page a signed-in office opens, by address."""
    code = tree.county.code
    return [
        reverse("labor:home"),
        *(
            reverse(f"labor:{name}", args=[code])
            for name in (
                "overview",
                "worker-list",
                "worker-create",
                "due",
                "posting-list",
                "posting-create",
                "batch-list",
                "batch-create",
                "claim-list",
            )
        ),
        reverse("labor:worker-detail", args=[labor.placed.pk]),
        reverse("labor:worker-detail", args=[labor.seeking.pk]),
        reverse("labor:worker-edit", args=[labor.placed.pk]),
        reverse("labor:worker-anonymise", args=[labor.seeking.pk]),
        reverse("labor:placement-create", args=[labor.seeking.pk]),
        reverse("labor:placement-end", args=[labor.placement.pk]),
        reverse("labor:followup-create", args=[labor.placement.pk]),
        reverse("labor:posting-edit", args=[labor.posting.pk]),
        reverse("labor:batch-detail", args=[labor.batch.pk]),
    ]


def writes(tree, labor: Labor) -> list[str]:
    """Every address that takes a POST."""
    code = tree.county.code
    return [
        reverse("labor:worker-create", args=[code]),
        reverse("labor:posting-create", args=[code]),
        reverse("labor:batch-create", args=[code]),
        reverse("labor:subsidies-compute", args=[code]),
        reverse("labor:worker-edit", args=[labor.placed.pk]),
        reverse("labor:worker-reveal", args=[labor.placed.pk]),
        reverse("labor:worker-anonymise", args=[labor.seeking.pk]),
        reverse("labor:placement-create", args=[labor.seeking.pk]),
        reverse("labor:placement-end", args=[labor.placement.pk]),
        reverse("labor:followup-create", args=[labor.placement.pk]),
        reverse("labor:followup-quick", args=[labor.placement.pk]),
        reverse("labor:posting-edit", args=[labor.posting.pk]),
        reverse("labor:claim-move", args=[labor.claim.pk]),
    ]


# Access ---------------------------------------------------------------------------------------


def test_every_labor_page_opens_for_the_office(client, tree, west_office, labor):
    client.force_login(west_office)

    for url in pages(tree, labor):
        assert client.get(url).status_code == 200, url


def test_an_outsider_finds_none_of_the_pairings_labor_pages(client, tree, outsider, labor):
    client.force_login(outsider)

    for url in [*pages(tree, labor)[1:], reverse("labor:batch-detail", args=[labor.batch.pk])]:
        assert client.get(url).status_code == 404, url
    for url in writes(tree, labor):
        assert client.post(url, {"reason": "看看"}).status_code == 404, url


def test_a_viewer_sees_the_pages_but_cannot_write(client, tree, viewer, labor):
    client.force_login(viewer)

    assert client.get(reverse("labor:worker-list", args=[tree.county.code])).status_code == 200
    assert client.get(reverse("labor:worker-detail", args=[labor.placed.pk])).status_code == 200
    for url in writes(tree, labor):
        assert client.post(url, {"reason": "核对", "confirm": "on"}).status_code == 403, url
    assert not AuditEvent.objects.filter(action="labor.worker.unmasked").exists()


def test_the_navigation_links_to_the_labor_pages(client, west_office):
    client.force_login(west_office)

    response = client.get(reverse("places:home"))

    assert f'href="{reverse("labor:home")}"' in response.content.decode()


# Personal data --------------------------------------------------------------------------------


def test_lists_and_the_profile_show_the_id_number_and_phone_masked_only(
    client, tree, west_office, labor
):
    client.force_login(west_office)
    number = id_number(1)

    for url in pages(tree, labor):
        html = client.get(url).content.decode()
        assert number not in html, url
        assert "13800000001" not in html, url
    profile = client.get(reverse("labor:worker-detail", args=[labor.placed.pk])).content.decode()
    assert labor.placed.id_number_masked in profile
    assert "138****0001" in profile
    listing = client.get(reverse("labor:worker-list", args=[tree.county.code])).content.decode()
    assert labor.placed.id_number_masked in listing
    assert "138****0001" in listing


def test_the_full_id_number_is_shown_once_for_a_reason_and_the_viewing_is_logged(
    client, west_office, labor
):
    client.force_login(west_office)
    url = reverse("labor:worker-reveal", args=[labor.placed.pk])

    refused = client.post(url, {"reason": "  "})
    shown = client.post(url, {"reason": "核对补贴发放"})

    assert refused.status_code == 400
    assert id_number(1) not in refused.content.decode()
    assert shown.status_code == 200
    assert id_number(1) in shown.content.decode()
    assert "13800000001" in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    event = AuditEvent.objects.get(action="labor.worker.unmasked")
    assert (event.actor, event.details) == (west_office, {"reason": "核对补贴发放"})
    again = client.get(reverse("labor:worker-detail", args=[labor.placed.pk]))
    assert id_number(1) not in again.content.decode()


def test_those_who_may_not_unmask_see_names_masked_and_no_reveal_form(client, tree, viewer, labor):
    client.force_login(viewer)

    listing = client.get(reverse("labor:worker-list", args=[tree.county.code])).content.decode()
    profile = client.get(reverse("labor:worker-detail", args=[labor.placed.pk])).content.decode()

    assert "劳动力1" not in listing
    assert "劳*" in listing
    assert reverse("labor:worker-reveal", args=[labor.placed.pk]) not in profile
    assert reverse("labor:worker-anonymise", args=[labor.placed.pk]) not in profile


def test_deleting_personal_data_needs_a_reason_and_a_confirmation(client, west_office, labor):
    client.force_login(west_office)
    url = reverse("labor:worker-anonymise", args=[labor.placed.pk])

    unconfirmed = client.post(url, {"reason": "本人申请"})
    done = client.post(url, {"reason": "本人申请", "confirm": "on"})

    assert unconfirmed.status_code == 200
    assert Worker.objects.get(pk=labor.placed.pk).anonymised_at is not None
    assert done.status_code == 302
    event = AuditEvent.objects.get(action="labor.worker.anonymised")
    assert event.details == {"reason": "本人申请"}
    profile = client.get(done["Location"]).content.decode()
    assert "劳动力1" not in profile
    assert "上海" in profile  # the placement stays, anonymous


# Public page ----------------------------------------------------------------------------------


def test_the_public_love_post_page_lists_open_love_posts_without_personal_data(
    client, tree, west_office, work_places, labor
):
    posting(tree.county, west_office, work_place=work_places.shanghai, title="普通岗位",
            valid_from=date(2020, 1, 1), valid_to=date(2099, 1, 1))  # fmt: skip

    response = client.get(reverse("labor:love-posts"))  # nobody signed in

    html = response.content.decode()
    assert response.status_code == 200
    assert "电子装配工" in html
    assert "人事部 021-57000000" in html
    assert "普通岗位" not in html  # not a 爱心岗位
    for someone in (labor.placed, labor.seeking):
        assert someone.id_number_masked not in html
        assert someone.phone_masked not in html
        assert someone.name not in html
    assert id_number(1) not in html
    assert "<script" not in html


def test_the_public_page_needs_few_queries(client, tree, west_office, work_places, labor,
                                           django_assert_max_num_queries):  # fmt: skip
    for n in range(5):
        posting(tree.county, west_office, work_place=work_places.shanghai, title=f"爱心岗位{n}",
                is_love_post=True, valid_from=date(2020, 1, 1),
                valid_to=date(2099, 1, 1))  # fmt: skip

    with django_assert_max_num_queries(LOVE_POSTS_QUERIES):
        response = client.get(reverse("labor:love-posts"))

    assert len(response.context["page"].object_list) == 6


# Forms ----------------------------------------------------------------------------------------


def test_registering_a_worker_stores_the_id_number_encrypted(client, tree, west_office, labor):
    client.force_login(west_office)

    response = client.post(
        reverse("labor:worker-create", args=[tree.county.code]),
        {
            "name": "张三",
            "id_number": f" {id_number(30).lower()} ",
            "phone": "+86 139-0000-0030",
            "origin": tree.west_town.pk,
            "household_type": "monitored",
            "willingness": "shanghai",
            "expected_wage": "5千",
        },
    )

    created = Worker.objects.get(name="张三")
    assert response.status_code == 302
    assert response["Location"] == reverse("labor:worker-detail", args=[created.pk])
    assert created.id_number_masked == f"{id_number(30)[:4]}**********{id_number(30)[-4:]}"
    assert created.phone_masked == "139****0030"
    assert created.expected_wage == 5000
    assert created.status == Worker.Status.SEEKING


def test_a_bad_id_number_is_refused_at_its_field_in_chinese(client, tree, west_office):
    client.force_login(west_office)
    good = id_number(31)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")

    response = client.post(
        reverse("labor:worker-create", args=[tree.county.code]),
        {"name": "李四", "id_number": bad, "origin": tree.west_town.pk,
         "household_type": "ordinary", "willingness": "near_home"},
    )  # fmt: skip

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["id_number"]
    assert "不是有效的居民身份证号" in errors["id_number"][0]
    assert "最后一位校验码" in response.content.decode()
    assert not Worker.objects.filter(name="李四").exists()


def test_an_id_number_already_registered_is_refused_at_its_field(client, tree, west_office, labor):
    client.force_login(west_office)

    response = client.post(
        reverse("labor:worker-create", args=[tree.county.code]),
        {"name": "重复", "id_number": id_number(1), "origin": tree.west_town.pk,
         "household_type": "ordinary", "willingness": "near_home"},
    )  # fmt: skip

    assert response.status_code == 200
    assert "id_number" in response.context["form"].errors


def test_editing_a_worker_keeps_the_id_number_when_left_empty(client, west_office, labor):
    client.force_login(west_office)
    before = Worker.objects.get(pk=labor.seeking.pk)

    response = client.post(
        reverse("labor:worker-edit", args=[labor.seeking.pk]),
        {"name": "劳动力2", "id_number": "", "phone": "", "origin": before.origin_id,
         "household_type": "ordinary", "willingness": "east", "status": "not_looking",
         "skills": "电焊"},
    )  # fmt: skip

    after = Worker.objects.get(pk=labor.seeking.pk)
    assert response.status_code == 302
    assert (after.id_number_encrypted, after.phone_masked) == (
        before.id_number_encrypted,
        before.phone_masked,
    )
    assert (after.skills, after.status, after.willingness) == ("电焊", "not_looking", "east")


def test_recording_a_placement_by_place_name_classes_the_destination(
    client, tree, west_office, labor
):
    client.force_login(west_office)

    response = client.post(
        reverse("labor:placement-create", args=[labor.seeking.pk]),
        {"employer_name": "上海某物流公司", "work_place": "上海市", "started_on": "2024-03-01",
         "monthly_wage": "4,800元", "channel": "self_found"},
    )  # fmt: skip

    assert response.status_code == 302
    placement = Placement.objects.get(worker=labor.seeking)
    assert (placement.destination, placement.monthly_wage) == ("shanghai", 4800)
    assert placement.employer_name == "上海某物流公司"


def test_a_placement_needs_an_employer_and_a_known_place(client, west_office, labor):
    client.force_login(west_office)

    response = client.post(
        reverse("labor:placement-create", args=[labor.seeking.pk]),
        {"work_place": "不存在的地方", "started_on": "2024-03-01", "channel": "self_found"},
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"employer_name", "work_place"}
    assert not Placement.objects.filter(worker=labor.seeking).exists()


def test_a_posting_through_the_form_has_no_sex_or_ethnicity_field(client, tree, west_office, labor):
    client.force_login(west_office)
    url = reverse("labor:posting-create", args=[tree.county.code])

    employer = OrganisationFactory.create(name="松江某物流公司", place=tree.east_county)
    form = client.get(url).context["form"]
    response = client.post(
        url,
        {"employer": employer.pk, "title": "叉车司机", "industry": "logistics",
         "work_place": "上海市", "headcount": "3", "wage_min": "6千", "wage_max": "7500",
         "education": "none", "valid_from": "2024-01-01", "valid_to": "2024-06-30"},
    )  # fmt: skip

    assert not {"sex", "ethnicity", "gender", "nation"} & set(form.fields)
    assert response.status_code == 302
    created = Posting.objects.get(title="叉车司机")
    assert (created.wage_min, created.wage_max) == (6000, 7500)


def test_a_follow_up_from_the_form_confirms_three_months(client, west_office, labor):
    client.force_login(west_office)
    checked = labor.placement.started_on + timedelta(days=95)

    response = client.post(
        reverse("labor:followup-create", args=[labor.placement.pk]),
        {"checked_on": checked.isoformat(), "is_employed": "yes", "monthly_income": "5500"},
    )

    assert response.status_code == 302
    followup = labor.placement.followups.get()
    assert (followup.is_employed, followup.monthly_income) == (True, 5500)


def test_a_follow_up_finding_the_worker_out_of_work_ends_the_job(client, west_office, labor):
    client.force_login(west_office)

    response = client.post(
        reverse("labor:followup-create", args=[labor.placement.pk]),
        {"checked_on": timezone.localdate().isoformat(), "is_employed": "no", "note": "回家了"},
    )

    labor.placement.refresh_from_db()
    assert response.status_code == 302
    assert (labor.placement.ended_on, labor.placement.end_reason) == (
        timezone.localdate(),
        "回家了",
    )


def test_ending_a_placement_puts_the_worker_back_to_looking(client, west_office, labor):
    client.force_login(west_office)

    response = client.post(
        reverse("labor:placement-end", args=[labor.placement.pk]),
        {"ended_on": timezone.localdate().isoformat(), "reason": "合同到期"},
    )

    assert response.status_code == 302
    assert Worker.objects.get(pk=labor.placed.pk).status == Worker.Status.SEEKING


def test_an_organised_transfer_lists_its_workers_masked(client, tree, west_office, viewer, labor):
    client.force_login(west_office)

    response = client.post(
        reverse("labor:batch-create", args=[tree.county.code]),
        {"departed_on": "2024-02-20", "organiser": "县人社局", "transport": "train",
         "destination": "上海市", "workers": [labor.seeking.pk, labor.placed.pk]},
    )  # fmt: skip
    batch = TransferBatch.objects.get(organiser="县人社局")
    client.force_login(viewer)
    detail = client.get(reverse("labor:batch-detail", args=[batch.pk])).content.decode()

    assert response.status_code == 302
    assert set(batch.workers.all()) == {labor.seeking, labor.placed}
    assert labor.seeking.id_number_masked in detail
    assert "劳动力2" not in detail
    assert id_number(2) not in detail


def test_the_transfer_form_masks_names_for_those_who_may_not_unmask(
    client, tree, west_office, labor
):
    liaison = person(tree.county, Role.DEPARTMENT_LIAISON, Side.WEST)
    client.force_login(liaison)

    form = client.get(reverse("labor:batch-create", args=[tree.county.code])).context["form"]

    labels = [label for _value, label in form.fields["workers"].choices]
    assert labels
    assert all("劳动力" not in str(label) for label in labels)
    assert any(labor.seeking.id_number_masked in str(label) for label in labels)


# Subsidies ------------------------------------------------------------------------------------


def test_a_claim_moves_to_paid_with_its_date(client, tree, west_office, labor):
    client.force_login(west_office)
    move = reverse("labor:claim-move", args=[labor.claim.pk])

    for status in ("claimed", "approved"):
        client.post(move, {"status": status})
    client.post(move, {"status": "paid", "paid_on": "2024-05-06"})
    refused = client.post(move, {"status": "claimed"}, follow=True)

    claim = SubsidyClaim.objects.get(pk=labor.claim.pk)
    assert (claim.status, claim.paid_on) == ("paid", date(2024, 5, 6))
    assert any("不能" in str(m) or "cannot" in str(m) for m in refused.context["messages"])


def test_computing_subsidies_adds_only_what_became_due(client, tree, west_office, labor):
    client.force_login(west_office)

    response = client.post(reverse("labor:subsidies-compute", args=[tree.county.code]))

    assert response.status_code == 302
    assert SubsidyClaim.objects.count() == 1


def test_the_claim_list_filters_by_status(client, tree, west_office, labor):
    client.force_login(west_office)
    url = reverse("labor:claim-list", args=[tree.county.code])

    eligible = client.get(url, {"status": "eligible"}).context["page"].object_list
    paid = client.get(url, {"status": "paid"}).context["page"].object_list

    assert (len(eligible), len(paid)) == (1, 0)


# Overview and due list ------------------------------------------------------------------------


def test_the_overview_counts_placements_by_destination_from_the_facts(
    client, tree, west_office, labor
):
    client.force_login(west_office)
    year = labor.placement.started_on.year

    response = client.get(reverse("labor:overview", args=[tree.county.code]), {"year": year})

    figures = response.context["figures"]
    assert figures.placed == 1
    assert {value: people for value, _label, people in figures.by_destination}["shanghai"] == 1
    assert figures.poverty_exited == 1
    assert (figures.batches, figures.batch_people) == (1, 1)
    assert (response.context["workers"], response.context["in_work"]) == (2, 1)
    months = response.context["chart_months"]["series"][0]["values"]
    assert months[labor.placement.started_on.month - 1] == 1
    assert 'data-chart="stacked"' in response.content.decode()


def test_the_due_list_shows_who_reaches_three_months_and_takes_a_quick_answer(
    client, tree, west_office, work_places, labor
):
    today = timezone.localdate()
    soon = worker(tree.county, west_office, origin=tree.west_town, serial=3)
    upcoming = services.record_placement(
        worker=soon, started_on=today - timedelta(days=88), work_place=work_places.shanghai,
        channel="self_found", recorded_by=west_office,
    )  # fmt: skip
    client.force_login(west_office)
    url = reverse("labor:due", args=[tree.county.code])

    response = client.get(url)
    items = [item for week in response.context["weeks"] for item in week.items]
    html = response.content.decode()
    assert [(i.placement, i.months) for i in items] == [(labor.placement, 3), (upcoming, 3)]
    assert "劳动力1" in html
    assert "劳动力3" in html
    # Only a milestone already reached can be confirmed; the other waits for its day.
    assert reverse("labor:followup-quick", args=[labor.placement.pk]) in html
    assert reverse("labor:followup-quick", args=[upcoming.pk]) not in html

    done = client.post(
        reverse("labor:followup-quick", args=[labor.placement.pk]),
        {"checked_on": today.isoformat(), "next": url},
    )

    assert done["Location"] == url
    assert labor.placement.followups.get().is_employed
    assert [i.placement for w in client.get(url).context["weeks"] for i in w.items] == [upcoming]


def test_the_quick_answer_goes_back_only_to_this_site(client, west_office, labor):
    client.force_login(west_office)

    done = client.post(
        reverse("labor:followup-quick", args=[labor.placement.pk]),
        {"next": "https://evil.example/"},
    )

    assert done["Location"] == reverse("labor:due", args=[labor.placement.pairing.code])


# Queries --------------------------------------------------------------------------------------


def _more_workers(tree, west_office, work_places, n: int = 12) -> None:
    today = timezone.localdate()
    for serial in range(100, 100 + n):
        someone = worker(tree.county, west_office, origin=tree.west_town, serial=serial)
        services.record_placement(
            worker=someone, started_on=today - timedelta(days=90 + serial % 3),
            work_place=work_places.shanghai, channel="self_found", recorded_by=west_office,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("worker-list", WORKER_LIST_QUERIES),
        ("posting-list", POSTING_LIST_QUERIES),
        ("batch-list", BATCH_LIST_QUERIES),
        ("claim-list", CLAIM_LIST_QUERIES),
        ("due", DUE_LIST_QUERIES),
    ],
)
def test_the_lists_need_the_same_queries_however_many_rows(
    client, tree, west_office, work_places, labor, django_assert_max_num_queries, name, limit
):
    _more_workers(tree, west_office, work_places)
    for n in range(6):
        posting(tree.county, west_office, work_place=work_places.shanghai, title=f"岗位{n}",
                valid_from=date(2020, 1, 1), valid_to=date(2099, 1, 1))  # fmt: skip
        services.record_transfer_batch(
            batch=TransferBatch(pairing=tree.county, departed_on=date(2023, 3, n + 1),
                                organiser="县人社局", transport="bus",
                                destination=work_places.shanghai),
            workers=[labor.seeking], recorded_by=west_office,
        )  # fmt: skip
    services.compute_subsidies(pairing=tree.county, user=west_office)
    client.force_login(west_office)

    with django_assert_max_num_queries(limit):
        response = client.get(reverse(f"labor:{name}", args=[tree.county.code]))

    assert response.status_code == 200
    rows = response.context.get("page") or response.context.get("weeks")
    assert len(list(rows)) > 1


# Back office ----------------------------------------------------------------------------------


def test_the_back_office_lists_and_opens_every_labor_record_with_personal_data_read_only(
    client, tree, labor, django_user_model
):
    admin = django_user_model.objects.create_superuser("root", password="x")  # noqa: S106
    client.force_login(admin)
    objects = {
        "worker": labor.placed,
        "posting": labor.posting,
        "transferbatch": labor.batch,
        "placement": labor.placement,
        "subsidyclaim": labor.claim,
        "subsidyrule": labor.claim.rule,
    }

    for model, obj in objects.items():
        assert client.get(reverse(f"admin:labor_{model}_changelist")).status_code == 200
        page = client.get(reverse(f"admin:labor_{model}_change", args=[obj.pk]))
        assert page.status_code == 200, model
        assert id_number(1) not in page.content.decode()
    worker_page = client.get(reverse("admin:labor_worker_change", args=[labor.placed.pk]))
    assert "id_number_masked" not in worker_page.context["adminform"].form.fields


def test_moving_a_claim_in_the_back_office_goes_through_the_service(
    client, labor, django_user_model
):
    admin = django_user_model.objects.create_superuser("root", password="x")  # noqa: S106
    client.force_login(admin)

    response = client.post(
        reverse("admin:labor_subsidyclaim_change", args=[labor.claim.pk]),
        {"status": "claimed", "paid_on": "", "note": "已申报"},
    )

    assert response.status_code == 302
    claim = SubsidyClaim.objects.get(pk=labor.claim.pk)
    assert (claim.status, claim.note) == ("claimed", "已申报")
    assert AuditEvent.objects.filter(action="labor.subsidy.moved").exists()


def test_correcting_a_worker_in_the_back_office_keeps_the_personal_data(
    client, tree, labor, django_user_model
):
    admin = django_user_model.objects.create_superuser("root", password="x")  # noqa: S106
    client.force_login(admin)
    before = Worker.objects.get(pk=labor.seeking.pk)

    response = client.post(
        reverse("admin:labor_worker_change", args=[before.pk]),
        {"pairing": tree.county.pk, "name": "劳动力二", "origin": tree.west_town.pk,
         "household_type": "monitored", "willingness": "east", "status": "seeking",
         "skills": "", "certificates": "", "trainings": "", "expected_wage": ""},
    )  # fmt: skip

    after = Worker.objects.get(pk=before.pk)
    assert response.status_code == 302
    assert (after.name, after.household_type) == ("劳动力二", "monitored")
    assert after.id_number_encrypted == before.id_number_encrypted
    assert AuditEvent.objects.filter(action="labor.worker.updated", actor=admin).exists()
