"""Pages of the ledger: the pairing's timeline, lists per kind, a record, and its forms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanhai.accounts.models import Action
from shanhai.core.concurrency import VERSION_FIELD
from shanhai.core.formats import partial_date, wan_yuan
from shanhai.core.http import AuthenticatedHttpRequest
from shanhai.core.models import DatePrecision
from shanhai.ledger import selectors, services
from shanhai.ledger.forms import (
    FORMS,
    CommentForm,
    ConfirmForm,
    EvidenceForm,
    QuickRecordForm,
    TimelineFilterForm,
    TransactionForm,
)
from shanhai.ledger.models import AidProject, BenefitMechanism, Record
from shanhai.places.selectors import get_pairing_for_user, pairings_for_user

PAGE_SIZE = 30


def _filters(form: TimelineFilterForm, pairings: dict[str, Any]) -> selectors.RecordFilters:
    form.is_valid()  # a bad value drops only its own filter: cleaned_data keeps the good ones
    data = form.cleaned_data
    return selectors.RecordFilters(
        kind=data.get("kind", ""),
        year=data.get("year"),
        level=data.get("level", ""),
        direction=data.get("direction", ""),
        status=data.get("status", ""),
        sub_pairing=pairings.get(data.get("sub", "")),
        query=data.get("q", ""),
    )


@login_required
@require_GET
def timeline(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, code)
    below = list(
        pairings_for_user(request.user)
        .filter(path__startswith=pairing.path)
        .exclude(pk=pairing.pk)
        .order_by("path")
    )
    form = TimelineFilterForm(
        request.GET,
        years=selectors.years_with_records(request.user, pairing),
        sub_pairings=below,
    )
    filters = _filters(form, {p.code: p for p in below})
    records = selectors.timeline(request.user, pairing, filters)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.add_evidence_counts(page)
    context = {
        "pairing": pairing,
        "form": form,
        "page": page,
        "can_record": pairing in pairings_for_user(request.user, Action.RECORD),
        "kinds": Record.Kind.choices,
    }
    template = "ledger/timeline.html#entries" if request.htmx else "ledger/timeline.html"
    return render(request, template, context)


@login_required
@require_GET
def record_list(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    if kind not in Record.Kind.values:
        raise Http404
    form = TimelineFilterForm(request.GET, years=[], sub_pairings=[])
    filters = _filters(form, {})
    sort = request.GET.get("sort", "-date")
    records = selectors.records_of_kind(request.user, kind, filters, sort=sort)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "kind": kind,
        "kind_label": Record.Kind(kind).label,
        "kinds": Record.Kind.choices,
        "page": page,
        "form": form,
        "sort": sort,
    }
    return render(request, "ledger/record_list.html", context)


@login_required
@require_GET
def record_detail(request: AuthenticatedHttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_user(request.user, record_id)
    user = request.user
    context = {
        "record": record,
        "fields": _detail_fields(record),
        "evidence": record.evidence.all(),
        "comments": record.comments.select_related("author"),
        "changes": record.changes.select_related("changed_by"),
        "can_edit": selectors.can_edit(user, record),
        "can_confirm": selectors.can_confirm(user, record)
        and record.status != Record.Status.CONFIRMED,
        "can_reply": selectors.can_reply(user, record) and record.status == Record.Status.QUERIED,
        "evidence_form": EvidenceForm(),
        "comment_form": CommentForm(),
        "confirm_form": ConfirmForm(),
        "transactions": record.transactions.all() if isinstance(record, AidProject) else None,
        "transaction_form": TransactionForm() if isinstance(record, AidProject) else None,
    }
    return render(request, "ledger/record_detail.html", context)


_HIDDEN = {"record_ptr", "in_service_on_precision"}


def _detail_fields(record: Record) -> list[tuple[str, Any]]:
    """The kind's own fields as (label, value) pairs, for the detail page."""
    shown: list[tuple[str, Any]] = []
    for field in type(record)._meta.get_fields():
        if field.name in _HIDDEN or field.auto_created or field.model is Record:
            continue
        if field.many_to_many:
            value: Any = "、".join(str(o) for o in getattr(record, field.name).all())
        elif getattr(field, "choices", None):
            value = getattr(record, f"get_{field.name}_display")()
        else:
            value = getattr(record, field.name)
        if field.name == "benefit_mechanisms":
            value = "、".join(str(BenefitMechanism(v).label) for v in value)
        if value in (None, "", []):
            continue
        if isinstance(value, Decimal):
            value = wan_yuan(value) if field.name.endswith("amount") else f"{value.normalize():f}"
        elif isinstance(value, date):
            precision = getattr(record, f"{field.name}_precision", DatePrecision.DAY)
            value = partial_date(value, precision)
        label = str(field.verbose_name)  # type: ignore[union-attr]
        if field.name.endswith("amount"):  # the value says 万元 itself
            label = label.replace("（元）", "").replace(" (yuan)", "")
        shown.append((label, value))
    return shown


def _split_many(form: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Separate a bound model form's plain values from its many-to-many ones."""
    many_names = {f.name for f in form.instance._meta.many_to_many}
    own = {k: v for k, v in form.cleaned_data.items() if k != VERSION_FIELD}
    values = {k: v for k, v in own.items() if k not in many_names}
    many = {k: v for k, v in own.items() if k in many_names}
    return values, many


@login_required
@require_http_methods(["GET", "POST"])
def record_create(request: AuthenticatedHttpRequest, code: str, kind: str) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, code, Action.RECORD)
    if kind not in FORMS:
        raise Http404
    form = FORMS[kind](request.POST or None, pairing=pairing)
    if request.method == "POST" and form.is_valid():
        _values, many = _split_many(form)
        try:
            record = services.create_record(
                record=form.save(commit=False), recorded_by=request.user, many=many
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Recorded. The paired side will be asked to confirm it."))
            return redirect("ledger:record-detail", record.pk)
    context = {"form": form, "pairing": pairing, "kind_label": Record.Kind(kind).label}
    return render(request, "ledger/record_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: AuthenticatedHttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_user(request.user, record_id, Action.RECORD)
    form = FORMS[record.kind](request.POST or None, instance=record, pairing=record.pairing)
    if request.method == "POST" and form.is_valid():
        values, many = _split_many(form)
        original = selectors.get_record_for_user(request.user, record_id, Action.RECORD)
        try:
            services.update_record(
                record=original,
                changed_by=request.user,
                values=values,
                many=many,
                loaded_version=form.loaded_version,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("ledger:record-detail", record.pk)
    context = {
        "form": form,
        "pairing": record.pairing,
        "record": record,
        "kind_label": record.get_kind_display(),
    }
    return render(request, "ledger/record_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def quick_create(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, code, Action.RECORD)
    form = QuickRecordForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                record = services.create_record(
                    record=form.build_record(pairing),
                    recorded_by=request.user,
                    entry_method=Record.EntryMethod.QUICK,
                )
                if form.cleaned_data["photo"]:
                    services.attach_evidence(
                        record=record, file=form.cleaned_data["photo"], uploaded_by=request.user
                    )
        except ValidationError as error:
            form.add_error("photo" if error.code == "upload_rejected" else None, error)
        else:
            messages.success(request, _("Recorded. The paired side will be asked to confirm it."))
            return redirect("ledger:record-detail", record.pk)
    return render(request, "ledger/quick_form.html", {"form": form, "pairing": pairing})


@login_required
@require_POST
def record_confirm(request: AuthenticatedHttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_user(request.user, record_id, Action.CONFIRM)
    form = ConfirmForm(request.POST)
    note = form.cleaned_data["text"] if form.is_valid() else ""
    try:
        services.confirm_record(record=record, confirmed_by=request.user, note=note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Confirmed."))
    return redirect("ledger:record-detail", record.pk)


@login_required
@require_POST
def record_query(request: AuthenticatedHttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_user(request.user, record_id, Action.CONFIRM)
    return _comment(request, record, services.query_record, "queried_by", _("Query sent."))


@login_required
@require_POST
def record_reply(request: AuthenticatedHttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_user(request.user, record_id)
    return _comment(request, record, services.reply_to_query, "author", _("Reply sent."))


def _comment(
    request: AuthenticatedHttpRequest, record: Record, service: Any, who: str, done: str
) -> HttpResponse:
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            service(record=record, text=form.cleaned_data["text"], **{who: request.user})
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done)
    else:
        messages.error(request, _("Write a comment first."))
    return redirect("ledger:record-detail", record.pk)


@login_required
@require_POST
def evidence_upload(request: AuthenticatedHttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_user(request.user, record_id, Action.RECORD)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attach_evidence(
                record=record,
                file=form.cleaned_data["file"],
                uploaded_by=request.user,
                caption=form.cleaned_data["caption"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("File attached."))
    else:
        messages.error(request, _("Choose a file to attach."))
    return redirect("ledger:record-detail", record.pk)


@login_required
@require_GET
def evidence_file(
    request: AuthenticatedHttpRequest, evidence_id: int, variant: str
) -> FileResponse:
    """Serve an attachment to those who may see its record; only images are shown inline."""
    evidence = selectors.get_evidence_for_user(request.user, evidence_id)
    stored = evidence.thumbnail if variant == "thumb" and evidence.thumbnail else evidence.file
    inline = evidence.is_image
    response = FileResponse(
        stored.open("rb"),
        as_attachment=not inline,
        filename=evidence.original_name,
        content_type="image/jpeg" if stored is evidence.thumbnail else evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_POST
def transaction_create(request: AuthenticatedHttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_user(request.user, record_id, Action.RECORD)
    if not isinstance(record, AidProject):
        raise Http404
    form = TransactionForm(request.POST)
    if form.is_valid():
        try:
            services.record_fund_transaction(
                project=record, recorded_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Transaction recorded."))
    else:
        errors = [f"{form.fields[f].label}：{''.join(map(str, e))}" for f, e in form.errors.items()]
        messages.error(request, "；".join(errors))
    return redirect("ledger:record-detail", record.pk)
