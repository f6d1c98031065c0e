from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "shanhai.ledger"
    verbose_name = _("Cooperation ledger")

    def ready(self) -> None:
        from shanhai.facts import registry
        from shanhai.ledger import facts

        registry.register(facts.SOURCE, facts.all_record_facts)
