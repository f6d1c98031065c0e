"""django.contrib.admin's app, its default site the one in admin_site (no models imported here)."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin, with the back office's site asking for a second factor."""

    default_site = "shanhai.accounts.admin_site.AdminSite"
