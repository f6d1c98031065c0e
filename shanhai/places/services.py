"""Writes to the spine: register places, organisations and pairings; grant roles.

The ``register_*`` services are idempotent: they find the record by its natural key and bring
it up to date, so the demo and later imports can run again without duplicating anything.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from shanhai.accounts.models import Role, User
from shanhai.core.models import DatePrecision, Source
from shanhai.core.services import record_audit_event
from shanhai.places.models import (
    LockedYear,
    Organisation,
    Pairing,
    Place,
    PlaceAlias,
    RoleGrant,
    child_path,
    root_id_for,
    rooted_models,
)


def _apply(instance: models.Model, values: dict[str, Any]) -> list[str]:
    """Set *values* on *instance*; return the names of the fields that changed."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    return changed


def _place_names(parent: Place | None, name: str) -> str:
    return f"{parent.full_name}{name}" if parent else name


@transaction.atomic
def register_place(
    *,
    name: str,
    level: str,
    parent: Place | None = None,
    code: str | None = None,
    side: str | None = None,
    aliases: list[tuple[str, str, int | None]] | None = None,
    source: Source | None = None,
    existing: Place | None = None,
    actor: User | None = None,
) -> Place:
    """Create the place *name* under *parent*, or bring the existing one up to date.

    The side is inherited from the parent unless given; *aliases* are (name, kind, until_year).
    Pass *existing* to update that place even when its code or name is what changes.
    """
    side = side or (parent.side if parent else None)
    if not side:
        raise ValidationError({"side": _("A top-level place needs a side (east or west).")})
    if parent is not None and parent.side != side:
        raise ValidationError({"side": _("A place is on the same side as its parent.")})

    place = existing or (
        Place.objects.filter(code=code).first()
        if code
        else Place.objects.filter(parent=parent, name=name).first()
    )
    values = {
        "name": name,
        "level": level,
        "parent": parent,
        "code": code or None,
        "side": side,
        "source": source,
        "full_name": _place_names(parent, name),
        "depth": parent.depth + 1 if parent else 0,
    }
    created = place is None
    if place is None:
        place = Place(**values)
    old_path, old_full_name = place.path, place.full_name
    changed = _apply(place, values)
    if created or changed:
        place.path = place.path or "pending/"
        place.full_clean(exclude=["path"])
        place.save()
        path = child_path(parent.path if parent else "", place.pk)
        if place.path != path:
            Place.objects.filter(pk=place.pk).update(path=path)
            place.path = path
        if old_path and (place.path, place.full_name) != (old_path, old_full_name):
            _carry_below(place, old_path=old_path, old_full_name=old_full_name)
        record_audit_event(
            actor=actor,
            action="places.place.created" if created else "places.place.updated",
            target=place,
            details={"changed": changed} if not created else {},
        )
    for alias_name, kind, until_year in aliases or []:
        add_place_alias(place=place, name=alias_name, kind=kind, until_year=until_year)
    return place


def _carry_below(node: Place | Pairing, *, old_path: str, old_full_name: str = "") -> None:
    """Bring the nodes under *node* along after it moved (new path) or, for a place, was
    renamed (乡 → 镇: the full names below change too)."""
    shift = node.path.count("/") - old_path.count("/")
    fields = ["path", "depth"]
    below_nodes = type(node).objects.filter(path__startswith=old_path).exclude(pk=node.pk)
    for below in below_nodes:
        below.path = node.path + below.path.removeprefix(old_path)
        below.depth += shift
        if isinstance(node, Place) and isinstance(below, Place):
            below.full_name = node.full_name + below.full_name.removeprefix(old_full_name)
            fields = ["path", "depth", "full_name"]
        below.save(update_fields=fields)


def add_place_alias(
    *, place: Place, name: str, kind: str, until_year: int | None = None
) -> PlaceAlias:
    """Record that *place* is also known as *name* (a former name or a variant writing)."""
    alias, _created = PlaceAlias.objects.update_or_create(
        place=place, name=name, defaults={"kind": kind, "until_year": until_year}
    )
    return alias


@transaction.atomic
def register_organisation(
    *,
    name: str,
    kind: str,
    place: Place,
    short_name: str = "",
    credit_code: str | None = None,
    description: str = "",
    is_illustrative: bool = False,
    source: Source | None = None,
    actor: User | None = None,
) -> Organisation:
    """Create the organisation *name* in *place*, or bring the existing one up to date."""
    # One code, one writing: "91530629 ma6k…" is stored and looked up as "91530629MA6K…".
    credit_code = uscc.compact(credit_code) if credit_code else None
    organisation = (
        Organisation.objects.filter(credit_code=credit_code).first() if credit_code else None
    ) or Organisation.objects.filter(place=place, name=name).first()
    values = {
        "name": name,
        "kind": kind,
        "place": place,
        "short_name": short_name,
        "credit_code": credit_code or None,
        "description": description,
        "is_illustrative": is_illustrative,
        "source": source,
    }
    created = organisation is None
    if organisation is None:
        organisation = Organisation(**values)
    changed = _apply(organisation, values)
    if created or changed:
        organisation.full_clean()
        organisation.save()
        record_audit_event(
            actor=actor,
            action="places.organisation.created" if created else "places.organisation.updated",
            target=organisation,
        )
    return organisation


@transaction.atomic
def register_pairing(
    *,
    code: str,
    kind: str,
    east_place: Place,
    west_place: Place,
    started_on: date,
    source: Source,
    started_on_precision: str = DatePrecision.DAY,
    parent: Pairing | None = None,
    east_organisation: Organisation | None = None,
    west_organisation: Organisation | None = None,
    ended_on: date | None = None,
    source_note: str = "",
    is_illustrative: bool = False,
    existing: Pairing | None = None,
    actor: User | None = None,
) -> Pairing:
    """Create the pairing *code*, or bring the existing one up to date.

    Raise ValidationError if a party is on the wrong side or the parent would nest it in itself.
    """
    pairing = existing or Pairing.objects.filter(code=code).first()
    if pairing is not None and parent is not None and parent.path.startswith(pairing.path):
        raise ValidationError({"parent": _("A pairing cannot be nested under itself.")})
    values = {
        "code": code,
        "kind": kind,
        "parent": parent,
        "east_place": east_place,
        "west_place": west_place,
        "east_organisation": east_organisation,
        "west_organisation": west_organisation,
        "started_on": started_on,
        "started_on_precision": started_on_precision,
        "ended_on": ended_on,
        "source": source,
        "source_note": source_note,
        "is_illustrative": is_illustrative,
        "depth": parent.depth + 1 if parent else 0,
    }
    created = pairing is None
    if pairing is None:
        pairing = Pairing(**values)
        # Its root may be itself, which needs its id: a placeholder stands in until reroot_tree
        # below, in this transaction (the key is checked at commit).
        pairing.root_id = 0
    changed = _apply(pairing, values)
    if created or changed:
        old_path = pairing.path
        pairing.path = old_path or "pending/"
        pairing.full_clean(exclude=["path", "root"])
        pairing.save()
        path = child_path(parent.path if parent else "", pairing.pk)
        if path != old_path:
            Pairing.objects.filter(pk=pairing.pk).update(path=path)
            pairing.path = path
            if old_path:
                _carry_below(pairing, old_path=old_path)
        if created or {"kind", "parent"} & set(changed):
            reroot_tree(pairing, has_rows=not created)
        record_audit_event(
            actor=actor,
            action="places.pairing.created" if created else "places.pairing.updated",
            target=pairing,
            details={"changed": changed} if not created else {},
        )
    return pairing


class _Rooted(NamedTuple):
    pk: int
    kind: str
    root_id: int


@transaction.atomic
def reroot_tree(pairing: Pairing, *, has_rows: bool = True) -> dict[int, int]:
    """Give *pairing* and every pairing below it their roots again after it was made, moved or
    changed kind, and move the rows of the big tables along; return {pairing id: new root id}
    for those whose root changed.

    Each big table moves with one UPDATE per new root, in this transaction, so no row is ever
    left under a root its pairing no longer has. (On Citus a root is a shard key, which an
    UPDATE cannot change: there a move copies the rows and deletes them; docs/scaling.md.)
    """
    nodes = Pairing.objects.filter(path__startswith=pairing.path).order_by("path")
    parent = None
    if pairing.parent_id is not None:  # read afresh: its root is what this one's follows
        row = Pairing.objects.values_list("pk", "kind", "root").get(pk=pairing.parent_id)
        parent = _Rooted(*row)
    rooted: dict[int, _Rooted] = {}
    moved: dict[int, int] = {}
    for pk, kind, parent_id, old_root_id in nodes.values_list("pk", "kind", "parent", "root"):
        # *pairing*'s parent lies outside the subtree; every other parent was rooted above.
        above = rooted.get(parent_id, parent) if parent_id is not None else None
        root_id = root_id_for(pk=pk, kind=kind, parent=above)
        rooted[pk] = _Rooted(pk, kind, root_id)
        if root_id != old_root_id:
            moved[pk] = root_id
    by_root: dict[int, list[int]] = defaultdict(list)
    for pk, root_id in moved.items():
        by_root[root_id].append(pk)
    for root_id, pks in by_root.items():
        Pairing.objects.filter(pk__in=pks).update(root_id=root_id)
        for model, lookup in rooted_models() if has_rows else ():
            model._base_manager.filter(**{f"{lookup}__in": pks}).update(root_id=root_id)
    pairing.root_id = rooted[pairing.pk].root_id
    return moved


@transaction.atomic
def grant_role(
    *, user: User, pairing: Pairing, role: str, granted_by: User | None = None
) -> RoleGrant:
    """Give *user* *role* in *pairing* and all its sub-pairings."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
    grant, created = RoleGrant.objects.get_or_create(
        user=user, pairing=pairing, role=role, defaults={"granted_by": granted_by}
    )
    if created:
        record_audit_event(
            actor=granted_by,
            action="places.role.granted",
            target=grant,
            details={"user": user.username, "pairing": pairing.code, "role": role},
        )
    return grant


@transaction.atomic
def revoke_role(*, grant: RoleGrant, revoked_by: User | None = None) -> None:
    """Take a role away; the audit log keeps who had it."""
    record_audit_event(
        actor=revoked_by,
        action="places.role.revoked",
        target=grant,
        details={"user": grant.user.username, "pairing": grant.pairing.code, "role": grant.role},
    )
    grant.delete()


@transaction.atomic
def lock_year(*, pairing: Pairing, year: int, locked_by: User) -> LockedYear:
    """Make *year* final for *pairing* and everything below it."""
    lock, created = LockedYear.objects.get_or_create(
        pairing=pairing, year=year, defaults={"locked_by": locked_by}
    )
    if created:
        record_audit_event(
            actor=locked_by, action="places.year.locked", target=pairing, details={"year": year}
        )
    return lock


@transaction.atomic
def unlock_year(*, pairing: Pairing, year: int, unlocked_by: User, reason: str) -> None:
    """Reopen a locked year; the reason is kept in the audit log."""
    deleted, _rows = LockedYear.objects.filter(pairing=pairing, year=year).delete()
    if deleted:
        record_audit_event(
            actor=unlocked_by,
            action="places.year.unlocked",
            target=pairing,
            details={"year": year, "reason": reason},
        )
