"""Certification (消费帮扶产品认定): applied → reviewed → re-checked → public notice → certified,
rejected or withdrawn, every step recorded with who, when and why."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from shanhai.accounts.models import Role, Side
from shanhai.consumption import selectors, services
from shanhai.consumption.models import Certification
from shanhai.consumption.tests.conftest import ALL_CRITERIA
from shanhai.core.models import AuditEvent
from shanhai.ledger.tests.factories import person

pytestmark = pytest.mark.django_db


def applied(shop, user, criteria=ALL_CRITERIA):
    return services.apply_for_certification(
        product=shop.honey, applied_by=user, applied_on=date(2023, 1, 5), criteria=criteria
    )


def step(cert, kind, user, on, **extra):
    return services.advance_certification(certification=cert, step=kind, by=user, on=on, **extra)


def to_notice(shop, user, criteria=ALL_CRITERIA):
    cert = applied(shop, user, criteria)
    cert = step(cert, "reviewed", user, date(2023, 1, 10))
    cert = step(cert, "rechecked", user, date(2023, 1, 20))
    return step(cert, "publicised", user, date(2023, 2, 1), publicity_to=date(2023, 2, 7))


def certify_honey(cert, user, on=date(2023, 2, 8)):
    return step(
        cert,
        "certified",
        user,
        on,
        certificate_number="WX-2023-018",
        valid_from=date(2023, 2, 8),
        valid_to=date(2025, 2, 7),
    )


def test_every_step_is_recorded_with_who_and_when(shop, west_office):
    cert = certify_honey(to_notice(shop, west_office), west_office)

    assert cert.status == Certification.Status.CERTIFIED
    assert list(cert.steps.values_list("kind", "done_on", "done_by__display_name")) == [
        ("applied", date(2023, 1, 5), "威信乡村振兴局"),
        ("reviewed", date(2023, 1, 10), "威信乡村振兴局"),
        ("rechecked", date(2023, 1, 20), "威信乡村振兴局"),
        ("publicised", date(2023, 2, 1), "威信乡村振兴局"),
        ("certified", date(2023, 2, 8), "威信乡村振兴局"),
    ]
    events = AuditEvent.objects.filter(action__startswith="consumption.certification.")
    assert events.filter(target_id=str(cert.pk)).count() == 5
    assert selectors.is_certified_on(shop.honey, date(2023, 6, 1))
    assert not selectors.is_certified_on(shop.honey, date(2025, 2, 8))


def test_steps_cannot_be_skipped(shop, west_office):
    cert = applied(shop, west_office)

    with pytest.raises(ValidationError):
        certify_honey(cert, west_office)
    with pytest.raises(ValidationError):
        step(cert, "publicised", west_office, date(2023, 2, 1), publicity_to=date(2023, 2, 7))


def test_a_product_missing_a_criterion_cannot_be_certified(shop, west_office):
    cert = to_notice(shop, west_office, criteria=[c for c in ALL_CRITERIA if c != "is_traceable"])

    with translation.override("en"), pytest.raises(ValidationError) as error:
        certify_honey(cert, west_office)

    assert "traceable" in str(error.value.message_dict["criteria"])
    cert.refresh_from_db()
    assert cert.status == Certification.Status.PUBLICISED


def test_the_public_notice_must_end_before_certifying(shop, west_office):
    cert = to_notice(shop, west_office)

    with pytest.raises(ValidationError) as error:
        certify_honey(cert, west_office, on=date(2023, 2, 7))

    assert "on" in error.value.message_dict


def test_an_objection_must_be_answered_before_certifying(shop, west_office):
    cert = to_notice(shop, west_office)
    cert = step(cert, "objection", west_office, date(2023, 2, 3), note="群众反映产地不在威信")

    with pytest.raises(ValidationError):
        certify_honey(cert, west_office)

    cert = step(cert, "answered", west_office, date(2023, 2, 6), note="已核实，产地为麟凤镇")
    assert certify_honey(cert, west_office).status == Certification.Status.CERTIFIED


def test_rejecting_needs_a_reason(shop, west_office):
    cert = applied(shop, west_office)

    with pytest.raises(ValidationError):
        step(cert, "rejected", west_office, date(2023, 1, 9))
    cert = step(cert, "rejected", west_office, date(2023, 1, 9), note="年产值不足50万元")

    assert cert.status == Certification.Status.REJECTED
    assert not selectors.is_certified_on(shop.honey, date(2023, 6, 1))


def test_only_one_application_at_a_time(shop, west_office):
    applied(shop, west_office)

    with pytest.raises(ValidationError):
        applied(shop, west_office)


def test_a_liaison_may_apply_but_only_an_office_decides(shop, tree, west_office):
    liaison = person(tree.county, Role.TOWN_LIAISON, Side.WEST, display_name="麟凤镇联络员")
    cert = applied(shop, liaison)

    with pytest.raises(PermissionDenied):
        step(cert, "reviewed", liaison, date(2023, 1, 10))
    assert step(cert, "reviewed", west_office, date(2023, 1, 10)).status == "reviewed"


def test_the_outsider_cannot_touch_the_certification(shop, outsider):
    with pytest.raises(PermissionDenied):
        applied(shop, outsider)


def test_the_certificate_number_is_unique(shop, west_office):
    certify_honey(to_notice(shop, west_office), west_office)
    other = services.register_product(
        supplier=shop.supplier,
        recorded_by=west_office,
        name="天麻",
        category="herbs",
        reference_price=100,
        capacity_quantity=10,
        capacity_amount=1000,
    )
    cert = services.apply_for_certification(
        product=other, applied_by=west_office, applied_on=date(2023, 1, 5), criteria=ALL_CRITERIA
    )
    cert = step(cert, "reviewed", west_office, date(2023, 1, 10))
    cert = step(cert, "rechecked", west_office, date(2023, 1, 20))
    cert = step(cert, "publicised", west_office, date(2023, 2, 1), publicity_to=date(2023, 2, 7))

    with pytest.raises(ValidationError) as error:
        certify_honey(cert, west_office)

    assert "certificate_number" in error.value.message_dict
