"""Chain the audit events recorded before the chain existed, in id order.

The hash is written out here rather than imported: a migration must produce the same result
whatever the app code later becomes. It equals AuditEvent.compute_hash at the time of writing.
"""

import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.db import migrations

BATCH = 2000


def _canonical(value):
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e16:
        return int(value)
    return value


def _hash(event):
    fields = {
        "prev_hash": event.prev_hash,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_username,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_repr": event.target_repr,
        "details": _canonical(event.details),
        "ip_address": event.ip_address,
        "user_agent": event.user_agent,
        "origin": event.origin,
    }
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def chain_existing_events(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChain = apps.get_model("core", "AuditChain")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    db = schema_editor.connection.alias
    usernames = dict(User.objects.using(db).values_list("pk", "username"))
    previous, length, last_pk = "", 0, 0
    while True:
        batch = list(AuditEvent.objects.using(db).filter(pk__gt=last_pk).order_by("pk")[:BATCH])
        if not batch:
            break
        for event in batch:
            event.actor_username = usernames.get(event.actor_id, "")
            event.origin = event.origin or "migration:core.0003"
            event.prev_hash = previous
            event.hash = previous = _hash(event)
        AuditEvent.objects.using(db).bulk_update(
            batch, ["actor_username", "origin", "prev_hash", "hash"]
        )
        length += len(batch)
        last_pk = batch[-1].pk
    AuditChain.objects.using(db).update_or_create(
        pk=1, defaults={"last_hash": previous, "length": length}
    )


def unchain(apps, schema_editor):
    AuditChain = apps.get_model("core", "AuditChain")
    AuditChain.objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_chain_and_origin"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(chain_existing_events, unchain)]
