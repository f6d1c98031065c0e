from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from shanhai.indicators.models import Indicator


class TargetsForm(forms.Form):
    """One optional number per indicator that can have a target."""

    def __init__(
        self, *args: Any, indicators: list[Indicator], initial_values: dict[int, Decimal], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.indicators = indicators
        for indicator in indicators:
            self.fields[f"i{indicator.pk}"] = forms.DecimalField(
                label=f"{indicator.code} {indicator.name_zh}",
                help_text=indicator.unit,
                required=False,
                min_value=0,
                max_digits=18,
                decimal_places=2,
                initial=initial_values.get(indicator.pk),
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            )

    def targets(self) -> dict[Indicator, Decimal | None]:
        return {i: self.cleaned_data.get(f"i{i.pk}") for i in self.indicators}
