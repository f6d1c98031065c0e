from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsumptionConfig(AppConfig):
    name = "shanhai.consumption"
    verbose_name = _("Consumption assistance")

    def ready(self) -> None:
        from shanhai.consumption import facts
        from shanhai.facts import registry

        registry.register(facts.SALES_SOURCE, facts.all_batch_facts)
        registry.register(facts.CERTIFICATION_SOURCE, facts.all_certification_facts)
        registry.register(facts.SUPPLIER_SOURCE, facts.all_supplier_facts)
        registry.register(facts.LINKAGE_SOURCE, facts.all_linkage_facts)
        registry.register_record_count("consumption.sales", "consumption.sales.lines")
