# The root of every row: added without a key, filled from its pairing's root in one set-wise
# statement per table, then made NOT NULL with its key; the unique constraints are remade with
# the root at their end, so the queries their indexes serve are unchanged.

import django.db.models.deletion
from django.db import migrations, models

from shanhai.places.migration_roots import fill_roots

FILLS = [
    ('consumption_saleline', 'pairing_id', 'places_pairing'),
    ('consumption_saleflag', 'line_id', 'consumption_saleline'),
    ('consumption_salesmonth', 'pairing_id', 'places_pairing'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('consumption', '0001_suppliers_products_sales'),
        ('places', '0004_pairing_root'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='saleflag',
            name='consumption_flag_one_per_kind',
        ),
        migrations.RemoveConstraint(
            model_name='saleline',
            name='consumption_saleline_one_per_order',
        ),
        migrations.RemoveConstraint(
            model_name='salesmonth',
            name='consumption_salesmonth_one_per_cell',
        ),
        migrations.AddField(
            model_name='saleline',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing', db_constraint=False, null=True),
        ),
        migrations.AddField(
            model_name='saleflag',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing', db_constraint=False, null=True),
        ),
        migrations.AddField(
            model_name='salesmonth',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing', db_constraint=False, null=True),
        ),
        migrations.RunPython(fill_roots(FILLS), migrations.RunPython.noop),
        migrations.AlterField(
            model_name='saleline',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing'),
        ),
        migrations.AlterField(
            model_name='saleflag',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing'),
        ),
        migrations.AlterField(
            model_name='salesmonth',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing'),
        ),
        migrations.AddConstraint(
            model_name='saleflag',
            constraint=models.UniqueConstraint(fields=('line', 'kind', 'root'), name='consumption_flag_one_per_kind', violation_error_message='This line already has this flag.'),
        ),
        migrations.AddConstraint(
            model_name='saleline',
            constraint=models.UniqueConstraint(fields=('channel', 'order_id', 'root'), name='consumption_saleline_one_per_order', violation_error_message='This channel already reported this order.'),
        ),
        migrations.AddConstraint(
            model_name='salesmonth',
            constraint=models.UniqueConstraint(fields=('month', 'pairing', 'channel', 'product', 'mode', 'is_counted', 'root'), name='consumption_salesmonth_one_per_cell'),
        ),
    ]
