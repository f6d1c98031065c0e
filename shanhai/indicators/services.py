"""Writes about plans: the annual targets a pairing signed."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from shanhai.accounts.models import Action, User
from shanhai.core.services import record_audit_event
from shanhai.indicators.imports import RowError, TargetSheet, read_target_sheet
from shanhai.indicators.models import AnnualTarget, AssessmentStep, AssessmentYear, Indicator
from shanhai.indicators.selectors import assessment_moves, regime_for_year
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


@transaction.atomic
def import_targets(*, pairing: Pairing, year: int, file: File[bytes], set_by: User) -> TargetSheet:
    """Set the year's targets from a spreadsheet: all of its rows, or none if any is wrong.

    Only the indicators the sheet lists change; an empty target cell removes that target.
    The returned sheet holds the errors (nothing was saved) or how many targets changed.
    """
    if not user_can(set_by, pairing, Action.PLAN):
        raise PermissionDenied
    regime = regime_for_year(year)
    if regime is None:
        no_catalogue = _("No indicator catalogue covers %(year)d.") % {"year": year}
        return TargetSheet(errors=[RowError(None, None, no_catalogue)])
    sheet = read_target_sheet(file, indicators=list(regime.indicators.all()))
    if sheet.errors:
        return sheet
    try:
        sheet.changed = set_targets(
            pairing=pairing, year=year, targets=sheet.targets, set_by=set_by
        )
    except ValidationError as error:  # the reader checks what the model does; just in case
        sheet.errors += [RowError(None, None, message) for message in error.messages]
        return sheet
    record_audit_event(
        actor=set_by,
        action="indicators.targets.imported",
        target=pairing,
        details={
            "year": year,
            "file": _file_name(file),
            "rows": len(sheet.targets),
            "changed": sheet.changed,
        },
    )
    return sheet


def _file_name(file: File[bytes]) -> str:
    return PurePath(file.name or "").name


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
