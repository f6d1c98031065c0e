"""Two people correct the same supplier or product: the second save is refused, not lost."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shanhai.accounts.models import Role, Side
from shanhai.consumption.models import Product, Supplier
from shanhai.core.tests.edit_conflicts import (
    as_posted,
    conflict_message,
    open_form,
    second_save_is_refused,
)
from shanhai.ledger.tests.factories import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(tree):
    return person(tree.county, Role.COOPERATION_OFFICE, Side.WEST, display_name="王五")


def test_a_second_supplier_edit_is_refused_and_keeps_the_first(shop, west_office, colleague):
    url = reverse("consumption:supplier-edit", args=[shop.supplier.pk])

    saved, refused = second_save_is_refused(
        colleague, west_office, url, {"contact_name": "张经理"}, {"contact_name": "刘经理"}
    )

    assert (saved.status_code, refused.status_code) == (302, 200)
    assert Supplier.objects.get(pk=shop.supplier.pk).contact_name == "张经理"
    assert "王五" in conflict_message(refused)
    assert "张经理" in conflict_message(refused)
    assert "刘经理" in refused.text  # the refused input is still in the form


def test_after_reloading_the_product_edit_goes_through(shop, west_office, colleague):
    url = reverse("consumption:product-edit", args=[shop.kiwi.pk])
    saved, refused = second_save_is_refused(
        colleague, west_office, url, {"spec": "10斤装"}, {"trace_code": "KIWI-01"}
    )
    assert (saved.status_code, refused.status_code) == (302, 200)

    browser, reloaded = open_form(west_office, url)
    response = browser.post(url, as_posted(reloaded, trace_code="KIWI-01"))

    assert response.status_code == 302
    product = Product.objects.get(pk=shop.kiwi.pk)
    assert (product.spec, product.trace_code) == ("10斤装", "KIWI-01")
