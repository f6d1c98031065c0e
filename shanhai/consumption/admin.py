"""Back-office views of consumption assistance, for looking things up.

Everything is written on the consumption pages or through the API, where the services keep the
monthly sums, the facts and the audit log in step; so here records are read, never added,
changed or deleted (a change in the admin would bypass all three).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shanhai.consumption.models import (
    BenefitLinkage,
    Buyer,
    BuyerQuota,
    Certification,
    CertificationStep,
    Channel,
    ChannelToken,
    Demand,
    GuidanceNotice,
    Product,
    SaleFlag,
    SaleLine,
    SalesBatch,
    Supplier,
)


class ReadOnlyMixin:
    """Show every field, allow no add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LinkageInline(ReadOnlyMixin, admin.TabularInline[BenefitLinkage, Supplier]):
    model = BenefitLinkage
    extra = 0
    fields = (
        "year",
        "kinds",
        "households",
        "poverty_exited_households",
        "monitored_households",
        "paid_amount",
    )
    readonly_fields = fields


@admin.register(Supplier)
class SupplierAdmin(ReadOnlyMixin, admin.ModelAdmin[Supplier]):
    list_display = ("name", "kind", "place", "pairing", "registered_on", "is_illustrative")
    list_filter = ("kind", "is_illustrative")
    search_fields = ("name", "credit_code")
    list_select_related = ("place", "pairing")
    inlines = (LinkageInline,)


@admin.register(Product)
class ProductAdmin(ReadOnlyMixin, admin.ModelAdmin[Product]):
    list_display = ("name", "spec", "category", "supplier", "reference_price", "unit")
    list_filter = ("category", "is_illustrative")
    search_fields = ("name", "trace_code", "supplier__name")
    list_select_related = ("supplier",)


class StepInline(ReadOnlyMixin, admin.TabularInline[CertificationStep, Certification]):
    model = CertificationStep
    extra = 0
    fields = ("kind", "done_on", "done_by", "note", "evidence", "recorded_at")
    readonly_fields = fields


@admin.register(Certification)
class CertificationAdmin(ReadOnlyMixin, admin.ModelAdmin[Certification]):
    list_display = ("product", "status", "applied_on", "certificate_number", "valid_to")
    list_filter = ("status",)
    search_fields = ("product__name", "certificate_number")
    list_select_related = ("product",)
    date_hierarchy = "applied_on"
    inlines = (StepInline,)


@admin.register(Channel)
class ChannelAdmin(ReadOnlyMixin, admin.ModelAdmin[Channel]):
    list_display = ("name", "kind", "side", "pairing", "is_active")
    list_filter = ("kind", "side", "is_active", "is_illustrative")
    search_fields = ("name",)


@admin.register(ChannelToken)
class ChannelTokenAdmin(ReadOnlyMixin, admin.ModelAdmin[ChannelToken]):
    """Keys are issued and revoked on the channel's page; the hash is never shown."""

    list_display = ("channel", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("channel",)
    exclude = ("key_hash",)


@admin.register(Buyer)
class BuyerAdmin(ReadOnlyMixin, admin.ModelAdmin[Buyer]):
    list_display = ("name", "kind", "side")
    list_filter = ("kind", "side", "is_illustrative")
    search_fields = ("name",)


@admin.register(BuyerQuota)
class BuyerQuotaAdmin(ReadOnlyMixin, admin.ModelAdmin[BuyerQuota]):
    list_display = ("buyer", "year", "reserved_amount")
    list_filter = ("year",)
    search_fields = ("buyer__name",)


@admin.register(SalesBatch)
class SalesBatchAdmin(ReadOnlyMixin, admin.ModelAdmin[SalesBatch]):
    list_display = (
        "channel",
        "entry_method",
        "received_at",
        "lines_received",
        "lines_created",
        "lines_replayed",
        "lines_rejected",
        "lines_flagged",
    )
    list_filter = ("entry_method",)
    list_select_related = ("channel",)
    date_hierarchy = "received_at"


@admin.register(SaleLine)
class SaleLineAdmin(ReadOnlyMixin, admin.ModelAdmin[SaleLine]):
    list_display = ("order_id", "channel", "sold_on", "product", "amount", "is_certified")
    list_filter = ("is_certified", "is_excluded", "is_held", "mode")
    search_fields = ("=order_id",)  # exact: the table is large
    list_select_related = ("channel", "product")
    show_full_result_count = False
    raw_id_fields = ("product", "buyer", "batch", "sales_event")


@admin.register(SaleFlag)
class SaleFlagAdmin(ReadOnlyMixin, admin.ModelAdmin[SaleFlag]):
    list_display = ("line", "kind", "status", "resolved_by", "resolved_at")
    list_filter = ("kind", "status")
    list_select_related = ("line__channel", "resolved_by")
    raw_id_fields = ("line", "other_line")


@admin.register(Demand)
class DemandAdmin(ReadOnlyMixin, admin.ModelAdmin[Demand]):
    list_display = ("buyer", "category", "product_name", "quantity_kg", "deliver_from", "status")
    list_filter = ("category", "status")
    search_fields = ("product_name", "buyer__name")


@admin.register(GuidanceNotice)
class GuidanceNoticeAdmin(ReadOnlyMixin, admin.ModelAdmin[GuidanceNotice]):
    list_display = ("title", "category", "town", "published_on")
    list_filter = ("category",)
    search_fields = ("title",)
