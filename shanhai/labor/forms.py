"""Forms of the labor pages: workers, postings, placements, follow-ups, transfers, subsidies.

ID numbers, phones, wages and places are read as people type them (core.parsing and
places.selectors); the writes themselves happen in labor.services.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from shanhai.accounts.models import Side
from shanhai.core.concurrency import ConcurrentEditFormMixin
from shanhai.core.parsing import ParseError, parse_id_number, parse_integer, parse_phone
from shanhai.core.personal import mask_name
from shanhai.labor.models import (
    HouseholdType,
    Placement,
    Posting,
    SubsidyClaim,
    TransferBatch,
    Worker,
)
from shanhai.places.models import Organisation, Place
from shanhai.places.selectors import match_places

EMPTY_CHOICE = _("— choose —")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class WageField(forms.IntegerField):
    """Yuan a month, typed as 5000, 5千, 5,000元 or ５０００元/月."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "5000"})

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return parse_integer(str(value), unit="元", also=("元/月", "元每月", "/月"))
        except ParseError as error:
            raise forms.ValidationError(str(error), code="invalid") from None


class PlaceInput(forms.TextInput):
    """A place typed by name, with the pairing's places offered as suggestions (no script)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.suggestions: list[str] = []

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or 'id_' + name}-places"
        attrs["list"] = list_id
        html = super().render(name, value, attrs, renderer)
        options = format_html_join("", '<option value="{}">', ((s,) for s in self.suggestions))
        return format_html('{}<datalist id="{}">{}</datalist>', html, list_id, options)


class PlaceField(forms.Field):
    """A place written as people write it: 上海市松江区, 松江区泗泾镇, 苏州市, 麟凤."""

    widget = PlaceInput

    def set_suggestions(self, places: Iterable[Place]) -> None:
        assert isinstance(self.widget, PlaceInput)
        self.widget.suggestions = [place.full_name for place in places]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Place):
            return value.full_name
        if isinstance(value, int):  # a model form's initial value is the key
            place = Place.objects.filter(pk=value).first()
            return place.full_name if place else ""
        return value

    def to_python(self, value: Any) -> Place | None:
        text = str(value or "").strip()
        if not text:
            return None
        exact = list(Place.objects.filter(full_name=text)[:2])  # picked from the suggestions
        if len(exact) == 1:
            return exact[0]
        places = match_places(text)
        if not places:
            raise forms.ValidationError(
                _("No place called “%(text)s” is known. Write it as 上海市松江区 or pick one."),
                code="unknown_place",
                params={"text": text},
            )
        if len(places) > 1 and places[0].depth == places[1].depth:
            raise forms.ValidationError(
                _("“%(text)s” could be %(places)s: write the place above it too."),
                code="ambiguous_place",
                params={"text": text, "places": "、".join(p.full_name for p in places[:5])},
            )
        return places[0]


def _label_blank_choice(form: forms.BaseForm) -> None:
    """Say "— choose —" in the empty choice of each select, in the reader's language."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
            continue
        if isinstance(field, forms.ModelChoiceField):
            field.empty_label = EMPTY_CHOICE
        elif isinstance(field, forms.ChoiceField):
            choices = list(field.choices)  # type: ignore[arg-type]
            if choices and choices[0][0] == "":
                field.choices = [("", EMPTY_CHOICE), *choices[1:]]


def _parsed(parser: Any, value: str) -> str:
    try:
        return str(parser(value))
    except ParseError as error:
        raise forms.ValidationError(str(error), code="invalid") from None


# Workers ---------------------------------------------------------------------------------------


class WorkerFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Search by name")}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Worker.Status.choices],
    )
    household = forms.ChoiceField(
        label=_("Household"),
        required=False,
        choices=[("", _("Any household")), *HouseholdType.choices],
    )
    town = forms.TypedChoiceField(
        label=_("Town"), required=False, coerce=int, empty_value=None, choices=[]
    )

    def __init__(self, *args: Any, towns: Iterable[Place], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.towns = {town.pk: town for town in towns}
        self.fields["town"].choices = [  # type: ignore[attr-defined]
            ("", _("Every town")),
            *((pk, town.name) for pk, town in self.towns.items()),
        ]

    def apply(self, workers: QuerySet[Worker]) -> QuerySet[Worker]:
        """Narrow *workers* by the filters that were filled in correctly."""
        self.is_valid()  # a bad value drops only its own filter
        data = self.cleaned_data
        if data.get("q"):
            workers = workers.filter(name__contains=data["q"])
        if data.get("status"):
            workers = workers.filter(status=data["status"])
        if data.get("household"):
            workers = workers.filter(household_type=data["household"])
        town = self.towns.get(data.get("town") or 0)
        if town is not None:
            workers = workers.filter(origin__path__startswith=town.path)
        return workers


class WorkerForm(ConcurrentEditFormMixin, forms.ModelForm[Worker]):
    """Register a worker or edit one; the ID number and phone are checked as they are typed."""

    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    expected_wage = WageField(label=_("Expected wage (yuan/month)"), required=False)

    class Meta:
        model = Worker
        fields = [
            "name",
            "origin",
            "household_type",
            "willingness",
            "expected_wage",
            "skills",
            "certificates",
            "trainings",
            "has_consented",
            "status",
        ]

    def __init__(self, *args: Any, origins: QuerySet[Place], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        origin = self.fields["origin"]
        origin.queryset = origins.filter(side=Side.WEST)  # type: ignore[attr-defined]
        origin.label_from_instance = lambda place: place.full_name  # type: ignore[attr-defined]
        order = ["name", "id_number", "phone", *self.Meta.fields[1:]]
        self.order_fields(order)
        editing = self.instance.pk is not None
        if not editing or self.instance.status == Worker.Status.PLACED:
            del self.fields["status"]  # placements set "in work"; a new worker is looking
        else:
            self.fields["status"].choices = [  # type: ignore[attr-defined]
                (value, label)
                for value, label in Worker.Status.choices
                if value != Worker.Status.PLACED
            ]
        if editing:
            keep = _("Leave empty to keep %(masked)s.")
            self.fields["id_number"].help_text = keep % {
                "masked": self.instance.id_number_masked or "—"
            }
            self.fields["phone"].help_text = keep % {"masked": self.instance.phone_masked or "—"}
        _label_blank_choice(self)

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"]
        return _parsed(parse_id_number, value) if value.strip() else ""

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"]
        return _parsed(parse_phone, value) if value.strip() else ""

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned values as labor.services.register_worker takes them."""
        return {name: self.cleaned_data[name] for name in self.edited_fields()}


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to see them?"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. checking a subsidy payment")}),
    )


class AnonymiseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. the worker asked on 2024-03-01")}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that the name, ID number and phone are deleted for good."),
    )


# Postings --------------------------------------------------------------------------------------


class PostingForm(ConcurrentEditFormMixin, forms.ModelForm[Posting]):
    """A job posting; it has no field for sex or ethnicity, on purpose."""

    work_place = PlaceField(label=_("Place of work"))
    wage_min = WageField(label=_("Wage from (yuan/month)"))
    wage_max = WageField(label=_("Wage to (yuan/month)"))

    class Meta:
        model = Posting
        fields = [
            "employer",
            "title",
            "industry",
            "work_place",
            "headcount",
            "wage_min",
            "wage_max",
            "hours",
            "education",
            "skills_required",
            "age_min",
            "age_max",
            "has_housing",
            "has_meals",
            "is_love_post",
            "valid_from",
            "valid_to",
            "contact",
        ]
        widgets = {"valid_from": DateInput(), "valid_to": DateInput()}

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        places: QuerySet[Place],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = organisations  # type: ignore[attr-defined]
        work_place = self.fields["work_place"]
        assert isinstance(work_place, PlaceField)
        work_place.set_suggestions(places.exclude(level=Place.Level.VILLAGE))
        _label_blank_choice(self)


# Placements and follow-ups ---------------------------------------------------------------------


class PlacementForm(forms.Form):
    """A worker started work: through a posting, or with an employer named some other way."""

    posting = forms.ModelChoiceField(
        label=_("Posting"), queryset=Posting.objects.none(), required=False
    )
    employer = forms.ModelChoiceField(
        label=_("Employer"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("Without a posting: the employer, if it is listed…"),
    )
    employer_name = forms.CharField(label=_("…or its name"), max_length=200, required=False)
    work_place = PlaceField(
        label=_("Place of work"),
        required=False,
        help_text=_("Empty: the posting's place of work."),
    )
    started_on = forms.DateField(label=_("Started on"), widget=DateInput())
    monthly_wage = WageField(label=_("Wage (yuan/month)"), required=False)
    channel = forms.ChoiceField(label=_("How it came about"), choices=Placement.Channel.choices)
    batch = forms.ModelChoiceField(
        label=_("Organised transfer"), queryset=TransferBatch.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        postings: QuerySet[Posting],
        organisations: QuerySet[Organisation],
        places: QuerySet[Place],
        batches: QuerySet[TransferBatch],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["posting"].queryset = postings  # type: ignore[attr-defined]
        self.fields["employer"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["batch"].queryset = batches  # type: ignore[attr-defined]
        work_place = self.fields["work_place"]
        assert isinstance(work_place, PlaceField)
        work_place.set_suggestions(places.exclude(level=Place.Level.VILLAGE))
        self.fields["channel"].choices = [("", EMPTY_CHOICE), *Placement.Channel.choices]  # type: ignore[attr-defined]
        _label_blank_choice(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        posting: Posting | None = data.get("posting")
        if posting is None and not data.get("employer") and not data.get("employer_name"):
            self.add_error("employer_name", _("Choose the posting, or say who the employer is."))
        if not data.get("work_place") and "work_place" not in self.errors:
            if posting is not None:
                data["work_place"] = posting.work_place
            else:
                self.add_error("work_place", _("Say where the job is."))
        return data


class EndPlacementForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DateInput())
    reason = forms.CharField(label=_("Why it ended"), max_length=200)


def _yes(value: str) -> bool:
    return value == "yes"


class FollowUpForm(forms.Form):
    checked_on = forms.DateField(label=_("Checked on"), widget=DateInput())
    is_employed = forms.TypedChoiceField(
        label=_("Still in work?"),
        choices=[("yes", _("Yes, still in work")), ("no", _("No, out of work"))],
        coerce=_yes,
        widget=forms.RadioSelect,
    )
    employer_name = forms.CharField(label=_("Employer now"), max_length=200, required=False)
    monthly_income = WageField(label=_("Income (yuan/month)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class QuickFollowUpForm(forms.Form):
    """The due list's one-click "still in work today"."""

    checked_on = forms.DateField(widget=forms.HiddenInput)


# Organised transfers ---------------------------------------------------------------------------


class WorkerChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Workers to tick, by name (masked unless the reader may see names) and masked ID."""

    def __init__(self, *args: Any, show_names: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.show_names = show_names

    def label_from_instance(self, obj: Worker) -> str:
        name = obj.name if self.show_names else mask_name(obj.name)
        return " · ".join(part for part in (name, obj.origin.name, obj.id_number_masked) if part)


class TransferBatchForm(forms.ModelForm[TransferBatch]):
    destination = PlaceField(label=_("Destination"))
    workers = WorkerChoiceField(
        label=_("Workers"),
        queryset=Worker.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = TransferBatch
        fields = ["departed_on", "organiser", "transport", "escort", "destination", "workers"]
        widgets = {"departed_on": DateInput()}

    def __init__(
        self,
        *args: Any,
        workers: QuerySet[Worker],
        places: QuerySet[Place],
        show_names: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["workers"]
        assert isinstance(field, WorkerChoiceField)
        field.queryset = workers
        field.show_names = show_names
        destination = self.fields["destination"]
        assert isinstance(destination, PlaceField)
        destination.set_suggestions(places.exclude(level=Place.Level.VILLAGE))
        _label_blank_choice(self)


# Subsidies -------------------------------------------------------------------------------------


class ClaimFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *SubsidyClaim.Status.choices],
    )


class ClaimMoveForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Move to"),
        choices=[
            (value, label)
            for value, label in SubsidyClaim.Status.choices
            if value != SubsidyClaim.Status.ELIGIBLE
        ],
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput(), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == SubsidyClaim.Status.PAID and not data.get("paid_on"):
            self.add_error("paid_on", _("Say when it was paid."))
        return data


# Years and weeks -------------------------------------------------------------------------------


def year_from(value: str | None, *, default: int) -> int:
    """The year asked for in the address, or *default* when it is missing or odd."""
    try:
        year = int(value or "")
    except ValueError:
        return default
    return year if 2000 <= year <= 2100 else default
