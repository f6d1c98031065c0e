# Every pairing gets its root: the nearest county pairing at or above it, else itself.
# Added without a key, filled by one UPDATE, then made NOT NULL with its key: the big tables'
# migrations fill their own root column from this one.

import django.db.models.deletion
from django.db import migrations, models

# The ancestors of a pairing are the pairings whose path starts its own path.
FILL_ROOTS = """
UPDATE places_pairing SET root_id = COALESCE(
    (
        SELECT county.id FROM places_pairing AS county
        WHERE county.kind = 'county' AND places_pairing.path LIKE (county.path || '%')
        ORDER BY county.depth DESC
        LIMIT 1
    ),
    places_pairing.id
)
"""


class Migration(migrations.Migration):

    dependencies = [
        ('places', '0003_locked_year'),
    ]

    operations = [
        migrations.AddField(
            model_name='pairing',
            name='root',
            field=models.ForeignKey(db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='places.pairing', verbose_name='root pairing'),
        ),
        migrations.RunSQL(FILL_ROOTS, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name='pairing',
            name='root',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='places.pairing', verbose_name='root pairing'),
        ),
    ]
