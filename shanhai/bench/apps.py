from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchConfig(AppConfig):
    """`shanhai bench`: the performance figures of issue 9, on one synthetic dataset."""

    name = "shanhai.bench"
    verbose_name = _("Benchmarks")
