"""The assessment year: self-assessment, the paired side's opinion, approval, lock, reopening."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from shanhai.core.models import AuditEvent
from shanhai.indicators.models import AssessmentStep, AssessmentYear
from shanhai.indicators.selectors import assessment_moves, assessment_of
from shanhai.indicators.services import get_assessment, move_assessment
from shanhai.places.models import LockedYear
from shanhai.places.selectors import is_year_locked

pytestmark = pytest.mark.django_db

S = AssessmentYear.State


@pytest.fixture
def assessment(tree, east_office) -> AssessmentYear:
    return get_assessment(pairing=tree.county, year=2023, actor=east_office)


def submitted(assessment, east_office) -> AssessmentYear:
    return move_assessment(
        assessment=assessment, to_state=S.SUBMITTED, actor=east_office, text="全面完成协议任务。"
    )


def with_opinion(assessment, east_office, west_office) -> AssessmentYear:
    submitted(assessment, east_office)
    return move_assessment(
        assessment=assessment, to_state=S.OPINION, actor=west_office, text="同意。"
    )


def approved(assessment, east_office, west_office, administrator) -> AssessmentYear:
    with_opinion(assessment, east_office, west_office)
    return move_assessment(assessment=assessment, to_state=S.APPROVED, actor=administrator)


def locked(assessment, east_office, west_office, administrator) -> AssessmentYear:
    approved(assessment, east_office, west_office, administrator)
    return move_assessment(assessment=assessment, to_state=S.LOCKED, actor=administrator)


def test_get_assessment_starts_a_draft_once(tree, east_office):
    first = get_assessment(pairing=tree.county, year=2023, actor=east_office)
    again = get_assessment(pairing=tree.county, year=2023, actor=east_office)

    assert first.pk == again.pk
    assert first.state == S.DRAFT
    assert assessment_of(tree.county, 2023) == first
    assert assessment_of(tree.county, 2022) is None


def test_the_full_path_writes_a_step_for_every_move(
    tree, assessment, east_office, west_office, administrator, superuser
):
    move_assessment(
        assessment=assessment, to_state=S.SUBMITTED, actor=east_office, text="全面完成协议任务。"
    )
    move_assessment(assessment=assessment, to_state=S.OPINION, actor=west_office, text="同意。")
    move_assessment(assessment=assessment, to_state=S.APPROVED, actor=administrator, text="通过")
    result = move_assessment(assessment=assessment, to_state=S.LOCKED, actor=superuser)

    assessment.refresh_from_db()
    assert result.state == assessment.state == S.LOCKED
    assert assessment.self_assessment == "全面完成协议任务。"
    assert assessment.submitted_side == "east"
    assert assessment.opinion == "同意。"
    steps = list(assessment.steps.values_list("from_state", "to_state", "actor", "note"))
    assert steps == [
        (S.DRAFT, S.SUBMITTED, east_office.pk, "全面完成协议任务。"),
        (S.SUBMITTED, S.OPINION, west_office.pk, "同意。"),
        (S.OPINION, S.APPROVED, administrator.pk, "通过"),
        (S.APPROVED, S.LOCKED, superuser.pk, ""),
    ]
    lock = LockedYear.objects.get(pairing=tree.county, year=2023)
    assert lock.locked_by == superuser
    assert is_year_locked(tree.town, 2023)
    assert not is_year_locked(tree.county, 2024)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "indicators.assessment.submitted",
        "indicators.assessment.opinion",
        "indicators.assessment.approved",
        "indicators.assessment.locked",
        "places.year.locked",
    } <= actions


def test_the_west_office_may_submit_and_the_east_then_gives_the_opinion(
    assessment, east_office, west_office
):
    move_assessment(assessment=assessment, to_state=S.SUBMITTED, actor=west_office, text="自评")

    move_assessment(assessment=assessment, to_state=S.OPINION, actor=east_office, text="认可")

    assessment.refresh_from_db()
    assert (assessment.submitted_side, assessment.state) == ("west", S.OPINION)


@pytest.mark.parametrize("text", ["", "   \n"])
def test_submitting_needs_the_self_assessment(assessment, east_office, text):
    with pytest.raises(ValidationError) as error:
        move_assessment(assessment=assessment, to_state=S.SUBMITTED, actor=east_office, text=text)

    assert "text" in error.value.message_dict
    assessment.refresh_from_db()
    assert assessment.state == S.DRAFT
    assert not AssessmentStep.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "west_liaison", "outsider"])
def test_only_an_office_submits(request, assessment, who):
    with pytest.raises(PermissionDenied):
        move_assessment(
            assessment=assessment,
            to_state=S.SUBMITTED,
            actor=request.getfixturevalue(who),
            text="自评",
        )


def test_the_opinion_needs_its_text(assessment, east_office, west_office):
    submitted(assessment, east_office)

    with pytest.raises(ValidationError):
        move_assessment(assessment=assessment, to_state=S.OPINION, actor=west_office, text="")


def test_the_same_side_cannot_give_the_opinion(assessment, east_office, tree):
    from shanhai.accounts.models import Role, Side
    from shanhai.ledger.tests.factories import person

    east_colleague = person(tree.county, Role.DEPARTMENT_LIAISON, Side.EAST)
    submitted(assessment, east_office)

    for actor in (east_office, east_colleague):
        with pytest.raises(PermissionDenied):
            move_assessment(assessment=assessment, to_state=S.OPINION, actor=actor, text="同意")
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


def test_a_west_liaison_who_may_confirm_gives_the_opinion(assessment, east_office, west_liaison):
    submitted(assessment, east_office)

    move_assessment(assessment=assessment, to_state=S.OPINION, actor=west_liaison, text="同意")

    assert assessment.steps.last().actor == west_liaison


def test_a_west_viewer_cannot_give_the_opinion(assessment, east_office, viewer):
    submitted(assessment, east_office)

    with pytest.raises(PermissionDenied):
        move_assessment(assessment=assessment, to_state=S.OPINION, actor=viewer, text="同意")


@pytest.mark.parametrize("who", ["east_office", "west_office", "west_liaison"])
def test_only_an_administrator_approves(request, assessment, east_office, west_office, who):
    with_opinion(assessment, east_office, west_office)

    with pytest.raises(PermissionDenied):
        move_assessment(
            assessment=assessment, to_state=S.APPROVED, actor=request.getfixturevalue(who)
        )


def test_a_superuser_approves_and_locks(assessment, east_office, west_office, superuser, tree):
    with_opinion(assessment, east_office, west_office)

    move_assessment(assessment=assessment, to_state=S.APPROVED, actor=superuser)
    move_assessment(assessment=assessment, to_state=S.LOCKED, actor=superuser)

    assert LockedYear.objects.filter(pairing=tree.county, year=2023).exists()


def test_only_an_administrator_locks(assessment, east_office, west_office, administrator):
    approved(assessment, east_office, west_office, administrator)

    with pytest.raises(PermissionDenied):
        move_assessment(assessment=assessment, to_state=S.LOCKED, actor=east_office)

    assert not LockedYear.objects.exists()


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.DRAFT, S.APPROVED),
        (S.DRAFT, S.LOCKED),
        (S.DRAFT, S.OPINION),
        (S.DRAFT, S.DRAFT),
        (S.SUBMITTED, S.APPROVED),
        (S.SUBMITTED, S.LOCKED),
        (S.OPINION, S.LOCKED),
        (S.LOCKED, S.APPROVED),
    ],
)
def test_an_illegal_jump_is_refused(
    assessment, east_office, west_office, administrator, superuser, start, to
):
    by_state = {
        S.DRAFT: lambda: None,
        S.SUBMITTED: lambda: submitted(assessment, east_office),
        S.OPINION: lambda: with_opinion(assessment, east_office, west_office),
        S.LOCKED: lambda: locked(assessment, east_office, west_office, administrator),
    }
    by_state[start]()
    steps = AssessmentStep.objects.count()

    with pytest.raises(ValidationError) as error:
        move_assessment(assessment=assessment, to_state=to, actor=superuser, text="跳过")

    assert error.value.code == "bad_step"
    assessment.refresh_from_db()
    assert assessment.state == start
    assert AssessmentStep.objects.count() == steps


def test_an_unknown_state_is_refused_as_a_bad_step(assessment, superuser):
    with pytest.raises(ValidationError):
        move_assessment(assessment=assessment, to_state="finished", actor=superuser, text="x")


def test_reopening_needs_a_reason(assessment, east_office, west_office, administrator, tree):
    locked(assessment, east_office, west_office, administrator)

    with pytest.raises(ValidationError):
        move_assessment(assessment=assessment, to_state=S.DRAFT, actor=administrator, text=" ")

    assert is_year_locked(tree.county, 2023)


def test_reopening_by_an_administrator_removes_the_lock_and_keeps_the_reason(
    assessment, east_office, west_office, administrator, tree
):
    locked(assessment, east_office, west_office, administrator)

    move_assessment(
        assessment=assessment, to_state=S.DRAFT, actor=administrator, text="补录漏报的捐赠"
    )

    assessment.refresh_from_db()
    assert assessment.state == S.DRAFT
    assert not LockedYear.objects.exists()
    assert not is_year_locked(tree.town, 2023)
    event = AuditEvent.objects.get(action="places.year.unlocked")
    assert event.actor == administrator
    assert event.details == {"year": 2023, "reason": "补录漏报的捐赠"}
    step = assessment.steps.last()
    assert (step.from_state, step.to_state, step.note) == (S.LOCKED, S.DRAFT, "补录漏报的捐赠")


def test_an_administrator_may_reopen_before_the_lock(assessment, east_office, administrator):
    submitted(assessment, east_office)

    move_assessment(assessment=assessment, to_state=S.DRAFT, actor=administrator, text="重写")

    assessment.refresh_from_db()
    assert assessment.state == S.DRAFT
    assert not AuditEvent.objects.filter(action="places.year.unlocked").exists()


@pytest.mark.parametrize("who", ["east_office", "west_office", "west_liaison", "viewer"])
def test_non_administrators_cannot_reopen(
    request, assessment, east_office, west_office, administrator, who
):
    locked(assessment, east_office, west_office, administrator)

    with pytest.raises(PermissionDenied):
        move_assessment(
            assessment=assessment,
            to_state=S.DRAFT,
            actor=request.getfixturevalue(who),
            text="想改",
        )

    assert LockedYear.objects.exists()


def allowed(assessment, user) -> set[tuple[str, str]]:
    return {move for move, ok in assessment_moves(assessment, user).items() if ok}


def test_the_moves_of_each_role_in_each_state(
    assessment, east_office, west_office, west_liaison, viewer, administrator, superuser
):
    draft = {east_office: {(S.DRAFT, S.SUBMITTED)}, west_office: {(S.DRAFT, S.SUBMITTED)},
             west_liaison: set(), viewer: set(), administrator: {(S.DRAFT, S.SUBMITTED)},
             superuser: {(S.DRAFT, S.SUBMITTED)}}  # fmt: skip
    assert {u: allowed(assessment, u) for u in draft} == draft
    assert set(assessment_moves(assessment, viewer)) == {(S.DRAFT, S.SUBMITTED)}

    submitted(assessment, east_office)
    assessment.refresh_from_db()
    assert set(assessment_moves(assessment, viewer)) == {
        (S.SUBMITTED, S.OPINION),
        (S.SUBMITTED, S.DRAFT),
    }
    assert allowed(assessment, east_office) == set()
    assert allowed(assessment, west_office) == {(S.SUBMITTED, S.OPINION)}
    assert allowed(assessment, west_liaison) == {(S.SUBMITTED, S.OPINION)}
    assert allowed(assessment, viewer) == set()
    assert allowed(assessment, administrator) == {(S.SUBMITTED, S.DRAFT)}

    move_assessment(assessment=assessment, to_state=S.OPINION, actor=west_office, text="同意")
    assessment.refresh_from_db()
    assert allowed(assessment, east_office) == set()
    assert allowed(assessment, administrator) == {(S.OPINION, S.APPROVED), (S.OPINION, S.DRAFT)}
    assert allowed(assessment, superuser) == {(S.OPINION, S.APPROVED), (S.OPINION, S.DRAFT)}

    move_assessment(assessment=assessment, to_state=S.APPROVED, actor=administrator)
    assessment.refresh_from_db()
    assert allowed(assessment, administrator) == {(S.APPROVED, S.LOCKED), (S.APPROVED, S.DRAFT)}
    assert allowed(assessment, west_office) == set()

    move_assessment(assessment=assessment, to_state=S.LOCKED, actor=administrator)
    assessment.refresh_from_db()
    assert set(assessment_moves(assessment, administrator)) == {(S.LOCKED, S.DRAFT)}
    assert allowed(assessment, administrator) == {(S.LOCKED, S.DRAFT)}
    assert allowed(assessment, east_office) == set()


# --- the POST endpoint ------------------------------------------------------------------------


def move_url(pairing, year: int = 2023) -> str:
    return reverse("indicators:assessment-move", args=[pairing.code, year])


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_endpoint_takes_a_step_and_redirects_to_the_assessment(client, tree, east_office):
    client.force_login(east_office)

    response = client.post(move_url(tree.county), {"to": "submitted", "text": "全面完成。"})

    progress_url = reverse("indicators:progress", args=[tree.county.code])
    assert response.status_code == 302
    assert response.url == f"{progress_url}?year=2023#assessment"
    assessment = AssessmentYear.objects.get(pairing=tree.county, year=2023)
    assert (assessment.state, assessment.self_assessment) == (S.SUBMITTED, "全面完成。")
    assert len(texts(response)) == 1


@pytest.mark.parametrize(
    "data", [{"to": "submitted", "text": ""}, {"to": "approved"}, {"to": "locked", "text": "x"}]
)
def test_the_endpoint_shows_a_refused_step_as_an_error_message(client, tree, east_office, data):
    client.force_login(east_office)

    response = client.post(move_url(tree.county), data)

    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert AssessmentYear.objects.get(pairing=tree.county, year=2023).state == S.DRAFT
    assert not AssessmentStep.objects.exists()


def test_the_endpoint_reports_an_unknown_step_as_an_error_message(client, tree, east_office):
    client.force_login(east_office)

    response = client.post(move_url(tree.county), {"to": "finished", "text": "x"})

    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]


def test_the_endpoint_refuses_someone_without_the_right(client, tree, east_office, viewer):
    client.force_login(viewer)

    response = client.post(move_url(tree.county), {"to": "submitted", "text": "自评"})

    assert response.status_code == 403


def test_the_endpoint_hides_a_pairing_the_user_cannot_see(client, tree, outsider):
    client.force_login(outsider)

    response = client.post(move_url(tree.county), {"to": "submitted", "text": "自评"})

    assert response.status_code == 404
    assert not AssessmentYear.objects.exists()


def test_the_endpoint_takes_only_post(client, tree, east_office):
    client.force_login(east_office)

    assert client.get(move_url(tree.county)).status_code == 405


def test_the_progress_page_offers_only_the_moves_the_user_may_take(
    client, tree, assessment, east_office, west_office
):
    submitted(assessment, east_office)
    url = reverse("indicators:progress", args=[tree.county.code]) + "?year=2023"

    client.force_login(east_office)
    east_page = client.get(url)
    client.force_login(west_office)
    west_page = client.get(url)

    assert east_page.context["moves"] == []
    assert [to for to, _label in west_page.context["moves"]] == [S.OPINION]
    assert 'name="to" value="opinion"' in west_page.content.decode()
    assert "全面完成协议任务。" in west_page.content.decode()


def test_someone_who_cannot_move_the_assessment_does_not_start_one(tree, viewer):
    with pytest.raises(PermissionDenied):
        get_assessment(pairing=tree.county, year=2023, actor=viewer)

    assert assessment_of(tree.county, 2023) is None


def test_a_self_assessment_is_submitted_by_one_of_the_sides(assessment, administrator):
    with pytest.raises(ValidationError) as refused:
        move_assessment(
            assessment=assessment, to_state=S.SUBMITTED, actor=administrator, text="自评"
        )

    assert refused.value.code == "no_side"
