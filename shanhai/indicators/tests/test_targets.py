"""Annual targets: who may set them, what an empty or unchanged value means, what is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from shanhai.core.models import AuditEvent
from shanhai.indicators.models import AnnualTarget, Indicator
from shanhai.indicators.services import set_targets

pytestmark = pytest.mark.django_db


def indicator(code: str) -> Indicator:
    return Indicator.objects.get(regime__code="2021", code=code)


def stored(pairing, year: int = 2023) -> dict[str, Decimal]:
    return {
        t.indicator.code: t.value
        for t in AnnualTarget.objects.filter(pairing=pairing, year=year).select_related("indicator")
    }


def test_a_cooperation_office_sets_the_year_targets(tree, east_office):
    changed = set_targets(
        pairing=tree.county,
        year=2023,
        targets={indicator("A1"): Decimal(4), indicator("B1"): Decimal("5600.50")},
        set_by=east_office,
    )

    assert changed == 2
    assert stored(tree.county) == {"A1": Decimal(4), "B1": Decimal("5600.50")}
    target = AnnualTarget.objects.get(pairing=tree.county, indicator__code="A1")
    assert target.set_by == east_office
    event = AuditEvent.objects.get(action="indicators.targets.set")
    assert event.actor == east_office
    assert event.details == {"year": 2023, "changed": 2}


def test_unchanged_values_count_no_change_and_write_no_audit(tree, east_office):
    targets = {indicator("A1"): Decimal(4), indicator("A3"): Decimal(2)}
    set_targets(pairing=tree.county, year=2023, targets=targets, set_by=east_office)

    again = set_targets(pairing=tree.county, year=2023, targets=targets, set_by=east_office)

    assert again == 0
    assert AuditEvent.objects.filter(action="indicators.targets.set").count() == 1


def test_only_the_changed_values_count(tree, east_office, west_office):
    set_targets(
        pairing=tree.county,
        year=2023,
        targets={indicator("A1"): Decimal(4), indicator("A3"): Decimal(2)},
        set_by=east_office,
    )

    changed = set_targets(
        pairing=tree.county,
        year=2023,
        targets={indicator("A1"): Decimal(4), indicator("A3"): Decimal(3)},
        set_by=west_office,
    )

    assert changed == 1
    assert stored(tree.county) == {"A1": 4, "A3": 3}
    assert AnnualTarget.objects.get(indicator__code="A3").set_by == west_office
    assert AnnualTarget.objects.get(indicator__code="A1").set_by == east_office


def test_an_empty_value_removes_the_target(tree, east_office):
    set_targets(
        pairing=tree.county,
        year=2023,
        targets={indicator("A1"): Decimal(4), indicator("A3"): Decimal(2)},
        set_by=east_office,
    )

    changed = set_targets(
        pairing=tree.county,
        year=2023,
        targets={indicator("A1"): None, indicator("A3"): Decimal(2), indicator("A4"): None},
        set_by=east_office,
    )

    assert changed == 1  # A4 had no target: nothing to remove
    assert stored(tree.county) == {"A3": 2}


def test_targets_are_kept_per_year(tree, east_office):
    set_targets(
        pairing=tree.county, year=2022, targets={indicator("A1"): Decimal(1)}, set_by=east_office
    )
    set_targets(
        pairing=tree.county, year=2023, targets={indicator("A1"): Decimal(3)}, set_by=east_office
    )

    assert stored(tree.county, 2022) == {"A1": 1}
    assert stored(tree.county, 2023) == {"A1": 3}


@pytest.mark.parametrize("who", ["viewer", "west_liaison", "town_liaison", "outsider"])
def test_someone_who_may_not_plan_is_refused(request, tree, who):
    user = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        set_targets(
            pairing=tree.county, year=2023, targets={indicator("A1"): Decimal(1)}, set_by=user
        )

    assert not AnnualTarget.objects.exists()


def test_an_office_plans_in_the_pairings_below_it_too(tree, east_office):
    set_targets(
        pairing=tree.town, year=2023, targets={indicator("A6"): Decimal(3)}, set_by=east_office
    )

    assert stored(tree.town) == {"A6": 3}


def test_a_negative_target_is_refused_and_nothing_is_saved(tree, east_office):
    set_targets(
        pairing=tree.county, year=2023, targets={indicator("A3"): Decimal(2)}, set_by=east_office
    )

    with pytest.raises(ValidationError):
        set_targets(
            pairing=tree.county,
            year=2023,
            targets={
                indicator("A1"): Decimal(4),  # valid, comes first: must not be kept either
                indicator("A3"): None,
                indicator("B1"): Decimal(-1),
            },
            set_by=east_office,
        )

    assert stored(tree.county) == {"A3": 2}
    assert not AuditEvent.objects.filter(
        action="indicators.targets.set", details__changed=2
    ).exists()


# --- the targets page -------------------------------------------------------------------------


def targets_url(pairing, year: int = 2023) -> str:
    return reverse("indicators:targets", args=[pairing.code, year])


def test_the_targets_page_shows_a_field_per_indicator_with_the_current_value(
    client, tree, east_office
):
    set_targets(
        pairing=tree.county, year=2023, targets={indicator("A1"): Decimal(4)}, set_by=east_office
    )
    client.force_login(east_office)

    response = client.get(targets_url(tree.county))

    assert response.status_code == 200
    form = response.context["form"]
    assert f"i{indicator('A1').pk}" in form.fields
    assert f"i{indicator('B2').pk}" not in form.fields  # a ratio has no target of its own
    assert form.fields[f"i{indicator('A1').pk}"].initial == 4
    assert "东部党政主要领导赴西部调研对接" in response.content.decode()


def test_posting_targets_saves_and_redirects_to_the_progress_page(client, tree, east_office):
    client.force_login(east_office)

    response = client.post(
        targets_url(tree.county),
        {f"i{indicator('A1').pk}": "3", f"i{indicator('B1').pk}": "560.5"},
    )

    progress_url = reverse("indicators:progress", args=[tree.county.code])
    assert response.status_code == 302
    assert response.url == f"{progress_url}?year=2023"
    assert stored(tree.county) == {"A1": 3, "B1": Decimal("560.5")}


def test_posting_an_empty_field_removes_that_target(client, tree, east_office):
    set_targets(
        pairing=tree.county,
        year=2023,
        targets={indicator("A1"): Decimal(4), indicator("A3"): Decimal(2)},
        set_by=east_office,
    )
    client.force_login(east_office)

    client.post(targets_url(tree.county), {f"i{indicator('A3').pk}": "2"})

    assert stored(tree.county) == {"A3": 2}


@pytest.mark.parametrize("bad", ["-5", "abc", "1.234"])
def test_bad_input_shows_the_form_again_with_errors(client, tree, east_office, bad):
    client.force_login(east_office)

    response = client.post(
        targets_url(tree.county), {f"i{indicator('A1').pk}": "2", f"i{indicator('A3').pk}": bad}
    )

    assert response.status_code == 200
    assert response.context["form"].errors[f"i{indicator('A3').pk}"]
    assert "has-error" in response.content.decode()
    assert not AnnualTarget.objects.exists()


def test_the_targets_page_is_refused_to_a_viewer_and_hidden_from_an_outsider(
    client, tree, viewer, outsider
):
    client.force_login(viewer)
    assert client.get(targets_url(tree.county)).status_code == 403
    assert client.post(targets_url(tree.county), {}).status_code == 403

    client.force_login(outsider)
    assert client.get(targets_url(tree.county)).status_code == 404


def test_a_year_without_a_regime_has_no_targets_page(client, tree, east_office):
    client.force_login(east_office)

    assert client.get(targets_url(tree.county, 2019)).status_code == 404
