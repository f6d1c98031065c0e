"""Forms for every kind of ledger record, a quick-entry form for phones, and the filters."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shanhai.core.concurrency import ConcurrentEditFormMixin
from shanhai.core.parsing import parse_amount
from shanhai.ledger import models as m
from shanhai.ledger.selectors import organisations_for_pairing, places_for_pairing
from shanhai.places.models import Organisation, Pairing, Place

COMMON = ["title", "occurred_on", "occurred_on_precision", "ended_on", "summary"]


class AmountField(forms.DecimalField):
    """An amount in yuan that may be typed as 52000, 5.2万, 5,000元 or with full-width digits."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "5.2万"})

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        try:
            return parse_amount(str(value))
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class RecordForm(ConcurrentEditFormMixin, forms.ModelForm[m.Record]):
    """The fields every kind shares; the pairing comes from the page, not the form.

    Editing a stored record carries its version: a save over someone else's is refused.
    """

    def __init__(self, *args: Any, pairing: Pairing, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.pairing = pairing
        # Looked up only for a form that names organisations or places (they cost queries).
        lookups: dict[type, Callable[[], QuerySet[Any]]] = {
            Organisation: lambda: organisations_for_pairing(pairing),
            Place: lambda: places_for_pairing(pairing),
        }
        scoped: dict[type, QuerySet[Any]] = {}
        for field in self.fields.values():
            if isinstance(field, forms.ModelMultipleChoiceField | forms.ModelChoiceField):
                model = field.queryset.model  # type: ignore[union-attr]
                if model in lookups:
                    if model not in scoped:
                        scoped[model] = lookups[model]()
                    field.queryset = scoped[model]
        for name, field in self.fields.items():
            _label_blank_choice(field)
            if isinstance(field, forms.DecimalField) and name.endswith("amount"):
                self.fields[name] = AmountField(
                    label=field.label,
                    required=field.required,
                    help_text=_("yuan; 5.2万 works"),
                    show_hidden_initial=field.show_hidden_initial,
                )


def _label_blank_choice(field: forms.Field) -> None:
    """Say "请选择" in the empty choice of a select, in the reader's language."""
    if isinstance(field, forms.ModelChoiceField) and not isinstance(
        field, forms.ModelMultipleChoiceField
    ):
        field.empty_label = _("— choose —")
    elif isinstance(field, forms.TypedChoiceField | forms.ChoiceField) and not isinstance(
        field, forms.MultipleChoiceField | forms.ModelChoiceField
    ):
        choices = list(field.choices)  # type: ignore[arg-type]
        if choices and choices[0][0] == "":
            field.choices = [("", _("— choose —")), *choices[1:]]


def _form_for(model: type[m.Record], fields: list[str], **widgets: Any) -> type[RecordForm]:
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": COMMON + fields,
            "widgets": {
                "occurred_on": DateInput(),
                "ended_on": DateInput(),
                "period_start": DateInput(),
                "period_end": DateInput(),
                "in_service_on": DateInput(),
                "summary": forms.Textarea(attrs={"rows": 3}),
                **widgets,
            },
        },
    )
    return type(f"{model.__name__}Form", (RecordForm,), {"Meta": meta})


class AidProjectForm(RecordForm):
    benefit_mechanisms = forms.MultipleChoiceField(
        label=_("Benefit linkage"),
        choices=m.BenefitMechanism.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = m.AidProject
        fields = [
            *COMMON,
            "sector",
            "place",
            "budget_amount",
            "fund_source",
            "project_status",
            "progress_percent",
            "households",
            "people",
            "poverty_exited_households",
            "monitored_households",
            "benefit_mechanisms",
            "benefit_note",
        ]
        widgets = {"occurred_on": DateInput(), "ended_on": DateInput()}


TEXT = {"rows": 2}
FORMS: dict[str, type[RecordForm]] = {
    m.Record.Kind.VISIT: _form_for(
        m.Visit,
        ["direction", "level", "leader_name", "leader_title", "member_count", "members",
         "places_visited", "units_visited", "purpose", "outcomes"],
        members=forms.Textarea(attrs=TEXT), purpose=forms.Textarea(attrs=TEXT),
        outcomes=forms.Textarea(attrs=TEXT),
        places_visited=forms.CheckboxSelectMultiple, units_visited=forms.SelectMultiple,
    ),
    m.Record.Kind.MEETING: _form_for(
        m.Meeting,
        ["meeting_kind", "level", "venue", "venue_place", "chairs", "attendees",
         "attendee_count", "decisions"],
        attendees=forms.Textarea(attrs=TEXT), decisions=forms.Textarea(attrs=TEXT),
    ),
    m.Record.Kind.AGREEMENT: _form_for(
        m.Agreement,
        ["agreement_kind", "parties", "parties_text", "period_start", "period_end"],
    ),
    m.Record.Kind.FUNDS: _form_for(m.FundAllocation, ["year", "amount", "fund_source"]),
    m.Record.Kind.PROJECT: AidProjectForm,
    m.Record.Kind.DONATION: _form_for(
        m.Donation,
        ["direction", "donation_kind", "donor", "donor_name", "recipient", "recipient_name",
         "items", "quantity", "unit", "value_amount", "in_service_on", "in_service_on_precision"],
    ),
    m.Record.Kind.TALENT: _form_for(
        m.TalentExchange,
        ["direction", "form", "sector", "person_name", "person_title", "headcount",
         "home_organisation", "host_organisation", "host_name", "outcomes"],
        outcomes=forms.Textarea(attrs=TEXT),
    ),
    m.Record.Kind.TRAINING: _form_for(
        m.Training,
        ["direction", "organiser", "topic", "participants", "sessions", "person_times"],
    ),
    m.Record.Kind.INDUSTRY: _form_for(
        m.IndustryCooperation,
        ["cooperation_kind", "enterprise", "investment_agreed_amount",
         "investment_in_place_amount", "jobs_created", "poverty_exited_employed"],
    ),
    m.Record.Kind.SALES_EVENT: _form_for(
        m.SalesEvent, ["event_kind", "venue", "products", "participants", "sales_amount"]
    ),
    m.Record.Kind.FIGURE: _form_for(
        m.ReportedFigure, ["metric", "value", "unit", "qualifier", "period_start"]
    ),
}  # fmt: skip


class QuickRecordForm(forms.Form):
    """A few fields that fit a phone: what, when, a line or two, and a photo."""

    QUICK_KINDS = [
        (m.Record.Kind.VISIT, _("Visit")),
        (m.Record.Kind.MEETING, _("Meeting")),
        (m.Record.Kind.TRAINING, _("Training")),
        (m.Record.Kind.SALES_EVENT, _("Sales event")),
    ]

    kind = forms.ChoiceField(label=_("What"), choices=QUICK_KINDS)
    title = forms.CharField(label=_("Title"), max_length=200)
    occurred_on = forms.DateField(label=_("Date"), widget=DateInput())
    direction = forms.ChoiceField(
        label=_("Direction"), choices=[("", "—"), *m.Direction.choices], required=False
    )
    summary = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    photo = forms.FileField(
        label=_("Photo or document"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )

    def build_record(self, pairing: Pairing) -> m.Record:
        """Turn the quick form into an unsaved record of the chosen kind, with defaults."""
        data = self.cleaned_data
        common = {
            "pairing": pairing,
            "title": data["title"],
            "occurred_on": data["occurred_on"],
            "summary": data["summary"],
            "direction": data["direction"],
        }
        kind = data["kind"]
        if kind == m.Record.Kind.MEETING:
            return m.Meeting(meeting_kind=m.Meeting.MeetingKind.OTHER, **common)
        if kind == m.Record.Kind.TRAINING:
            return m.Training(topic=data["title"], **common)
        if kind == m.Record.Kind.SALES_EVENT:
            return m.SalesEvent(event_kind=m.SalesEvent.EventKind.PROMOTION, **common)
        return m.Visit(**common)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("File"))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("What is wrong or unclear?")}),
    )


class ConfirmForm(forms.Form):
    text = forms.CharField(
        label=_("Note (optional)"),
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("A note with the confirmation")}),
        required=False,
    )


class TransactionForm(forms.ModelForm[m.FundTransaction]):
    amount = AmountField(label=_("Amount (yuan)"))

    class Meta:
        model = m.FundTransaction
        fields = ["transaction_kind", "transacted_on", "amount", "fund_source", "note"]
        widgets = {"transacted_on": DateInput()}


class TimelineFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *m.Record.Kind.choices]
    )
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels")), *m.Level.choices]
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[("", _("Both directions")), *m.Direction.choices],
    )
    status = forms.ChoiceField(
        label=_("Confirmation"),
        required=False,
        choices=[("", _("Any confirmation state")), *m.Record.Status.choices],
    )
    sub = forms.ChoiceField(label=_("Sub-pairing"), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": _("Search titles and text"), "type": "search"}
        ),
    )

    def __init__(self, *args: Any, years: list[int], sub_pairings: list[Pairing], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["year"].choices = [("", _("All years")), *((y, str(y)) for y in years)]  # type: ignore[attr-defined]
        self.fields["sub"].choices = [  # type: ignore[attr-defined]
            ("", _("This pairing and all below")),
            *((p.code, str(p)) for p in sub_pairings),
        ]
