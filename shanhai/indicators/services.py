"""Writes about plans: the annual targets a pairing signed."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shanhai.accounts.models import Action, User
from shanhai.core.services import record_audit_event
from shanhai.indicators.models import AnnualTarget, AssessmentStep, AssessmentYear, Indicator
from shanhai.indicators.selectors import assessment_moves
from shanhai.places.models import Pairing
from shanhai.places.selectors import user_can
from shanhai.places.services import lock_year, unlock_year


@transaction.atomic
def set_targets(
    *,
    pairing: Pairing,
    year: int,
    targets: Mapping[Indicator, Decimal | None],
    set_by: User,
) -> int:
    """Store the year's targets; an empty value removes that target. Return how many changed."""
    if not user_can(set_by, pairing, Action.PLAN):
        raise PermissionDenied
    existing = {t.indicator_id: t for t in AnnualTarget.objects.filter(pairing=pairing, year=year)}
    changed = 0
    for indicator, value in targets.items():
        target = existing.get(indicator.pk)
        if value is None:
            if target is not None:
                target.delete()
                changed += 1
            continue
        if target is not None and target.value == value:
            continue
        target = target or AnnualTarget(pairing=pairing, year=year, indicator=indicator)
        target.value = value
        target.set_by = set_by
        target.full_clean()
        target.save()
        changed += 1
    if changed:
        record_audit_event(
            actor=set_by,
            action="indicators.targets.set",
            target=pairing,
            details={"year": year, "changed": changed},
        )
    return changed


S = AssessmentYear.State


def get_assessment(*, pairing: Pairing, year: int, actor: User) -> AssessmentYear:
    """Return the year's assessment, starting it (as a draft) for someone who may move it."""
    existing = AssessmentYear.objects.filter(pairing=pairing, year=year).first()
    if existing is not None:
        return existing
    draft = AssessmentYear(pairing=pairing, year=year)
    if not any(assessment_moves(draft, actor).values()):
        raise PermissionDenied
    draft.save()
    return draft


@transaction.atomic
def move_assessment(
    *, assessment: AssessmentYear, to_state: str, actor: User, text: str = ""
) -> AssessmentYear:
    """Take the year one step: submit, give the paired side's opinion, approve, lock, reopen.

    submit (draft → submitted): the office of either side, with its self-assessment;
    opinion (submitted → opinion): the paired side, with its opinion;
    approve (opinion → approved) and lock (approved → locked): an administrator;
    reopen (any → draft): an administrator, with a reason, which unlocks the year's records.
    """
    assessment = AssessmentYear.objects.select_for_update().get(pk=assessment.pk)
    pairing, current = assessment.pairing, assessment.state
    if to_state not in S.values:
        raise ValidationError(_("Unknown step."), code="bad_step")
    if to_state == S.SUBMITTED and not actor.side:
        raise ValidationError(
            _("A self-assessment is submitted by one of the two sides."), code="no_side"
        )
    allowed = assessment_moves(assessment, actor)
    reopening = to_state == S.DRAFT and current != S.DRAFT
    if (current, to_state) not in allowed:
        raise ValidationError(
            _("An assessment cannot go from “%(from)s” to “%(to)s”.")
            % {"from": S(current).label, "to": S(to_state).label},
            code="bad_step",
        )
    if not allowed[(current, to_state)]:
        raise PermissionDenied
    if (to_state in (S.SUBMITTED, S.OPINION) or reopening) and not text.strip():
        raise ValidationError({"text": _("Write the text for this step.")})
    if to_state == S.SUBMITTED:
        assessment.self_assessment = text
        assessment.submitted_side = actor.side
    elif to_state == S.OPINION:
        assessment.opinion = text
    if to_state == S.LOCKED:
        lock_year(pairing=pairing, year=assessment.year, locked_by=actor)
    if reopening:
        unlock_year(pairing=pairing, year=assessment.year, unlocked_by=actor, reason=text)
    assessment.state = to_state
    assessment.save()
    AssessmentStep.objects.create(
        assessment=assessment, from_state=current, to_state=to_state, actor=actor, note=text
    )
    record_audit_event(
        actor=actor,
        action=f"indicators.assessment.{to_state}",
        target=assessment,
        details={"from": current, "year": assessment.year},
    )
    return assessment
