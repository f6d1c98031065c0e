from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    """Backups of the database and the uploaded files, checked archives, and restores."""

    name = "shanhai.backups"
    verbose_name = _("Backups")
