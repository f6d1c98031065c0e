from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FactsConfig(AppConfig):
    """The facts every ledger contributes, and their monthly rollups, for indicators to read."""

    name = "shanhai.facts"
    verbose_name = _("Facts and rollups")
