"""Forms of the matching pages: which workers and jobs to assign, and the pairs accepted."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shanhai.labor.models import TransferBatch
from shanhai.places.models import Place

_PAIR = re.compile(r"^(\d{1,12}):(\d{1,12})$")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class AssignmentForm(forms.Form):
    """Whom to assign: the pairing's workers looking for work, from one town or all."""

    town = forms.ModelChoiceField(
        queryset=Place.objects.none(), required=False, label=_("Town"), empty_label=_("All towns")
    )
    started_on = forms.DateField(label=_("Starting work on"), widget=DateInput())
    batch = forms.ModelChoiceField(
        queryset=TransferBatch.objects.none(),
        required=False,
        label=_("Organised transfer"),
        empty_label=_("None"),
        help_text=_("The placements are recorded as part of this transfer."),
    )
    job_fair = forms.BooleanField(required=False, label=_("At a job fair"))

    def __init__(
        self,
        *args: Any,
        towns: QuerySet[Place],
        batches: QuerySet[TransferBatch],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns  # type: ignore[attr-defined]
        self.fields["batch"].queryset = batches  # type: ignore[attr-defined]


class AcceptForm(AssignmentForm):
    """The pairs the liaison left ticked, as "worker id:posting id"."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        pairs = []
        values = self.data.getlist("pair") if isinstance(self.data, QueryDict) else []
        for value in values:
            found = _PAIR.match(value)
            if found is None:
                raise forms.ValidationError(_("The list of pairs was damaged; run it again."))
            pairs.append((int(found[1]), int(found[2])))
        if not pairs:
            raise forms.ValidationError(_("Tick at least one pair to record."))
        cleaned["pairs"] = pairs
        return cleaned
