"""The matching pages: who may open them, masked names, reviewing and accepting a proposal."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from shanhai.accounts.models import Role, Side
from shanhai.labor import services
from shanhai.labor.models import Placement, TransferBatch, Worker
from shanhai.labor.tests.factories import posting, worker
from shanhai.ledger.tests.factories import person
from shanhai.places.tests.factories import PlaceFactory

pytestmark = pytest.mark.django_db

# Measured; neither grows with the number of jobs or workers ranked. Who is asking: session,
# user, grants (for the page's access check and again for the visible pairings), the
# navigation's import link; then the page's own reads.
WORKER_PAGE_QUERIES = 8  # … the worker, the open postings, their active placements
POSTING_PAGE_QUERIES = 9  # … the posting, its active placements, the workers, user_can(RECORD)
OPEN = {"valid_from": date(2020, 1, 1), "valid_to": date(2099, 12, 31)}


@pytest.fixture(autouse=True)
def english():
    """Messages are checked as their English msgids, whatever the .po files say."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def viewer(tree):
    return person(tree.county, Role.VIEWER, Side.WEST, display_name="威信只读")


@pytest.fixture
def jobs(tree, west_office, work_places):
    return {
        "shanghai": posting(
            tree.county,
            west_office,
            work_place=work_places.shanghai,
            title="电焊工",
            skills_required="电焊",
            headcount=2,
            has_housing=True,
            **OPEN,
        ),
        "near": posting(
            tree.county,
            west_office,
            work_place=work_places.county_town,
            title="保洁",
            wage_min=2500,
            wage_max=3000,
            **OPEN,
        ),
    }


@pytest.fixture
def people(tree, west_office):
    return {
        "welder": worker(
            tree.county,
            west_office,
            origin=tree.west_town,
            serial=1,
            name="张电焊",
            skills="电焊",
            willingness="shanghai",
        ),
        "consented": worker(
            tree.county,
            west_office,
            origin=tree.west_town,
            serial=2,
            name="李同意",
            willingness="shanghai",
            has_consented=True,
        ),
        "homebody": worker(
            tree.county,
            west_office,
            origin=tree.west_town,
            serial=3,
            name="王在家",
            willingness="near_home",
        ),
    }


def matches_url(someone: Worker) -> str:
    return reverse("labor_matching:worker-matches", args=[someone.pk])


def candidates_url(job) -> str:
    return reverse("labor_matching:posting-candidates", args=[job.pk])


def assignment_url(pairing) -> str:
    return reverse("labor_matching:assignment", args=[pairing.code])


def accept_url(pairing) -> str:
    return reverse("labor_matching:assignment-accept", args=[pairing.code])


def today() -> str:
    return timezone.localdate().isoformat()


# Access ----------------------------------------------------------------------------------------


def test_someone_from_another_pairing_finds_none_of_the_matching_pages(
    client, tree, outsider, jobs, people
):
    client.force_login(outsider)

    assert client.get(matches_url(people["welder"])).status_code == 404
    assert client.get(candidates_url(jobs["shanghai"])).status_code == 404
    assert client.get(assignment_url(tree.county)).status_code == 404
    pair = f"{people['welder'].pk}:{jobs['shanghai'].pk}"
    response = client.post(accept_url(tree.county), {"started_on": today(), "pair": [pair]})
    assert response.status_code == 404
    assert not Placement.objects.exists()


def test_a_viewer_sees_the_rankings_but_may_neither_propose_nor_accept(
    client, tree, viewer, jobs, people
):
    client.force_login(viewer)

    assert client.get(matches_url(people["welder"])).status_code == 200
    assert client.get(candidates_url(jobs["shanghai"])).status_code == 200
    assert client.get(assignment_url(tree.county), {"started_on": today()}).status_code == 403
    pair = f"{people['welder'].pk}:{jobs['shanghai'].pk}"
    response = client.post(accept_url(tree.county), {"started_on": today(), "pair": [pair]})
    assert response.status_code == 403
    assert not Placement.objects.exists()


def test_accepting_needs_the_csrf_token(tree, west_office, jobs, people):
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    strict.force_login(west_office)
    pair = f"{people['welder'].pk}:{jobs['shanghai'].pk}"

    response = strict.post(accept_url(tree.county), {"started_on": today(), "pair": [pair]})

    assert response.status_code == 403
    assert not Placement.objects.exists()


# Ranking pages ---------------------------------------------------------------------------------


def test_a_worker_page_ranks_the_jobs_with_their_reasons(client, west_office, jobs, people):
    client.force_login(west_office)

    response = client.get(matches_url(people["welder"]))

    rows = response.context["rows"]
    assert [row["match"].posting for row in rows] == [jobs["shanghai"], jobs["near"]]
    page = response.content.decode()
    assert "Has the skills needed: 电焊" in page
    assert '<meter min="0" max="100"' in page
    assert "张电焊" not in page  # not consented: masked here too
    assert "张**" in page


def test_a_worker_in_work_gets_no_jobs_proposed(client, tree, west_office, jobs, people):
    welder = people["welder"]
    services.record_placement(
        worker=welder,
        started_on=date(2024, 1, 1),
        work_place=jobs["shanghai"].work_place,
        channel="self_found",
        recorded_by=west_office,
    )
    client.force_login(west_office)

    response = client.get(matches_url(welder))

    assert response.context["rows"] == []
    assert "is not looking for work" in response.content.decode()


def test_a_viewer_sees_candidates_masked_unless_they_consented(client, viewer, jobs, people):
    client.force_login(viewer)

    response = client.get(candidates_url(jobs["shanghai"]))

    page = response.content.decode()
    names = [row["person"]["name"] for row in response.context["rows"]]
    assert names[0] == "张**"  # the welder fits best
    assert "李同意" in names  # consented: shown in full
    assert "张电焊" not in page
    assert "王在家" not in page
    assert "138****0001" in page  # the masked phone, never the full one
    assert "13800000001" not in page
    assert people["welder"].id_number_masked not in page  # no ID number at all


def test_the_ranking_pages_need_the_same_queries_however_many_they_rank(
    client, tree, west_office, work_places, jobs, people, django_assert_num_queries
):
    client.force_login(west_office)
    client.get(matches_url(people["welder"]))  # warm the session

    def pages():
        with django_assert_num_queries(WORKER_PAGE_QUERIES):
            client.get(matches_url(people["welder"]))
        with django_assert_num_queries(POSTING_PAGE_QUERIES):
            client.get(candidates_url(jobs["shanghai"]))

    pages()
    for n in range(4, 10):
        worker(tree.county, west_office, origin=tree.west_town, serial=n, skills="电焊")
        posting(tree.county, west_office, work_place=work_places.suzhou, title=f"岗位{n}", **OPEN)
    pages()


# The batch assignment --------------------------------------------------------------------------


def test_a_proposal_is_shown_for_review_and_nothing_is_recorded(
    client, tree, west_office, jobs, people
):
    client.force_login(west_office)

    response = client.get(assignment_url(tree.county), {"started_on": today()})

    assert response.status_code == 200
    proposal = response.context["proposal"]
    pairs = {(m.worker, m.posting) for m in proposal.pairs}
    assert pairs == {
        (people["welder"], jobs["shanghai"]),
        (people["consented"], jobs["shanghai"]),
        (people["homebody"], jobs["near"]),
    }
    page = response.content.decode()
    assert f'value="{people["welder"].pk}:{jobs["shanghai"].pk}"' in page
    assert "张**" in page
    assert "张电焊" not in page
    assert "李同意" in page
    assert not Placement.objects.exists()


def test_the_proposal_can_be_narrowed_to_a_town(client, tree, west_office, jobs, people):
    elsewhere = PlaceFactory.create(name="扎西镇", parent=tree.west_county)
    client.force_login(west_office)

    response = client.get(
        assignment_url(tree.county), {"started_on": today(), "town": elsewhere.pk}
    )

    assert response.context["proposal"].pairs == []
    response = client.get(
        assignment_url(tree.county), {"started_on": today(), "town": tree.west_town.pk}
    )
    assert len(response.context["proposal"].pairs) == 3


def test_accepting_records_only_the_ticked_pairs(client, tree, west_office, jobs, people):
    client.force_login(west_office)
    ticked = [
        f"{people['welder'].pk}:{jobs['shanghai'].pk}",
        f"{people['homebody'].pk}:{jobs['near'].pk}",
    ]

    response = client.post(
        accept_url(tree.county), {"started_on": today(), "pair": ticked}, follow=True
    )

    assert response.redirect_chain[-1][0] == assignment_url(tree.county)
    assert "2 placements recorded." in response.content.decode()
    assert {(p.worker_id, p.posting_id, p.channel) for p in Placement.objects.all()} == {
        (people["welder"].pk, jobs["shanghai"].pk, "matched"),
        (people["homebody"].pk, jobs["near"].pk, "matched"),
    }
    assert Worker.objects.get(pk=people["consented"].pk).status == Worker.Status.SEEKING


def test_accepting_for_a_transfer_or_a_job_fair_records_how_it_came_about(
    client, tree, west_office, work_places, jobs, people
):
    batch = services.record_transfer_batch(
        batch=TransferBatch(
            pairing=tree.county,
            departed_on=timezone.localdate(),
            organiser="威信县人社局",
            transport="bus",
            destination=work_places.shanghai,
        ),
        workers=[],
        recorded_by=west_office,
    )
    client.force_login(west_office)

    client.post(
        accept_url(tree.county),
        {
            "started_on": today(),
            "batch": batch.pk,
            "pair": [f"{people['welder'].pk}:{jobs['shanghai'].pk}"],
        },
    )
    client.post(
        accept_url(tree.county),
        {
            "started_on": today(),
            "job_fair": "on",
            "pair": [f"{people['homebody'].pk}:{jobs['near'].pk}"],
        },
    )

    channels = dict(Placement.objects.values_list("worker_id", "channel"))
    assert channels == {people["welder"].pk: "transfer", people["homebody"].pk: "job_fair"}
    assert list(batch.workers.all()) == [people["welder"]]


def test_a_pair_that_no_longer_fits_records_nothing_and_says_why(
    client, tree, west_office, work_places, people
):
    """Someone filled the last place after the proposal was made."""
    one_place = posting(tree.county, west_office, work_place=work_places.shanghai, headcount=1,
                        **OPEN)  # fmt: skip
    services.record_placement(
        worker=people["homebody"],
        started_on=date(2024, 1, 1),
        work_place=one_place.work_place,
        channel="matched",
        recorded_by=west_office,
        posting=one_place,
    )
    client.force_login(west_office)

    response = client.post(
        accept_url(tree.county),
        {"started_on": today(), "pair": [f"{people['welder'].pk}:{one_place.pk}"]},
        follow=True,
    )

    assert Placement.objects.count() == 1
    page = response.content.decode()
    assert "No places left (1 wanted)" in page
    assert "张**" in page


def test_a_pair_outside_the_pairing_is_not_found(client, tree, west_office, outsider, jobs):
    stranger = worker(tree.elsewhere, outsider, origin=tree.west_town, serial=9)
    client.force_login(west_office)

    response = client.post(
        accept_url(tree.county),
        {"started_on": today(), "pair": [f"{stranger.pk}:{jobs['shanghai'].pk}"]},
    )

    assert response.status_code == 404
    assert not Placement.objects.exists()
