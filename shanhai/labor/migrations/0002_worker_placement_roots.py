# The root of every row: added without a key, filled from its pairing's root in one set-wise
# statement per table, then made NOT NULL with its key; the unique constraints are remade with
# the root at their end, so the queries their indexes serve are unchanged.

import django.db.models.deletion
from django.db import migrations, models

from shanhai.places.migration_roots import fill_roots

FILLS = [
    ('labor_worker', 'pairing_id', 'places_pairing'),
    ('labor_placement', 'pairing_id', 'places_pairing'),
    ('labor_followup', 'placement_id', 'labor_placement'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('labor', '0001_workers_postings_placements'),
        ('places', '0004_pairing_root'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='placement',
            name='labor_placement_one_active_per_worker',
        ),
        migrations.RemoveConstraint(
            model_name='worker',
            name='labor_worker_one_per_id_number',
        ),
        migrations.AddField(
            model_name='worker',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing', db_constraint=False, null=True),
        ),
        migrations.AddField(
            model_name='placement',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing', db_constraint=False, null=True),
        ),
        migrations.AddField(
            model_name='followup',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing', db_constraint=False, null=True),
        ),
        migrations.RunPython(fill_roots(FILLS), migrations.RunPython.noop),
        migrations.AlterField(
            model_name='worker',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing'),
        ),
        migrations.AlterField(
            model_name='placement',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing'),
        ),
        migrations.AlterField(
            model_name='followup',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing'),
        ),
        migrations.AddConstraint(
            model_name='placement',
            constraint=models.UniqueConstraint(condition=models.Q(('ended_on__isnull', True)), fields=('worker', 'root'), name='labor_placement_one_active_per_worker', violation_error_message='This worker is already recorded as in work.'),
        ),
        migrations.AddConstraint(
            model_name='worker',
            constraint=models.UniqueConstraint(condition=models.Q(('id_number_hash', ''), _negated=True), fields=('id_number_hash', 'root'), name='labor_worker_one_per_id_number', violation_error_message='A worker with this ID number is already registered.'),
        ),
    ]
