"""Reload the shipped 2021 catalogue: the consumption indicators (E1–E3, new E5–E9) are computed
from certified sale lines and supplier records.

As 0002 does, this reads the JSON itself (data migrations import no app code) and sets only
the fields the models have here. Indicators already in the database are brought up to date by
code; targets that point at them stay.
"""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

CATALOGUE = Path(__file__).resolve().parent.parent / "catalogues" / "2021.json"
INDICATOR_FIELDS = (
    "category", "name_zh", "name_en", "unit", "side", "computation", "metric", "aggregate",
    "filters", "scale", "fed_by", "note",
)


def reload(apps, schema_editor):
    Regime = apps.get_model("indicators", "Regime")
    Indicator = apps.get_model("indicators", "Indicator")
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    regime = Regime.objects.filter(code=data["regime"]["code"]).first()
    if regime is None:  # removed by hand: `shanhai indicators load` brings it back
        return
    for position, entry in enumerate(data["indicators"], start=1):
        defaults = {name: entry[name] for name in INDICATOR_FIELDS if name in entry}
        defaults["scale"] = Decimal(str(entry.get("scale", 1)))
        defaults["position"] = entry.get("position", position)
        Indicator.objects.update_or_create(regime=regime, code=entry["code"], defaults=defaults)


class Migration(migrations.Migration):

    dependencies = [
        ("indicators", "0004_labor_indicators_from_facts"),
    ]

    operations = [
        migrations.RunPython(reload, migrations.RunPython.noop),
    ]
