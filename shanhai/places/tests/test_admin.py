"""The back office edits the spine through the services, so trees and names stay right."""

import pytest
from django.urls import reverse

from shanhai.core.models import AuditEvent
from shanhai.demo import places as demo_data
from shanhai.places.models import Pairing, Place

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_with_demo(client):
    users = demo_data.load()
    client.force_login(next(user for user in users if user.is_superuser))
    return client


def _place_form(place: Place, **changes):
    data = {
        "name": place.name,
        "level": place.level,
        "code": place.code or "",
        "side": place.side,
        "parent": place.parent_id or "",
        "source": place.source_id or "",
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def test_renaming_a_township_in_the_back_office_renames_it_and_the_villages_below(
    admin_client_with_demo,
):
    linfeng = Place.objects.get(name="麟凤镇")
    url = reverse("admin:places_place_change", args=[linfeng.pk])

    response = admin_client_with_demo.post(url, _place_form(linfeng, name="麟凤新镇"))

    assert response.status_code == 302
    linfeng.refresh_from_db()
    assert linfeng.name == "麟凤新镇"
    assert Place.objects.filter(name="麟凤镇").count() == 0  # renamed, not duplicated
    assert Place.objects.get(name="金鸡村").full_name == "云南省昭通市威信县麟凤新镇金鸡村"
    assert AuditEvent.objects.filter(action="places.place.updated").exists()


def test_a_bad_division_code_in_the_back_office_is_refused_with_the_field_named(
    admin_client_with_demo,
):
    linfeng = Place.objects.get(name="麟凤镇")
    url = reverse("admin:places_place_change", args=[linfeng.pk])

    response = admin_client_with_demo.post(url, _place_form(linfeng, code="53062910"))

    assert response.status_code == 200
    assert "code" in response.context["adminform"].form.errors
    linfeng.refresh_from_db()
    assert linfeng.code == "530629104000"


def test_changing_a_pairing_code_in_the_back_office_keeps_the_same_pairing(
    admin_client_with_demo,
):
    pairing = Pairing.objects.get(code="xinbang-linfeng")
    url = reverse("admin:places_pairing_change", args=[pairing.pk])
    data = {
        "code": "xinbang-linfeng-2021",
        "kind": pairing.kind,
        "parent": pairing.parent_id,
        "east_place": pairing.east_place_id,
        "west_place": pairing.west_place_id,
        "east_organisation": "",
        "west_organisation": "",
        "started_on": "2021-01-01",
        "started_on_precision": pairing.started_on_precision,
        "ended_on": "",
        "source": pairing.source_id,
        "source_note": pairing.source_note,
        "is_illustrative": "on",
    }

    response = admin_client_with_demo.post(url, data)

    assert response.status_code == 302
    assert Pairing.objects.get(pk=pairing.pk).code == "xinbang-linfeng-2021"
    assert not Pairing.objects.filter(code="xinbang-linfeng").exists()


def test_the_audit_log_cannot_be_edited_in_the_back_office(admin_client_with_demo):
    event = AuditEvent.objects.first()
    assert event is not None

    change = admin_client_with_demo.post(
        reverse("admin:core_auditevent_change", args=[event.pk]), {"action": "forged"}
    )
    delete = admin_client_with_demo.post(
        reverse("admin:core_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )

    assert change.status_code == 403
    assert delete.status_code == 403
    event.refresh_from_db()
    assert event.action != "forged"
