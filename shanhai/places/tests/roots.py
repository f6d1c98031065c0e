"""The check that every row carries its pairing's root, for the tests that build data."""

from __future__ import annotations

from django.db.models import F

from shanhai.places.models import Pairing, rooted_models


def expected_roots(tree: dict[int, tuple[str, int | None]]) -> dict[int, int]:
    """Every pairing's root worked out from *tree* ({id: (kind, parent id)}) the slow way: walk
    up to the nearest county pairing, or keep the pairing itself when there is none."""
    roots = {}
    for pk in tree:
        node: int | None = pk
        while node is not None and tree[node][0] != Pairing.Kind.COUNTY:
            node = tree[node][1]
        roots[pk] = pk if node is None else node
    return roots


def misrooted() -> dict[str, int]:
    """Return {table: rows whose root is not their pairing's root}, leaving out tables with none:
    one query for the pairings, then one per table that carries a root."""
    pairings = list(Pairing.objects.values_list("pk", "kind", "parent", "root"))
    tree = {pk: (kind, parent) for pk, kind, parent, _root in pairings}
    stored = {pk: root for pk, _kind, _parent, root in pairings}
    wrong = {"places.pairing": sum(stored[pk] != root for pk, root in expected_roots(tree).items())}
    for model, lookup in rooted_models():
        rows = model._base_manager.exclude(root=F(f"{lookup}__root"))
        wrong[model._meta.label_lower] = rows.count()
    return {table: count for table, count in wrong.items() if count}
