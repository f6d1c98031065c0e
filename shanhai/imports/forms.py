"""The upload form, and the form that says which column an unknown header of a sheet is."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanhai.accounts.models import Action, User
from shanhai.core.uploads import XLS, XLSX
from shanhai.imports.exports import header_text
from shanhai.imports.kinds.base import Kind
from shanhai.imports.models import ImportJob
from shanhai.places.models import Pairing
from shanhai.places.selectors import pairings_for_user

SHEET_TYPES = ",".join((".xlsx", ".xls", ".csv", XLSX, XLS, "text/csv"))


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the sheet lists"))
    pairing = forms.ModelChoiceField(
        label=gettext_lazy("Pairing"),
        queryset=Pairing.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("— from the sheet's 结对 column —"),
        help_text=gettext_lazy(
            "The pairing the rows belong to. Leave it empty when the sheet has a 结对 column."
        ),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Rows already in the ledger"),
        choices=ImportJob.Mode.choices,
        initial=ImportJob.Mode.CREATE,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx, .xls or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": SHEET_TYPES}),
    )

    def __init__(self, *args: Any, user: User, kinds: Sequence[Kind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = {kind.name: kind for kind in kinds}
        kind_field: forms.ChoiceField = self.fields["kind"]  # type: ignore[assignment]
        kind_field.choices = [(kind.name, kind.label) for kind in kinds]
        pairings = pairings_for_user(user, Action.RECORD).order_by("path")
        pairing_field: forms.ModelChoiceField[Pairing] = self.fields["pairing"]  # type: ignore[assignment]
        pairing_field.queryset = pairings

    def clean_pairing(self) -> Pairing | None:
        pairing: Pairing | None = self.cleaned_data.get("pairing")
        kind = self.kinds.get(self.cleaned_data.get("kind", ""))
        if pairing is not None and kind is not None and not kind.needs_pairing:
            return None  # places, organisations and pairings belong to no pairing
        return pairing


def _field_name(header: str) -> str:
    """A form field's name for a header as written: stable, whatever the header's characters."""
    return "h-" + hashlib.sha256(header.encode()).hexdigest()[:12]


class MappingForm(forms.Form):
    """For each header the importer did not recognise: the column it is, or "ignore"."""

    def __init__(
        self,
        *args: Any,
        kind: Kind,
        unknown: Sequence[str],
        matched: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""  # the header stands alone, as the sheet writes it
        self.headers: dict[str, str] = {}
        free = [c for c in kind.columns if c.key not in matched]
        choices = [("", _("Ignore this column")), *((c.key, header_text(c)) for c in free)]
        for header in dict.fromkeys(unknown):
            name = _field_name(header)
            self.headers[name] = header
            self.fields[name] = forms.ChoiceField(label=header, choices=choices, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        seen: dict[str, str] = {}
        for name, column in list(cleaned.items()):
            if not column:
                continue
            if column in seen:
                self.add_error(
                    name,
                    _("“%(other)s” is already this column; each column can be given once.")
                    % {"other": self.headers[seen[column]]},
                )
            seen[column] = name
        return cleaned

    def mapping(self) -> dict[str, str]:
        """{header as written: column key, or "" to ignore it}."""
        return {self.headers[name]: column for name, column in self.cleaned_data.items()}
