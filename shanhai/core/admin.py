from django.contrib import admin
from django.http import HttpRequest

from shanhai.core.models import AuditEvent, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin[Source]):
    list_display = ("title", "kind", "publisher", "published_on")
    list_filter = ("kind",)
    search_fields = ("title", "key", "publisher")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """The audit log is read-only in the back office."""

    list_display = ("occurred_at", "actor", "action", "target_repr", "ip_address", "origin")
    list_filter = ("action",)
    search_fields = ("target_repr", "actor__username", "actor_username", "ip_address")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
