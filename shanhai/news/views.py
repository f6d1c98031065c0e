"""Pages of the news: the articles of my pairings, adding one, and reviewing what it proposes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BoundField
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanhai.accounts.models import Action
from shanhai.core.http import AuthenticatedHttpRequest
from shanhai.ledger.forms import RecordForm
from shanhai.ledger.models import Record
from shanhai.news import selectors, services
from shanhai.news.forms import REVIEW_FORMS, ArticleForm, ProposalPairingForm
from shanhai.news.highlight import CATEGORY_LABELS
from shanhai.news.highlight import render as render_text
from shanhai.news.models import Article, Proposal
from shanhai.places.models import Pairing
from shanhai.places.selectors import user_can_anywhere


@login_required
@require_GET
def article_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "articles": selectors.article_list(request.user),
        "can_add": user_can_anywhere(request.user, Action.RECORD),
    }
    return render(request, "news/article_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def article_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    pairings = selectors.pairings_to_record(request.user)
    if not pairings.exists():
        raise PermissionDenied
    form = ArticleForm(request.POST or None, request.FILES or None, pairings=pairings)
    if request.method == "POST" and form.is_valid():
        try:
            article, created = services.import_article(
                user=request.user, data=form.article_data(), pairing=form.cleaned_data["pairing"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if created:
                messages.success(
                    request,
                    _("Article imported: %(count)s records proposed. Accept or reject each.")
                    % {"count": article.proposals.count()},
                )
            else:
                messages.info(request, services.already_imported_message(article))
            return redirect("news:article-detail", article.pk)
    return render(request, "news/article_form.html", {"form": form})


# The model's labels read as a certification's (通过/未通过) in Chinese; a proposal is accepted.
STATUS_LABELS: dict[str, Promise] = {
    Proposal.Status.PENDING: gettext_lazy("To review"),
    Proposal.Status.ACCEPTED: gettext_lazy("Accepted into the ledger"),
    Proposal.Status.REJECTED: gettext_lazy("Declined"),
}

# Shown first in a proposal's form: what every record needs and what the article told.
_MAIN_FIELDS = ("title", "occurred_on", "occurred_on_precision")


@dataclass
class _Item:
    """One proposal on the review page, with its forms when it can still be decided."""

    proposal: Proposal
    form: RecordForm | None = None
    pairing_form: ProposalPairingForm | None = None
    pairing: Pairing | None = None
    already_there: Record | None = None  # a ledger record that may be this very thing

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.proposal.status, self.proposal.status))

    @property
    def kind_label(self) -> str:
        kind = self.proposal.kind
        return str(Record.Kind(kind).label) if kind in Record.Kind.values else kind

    def _is_main(self, field: BoundField) -> bool:
        # A required field with a default (sessions 1, precision 日) can wait under "more".
        return (
            field.name in _MAIN_FIELDS
            or field.name in self.proposal.values
            or (field.field.required and field.initial in (None, ""))
        )

    @property
    def main_fields(self) -> list[BoundField]:
        return [f for f in self.form if self._is_main(f)] if self.form else []

    @property
    def more_fields(self) -> list[BoundField]:
        return [f for f in self.form if not self._is_main(f)] if self.form else []

    @property
    def more_has_errors(self) -> bool:
        return any(f.errors for f in self.more_fields)

    @property
    def proposed_on(self) -> date | None:
        value = self.proposal.values.get("occurred_on")
        try:
            return date.fromisoformat(value) if value else None
        except (TypeError, ValueError):
            return None


def _review(
    request: AuthenticatedHttpRequest,
    article: Article,
    bound: _Item | None = None,
) -> HttpResponse:
    can_review = selectors.can_review(request.user, article)
    pairings = (
        list(selectors.pairings_to_record(request.user, under=article.pairing))
        if can_review
        else []
    )
    by_code = {pairing.code: pairing for pairing in pairings}
    proposals = list(selectors.proposals_of(article))
    already_there = selectors.records_already_there(article, proposals) if can_review else {}
    items: list[_Item] = []
    for proposal in proposals:
        if bound is not None and bound.proposal.pk == proposal.pk:
            items.append(bound)
            continue
        item = _Item(proposal, already_there=already_there.get(proposal.pk))
        pairing = by_code.get(str(proposal.values.get("pairing", "")), article.pairing)
        item.pairing = pairing
        form_class = REVIEW_FORMS.get(proposal.kind)
        if can_review and proposal.status == Proposal.Status.PENDING and form_class:
            prefix = f"p{proposal.pk}"
            item.form = form_class(initial=proposal.values, pairing=pairing, prefix=prefix)
            item.pairing_form = ProposalPairingForm(
                initial={"pairing": pairing.code}, pairings=pairings, prefix=prefix
            )
        items.append(item)
    extraction = article.extraction
    context = {
        "article": article,
        "text": render_text(article.text, extraction.get("marks", [])),
        "east": extraction.get("east", []),
        "west": extraction.get("west", []),
        "items": items,
        "can_review": can_review,
        "categories": CATEGORY_LABELS,
        "counts": {
            status: sum(1 for item in items if item.proposal.status == status)
            for status in Proposal.Status.values
        },
    }
    return render(request, "news/article_detail.html", context)


@login_required
@require_GET
def article_detail(request: AuthenticatedHttpRequest, article_id: int) -> HttpResponse:
    article = selectors.get_article_for_user(request.user, article_id)
    return _review(request, article)


def _split_many(form: RecordForm) -> tuple[dict[str, Any], dict[str, Any]]:
    many_names = {f.name for f in form.instance._meta.many_to_many}
    values = {k: v for k, v in form.cleaned_data.items() if k not in many_names}
    many = {k: v for k, v in form.cleaned_data.items() if k in many_names}
    return values, many


@login_required
@require_POST
def proposal_accept(request: AuthenticatedHttpRequest, proposal_id: int) -> HttpResponse:
    proposal = selectors.get_proposal_for_user(request.user, proposal_id, Action.RECORD)
    article = selectors.get_article_for_user(request.user, proposal.article_id, Action.RECORD)
    form_class = REVIEW_FORMS.get(proposal.kind)
    if form_class is None or proposal.status != Proposal.Status.PENDING:
        messages.error(request, _("This proposal was already decided."))
        return redirect("news:article-detail", article.pk)
    prefix = f"p{proposal.pk}"
    pairings = list(selectors.pairings_to_record(request.user, under=article.pairing))
    pairing_form = ProposalPairingForm(request.POST, pairings=pairings, prefix=prefix)
    pairing = pairing_form.cleaned_data["pairing"] if pairing_form.is_valid() else article.pairing
    form = form_class(request.POST, pairing=pairing, prefix=prefix)
    if form.is_valid() and pairing_form.is_valid():
        values, many = _split_many(form)
        try:
            record = services.accept_proposal(
                user=request.user, proposal=proposal, values=values, many=many, pairing=pairing
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("Accepted: “%(title)s” is in the ledger, for the paired side to confirm.")
                % {"title": record.title},
            )
            return redirect(f"{_detail_url(article)}#proposal-{proposal.pk}")
    bound = _Item(proposal, form=form, pairing_form=pairing_form, pairing=pairing)
    return _review(request, article, bound=bound)


def _add_errors(form: RecordForm, error: ValidationError) -> None:
    """Show the ledger's errors by their fields; those of fields not on the form above it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _detail_url(article: Article) -> str:
    return reverse("news:article-detail", args=[article.pk])


@login_required
@require_POST
def proposal_reject(request: AuthenticatedHttpRequest, proposal_id: int) -> HttpResponse:
    proposal = selectors.get_proposal_for_user(request.user, proposal_id, Action.RECORD)
    try:
        services.reject_proposal(user=request.user, proposal=proposal)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Rejected: nothing was recorded."))
    return redirect(f"{_detail_url(proposal.article)}#proposal-{proposal.pk}")


@login_required
@require_POST
def proposal_link(request: AuthenticatedHttpRequest, proposal_id: int) -> HttpResponse:
    proposal = selectors.get_proposal_for_user(request.user, proposal_id, Action.RECORD)
    record = selectors.record_to_link(request.user, request.POST.get("record", ""))
    try:
        services.link_proposal(user=request.user, proposal=proposal, record=record)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Linked: “%(title)s” was already in the ledger; nothing was recorded twice.")
            % {"title": record.title},
        )
    return redirect(f"{_detail_url(proposal.article)}#proposal-{proposal.pk}")


@login_required
@require_POST
def proposal_reopen(request: AuthenticatedHttpRequest, proposal_id: int) -> HttpResponse:
    proposal = selectors.get_proposal_for_user(request.user, proposal_id, Action.RECORD)
    try:
        services.reopen_proposal(user=request.user, proposal=proposal)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(f"{_detail_url(proposal.article)}#proposal-{proposal.pk}")
