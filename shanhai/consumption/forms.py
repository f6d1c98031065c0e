"""Forms of the consumption pages: suppliers, products, certification, channels, sales, flags.

Amounts and quantities are read as people type them (5.2万, 60元, 1,000); the writes happen in
consumption.services, whose errors come back to the field they are about.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanhai.consumption.models import (
    BenefitLinkage,
    Buyer,
    Certification,
    CertificationStep,
    Channel,
    Product,
    SaleFlag,
    Supplier,
)
from shanhai.core.concurrency import ConcurrentEditFormMixin
from shanhai.core.parsing import ParseError, parse_amount, parse_quantity
from shanhai.core.uploads import check_upload
from shanhai.places.models import Pairing, Place, validate_credit_code

EMPTY_CHOICE = _("— choose —")
MONTHS = [(m, f"{m}月") for m in range(1, 13)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class AmountField(forms.DecimalField):
    """Yuan, typed as 52000, 5.2万, 5,000元 or ¥60."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        try:
            return parse_amount(str(value))
        except ParseError as error:
            raise ValidationError(str(error), code="invalid") from None


class QuantityField(forms.DecimalField):
    """A number of units, typed as 1000, 1,000 or 1.2万."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        try:
            return parse_quantity(str(value)).quantize(Decimal("0.01"))  # as stored
        except (ParseError, ArithmeticError) as error:
            raise ValidationError(str(error), code="invalid") from None


class PairingChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Pairing) -> str:
        return str(obj)


class PlaceChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Place) -> str:
        return obj.full_name


def _label_blank_choice(form: forms.BaseForm) -> None:
    """Say "— choose —" in the empty choice of each select, in the reader's language."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
            continue
        if isinstance(field, forms.ModelChoiceField):
            if field.empty_label is not None:
                field.empty_label = EMPTY_CHOICE
        elif isinstance(field, forms.ChoiceField):
            choices = list(field.choices)  # type: ignore[arg-type]
            if choices and choices[0][0] == "":
                field.choices = [("", EMPTY_CHOICE), *choices[1:]]


def _checked_evidence(file: Any) -> Any:
    """Refuse an evidence file that is not a photo, PDF or Office document."""
    if file:
        check_upload(file)
    return file


def _not_in_future(day: date | None) -> date | None:
    if day is not None and day > timezone.localdate():
        raise ValidationError(_("This date is in the future."), code="future")
    return day


# Suppliers -------------------------------------------------------------------------------------


class SupplierFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Search by name")}),
    )
    pairing = forms.TypedChoiceField(
        label=_("Pairing"), required=False, coerce=int, empty_value=None, choices=[]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *Supplier.Kind.choices]
    )
    town = forms.TypedChoiceField(
        label=_("Town"), required=False, coerce=int, empty_value=None, choices=[]
    )

    def __init__(
        self, *args: Any, pairings: Iterable[Pairing], towns: Iterable[Place], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pairings = {p.pk: p for p in pairings}
        self.towns = {t.pk: t for t in towns}
        self.fields["pairing"].choices = [  # type: ignore[attr-defined]
            ("", _("Every pairing")),
            *((pk, str(p)) for pk, p in self.pairings.items()),
        ]
        self.fields["town"].choices = [  # type: ignore[attr-defined]
            ("", _("Every town")),
            *((pk, t.name) for pk, t in self.towns.items()),
        ]

    def apply(self, suppliers: QuerySet[Supplier]) -> QuerySet[Supplier]:
        """Narrow *suppliers* by the filters that were filled in correctly."""
        self.is_valid()  # a bad value drops only its own filter
        data = self.cleaned_data
        if data.get("q"):
            suppliers = suppliers.filter(name__contains=data["q"].strip())
        pairing = self.pairings.get(data.get("pairing") or 0)
        if pairing is not None:
            suppliers = suppliers.filter(pairing__path__startswith=pairing.path)
        if data.get("kind"):
            suppliers = suppliers.filter(kind=data["kind"])
        town = self.towns.get(data.get("town") or 0)
        if town is not None:
            suppliers = suppliers.filter(place__path__startswith=town.path)
        return suppliers


class SupplierForm(ConcurrentEditFormMixin, forms.ModelForm[Supplier]):
    """Register a supplier (choosing its pairing) or correct one."""

    class Meta:
        model = Supplier
        fields = [
            "pairing",
            "name",
            "kind",
            "place",
            "credit_code",
            "contact_name",
            "contact_phone",
            "registered_on",
        ]
        field_classes = {"pairing": PairingChoiceField, "place": PlaceChoiceField}
        widgets = {"registered_on": DateInput()}

    def __init__(
        self,
        *args: Any,
        pairings: QuerySet[Pairing] | None,
        places: QuerySet[Place],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if pairings is None:  # editing: a supplier stays in its pairing
            del self.fields["pairing"]
        else:
            self.fields["pairing"].queryset = pairings  # type: ignore[attr-defined]
        self.fields["place"].queryset = places  # type: ignore[attr-defined]
        self.fields["place"].help_text = _("The township or village where it produces.")
        self.fields["credit_code"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false"}
        )
        self.fields["contact_phone"].widget.attrs.update({"inputmode": "tel"})
        _label_blank_choice(self)

    def clean_credit_code(self) -> str:
        code = str(self.cleaned_data.get("credit_code") or "").strip().upper()
        if code:
            validate_credit_code(code)
        return code

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        pairing = data.get("pairing") or getattr(self.instance, "pairing", None)
        place = data.get("place")
        if pairing is not None and place is not None:
            west = pairing.west_place
            if west is not None and not place.path.startswith(west.path):
                self.add_error(
                    "place",
                    _("%(place)s is not in %(west)s, the western side of this pairing.")
                    % {"place": place.full_name, "west": west.full_name},
                )
        return data

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned values as register_supplier / update_supplier take them."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}


class LinkageForm(forms.ModelForm[BenefitLinkage]):
    """How a supplier linked farmers in one year and what it paid them."""

    kinds = forms.MultipleChoiceField(
        label=_("Ways of linking farmers"),
        required=False,
        choices=BenefitLinkage.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    paid_amount = AmountField(label=_("Paid to households (yuan)"), min_value=0)

    class Meta:
        model = BenefitLinkage
        fields = [
            "kinds",
            "households",
            "poverty_exited_households",
            "monitored_households",
            "paid_amount",
        ]

    def service_arguments(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


# Products --------------------------------------------------------------------------------------


class ProductForm(ConcurrentEditFormMixin, forms.ModelForm[Product]):
    reference_price = AmountField(label=_("Reference price (yuan per unit)"), min_value=0)
    season_months = forms.TypedMultipleChoiceField(
        label=_("Months of supply"),
        required=False,
        coerce=int,
        choices=MONTHS,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: all year."),
    )
    capacity_quantity = QuantityField(label=_("Declared annual capacity (units)"), min_value=0)
    capacity_amount = AmountField(label=_("Declared annual capacity (yuan)"), min_value=0)

    class Meta:
        model = Product
        fields = [
            "name",
            "category",
            "spec",
            "unit",
            "unit_kg",
            "origin",
            "reference_price",
            "season_months",
            "capacity_quantity",
            "capacity_amount",
            "trace_code",
        ]
        field_classes = {"origin": PlaceChoiceField}

    def __init__(self, *args: Any, origins: QuerySet[Place], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["origin"].queryset = origins  # type: ignore[attr-defined]
        self.fields["unit"].help_text = _("As the product is sold: 斤, 公斤, 箱, 盒 …")
        _label_blank_choice(self)

    def clean_trace_code(self) -> str:
        return str(self.cleaned_data.get("trace_code") or "").strip()

    def service_arguments(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


# Certification ---------------------------------------------------------------------------------


def criteria_choices() -> list[tuple[str, str]]:
    """The six certification criteria, named as the model names them."""
    return [
        (name, str(getattr(Certification._meta.get_field(name), "verbose_name", name)))
        for name in Certification.CRITERIA
    ]


class CriteriaField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Criteria met"))
        kwargs.setdefault("required", False)
        super().__init__(choices=criteria_choices, **kwargs)


class ApplyForm(forms.Form):
    """Apply to certify a product, ticking the criteria the application shows."""

    criteria = CriteriaField(
        help_text=_("Tick each criterion the application shows; the county checks them.")
    )
    applied_on = forms.DateField(label=_("Applied on"), widget=DateInput())
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 20})
    )
    evidence = forms.FileField(
        label=_("Evidence (application form, photos, test report)"), required=False
    )

    def clean_applied_on(self) -> date | None:
        return _not_in_future(self.cleaned_data.get("applied_on"))

    def clean_evidence(self) -> Any:
        return _checked_evidence(self.cleaned_data.get("evidence"))


# Which fields each step uses, so the page shows only those (and the view passes only those).
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    CertificationStep.Kind.REVIEWED: ("criteria",),
    CertificationStep.Kind.RECHECKED: ("criteria",),
    CertificationStep.Kind.PUBLICISED: ("publicity_to",),
    CertificationStep.Kind.OBJECTION: (),
    CertificationStep.Kind.ANSWERED: (),
    CertificationStep.Kind.CERTIFIED: (
        "criteria",
        "certificate_number",
        "valid_from",
        "valid_to",
    ),
    CertificationStep.Kind.REJECTED: (),
    CertificationStep.Kind.WITHDRAWN: (),
}


class StepForm(forms.Form):
    """The next step of a certification: one of those its status allows."""

    step = forms.ChoiceField(label=_("Next step"), choices=[], widget=forms.RadioSelect)
    on = forms.DateField(label=_("Date"), widget=DateInput())
    criteria = CriteriaField()
    publicity_to = forms.DateField(
        label=_("Public notice until"), required=False, widget=DateInput()
    )
    certificate_number = forms.CharField(
        label=_("Certificate number"), max_length=40, required=False
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DateInput())
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 20}),
        help_text=_("The objection, the answer, or the reason for rejecting or withdrawing."),
    )
    evidence = forms.FileField(label=_("Evidence"), required=False)

    def __init__(self, *args: Any, steps: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        order = list(CertificationStep.Kind.values)
        allowed = sorted(steps, key=order.index)
        self.fields["step"].choices = [  # type: ignore[attr-defined]
            (kind, CertificationStep.Kind(kind).label) for kind in allowed
        ]
        if len(allowed) == 1:
            self.fields["step"].initial = allowed[0]

    def clean_on(self) -> date | None:
        return _not_in_future(self.cleaned_data.get("on"))

    def clean_evidence(self) -> Any:
        return _checked_evidence(self.cleaned_data.get("evidence"))

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned values as services.advance_certification takes them for this step."""
        data = self.cleaned_data
        step = data["step"]
        arguments: dict[str, Any] = {
            "step": step,
            "on": data["on"],
            "note": data["note"],
            "evidence": data.get("evidence") or None,
        }
        for name in STEP_FIELDS.get(step, ()):
            arguments[name] = data.get(name)
        if "certificate_number" in arguments:
            arguments["certificate_number"] = arguments["certificate_number"] or ""
        return arguments


# Channels --------------------------------------------------------------------------------------


class ChannelForm(forms.ModelForm[Channel]):
    class Meta:
        model = Channel
        fields = ["pairing", "name", "kind", "side"]
        field_classes = {"pairing": PairingChoiceField}

    def __init__(self, *args: Any, pairings: QuerySet[Pairing], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pairing"].queryset = pairings  # type: ignore[attr-defined]
        _label_blank_choice(self)

    def service_arguments(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("name", "kind", "side")}


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("What the key is for"),
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. nightly upload from the shop system")}
        ),
    )


# Sales -----------------------------------------------------------------------------------------


class ProductChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Product) -> str:
        return f"{obj} · {obj.supplier.name}"


class SaleLineForm(forms.Form):
    """One sale as the channel recorded it."""

    order_id = forms.CharField(label=_("Order id"), max_length=64)
    sold_on = forms.DateField(label=_("Date sold"), initial=timezone.localdate, widget=DateInput())
    product = ProductChoiceField(label=_("Product"), queryset=Product.objects.none())
    quantity = QuantityField(label=_("Quantity"))
    amount = AmountField(label=_("Amount (yuan)"))
    buyer = forms.ModelChoiceField(label=_("Buyer"), queryset=Buyer.objects.none(), required=False)

    def __init__(
        self, *args: Any, products: QuerySet[Product], buyers: QuerySet[Buyer], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products  # type: ignore[attr-defined]
        self.fields["buyer"].queryset = buyers  # type: ignore[attr-defined]
        self.fields["buyer"].empty_label = _("— members of the public —")  # type: ignore[attr-defined]
        self.fields["product"].empty_label = EMPTY_CHOICE  # type: ignore[attr-defined]

    def clean_sold_on(self) -> date | None:
        return _not_in_future(self.cleaned_data.get("sold_on"))


class BaseSaleLineFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def __init__(
        self, *args: Any, products: QuerySet[Product], buyers: QuerySet[Buyer], **kwargs: Any
    ) -> None:
        self.products, self.buyers = products, buyers
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"products": self.products, "buyers": self.buyers}

    def clean(self) -> None:
        if any(self.errors):
            return
        if not any(form.has_changed() for form in self.forms):
            raise ValidationError(_("Fill in at least one sale."), code="empty")

    def filled(self) -> list[SaleLineForm]:
        return [form for form in self.forms if form.has_changed()]


SaleLineFormSet = cast(
    "type[BaseSaleLineFormSet]",
    forms.formset_factory(
        SaleLineForm, formset=BaseSaleLineFormSet, extra=0, max_num=20, validate_max=True
    ),
)


class SaleFilterForm(forms.Form):
    channel = forms.TypedChoiceField(
        label=_("Channel"), required=False, coerce=int, empty_value=None, choices=[]
    )
    product = forms.IntegerField(required=False, widget=forms.HiddenInput)
    event = forms.IntegerField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(
        label=_("Product"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Product name")}),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    counted = forms.ChoiceField(
        label=_("Counted"),
        required=False,
        choices=[
            ("", _("Counted or not")),
            ("yes", _("Counted")),
            ("no", _("Not counted")),
        ],
    )

    def __init__(self, *args: Any, channels: Iterable[Channel], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [  # type: ignore[attr-defined]
            ("", _("Every channel")),
            *((c.pk, c.name) for c in channels),
        ]


# Short names of the flags for the filter, which must fit a phone's width.
FLAG_SHORT_NAMES = [
    (SaleFlag.Kind.UNCERTIFIED, _("Not certified")),
    (SaleFlag.Kind.OVER_CAPACITY, _("Over capacity")),
    (SaleFlag.Kind.PRICE, _("Price")),
    (SaleFlag.Kind.DUPLICATE, _("Duplicate")),
    (SaleFlag.Kind.WRONG_PAIRING, _("Wrong pairing")),
]


class FlagFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Flag"), required=False, choices=[("", _("Every flag")), *FLAG_SHORT_NAMES]
    )
    channel = forms.TypedChoiceField(
        label=_("Channel"), required=False, coerce=int, empty_value=None, choices=[]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (SaleFlag.Status.OPEN, _("To check")),
            (SaleFlag.Status.ACCEPTED, _("Checked: stands")),
            (SaleFlag.Status.EXCLUDED, _("Checked: excluded")),
        ],
    )

    def __init__(self, *args: Any, channels: Iterable[Channel], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [  # type: ignore[attr-defined]
            ("", _("Every channel")),
            *((c.pk, c.name) for c in channels),
        ]


class ResolveForm(forms.Form):
    flags = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={"required": _("Tick the flags to resolve.")},
    )
    resolution = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (SaleFlag.Status.ACCEPTED, _("The sale stands")),
            (SaleFlag.Status.EXCLUDED, _("Exclude the sale")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any id may be ticked; the view keeps only the flags the reader may see.
        self.fields["flags"].valid_value = lambda value: True  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("resolution") == SaleFlag.Status.EXCLUDED and not data.get("note", "").strip():
            self.add_error("note", _("Say why the sale is excluded."))
        return data
