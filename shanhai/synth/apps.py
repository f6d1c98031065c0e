from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SynthConfig(AppConfig):
    """Synthetic data at county, province and national scale, made through the services."""

    name = "shanhai.synth"
    verbose_name = _("Synthetic data")
