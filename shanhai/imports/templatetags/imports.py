"""Links into imports from other pages: the navigation's import link, the ledger's exports."""

from __future__ import annotations

from typing import Any

from django import template

from shanhai.imports.kinds import KINDS
from shanhai.imports.selectors import may_record_somewhere

register = template.Library()

# A ledger Record.Kind value → the import kind that reads and writes it (visit → visits).
_BY_RECORD_KIND = {
    str(record_kind): kind.name
    for kind in KINDS.values()
    if (record_kind := getattr(kind, "record_kind", ""))
}


@register.filter
def may_import(user: Any) -> bool:
    """`{% if user|may_import %}`: whether to offer the import page (once per request)."""
    return bool(getattr(user, "is_authenticated", False)) and may_record_somewhere(user)


@register.filter
def import_kind(record_kind: str) -> str:
    """`{{ "visit"|import_kind }}` → visits: the kind whose exports list these records."""
    return _BY_RECORD_KIND.get(str(record_kind), "")


@register.filter
def kind_label(name: str) -> str:
    """`{{ job.kind|kind_label }}` → 互访考察."""
    kind = KINDS.get(name)
    return kind.label if kind is not None else name
