# The root of every row: added without a key, filled from its pairing's root in one set-wise
# statement per table, then made NOT NULL with its key; the unique constraints are remade with
# the root at their end, so the queries their indexes serve are unchanged.

import django.db.models.deletion
from django.db import migrations, models

# (table, its column naming the row the root is copied from, the table of that row)
FILLS = [
    ('facts_fact', 'pairing_id', 'places_pairing'),
    ('facts_rollup', 'pairing_id', 'places_pairing'),
]


def fill_roots(apps, schema_editor):
    """Copy each row's root from the row its key names, one statement per table.

    On PostgreSQL the table is rewritten (ALTER … TYPE … USING) rather than updated: an UPDATE
    of every row writes a second copy of it and an entry in each of its indexes, and leaves the
    table twice its size (1.95 M sale lines: 138 s against 33 s, docs/scaling.md).
    """
    for table, key, source in FILLS:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                "CREATE FUNCTION pg_temp.shanhai_root_of(bigint) RETURNS bigint LANGUAGE sql "
                f"STABLE AS 'SELECT root_id FROM {source} WHERE id = $1'"
            )
            schema_editor.execute(
                f"ALTER TABLE {table} ALTER COLUMN root_id TYPE bigint "
                f"USING pg_temp.shanhai_root_of({key})"
            )
            schema_editor.execute("DROP FUNCTION pg_temp.shanhai_root_of(bigint)")
        else:
            schema_editor.execute(
                f"UPDATE {table} SET root_id = {source}.root_id FROM {source} "
                f"WHERE {source}.id = {table}.{key}"
            )


class Migration(migrations.Migration):

    dependencies = [
        ('facts', '0001_initial'),
        ('places', '0004_pairing_root'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='rollup',
            name='facts_rollup_one_row_per_cell',
        ),
        migrations.AddField(
            model_name='fact',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing', db_constraint=False, null=True),
        ),
        migrations.AddField(
            model_name='rollup',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing', db_constraint=False, null=True),
        ),
        migrations.RunPython(fill_roots, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='fact',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing'),
        ),
        migrations.AlterField(
            model_name='rollup',
            name='root',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.pairing', verbose_name='root pairing'),
        ),
        migrations.AddConstraint(
            model_name='rollup',
            constraint=models.UniqueConstraint(fields=('pairing', 'month', 'metric', 'direction', 'level', 'category', 'subcategory', 'root'), name='facts_rollup_one_row_per_cell'),
        ),
    ]
