"""Load the shipped 2021–2025 indicator catalogue (catalogues/2021.json).

Data migrations must not import app code, so this reads the JSON itself and sets only the
fields the models have at this migration; `shanhai indicators load` is the checked way to
load a catalogue later.
"""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

CATALOGUE = Path(__file__).resolve().parent.parent / "catalogues" / "2021.json"
REGIME_FIELDS = ("name", "first_year", "last_year", "source")
INDICATOR_FIELDS = (
    "category", "name_zh", "name_en", "unit", "side", "computation", "metric", "aggregate",
    "filters", "scale", "fed_by", "note",
)


def read_catalogue():
    return json.loads(CATALOGUE.read_text(encoding="utf-8"))


def load(apps, schema_editor):
    Regime = apps.get_model("indicators", "Regime")
    Indicator = apps.get_model("indicators", "Indicator")
    data = read_catalogue()
    regime_data = data["regime"]
    regime, _ = Regime.objects.update_or_create(
        code=regime_data["code"],
        defaults={name: regime_data.get(name) for name in REGIME_FIELDS if name in regime_data},
    )
    for position, entry in enumerate(data["indicators"], start=1):
        defaults = {name: entry[name] for name in INDICATOR_FIELDS if name in entry}
        defaults["scale"] = Decimal(str(entry.get("scale", 1)))
        defaults["position"] = entry.get("position", position)
        Indicator.objects.update_or_create(regime=regime, code=entry["code"], defaults=defaults)


def unload(apps, schema_editor):
    Regime = apps.get_model("indicators", "Regime")
    Indicator = apps.get_model("indicators", "Indicator")
    code = read_catalogue()["regime"]["code"]
    Indicator.objects.filter(regime__code=code).delete()
    Regime.objects.filter(code=code).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("indicators", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, unload),
    ]
