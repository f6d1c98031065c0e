"""Forms of the market pages: filters of the demand board, posting and closing demand, 832
reserved shares and guidance notices. The writes happen in consumption.services."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from shanhai.accounts.models import Side
from shanhai.consumption.models import Buyer, Demand, ProductCategory, Supplier
from shanhai.places.models import Place

EMPTY_CHOICE = _("— choose —")
TEN_THOUSAND = Decimal(10000)
WITHDRAWN = "withdrawn"


def year_from(value: str | None, *, default: int) -> int:
    """The year asked for in the address, or *default* when it is missing or odd."""
    try:
        year = int(value or "")
    except ValueError:
        return default
    return year if 2000 <= year <= 2100 else default


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _category_choices(blank: Any) -> list[tuple[str, Any]]:
    return [("", blank), *ProductCategory.choices]


# The demand board ------------------------------------------------------------------------------


class DemandFilterForm(forms.Form):
    """What the demand board shows: open demand by default, narrowed by category or product."""

    STATUSES = [
        (Demand.Status.OPEN, _("Open demand")),
        (Demand.Status.MATCHED, _("Supplier found")),
        (Demand.Status.CLOSED, _("Withdrawn")),
        ("all", _("All")),
    ]

    status = forms.ChoiceField(label=_("Status"), choices=STATUSES, required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=_category_choices(_("All categories")), required=False
    )
    q = forms.CharField(label=_("Product"), required=False, max_length=100)

    def apply(self, demands: QuerySet[Demand]) -> QuerySet[Demand]:
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or Demand.Status.OPEN
        if status != "all":
            demands = demands.filter(status=status)
        if data.get("category"):
            demands = demands.filter(category=data["category"])
        if text := (data.get("q") or "").strip():
            demands = demands.filter(Q(product_name__contains=text) | Q(quality__contains=text))
        return demands.order_by("deliver_from", "id")


class DemandForm(forms.Form):
    """An eastern buyer's demand, as the office types it: tonnes or kilograms, a delivery window,
    a price band in yuan per kilogram."""

    UNITS = [("t", _("tonnes (吨)")), ("kg", _("kilograms (公斤)"))]

    buyer = forms.ModelChoiceField(label=_("Buyer"), queryset=Buyer.objects.none())
    category = forms.ChoiceField(label=_("Category"), choices=_category_choices(EMPTY_CHOICE))
    product_name = forms.CharField(
        label=_("Product wanted"),
        max_length=100,
        required=False,
        help_text=_("For example 猕猴桃. Empty: any product of the category."),
    )
    quantity = forms.DecimalField(
        label=_("Quantity"), min_value=Decimal("0.01"), max_digits=14, decimal_places=3
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=UNITS, initial="t")
    deliver_from = forms.DateField(label=_("Deliver from"), widget=DateInput())
    deliver_to = forms.DateField(label=_("Deliver to"), widget=DateInput())
    price_min = forms.DecimalField(
        label=_("Price from (yuan/kg)"),
        required=False,
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
    )
    price_max = forms.DecimalField(
        label=_("Price to (yuan/kg)"),
        required=False,
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
    )
    quality = forms.CharField(
        label=_("Quality requirements"),
        max_length=300,
        required=False,
        help_text=_("Grade, size, packing, certificates: what the buyer will check."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        buyer = self.fields["buyer"]
        assert isinstance(buyer, forms.ModelChoiceField)
        buyer.queryset = Buyer.objects.filter(side=Side.EAST).exclude(kind=Buyer.Kind.PUBLIC)
        buyer.empty_label = EMPTY_CHOICE

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        start, end = data.get("deliver_from"), data.get("deliver_to")
        if start and end and end < start:
            self.add_error("deliver_to", _("Delivery cannot end before it starts."))
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and high < low:
            self.add_error("price_max", _("The top of the price band is below its bottom."))
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        factor = Decimal(1000) if data["unit"] == "t" else Decimal(1)
        return {
            "buyer": data["buyer"],
            "category": data["category"],
            "product_name": data["product_name"].strip(),
            "quantity_kg": (data["quantity"] * factor).quantize(Decimal("0.01")),
            "deliver_from": data["deliver_from"],
            "deliver_to": data["deliver_to"],
            "price_min": data["price_min"],
            "price_max": data["price_max"],
            "quality": data["quality"].strip(),
        }


class CloseDemandForm(forms.Form):
    """Close demand: met by one of the suppliers matched, or withdrawn."""

    outcome = forms.ChoiceField(label=_("Outcome"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, suppliers: Iterable[Supplier], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suppliers = {str(s.pk): s for s in suppliers}
        field = self.fields["outcome"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            *((pk, _("Met by %(name)s") % {"name": s.name}) for pk, s in self.suppliers.items()),
            (WITHDRAWN, _("Withdrawn: no longer wanted")),
        ]

    def supplier(self) -> Supplier | None:
        return self.suppliers.get(self.cleaned_data["outcome"])


# 832 reserved shares --------------------------------------------------------------------------


class QuotaForm(forms.Form):
    """A budget unit's reserved 832 share for a year, typed in 万元 as the page shows it."""

    buyer = forms.ModelChoiceField(label=_("Budget unit"), queryset=Buyer.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    reserved = forms.DecimalField(
        label=_("Reserved share (10k yuan)"),
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=4,
        help_text=_("In 万元: 12.5 means 125,000 yuan."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        buyer = self.fields["buyer"]
        assert isinstance(buyer, forms.ModelChoiceField)
        buyer.queryset = Buyer.objects.filter(kind=Buyer.Kind.BUDGET_UNIT)
        buyer.empty_label = EMPTY_CHOICE

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "buyer": data["buyer"],
            "year": data["year"],
            "reserved_amount": (data["reserved"] * TEN_THOUSAND).quantize(Decimal("0.01")),
        }


# Guidance notices -------------------------------------------------------------------------------


class NoticeForm(forms.Form):
    """A production guidance notice for growers, for a category and township or for all."""

    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ChoiceField(
        label=_("Category"), choices=_category_choices(_("All categories")), required=False
    )
    town = forms.ModelChoiceField(
        label=_("Township"), queryset=Place.objects.none(), required=False
    )

    def __init__(self, *args: Any, towns: QuerySet[Place] | list[Place], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        town = self.fields["town"]
        assert isinstance(town, forms.ModelChoiceField)
        ids = [t.pk for t in towns]
        town.queryset = Place.objects.filter(pk__in=ids).order_by("path")
        town.empty_label = _("All townships")
