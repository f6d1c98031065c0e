from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The Songjiang–Weixin demo: sits on top of every app and loads each one's story."""

    name = "shanhai.demo"
    verbose_name = _("Demo")
