"""Pages of consumption assistance: suppliers and products with their certification, the
commerce bureau's certification queue, channels and their API keys, sale lines entered by hand
or pushed by channels, and the queue of flags operators resolve."""

from __future__ import annotations

import mimetypes
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanhai.accounts.models import Action, User
from shanhai.consumption import selectors, services
from shanhai.consumption.forms import (
    STEP_FIELDS,
    ApplyForm,
    ChannelForm,
    FlagFilterForm,
    LinkageForm,
    ProductForm,
    ResolveForm,
    SaleFilterForm,
    SaleLineFormSet,
    StepForm,
    SupplierFilterForm,
    SupplierForm,
    TokenForm,
)
from shanhai.consumption.models import (
    BenefitLinkage,
    Certification,
    CertificationStep,
    Channel,
    EntryMethod,
    Product,
    SaleFlag,
    SalesMonth,
    Supplier,
)
from shanhai.core.http import AuthenticatedHttpRequest
from shanhai.places.models import Pairing
from shanhai.places.selectors import pairings_for_user, user_can, user_can_anywhere

PAGE_SIZE = 30
BATCHES_PER_PAGE = 20
QUEUE_LIMIT = 500  # open applications shown at once; the rest are counted
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp"}


# ---------------------------------------------------------------------------------------------
# Access and small helpers


def _check(user: User, pairing: Pairing, action: str) -> None:
    """Refuse (403) a write the reader may see but not do."""
    if not user_can(user, pairing, action):
        raise PermissionDenied


def _add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's errors on the fields they name, the rest at the top of the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = name if name in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        form.add_error(None, error)


def _next_or(request: AuthenticatedHttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _year(value: str | None, default: int) -> int:
    """The year asked for in the address, if it is a sensible one; else *default*."""
    try:
        year = int(value or default)
    except ValueError:
        return default
    return year if 2000 <= year <= timezone.localdate().year + 1 else default


def _sales_year(
    request: AuthenticatedHttpRequest, months: QuerySet[SalesMonth]
) -> tuple[int, list[int]]:
    """The year asked for, else the latest with sales (a ledger kept up to last year does not
    open empty), and the years to offer."""
    this_year = timezone.localdate().year
    with_sales = {year for year in selectors.sales_years(months) if year <= this_year}
    years = sorted(with_sales | {this_year}, reverse=True)
    default = max(with_sales, default=this_year)
    year = _year(request.GET.get("year"), default)
    return year, sorted({*years, year}, reverse=True)


# ---------------------------------------------------------------------------------------------
# Home


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The way in: what the reader's pairings have, what waits for them, and links to it all."""
    user = request.user
    overview = selectors.overview_for_user(user, today=timezone.localdate())
    months = selectors.months_for_user(user)
    year, years = _sales_year(request, months)
    flags = overview.open_flags
    context = {
        "year": year,
        "years": years,
        "suppliers": overview.suppliers,
        "products": overview.products,
        "certified": overview.certified,
        "applications": [
            (
                status,
                Certification.Status(status).label,
                overview.open_certifications.get(status, 0),
            )
            for status in selectors.OPEN_STATUSES
        ],
        "open_applications": sum(overview.open_certifications.values()),
        "flags": [
            (kind, label, flags.get(kind, 0))
            for kind, label in SaleFlag.Kind.choices
            if flags.get(kind)
        ],
        "open_flags": sum(flags.values()),
        "open_flag_count": sum(flags.values()),  # the tab bar's count, already known
        "totals": selectors.sales_totals(selectors.sales_months(months, year=year)),
        "batches": overview.batches,
        "can_record": user_can_anywhere(user, Action.RECORD),
        "can_plan": user_can_anywhere(user, Action.PLAN),
        "tab": "home",
    }
    return render(request, "consumption/home.html", context)


# ---------------------------------------------------------------------------------------------
# Suppliers


@login_required
@require_GET
def supplier_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    pairings = list(pairings_for_user(user))
    form = SupplierFilterForm(request.GET, pairings=pairings, towns=selectors.west_towns(pairings))
    suppliers = selectors.suppliers_with_products(form.apply(selectors.suppliers_for_user(user)))
    page = Paginator(suppliers, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.suppliers_with_badges(page, timezone.localdate())
    context = {
        "form": form,
        "page": page,
        "can_record": user_can_anywhere(user, Action.RECORD),
        "tab": "supplier-list",
    }
    return render(request, "consumption/supplier_list.html", context)


@login_required
@require_GET
def supplier_detail(request: AuthenticatedHttpRequest, supplier_id: int) -> HttpResponse:
    user = request.user
    supplier = selectors.get_supplier_for_user(user, supplier_id)
    today = timezone.localdate()
    months = selectors.sales_months(selectors.months_for_user(user), supplier=supplier)
    year, years = _sales_year(request, months)
    products = selectors.supplier_products(
        supplier, months=selectors.sales_months(months, year=year), today=today
    )
    context = {
        "supplier": supplier,
        "products": products,
        "linkages": selectors.supplier_linkages(supplier),
        "year": year,
        "years": years,
        "this_year": today.year,
        "can_record": user_can(user, supplier.pairing, Action.RECORD),
        "tab": "supplier-list",
    }
    return render(request, "consumption/supplier_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def supplier_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    pairings = pairings_for_user(user, Action.RECORD)
    choices = list(pairings)
    if not choices:
        raise PermissionDenied
    chosen = next((p for p in choices if p.code == request.GET.get("pairing")), None)
    form = SupplierForm(
        request.POST or None,
        instance=Supplier(registered_on=timezone.localdate(), pairing=chosen),
        pairings=pairings,
        places=selectors.west_places(choices),
    )
    if request.method == "POST" and form.is_valid():
        arguments = form.service_arguments()
        pairing = arguments.pop("pairing")
        try:
            supplier = services.register_supplier(pairing=pairing, recorded_by=user, **arguments)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Supplier registered."))
            return redirect("consumption:supplier-detail", supplier.pk)
    return render(request, "consumption/supplier_form.html", {"form": form, "tab": "supplier-list"})


@login_required
@require_http_methods(["GET", "POST"])
def supplier_edit(request: AuthenticatedHttpRequest, supplier_id: int) -> HttpResponse:
    user = request.user
    supplier = selectors.get_supplier_for_user(user, supplier_id)
    _check(user, supplier.pairing, Action.RECORD)
    editing = selectors.get_supplier_for_user(user, supplier_id)  # the form changes its copy
    form = SupplierForm(
        request.POST or None,
        instance=editing,
        pairings=None,
        places=selectors.west_places([supplier.pairing]),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_supplier(
                supplier=supplier,
                changed_by=user,
                loaded_version=form.loaded_version,
                **form.service_arguments(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("consumption:supplier-detail", supplier.pk)
    context = {"form": form, "supplier": supplier, "tab": "supplier-list"}
    return render(request, "consumption/supplier_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def linkage_edit(request: AuthenticatedHttpRequest, supplier_id: int) -> HttpResponse:
    """Record how a supplier linked farmers in one year (联农带农)."""
    user = request.user
    supplier = selectors.get_supplier_for_user(user, supplier_id)
    _check(user, supplier.pairing, Action.RECORD)
    this_year = timezone.localdate().year
    year = _year(request.GET.get("year"), this_year)
    existing = selectors.supplier_linkage(supplier, year)
    form = LinkageForm(
        request.POST or None, instance=existing or BenefitLinkage(supplier=supplier, year=year)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_linkage(
                supplier=supplier, year=year, recorded_by=user, **form.service_arguments()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Benefit linkage saved."))
            return redirect("consumption:supplier-detail", supplier.pk)
    context = {
        "form": form,
        "supplier": supplier,
        "year": year,
        "years": list(range(this_year, this_year - 6, -1)),
        "is_new": existing is None,
        "tab": "supplier-list",
    }
    return render(request, "consumption/linkage_form.html", context)


# ---------------------------------------------------------------------------------------------
# Products


@login_required
@require_http_methods(["GET", "POST"])
def product_create(request: AuthenticatedHttpRequest, supplier_id: int) -> HttpResponse:
    user = request.user
    supplier = selectors.get_supplier_for_user(user, supplier_id)
    _check(user, supplier.pairing, Action.RECORD)
    form = ProductForm(
        request.POST or None,
        instance=Product(supplier=supplier, origin=supplier.place),
        origins=selectors.west_places([supplier.pairing]),
    )
    if request.method == "POST" and form.is_valid():
        try:
            product = services.register_product(
                supplier=supplier, recorded_by=user, **form.service_arguments()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Product registered."))
            return redirect("consumption:product-detail", product.pk)
    context = {"form": form, "supplier": supplier, "tab": "supplier-list"}
    return render(request, "consumption/product_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: AuthenticatedHttpRequest, product_id: int) -> HttpResponse:
    user = request.user
    product = selectors.get_product_for_user(user, product_id)
    _check(user, product.supplier.pairing, Action.RECORD)
    editing = selectors.get_product_for_user(user, product_id)  # the form changes its copy
    form = ProductForm(
        request.POST or None,
        instance=editing,
        origins=selectors.west_places([product.supplier.pairing]),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_product(
                product=product,
                changed_by=user,
                loaded_version=form.loaded_version,
                **form.service_arguments(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("consumption:product-detail", product.pk)
    context = {
        "form": form,
        "supplier": product.supplier,
        "product": product,
        "tab": "supplier-list",
    }
    return render(request, "consumption/product_form.html", context)


@login_required
@require_GET
def product_detail(request: AuthenticatedHttpRequest, product_id: int) -> HttpResponse:
    """A product, its certification history step by step, and what it sold this year."""
    user = request.user
    product = selectors.get_product_for_user(user, product_id)
    today = timezone.localdate()
    certifications = selectors.product_certifications(product)
    months = selectors.sales_months(selectors.months_for_user(user), product=product)
    year, years = _sales_year(request, months)
    months = selectors.sales_months(months, year=year)
    pairing = product.supplier.pairing
    context = {
        "product": product,
        "supplier": product.supplier,
        "badge": selectors.product_badges([product.pk], today)[product.pk],
        "certifications": certifications,
        "open_certification": selectors.open_certification(certifications),
        "year": year,
        "years": years,
        "totals": selectors.sales_totals(months),
        "by_channel": selectors.sales_by(months, "channel"),
        "can_record": user_can(user, pairing, Action.RECORD),
        "tab": "supplier-list",
    }
    return render(request, "consumption/product_detail.html", context)


# ---------------------------------------------------------------------------------------------
# Certification


@login_required
@require_GET
def certification_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The commerce bureau's work queue: open applications by status, oldest first."""
    queue = selectors.certification_queue_for_user(
        request.user, today=timezone.localdate(), limit=QUEUE_LIMIT
    )
    context = {
        "groups": queue.groups,
        "total": queue.total,
        "shown": queue.shown,
        "tab": "certification-queue",
    }
    return render(request, "consumption/certification_queue.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def certification_apply(request: AuthenticatedHttpRequest, product_id: int) -> HttpResponse:
    user = request.user
    product = selectors.get_product_for_user(user, product_id)
    _check(user, product.supplier.pairing, Action.RECORD)
    form = ApplyForm(
        request.POST or None,
        request.FILES or None,
        initial={"applied_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            certification = services.apply_for_certification(
                product=product,
                applied_by=user,
                applied_on=data["applied_on"],
                criteria=data["criteria"],
                note=data["note"],
                evidence=data["evidence"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Application recorded; it waits for the county's review."))
            return redirect("consumption:certification-detail", certification.pk)
    context = {"form": form, "product": product, "tab": "certification-queue"}
    return render(request, "consumption/certification_apply.html", context)


def _certification_page(
    request: AuthenticatedHttpRequest, certification: Certification, form: StepForm | None
) -> dict[str, Any]:
    history = selectors.certification_history(certification)
    criteria = [
        (
            name,
            getattr(Certification._meta.get_field(name), "verbose_name", name),
            getattr(certification, name),
        )
        for name in Certification.CRITERIA
    ]
    today = timezone.localdate()
    is_open = certification.status in selectors.OPEN_STATUSES
    badges = selectors.product_badges([certification.product_id], today)
    return {
        "certification": certification,
        "product": certification.product,
        "supplier": certification.product.supplier,
        "steps": history.steps,
        "criteria": criteria,
        "badge": badges[certification.product_id],
        "waiting_for": (
            selectors.waiting_for(certification, today, unanswered=history.unanswered)
            if is_open
            else ""
        ),
        "unanswered": history.unanswered,
        "form": form,
        "step_fields": {str(kind): list(names) for kind, names in STEP_FIELDS.items()},
        "tab": "certification-queue",
    }


@login_required
@require_http_methods(["GET", "POST"])
def certification_detail(request: AuthenticatedHttpRequest, certification_id: int) -> HttpResponse:
    """The steps so far, and the one form for the next step the status allows."""
    user = request.user
    certification = selectors.get_certification_for_user(user, certification_id)
    allowed = services.NEXT_STEPS[certification.status]
    may_decide = user_can(user, certification.product.supplier.pairing, Action.PLAN)
    if request.method == "POST" and not (may_decide and allowed):
        raise PermissionDenied
    form = None
    if may_decide and allowed:
        today = timezone.localdate()
        met = [name for name in Certification.CRITERIA if getattr(certification, name)]
        form = StepForm(
            request.POST or None,
            request.FILES or None,
            steps=allowed,
            initial={"on": today, "criteria": met, "valid_from": today},
        )
    if request.method == "POST" and form is not None and form.is_valid():
        arguments = form.service_arguments()
        try:
            services.advance_certification(certification=certification, by=user, **arguments)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            label = CertificationStep.Kind(arguments["step"]).label
            messages.success(request, _("Recorded: %(step)s.") % {"step": label})
            return redirect("consumption:certification-detail", certification.pk)
    status = 400 if request.method == "POST" else 200
    context = _certification_page(request, certification, form)
    return render(request, "consumption/certification_detail.html", context, status=status)


@login_required
@require_GET
def certification_evidence(request: AuthenticatedHttpRequest, step_id: int) -> FileResponse:
    """Serve a step's evidence to those who may see the certification."""
    step = selectors.get_step_for_user(request.user, step_id)
    if not step.evidence:
        raise Http404
    name = PurePath(str(step.evidence.name)).name
    suffix = PurePath(name).suffix.lower()
    response = FileResponse(
        step.evidence.open("rb"),
        as_attachment=suffix not in IMAGE_EXTENSIONS,
        filename=name,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"
    return response


# ---------------------------------------------------------------------------------------------
# Channels and keys


@login_required
@require_GET
def channel_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    channels = selectors.channels_for_user(user)  # by name
    year, years = _sales_year(request, selectors.channel_months(channels))
    page = Paginator(channels, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.channels_with_figures(page, year)
    context = {
        "page": page,
        "year": year,
        "years": years,
        "can_plan": user_can_anywhere(user, Action.PLAN),
        "tab": "channel-list",
    }
    return render(request, "consumption/channel_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def channel_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    pairings = pairings_for_user(user, Action.PLAN)
    if not pairings.exists():
        raise PermissionDenied
    form = ChannelForm(request.POST or None, instance=Channel(), pairings=pairings)
    if request.method == "POST" and form.is_valid():
        try:
            channel = services.register_channel(
                pairing=form.cleaned_data["pairing"],
                recorded_by=user,
                **form.service_arguments(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Channel registered."))
            return redirect("consumption:channel-detail", channel.pk)
    return render(request, "consumption/channel_form.html", {"form": form, "tab": "channel-list"})


def _channel_page(
    request: AuthenticatedHttpRequest, channel: Channel, **extra: Any
) -> dict[str, Any]:
    user = request.user
    year, years = _sales_year(request, selectors.channel_months(channel))
    batches = Paginator(selectors.channel_batches(channel), BATCHES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    sums = selectors.channel_sums([channel.pk], year).get(channel.pk, {})
    return {
        "channel": channel,
        "batches": batches,
        "page": batches,
        "tokens": selectors.channel_tokens(channel),
        "sums": sums,
        "open_flags": selectors.open_flags_by_channel([channel.pk]).get(channel.pk, 0),
        "year": year,
        "years": years,
        "can_plan": user_can(user, channel.pairing, Action.PLAN),
        "can_record": user_can(user, channel.pairing, Action.RECORD),
        "token_form": TokenForm(),
        "new_key": None,
        "tab": "channel-list",
        **extra,
    }


@login_required
@require_GET
def channel_detail(request: AuthenticatedHttpRequest, channel_id: int) -> HttpResponse:
    channel = selectors.get_channel_for_user(request.user, channel_id)
    return render(request, "consumption/channel_detail.html", _channel_page(request, channel))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def channel_key_issue(request: AuthenticatedHttpRequest, channel_id: int) -> HttpResponse:
    """Issue an API key and show it this once, in the answer to the POST: it is stored nowhere,
    not even in the session; only its hash is kept. Opened again, the address shows the channel.
    """
    channel = selectors.get_channel_for_user(request.user, channel_id)
    if request.method == "GET":
        return redirect("consumption:channel-detail", channel.pk)
    form = TokenForm(request.POST)
    if not form.is_valid():
        context = _channel_page(request, channel, token_form=form)
        return render(request, "consumption/channel_detail.html", context, status=400)
    token, key = services.issue_channel_token(
        channel=channel, name=form.cleaned_data["name"], issued_by=request.user
    )
    context = _channel_page(request, channel, new_key=key, new_token=token)
    return render(request, "consumption/channel_detail.html", context)


@login_required
@require_POST
def channel_key_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    token = selectors.get_token_for_user(request.user, token_id)
    services.revoke_channel_token(token=token, revoked_by=request.user)
    messages.success(request, _("The key %(prefix)s… no longer works.") % {"prefix": token.prefix})
    return redirect("consumption:channel-detail", token.channel_id)


# ---------------------------------------------------------------------------------------------
# Sales


@dataclass
class LineOutcome:
    """What became of one line typed into the form."""

    order_id: str
    product: Product
    status: str  # created, replayed, rejected
    is_counted: bool = False
    flags: list[SaleFlag] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _sale_formset(request: AuthenticatedHttpRequest, data: Any = None, rows: int = 3) -> Any:
    formset = SaleLineFormSet(
        data,
        products=selectors.product_choices_for_user(request.user),
        buyers=selectors.buyer_choices(),
        prefix="line",
    )
    formset.extra = rows  # blank lines to fill; a line left blank is not a sale
    return formset


@login_required
@require_http_methods(["GET", "POST"])
def sale_create(request: AuthenticatedHttpRequest, channel_id: int) -> HttpResponse:
    """Enter a few sale lines of a channel by hand; each is counted or flagged as it comes."""
    user = request.user
    channel = selectors.get_channel_for_user(user, channel_id)
    _check(user, channel.pairing, Action.RECORD)
    rows = min(max(_rows(request), 1), 20)
    formset = _sale_formset(request, request.POST if request.method == "POST" else None, rows)
    outcomes: list[LineOutcome] = []
    status = 200
    if request.method == "POST":
        if formset.is_valid():
            filled = formset.filled()
            sales = [
                services.SaleInput(
                    order_id=form.cleaned_data["order_id"],
                    sold_on=form.cleaned_data["sold_on"],
                    product_id=form.cleaned_data["product"].pk,
                    quantity=form.cleaned_data["quantity"],
                    amount=form.cleaned_data["amount"],
                    buyer_id=form.cleaned_data["buyer"].pk if form.cleaned_data["buyer"] else None,
                )
                for form in filled
            ]
            try:
                outcome = services.ingest_sales(
                    channel=channel, sales=sales, entry_method=EntryMethod.FORM, user=user
                )
            except ValidationError as error:
                formset._non_form_errors = formset.error_class(error.messages)
                status = 400
            else:
                outcomes, formset = _outcomes(request, filled, outcome)  # shown on the page
        else:
            status = 400
    context = {
        "channel": channel,
        "formset": formset,
        "outcomes": outcomes,
        "all_counted": all(o.is_counted for o in outcomes) and formset is None,
        "rows": rows,
        "more_rows": min(rows + 5, 20),
        "tab": "channel-list",
    }
    return render(request, "consumption/sale_form.html", context, status=status)


def _rows(request: AuthenticatedHttpRequest) -> int:
    try:
        return int(request.GET.get("rows") or 3)
    except ValueError:
        return 3


def _outcomes(
    request: AuthenticatedHttpRequest,
    filled: list[Any],
    outcome: services.IngestOutcome,
) -> tuple[list[LineOutcome], Any]:
    """Say what became of each line; give back the rejected ones, their errors at the field."""
    errors: dict[int, list[services.LineError]] = defaultdict(list)
    for error in outcome.errors:
        errors[error.index].append(error)
    line_ids = [r.line_id for r in outcome.results if r.line_id and r.status == "created"]
    flags = selectors.flags_of_lines(line_ids)
    outcomes: list[LineOutcome] = []
    rejected: list[tuple[Any, list[services.LineError]]] = []
    for result in outcome.results:
        form = filled[result.index]
        line_flags = flags.get(result.line_id or 0, [])
        if result.status == "replayed" and result.flags:
            line_flags = [SaleFlag(kind=kind) for kind in result.flags]
        outcomes.append(
            LineOutcome(
                order_id=result.order_id,
                product=form.cleaned_data["product"],
                status=result.status,
                is_counted=result.is_counted,
                flags=line_flags,
                errors=[e.message for e in errors.get(result.index, [])],
            )
        )
        if result.status == "rejected":
            rejected.append((form, errors.get(result.index, [])))
    if not rejected:
        return outcomes, None
    # The rejected lines come back, bound, with their errors at the fields they are about.
    data: dict[str, Any] = {
        "line-TOTAL_FORMS": str(len(rejected)),
        "line-INITIAL_FORMS": "0",
        "line-MIN_NUM_FORMS": "0",
        "line-MAX_NUM_FORMS": "20",
    }
    for index, (form, _errors) in enumerate(rejected):
        for name in form.fields:
            data[f"line-{index}-{name}"] = form.data.get(form.add_prefix(name), "")
    formset = _sale_formset(request, data)
    formset.is_valid()
    for form, line_errors in zip(formset.forms, (e for _f, e in rejected), strict=True):
        for error in line_errors:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    return outcomes, formset


@login_required
@require_GET
def sale_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = SaleFilterForm(request.GET, channels=selectors.channels_for_user(user))
    filters = form.cleaned_data if form.is_valid() else {}
    lines = selectors.sale_lines_matching(user, **filters)
    product = None
    if filters.get("product"):
        product = selectors.find_product_for_user(user, filters["product"])
    event = None
    if filters.get("event"):
        event = selectors.event_sales_for_user(user, filters["event"])
    try:
        number = max(int(request.GET.get("page") or 1), 1)
    except ValueError:
        number = 1
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": selectors.sale_lines_page(lines, number=number, per_page=PAGE_SIZE),
        "product": product,
        "event": event,
        "query": query.urlencode(),
        "tab": "channel-list",
    }
    return render(request, "consumption/sale_list.html", context)


# ---------------------------------------------------------------------------------------------
# Flags


def _flag_page(
    request: AuthenticatedHttpRequest, resolve_form: ResolveForm | None = None
) -> dict[str, Any]:
    user = request.user
    form = FlagFilterForm(request.GET, channels=selectors.channels_for_user(user))
    status = SaleFlag.Status.OPEN
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"] or SaleFlag.Status.OPEN
        filters = {"kind": data["kind"], "channel": data["channel"]}
    flags = selectors.flags_matching(user, status=status, **filters)
    page = Paginator(flags, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.flag_counts(user)
    return {
        "form": form,
        "page": page,
        "status": status,
        "is_open": status == SaleFlag.Status.OPEN,
        "kinds": [(kind, label, counts.get(kind, 0)) for kind, label in SaleFlag.Kind.choices],
        "open_total": sum(counts.values()),
        "open_flag_count": sum(counts.values()),  # the tab bar's count, already known
        "resolve_form": resolve_form or ResolveForm(),
        "ticked": request.POST.getlist("flags") if resolve_form is not None else [],
        "query": request.GET.urlencode(),
        "tab": "flag-list",
    }


@login_required
@require_GET
def flag_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The flags queue: what an operator should look at, by kind, to accept or exclude."""
    return render(request, "consumption/flag_list.html", _flag_page(request))


@login_required
@require_POST
def flag_resolve(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Accept or exclude the ticked flags, with a note."""
    user = request.user
    form = ResolveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        chosen = selectors.chosen_flags_for_user(user, data["flags"])
        try:
            resolved = services.resolve_flags(
                flags=chosen, resolution=data["resolution"], resolved_by=user, note=data["note"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if resolved:
                messages.success(
                    request,
                    ngettext("%(count)d flag resolved.", "%(count)d flags resolved.", resolved)
                    % {"count": resolved},
                )
            else:
                messages.info(request, _("Those flags were already resolved."))
            fallback = reverse("consumption:flag-list")
            query = request.GET.urlencode()
            return redirect(_next_or(request, f"{fallback}?{query}" if query else fallback))
    context = _flag_page(request, resolve_form=form)
    return render(request, "consumption/flag_list.html", context, status=400)
