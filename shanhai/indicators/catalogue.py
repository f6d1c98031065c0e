"""Indicator catalogues as data: one JSON file per assessment regime, loaded into the database.

A catalogue file looks like ``catalogues/2021.json``: a "regime" (code, name, first_year,
last_year, source) and a list of "indicators" (code, category, name_zh, name_en, unit, side,
computation, metric, aggregate, filters, scale, fed_by, note). A new regime (2026 …) is a new
file, loaded with `shanhai indicators load FILE`; nothing in the code changes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shanhai.indicators.models import Category, Indicator, Regime
from shanhai.places.models import Pairing

SHIPPED = Path(__file__).parent / "catalogues"

# The dimensions the facts are kept by (shanhai.facts.services.DIMENSIONS).
FACT_FILTERS = ("direction", "level", "category", "subcategory")
PAIRING_FILTERS = ("kind",)
RATIO_FILTERS = ("numerator", "denominator")

REGIME_FIELDS = ("code", "name", "first_year", "last_year", "source")
REQUIRED_FIELDS = ("code", "category", "name_zh", "name_en", "unit", "side", "computation")
OPTIONAL_FIELDS = ("metric", "aggregate", "filters", "scale", "fed_by", "note", "position")


@dataclass
class LoadedCatalogue:
    """What loading a catalogue did: the regime, and which indicator codes it touched."""

    regime: Regime
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)


def read_catalogue_file(path: Path | str) -> dict[str, Any]:
    """Read a catalogue file; raise ValidationError naming the line and column of bad JSON."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValidationError(
            _("%(path)s is not valid JSON: %(problem)s at line %(line)d, column %(column)d."),
            code="invalid_json",
            params={
                "path": path.name,
                "problem": error.msg,
                "line": error.lineno,
                "column": error.colno,
            },
        ) from error
    if not isinstance(data, dict):
        raise ValidationError(
            _("%(path)s should hold a JSON object with a regime and its indicators."),
            code="invalid_catalogue",
            params={"path": path.name},
        )
    return data


def load_catalogue(*, data: Mapping[str, Any]) -> Regime:
    """Create or update a regime and its indicators from catalogue *data*; return the regime.

    Loading the same data again changes nothing. Raise ValidationError naming the indicator
    code and field at the first entry that does not make sense; then nothing is stored.
    """
    return apply_catalogue(data=data).regime


@transaction.atomic
def apply_catalogue(*, data: Mapping[str, Any]) -> LoadedCatalogue:
    """Load catalogue *data* as `load_catalogue` does, and say what was created or updated.

    Indicators already in the regime but missing from *data* are kept (targets may point at
    them) and listed in ``not_in_file``.
    """
    regime_data, entries = _split(data)
    for position, entry in enumerate(entries, start=1):
        _check_entry(entry, position)
    codes = [str(entry["code"]) for entry in entries]
    for entry in entries:
        _check_references(entry, codes)

    regime = Regime.objects.filter(code=regime_data.get("code")).first() or Regime()
    for name in REGIME_FIELDS:
        setattr(regime, name, regime_data.get(name, "" if name == "source" else None))
    _clean(regime, _("Regime %(code)s") % {"code": regime_data.get("code")})
    regime.save()

    result = LoadedCatalogue(regime=regime)
    existing = {indicator.code: indicator for indicator in regime.indicators.all()}
    for position, entry in enumerate(entries, start=1):
        code = str(entry["code"])
        indicator = existing.get(code) or Indicator(regime=regime, code=code)
        wanted = _indicator_values(entry, position)
        changed = [name for name, value in wanted.items() if getattr(indicator, name) != value]
        if indicator.pk and not changed:
            result.unchanged.append(code)
            continue
        for name, value in wanted.items():
            setattr(indicator, name, value)
        _clean(indicator, _("Indicator %(code)s") % {"code": code})
        (result.updated if indicator.pk else result.created).append(code)
        indicator.save()
    result.not_in_file = sorted(set(existing) - set(codes))
    return result


def _split(data: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[Mapping[str, Any]]]:
    regime = data.get("regime")
    entries = data.get("indicators")
    if not isinstance(regime, Mapping) or not regime.get("code"):
        raise ValidationError(
            _("The catalogue needs a regime with a code."), code="invalid_catalogue"
        )
    unknown = sorted(set(regime) - set(REGIME_FIELDS))
    if unknown:
        raise ValidationError(
            _("Regime %(code)s: unknown field %(field)s."),
            code="invalid_catalogue",
            params={"code": regime["code"], "field": unknown[0]},
        )
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise ValidationError(
            _("The catalogue needs a list of indicators."), code="invalid_catalogue"
        )
    return regime, entries


def _problem(code: object, field: str, problem: str) -> ValidationError:
    return ValidationError(
        _("Indicator %(code)s, %(field)s: %(problem)s"),
        code="invalid_indicator",
        params={"code": code, "field": field, "problem": problem},
    )


def _check_entry(entry: Mapping[str, Any], position: int) -> None:
    """Refuse an entry whose fields do not fit together (before anything is stored)."""
    code = entry.get("code") or _("number %(position)d") % {"position": position}
    for name in REQUIRED_FIELDS:
        if entry.get(name) in (None, ""):
            raise _problem(code, name, _("this field is required."))
    unknown = sorted(set(entry) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise _problem(code, unknown[0], _("unknown field."))

    if entry["category"] not in Category.values:
        raise _problem(
            code, "category", _("unknown category “%(value)s”.") % {"value": entry["category"]}
        )
    computation = entry["computation"]
    if computation not in Indicator.Computation.values:
        raise _problem(
            code, "computation", _("unknown computation “%(value)s”.") % {"value": computation}
        )
    aggregate = entry.get("aggregate") or Indicator.Aggregate.COUNT
    if aggregate not in Indicator.Aggregate.values:
        raise _problem(
            code, "aggregate", _("unknown aggregate “%(value)s”.") % {"value": aggregate}
        )
    if computation == Indicator.Computation.FACTS and not entry.get("metric"):
        raise _problem(code, "metric", _("an indicator computed from facts needs a metric."))

    filters = entry.get("filters") or {}
    if not isinstance(filters, Mapping):
        raise _problem(code, "filters", _("filters should be an object."))
    allowed = {
        Indicator.Computation.FACTS: FACT_FILTERS,
        Indicator.Computation.PAIRINGS: PAIRING_FILTERS,
        Indicator.Computation.RATIO: RATIO_FILTERS,
        Indicator.Computation.NOT_YET: (),
    }[Indicator.Computation(computation)]
    for key, value in filters.items():
        if key not in allowed:
            raise _problem(
                code,
                "filters",
                _("“%(key)s” is not a filter of a %(computation)s indicator (use %(allowed)s).")
                % {"key": key, "computation": computation, "allowed": ", ".join(allowed) or "-"},
            )
        if not isinstance(value, str) or not value or "" in value.split("|"):
            raise _problem(
                code, "filters", _("the value of “%(key)s” should be text.") % {"key": key}
            )
    if computation == Indicator.Computation.PAIRINGS:
        if "kind" not in filters:
            raise _problem(code, "filters", _("a count of pairings needs a kind."))
        for kind in filters["kind"].split("|"):
            if kind not in Pairing.Kind.values:
                raise _problem(
                    code, "filters", _("unknown kind of pairing “%(value)s”.") % {"value": kind}
                )
    if computation == Indicator.Computation.RATIO:
        for key in RATIO_FILTERS:
            if key not in filters:
                raise _problem(code, "filters", _("a ratio needs a %(key)s.") % {"key": key})

    try:
        scale = Decimal(str(entry.get("scale", 1)))
    except InvalidOperation:
        scale = Decimal(0)
    if not scale.is_finite() or scale <= 0:
        raise _problem(code, "scale", _("the scale should be a number above zero."))


def _check_references(entry: Mapping[str, Any], codes: list[str]) -> None:
    code = str(entry["code"])
    if codes.count(code) > 1:
        raise _problem(code, "code", _("the code is used more than once."))
    if entry["computation"] != Indicator.Computation.RATIO:
        return
    for key in RATIO_FILTERS:
        other = entry["filters"][key]
        if other == code or other not in codes:
            raise _problem(
                code,
                "filters",
                _("the %(key)s %(other)s is not another indicator of this catalogue.")
                % {"key": key, "other": other},
            )


def _indicator_values(entry: Mapping[str, Any], position: int) -> dict[str, Any]:
    return {
        "category": entry["category"],
        "name_zh": entry["name_zh"],
        "name_en": entry["name_en"],
        "unit": entry["unit"],
        "side": entry["side"],
        "computation": entry["computation"],
        "metric": entry.get("metric") or "",
        "aggregate": entry.get("aggregate") or Indicator.Aggregate.COUNT,
        "filters": dict(entry.get("filters") or {}),
        "scale": Decimal(str(entry.get("scale", 1))),
        "fed_by": entry.get("fed_by") or "ledger",
        "note": entry.get("note") or "",
        "position": entry.get("position", position),
    }


def _clean(instance: Regime | Indicator, label: str) -> None:
    """Run full_clean; name *label* and the field in any error."""
    try:
        instance.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ValidationError(
            _("%(label)s, %(field)s: %(problem)s"),
            code="invalid",
            params={"label": label, "field": field, "problem": " ".join(messages)},
        ) from error
