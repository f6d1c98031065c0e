"""The office's portal page: tick the public figures and the published articles."""

from __future__ import annotations

from typing import Any

from django import forms

from shanhai.indicators.models import Indicator
from shanhai.news.models import Article


class PortalForm(forms.Form):
    """Which of the offered indicators are public, and which of the listed articles."""

    figures = forms.ModelMultipleChoiceField(
        queryset=Indicator.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    articles = forms.ModelMultipleChoiceField(
        queryset=Article.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, *args: Any, indicators: list[Indicator], articles: list[Article], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        figures = self.fields["figures"]
        assert isinstance(figures, forms.ModelMultipleChoiceField)
        figures.queryset = Indicator.objects.filter(pk__in=[i.pk for i in indicators])
        listed = self.fields["articles"]
        assert isinstance(listed, forms.ModelMultipleChoiceField)
        listed.queryset = Article.objects.filter(pk__in=[a.pk for a in articles])

    def chosen_figures(self) -> list[Indicator]:
        """The ticked indicators, in the order offered (the catalogue's, which the portal keeps)."""
        ticked = {indicator.pk for indicator in self.cleaned_data["figures"]}
        return [indicator for indicator in self.indicators if indicator.pk in ticked]

    def chosen_articles(self) -> list[Article]:
        return list(self.cleaned_data["articles"])
