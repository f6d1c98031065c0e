from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LaborConfig(AppConfig):
    name = "shanhai.labor"
    verbose_name = _("Labor cooperation")

    def ready(self) -> None:
        from shanhai.facts import registry
        from shanhai.labor import facts

        registry.register(facts.SOURCE, facts.all_placement_facts)
        registry.register(facts.BATCH_SOURCE, facts.all_batch_facts)
        registry.register(facts.SUBSIDY_SOURCE, facts.all_subsidy_facts)
