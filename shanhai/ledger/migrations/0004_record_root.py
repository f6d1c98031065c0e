# The root of every row: added without a key, filled from its pairing's root in one set-wise
# statement per table, then made NOT NULL with its key; the unique constraints are remade with
# the root at their end, so the queries their indexes serve are unchanged.

import django.db.models.deletion
from django.db import migrations, models

from shanhai.places.migration_roots import fill_roots

FILLS = [
    ('ledger_record', 'pairing_id', 'places_pairing'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0003_names_as_written'),
        ('places', '0004_pairing_root'),
    ]

    operations = [
        migrations.AddField(
            model_name='record',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing', db_constraint=False, null=True),
        ),
        migrations.RunPython(fill_roots(FILLS), migrations.RunPython.noop),
        migrations.AlterField(
            model_name='record',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing'),
        ),
    ]
