from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from shanhai.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    list_display = ("username", "display_name", "organisation", "side", "is_staff", "is_active")
    list_filter = ("side", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "display_name", "organisation__name")
    autocomplete_fields = ("organisation",)
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Shanhai"), {"fields": ("display_name", "organisation", "side")}),
    )
