"""Pages of consumption assistance: suppliers and products with their certification, the
commerce bureau's certification queue, channels and their API keys, sale lines entered by hand
or pushed by channels, and the queue of flags operators resolve."""

from __future__ import annotations

import mimetypes
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import reduce
from operator import or_
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanhai.accounts.models import Action, Side, User
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
    ChannelToken,
    EntryMethod,
    Product,
    SaleFlag,
    SaleLine,
    SalesBatch,
    SalesMonth,
    Supplier,
)
from shanhai.core.http import AuthenticatedHttpRequest
from shanhai.places.models import Pairing, Place
from shanhai.places.selectors import pairings_for_user, user_can, user_can_anywhere

PAGE_SIZE = 30
BATCHES_PER_PAGE = 20
QUEUE_LIMIT = 500  # open applications shown at once; the rest are counted
OPEN_STATUSES = (
    Certification.Status.APPLIED,
    Certification.Status.REVIEWED,
    Certification.Status.RECHECKED,
    Certification.Status.PUBLICISED,
)
COUNTED = Q(is_certified=True, is_excluded=False, is_held=False)
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


# ---------------------------------------------------------------------------------------------
# Reads the core selectors do not offer (yet): page-shaped, each a query or two.


@dataclass(frozen=True)
class Badge:
    """A product's certification as a list shows it: 已认定 until …, 公示中, 审核中, 未认定 …"""

    state: str  # certified, notice, review, none, rejected, withdrawn, expired
    until: date | None = None
    certification_id: int | None = None

    @property
    def label(self) -> str:
        if self.state == "certified" and self.until:
            return _("Certified until %(day)s") % {"day": _date_text(self.until)}
        return {
            "notice": _("Under public notice"),
            "review": _("Under review"),
            "none": _("Not certified"),
            "rejected": _("Not certified"),
            "withdrawn": _("Certificate withdrawn"),
            "expired": _("Certificate expired"),
        }.get(self.state, _("Not certified"))

    @property
    def css(self) -> str:
        colour = {"certified": "status-confirmed", "notice": "status-pending"}.get(self.state)
        colour = colour or ("status-pending" if self.state == "review" else "muted")
        return f"cert-{self.state} {colour}"


def _date_text(day: date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def product_badges(product_ids: list[int], today: date) -> dict[int, Badge]:
    """The badge of each product, from all its certifications, in one query."""
    badges: dict[int, Badge] = dict.fromkeys(product_ids, Badge("none"))
    latest: dict[int, Certification] = {}
    valid: dict[int, Certification] = {}
    certifications = Certification.objects.filter(product_id__in=product_ids).order_by(
        "applied_on", "id"
    )
    for cert in certifications:
        latest[cert.product_id] = cert
        if (
            cert.status == Certification.Status.CERTIFIED
            and cert.valid_from is not None
            and cert.valid_to is not None
            and cert.valid_from <= today <= cert.valid_to
        ):
            valid[cert.product_id] = cert
    for product_id, cert in latest.items():
        current = valid.get(product_id)
        if current is not None:  # a renewal under way does not hide a valid certificate
            badges[product_id] = Badge("certified", current.valid_to, current.pk)
            continue
        status = cert.status
        if status == Certification.Status.PUBLICISED:
            badges[product_id] = Badge("notice", cert.publicity_to, cert.pk)
        elif status in OPEN_STATUSES:
            badges[product_id] = Badge("review", None, cert.pk)
        elif status == Certification.Status.CERTIFIED:
            expired = cert.valid_to is not None and cert.valid_to < today
            state = "expired" if expired else "certified"
            badges[product_id] = Badge(state, cert.valid_to, cert.pk)
        elif status == Certification.Status.WITHDRAWN:
            badges[product_id] = Badge("withdrawn", cert.withdrawn_on, cert.pk)
        else:
            badges[product_id] = Badge("rejected", None, cert.pk)
    return badges


def _west_places(pairings: list[Pairing]) -> QuerySet[Place]:
    """Towns and villages on the western side of *pairings*: where suppliers produce."""
    roots: list[str] = []
    for path in sorted({p.west_place.path for p in pairings}):
        if not any(path.startswith(root) for root in roots):
            roots.append(path)
    if not roots:
        return Place.objects.none()
    return Place.objects.filter(
        reduce(or_, (Q(path__startswith=root) for root in roots)),
        side=Side.WEST,
        level__in=[Place.Level.TOWN, Place.Level.VILLAGE],
    ).order_by("path")


def _visible_batches(user: User) -> QuerySet[SalesBatch]:
    channels = selectors.channels_for_user(user).values("pk")
    return SalesBatch.objects.filter(channel__in=channels).select_related("channel")


def _certified_count(user: User, today: date) -> int:
    """How many of the products *user* may see are certified *today*."""
    certified = (
        Certification.objects.filter(
            status__in=[Certification.Status.CERTIFIED, Certification.Status.WITHDRAWN],
            valid_from__lte=today,
            valid_to__gte=today,
        )
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=today))
        .values("product_id")
    )
    return selectors.products_for_user(user).filter(pk__in=certified).count()


def _channel_sums(channel_ids: list[int], year: int) -> dict[int, Any]:
    rows = (
        SalesMonth.objects.filter(channel_id__in=channel_ids, month__year=year)
        .values("channel_id")
        .annotate(
            counted=Sum("amount", filter=Q(is_counted=True)),
            uncounted=Sum("amount", filter=Q(is_counted=False)),
            lines=Sum("lines"),
        )
        .order_by()
    )
    return {row["channel_id"]: row for row in rows}


def _open_flags_by_channel(channel_ids: list[int]) -> dict[int, int]:
    rows = (
        SaleFlag.objects.filter(status=SaleFlag.Status.OPEN, line__channel_id__in=channel_ids)
        .values_list("line__channel_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)


def _flags_of_lines(line_ids: list[int]) -> dict[int, list[SaleFlag]]:
    found: dict[int, list[SaleFlag]] = defaultdict(list)
    for flag in SaleFlag.objects.filter(line_id__in=line_ids).order_by("id"):
        found[flag.line_id].append(flag)
    return found


def _step_for_user(user: User, step_id: int) -> CertificationStep:
    step = CertificationStep.objects.filter(pk=step_id).first()
    if step is None:
        raise Http404
    selectors.get_certification_for_user(user, step.certification_id)
    return step


def _token_for_user(user: User, token_id: int) -> ChannelToken:
    token = ChannelToken.objects.filter(pk=token_id).first()
    if token is None:
        raise Http404
    token.channel = selectors.get_channel_for_user(user, token.channel_id)
    return token


def _sales_year(
    request: AuthenticatedHttpRequest, months: QuerySet[SalesMonth]
) -> tuple[int, list[int]]:
    """The year asked for, else the latest with sales (a ledger kept up to last year does not
    open empty), and the years to offer."""
    this_year = timezone.localdate().year
    with_sales = {day.year for day in months.dates("month", "year") if day.year <= this_year}
    years = sorted(with_sales | {this_year}, reverse=True)
    default = max(with_sales, default=this_year)
    year = _year(request.GET.get("year"), default)
    return year, sorted({*years, year}, reverse=True)


def _linkage(supplier: Supplier, year: int) -> BenefitLinkage | None:
    return supplier.linkages.filter(year=year).first()


# ---------------------------------------------------------------------------------------------
# Home


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The way in: what the reader's pairings have, what waits for them, and links to it all."""
    user = request.user
    today = timezone.localdate()
    open_certifications = dict(
        selectors.certifications_for_user(user, open_only=True)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    flag_counts = selectors.flag_counts(user)
    months = selectors.months_for_user(user)
    year, years = _sales_year(request, months)
    context = {
        "year": year,
        "years": years,
        "suppliers": selectors.suppliers_for_user(user).count(),
        "products": selectors.products_for_user(user).count(),
        "certified": _certified_count(user, today),
        "applications": [
            (status, Certification.Status(status).label, open_certifications.get(status, 0))
            for status in OPEN_STATUSES
        ],
        "open_applications": sum(open_certifications.values()),
        "flags": [
            (kind, label, flag_counts.get(kind, 0))
            for kind, label in SaleFlag.Kind.choices
            if flag_counts.get(kind)
        ],
        "open_flags": sum(flag_counts.values()),
        "open_flag_count": sum(flag_counts.values()),  # the tab bar's count, already known
        "totals": selectors.sales_totals(months.filter(month__year=year)),
        "batches": _visible_batches(user).select_related("received_by")[:8],
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
    form = SupplierFilterForm(
        request.GET, pairings=pairings, towns=_west_places(pairings).filter(level=Place.Level.TOWN)
    )
    suppliers = form.apply(selectors.suppliers_for_user(user)).prefetch_related(
        Prefetch("products", queryset=Product.objects.order_by("name", "spec", "id"))
    )
    page = Paginator(suppliers, PAGE_SIZE).get_page(request.GET.get("page"))
    badges = product_badges(
        [product.pk for supplier in page for product in supplier.products.all()],
        timezone.localdate(),
    )
    for supplier in page:
        for product in supplier.products.all():
            product.badge = badges[product.pk]  # type: ignore[attr-defined]
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
    products = list(supplier.products.select_related("origin").order_by("name", "spec", "id"))
    badges = product_badges([p.pk for p in products], today)
    months = selectors.months_for_user(user).filter(product__supplier=supplier)
    year, years = _sales_year(request, months)
    sums = {
        row["product_id"]: row
        for row in months.filter(month__year=year)
        .values("product_id")
        .annotate(
            counted=Sum("amount", filter=Q(is_counted=True)),
            uncounted=Sum("amount", filter=Q(is_counted=False)),
        )
        .order_by()
    }
    for product in products:
        product.badge = badges[product.pk]  # type: ignore[attr-defined]
        product.sums = sums.get(product.pk, {})  # type: ignore[attr-defined]
    context = {
        "supplier": supplier,
        "products": products,
        "linkages": list(supplier.linkages.all()),
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
        places=_west_places(choices),
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
        places=_west_places([supplier.pairing]),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_supplier(supplier=supplier, changed_by=user, **form.service_arguments())
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
    existing = _linkage(supplier, year)
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
        origins=_west_places([supplier.pairing]),
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
        origins=_west_places([product.supplier.pairing]),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_product(product=product, changed_by=user, **form.service_arguments())
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
    certifications = list(
        product.certifications.prefetch_related(
            Prefetch("steps", queryset=CertificationStep.objects.select_related("done_by"))
        )
    )
    months = selectors.months_for_user(user).filter(product=product)
    year, years = _sales_year(request, months)
    months = months.filter(month__year=year)
    pairing = product.supplier.pairing
    context = {
        "product": product,
        "supplier": product.supplier,
        "badge": product_badges([product.pk], today)[product.pk],
        "certifications": certifications,
        "open_certification": next((c for c in certifications if c.status in OPEN_STATUSES), None),
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


@dataclass
class QueueGroup:
    status: str
    label: str
    count: int
    items: list[Certification] = field(default_factory=list)


def waiting_for(cert: Certification, today: date) -> str:
    """What an open application waits for, in a few words."""
    status = cert.status
    if status == Certification.Status.APPLIED:
        return _("The county's review and stamp")
    if status == Certification.Status.REVIEWED:
        return _("The re-check")
    if status == Certification.Status.RECHECKED:
        return _("The public notice to start")
    unanswered = getattr(cert, "objections", 0) - getattr(cert, "answers", 0)
    if unanswered > 0:
        return ngettext(
            "An answer to %(count)d objection",
            "Answers to %(count)d objections",
            unanswered,
        ) % {"count": unanswered}
    if cert.publicity_to and today <= cert.publicity_to:
        return _("The public notice to end on %(day)s") % {"day": _date_text(cert.publicity_to)}
    if cert.unmet_criteria:
        return _("Criteria still unmet: %(count)d") % {"count": len(cert.unmet_criteria)}
    return _("The decision: ready to certify")


@login_required
@require_GET
def certification_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The commerce bureau's work queue: open applications by status, oldest first."""
    user = request.user
    today = timezone.localdate()
    open_ones = selectors.certifications_for_user(user, open_only=True)
    counts = dict(open_ones.values_list("status").annotate(n=Count("pk")).order_by())
    items = list(
        open_ones.select_related("product__supplier__pairing")
        .annotate(
            objections=Count("steps", filter=Q(steps__kind=CertificationStep.Kind.OBJECTION)),
            answers=Count("steps", filter=Q(steps__kind=CertificationStep.Kind.ANSWERED)),
        )
        .order_by("applied_on", "id")[:QUEUE_LIMIT]
    )
    groups: dict[str, QueueGroup] = {
        status: QueueGroup(status, str(Certification.Status(status).label), counts.get(status, 0))
        for status in OPEN_STATUSES
    }
    for cert in items:
        cert.waiting_for = waiting_for(cert, today)  # type: ignore[attr-defined]
        cert.is_ready = (  # type: ignore[attr-defined]
            cert.status == Certification.Status.PUBLICISED
            and cert.publicity_to is not None
            and today > cert.publicity_to
            and not cert.unmet_criteria
            and cert.objections <= cert.answers
        )
        groups[cert.status].items.append(cert)
    context = {
        "groups": list(groups.values()),
        "total": sum(counts.values()),
        "shown": len(items),
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
    steps = list(certification.steps.select_related("done_by"))
    criteria = [
        (
            name,
            getattr(Certification._meta.get_field(name), "verbose_name", name),
            getattr(certification, name),
        )
        for name in Certification.CRITERIA
    ]
    objections = sum(1 for s in steps if s.kind == CertificationStep.Kind.OBJECTION)
    answers = sum(1 for s in steps if s.kind == CertificationStep.Kind.ANSWERED)
    certification.objections = objections  # type: ignore[attr-defined]
    certification.answers = answers  # type: ignore[attr-defined]
    today = timezone.localdate()
    is_open = certification.status in OPEN_STATUSES
    return {
        "certification": certification,
        "product": certification.product,
        "supplier": certification.product.supplier,
        "steps": steps,
        "criteria": criteria,
        "badge": product_badges([certification.product_id], today)[certification.product_id],
        "waiting_for": waiting_for(certification, today) if is_open else "",
        "unanswered": max(objections - answers, 0),
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
    step = _step_for_user(request.user, step_id)
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
    channels = selectors.channels_for_user(user)
    year, years = _sales_year(request, SalesMonth.objects.filter(channel__in=channels.values("pk")))
    page = Paginator(channels.order_by("name"), PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [channel.pk for channel in page]
    sums = _channel_sums(ids, year)
    flags = _open_flags_by_channel(ids)
    for channel in page:
        channel.sums = sums.get(channel.pk, {})  # type: ignore[attr-defined]
        channel.open_flags = flags.get(channel.pk, 0)  # type: ignore[attr-defined]
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
    year, years = _sales_year(request, SalesMonth.objects.filter(channel=channel))
    batches = Paginator(
        channel.batches.select_related("received_by", "token").order_by("-received_at", "-id"),
        BATCHES_PER_PAGE,
    ).get_page(request.GET.get("page"))
    sums = _channel_sums([channel.pk], year).get(channel.pk, {})
    return {
        "channel": channel,
        "batches": batches,
        "page": batches,
        "tokens": list(channel.tokens.select_related("created_by")),
        "sums": sums,
        "open_flags": _open_flags_by_channel([channel.pk]).get(channel.pk, 0),
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
    token = _token_for_user(request.user, token_id)
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
    products = selectors.products_for_user(request.user).select_related("supplier")
    formset = SaleLineFormSet(
        data,
        products=products.order_by("name", "spec", "id"),
        buyers=selectors.buyers().order_by("name"),
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
    flags = _flags_of_lines(line_ids)
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


@dataclass
class LinePage:
    """A page of sale lines without counting them all: the table can hold millions."""

    lines: list[SaleLine]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


@login_required
@require_GET
def sale_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    channels = list(selectors.channels_for_user(user).order_by("name"))
    form = SaleFilterForm(request.GET, channels=channels)
    lines = selectors.sale_lines_for_user(user)
    product = None
    if form.is_valid():
        data = form.cleaned_data
        if data["channel"]:
            lines = lines.filter(channel_id=data["channel"])
        if data["product"]:
            lines = lines.filter(product_id=data["product"])
            product = selectors.products_for_user(user).filter(pk=data["product"]).first()
        if data["q"]:
            lines = lines.filter(product__name__contains=data["q"].strip())
        if data["date_from"]:
            lines = lines.filter(sold_on__gte=data["date_from"])
        if data["date_to"]:
            lines = lines.filter(sold_on__lte=data["date_to"])
        if data["counted"] == "yes":
            lines = lines.filter(COUNTED)
        elif data["counted"] == "no":
            lines = lines.exclude(COUNTED)
    try:
        number = max(int(request.GET.get("page") or 1), 1)
    except ValueError:
        number = 1
    start = (number - 1) * PAGE_SIZE
    rows = list(
        lines.prefetch_related(
            Prefetch("flags", queryset=SaleFlag.objects.order_by("id"))
        ).order_by("-sold_on", "-id")[start : start + PAGE_SIZE + 1]
    )
    page = LinePage(rows[:PAGE_SIZE], number, len(rows) > PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "product": product,
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
    channels = list(selectors.channels_for_user(user).order_by("name"))
    form = FlagFilterForm(request.GET, channels=channels)
    status = SaleFlag.Status.OPEN
    flags = selectors.flags_for_user(user, status=None)
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"] or SaleFlag.Status.OPEN
        if data["kind"]:
            flags = flags.filter(kind=data["kind"])
        if data["channel"]:
            flags = flags.filter(line__channel_id=data["channel"])
    flags = flags.filter(status=status).select_related(
        "line__buyer",
        "line__pairing__east_place",
        "line__pairing__west_place",
        "line__pairing__east_organisation",
        "line__pairing__west_organisation",
        "resolved_by",
    )
    page = Paginator(flags.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
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
        chosen = selectors.flags_for_user(user, status=None).filter(pk__in=data["flags"])
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
