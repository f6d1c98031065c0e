"""Forms of the news: an article pasted or uploaded, and a proposal edited before it is accepted."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shanhai.ledger.forms import FORMS, RecordForm
from shanhai.news.services import MAX_ARTICLE_BYTES
from shanhai.places.models import Pairing

ARTICLE_SUFFIXES = (".txt", ".text", ".htm", ".html", ".shtml")


class ArticleForm(forms.Form):
    """The article as pasted text or as a saved file, and optionally the pairing it is about."""

    text = forms.CharField(
        label=_("Paste the article"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "placeholder": _("Title, date line and text")}),
    )
    file = forms.FileField(
        label=_("Or choose a file (.txt or .html, UTF-8 or GBK)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ARTICLE_SUFFIXES)}),
    )
    pairing = forms.ModelChoiceField(
        label=_("Pairing"),
        queryset=Pairing.objects.none(),
        required=False,
        empty_label=_("— as the article says —"),
        help_text=_("Leave it to be read from the places the article names."),
    )

    def __init__(self, *args: Any, pairings: QuerySet[Pairing], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ModelChoiceField[Pairing] = self.fields["pairing"]  # type: ignore[assignment]
        field.queryset = pairings

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        if PurePath(upload.name or "").suffix.lower() not in ARTICLE_SUFFIXES:
            raise forms.ValidationError(_("Choose a .txt or .html file."), code="suffix")
        if upload.size is not None and upload.size > MAX_ARTICLE_BYTES:
            raise forms.ValidationError(
                _("The article is larger than %(limit)s MB.")
                % {"limit": MAX_ARTICLE_BYTES // (1024 * 1024)},
                code="too_big",
            )
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("text") and cleaned.get("file"):
            raise forms.ValidationError(
                _("Paste the text or choose a file, not both."), code="both"
            )
        return cleaned

    def article_data(self) -> bytes | str:
        """What was given: the file's bytes (decoded later, UTF-8 or GBK) or the pasted text."""
        upload = self.cleaned_data.get("file")
        if upload is not None:
            data: bytes = upload.read()
            return data
        text: str = self.cleaned_data.get("text", "")
        return text


# Links to registry places and organisations are left for the record's own edit page: the
# review page holds a form per proposal and stays light with text fields only.
def _review_form(kind: str) -> type[RecordForm]:
    base = FORMS[kind]
    model = base._meta.model
    fields = [
        name for name in base._meta.fields or () if not model._meta.get_field(name).is_relation
    ]
    meta = type("Meta", (base.Meta,), {"fields": fields})  # type: ignore[attr-defined]
    return type(f"Review{base.__name__}", (base,), {"Meta": meta})


REVIEW_FORMS: dict[str, type[RecordForm]] = {
    kind: _review_form(kind)
    for kind in ("visit", "meeting", "agreement", "donation", "training", "sales_event", "talent")
}


class ProposalPairingForm(forms.Form):
    """Which pairing the record goes to: the article's, or one below it.

    The choices are given as a list, so a page of many proposals reads the pairings once.
    """

    pairing = forms.ChoiceField(label=_("Pairing"))

    def __init__(self, *args: Any, pairings: Sequence[Pairing], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pairings = {pairing.code: pairing for pairing in pairings}
        field: forms.ChoiceField = self.fields["pairing"]  # type: ignore[assignment]
        field.choices = [(pairing.code, str(pairing)) for pairing in pairings]

    def clean_pairing(self) -> Pairing:
        code: str = self.cleaned_data["pairing"]
        return self.pairings[code]
