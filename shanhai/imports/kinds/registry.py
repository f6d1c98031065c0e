"""The spine from sheets: places, organisations and pairings (administrators only)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.text import slugify
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from shanhai.accounts.models import Side, User
from shanhai.core.models import DatePrecision
from shanhai.core.parsing import ParseError, clean_text
from shanhai.imports.columns import Choice, Column, Day, Lookups, PlaceRef, Text, Value, split_list
from shanhai.imports.kinds.base import Action as RowAction
from shanhai.imports.kinds.base import Context, Kind, Row
from shanhai.places import selectors as place_selectors
from shanhai.places import services as place_services
from shanhai.places.models import Organisation, Pairing, Place, PlaceAlias

SIDE_WORDS = {"东部": Side.EAST, "东": Side.EAST, "西部": Side.WEST, "西": Side.WEST}
LEVEL_WORDS = {
    "省": "province",
    "省级": "province",
    "市": "city",
    "地级市": "city",
    "州": "city",
    "区": "county",
    "县": "county",
    "区县": "county",
    "县级": "county",
    "乡镇": "town",
    "镇": "town",
    "乡": "town",
    "街道": "town",
    "村": "village",
    "社区": "village",
    "行政村": "village",
}
ORGANISATION_WORDS = {
    "政府": "government",
    "党委政府": "government",
    "部门": "department",
    "医院": "hospital",
    "卫生院": "hospital",
    "学校": "school",
    "企业": "enterprise",
    "公司": "enterprise",
    "社会组织": "ngo",
    "合作社": "cooperative",
    "平台": "platform",
    "村委会": "village",
    "其他": "other",
}
PAIRING_WORDS = {
    "省际": "province",
    "区县": "county",
    "县际": "county",
    "镇乡": "town",
    "街镇": "town",
    "村村": "village",
    "部门": "department",
    "医院": "hospital",
    "学校": "school",
    "企村": "social",
    "社会": "social",
}


class Code(Value):
    """A 6-, 9- or 12-digit division code, kept as 12 digits."""

    hint = "统计用区划代码，6、9或12位"

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> str:
        text = clean_text(cell)
        if not text.isdigit() or len(text) not in (6, 9, 12):
            raise ParseError(
                _("“%(text)s” is not a division code (6, 9 or 12 digits).") % {"text": text}
            )
        return text.ljust(12, "0")


class CreditCode(Value):
    hint = "18位统一社会信用代码"

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> str:
        text = uscc.compact(clean_text(cell))
        if not uscc.is_valid(text):
            raise ParseError(
                _("“%(text)s” is not a valid unified social credit code.") % {"text": text}
            )
        return str(text)


class RegistryKind(Kind):
    needs_pairing = False

    def _changes(
        self, existing: Any, row: Row, values: dict[str, Any]
    ) -> dict[str, tuple[Any, Any]]:
        return {
            name: (getattr(existing, name), value)
            for name, value in values.items()
            if getattr(existing, name) != value
        }

    def create(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            self._register(row, ctx, None)

    def update(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            self._register(row, ctx, row.existing)

    def _register(self, row: Row, ctx: Context, stored: Any) -> None:
        """Create the row's thing, or bring *stored* up to date, through the places services."""
        raise NotImplementedError

    def _decide(self, row: Row, ctx: Context) -> None:
        if row.existing is None:
            row.action = RowAction.CREATE
        elif not row.changes:
            row.action = RowAction.UNCHANGED
        else:
            row.action = RowAction.UPDATE if ctx.mode == "update" else RowAction.EXISTS


class Places(RegistryKind):
    name = "places"
    label = "地区"
    key_help = "区划代码相同（无代码时上级与名称相同）的行视为同一地区"
    columns = (
        Column("code", "区划代码", Code(), ("代码", "行政区划代码", "统计用区划代码")),
        Column(
            "name",
            "名称",
            Text(100),
            ("地区名称", "地名", "行政区划名称"),
            required=True,
            example="麟凤镇",
        ),
        Column(
            "level",
            "级别",
            Choice(Place.Level.choices, LEVEL_WORDS),
            ("层级", "类型"),
            required=True,
            example="乡镇",
        ),
        Column("parent", "上级地区", PlaceRef(), ("上级", "所属", "隶属")),
        Column("side", "东西部", Choice(Side.choices, SIDE_WORDS), ("方位", "所在方")),
        Column("aliases", "曾用名或别名", Text(300), ("曾用名", "别名", "又称")),
    )

    def build(self, row: Row, ctx: Context) -> None:
        parent = row.get("parent")
        side = row.get("side") or (parent.side if parent else "")
        if not side:
            row.error("side", _("A top-level place needs a side (east or west)."))
            return
        row.built = row.values
        code = row.get("code")
        row.key = (
            ("code", code) if code else ("name", parent.pk if parent else None, row.values["name"])
        )

    def find_existing(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            code = row.get("code")
            parent = row.get("parent")
            stored = (
                Place.objects.filter(code=code).first()
                if code
                else Place.objects.filter(parent=parent, name=row.values["name"]).first()
            )
            row.existing = stored
            if stored is not None:
                values: dict[str, Any] = {
                    k: row.values[k] for k in ("name", "level") if k in row.values
                }
                if "parent" in row.headers:
                    values["parent"] = parent
                row.changes = self._changes(stored, row, values)
                aliases = set(split_list(row.get("aliases", "")))
                known = set(stored.aliases.values_list("name", flat=True))
                if aliases - known:
                    row.changes["aliases"] = (sorted(known), sorted(aliases | known))
            self._decide(row, ctx)

    def _register(self, row: Row, ctx: Context, stored: Place | None) -> None:
        existing = stored
        values = row.values
        place_services.register_place(
            name=values["name"],
            level=values["level"],
            parent=values.get("parent", existing.parent if existing else None),
            code=values.get("code") or (existing.code if existing else None),
            side=values.get("side") or None,
            aliases=[
                (a, PlaceAlias.Kind.VARIANT, None) for a in split_list(values.get("aliases", ""))
            ],
            source=ctx.source,
            existing=existing,
            actor=ctx.user,
        )

    def export_objects(
        self, user: User, *, pairing: Pairing | None, year: int | None
    ) -> Iterable[Any]:
        return (
            place_selectors.search_places()
            .select_related("parent")
            .prefetch_related("aliases")
            .order_by("path")
        )

    def export_values(self, obj: Any) -> dict[str, Any]:
        return {
            "code": obj.code,
            "name": obj.name,
            "level": obj.level,
            "parent": obj.parent,
            "side": obj.side,
            "aliases": "、".join(a.name for a in obj.aliases.all()),
        }


class Organisations(RegistryKind):
    name = "organisations"
    label = "单位"
    key_help = "统一社会信用代码相同（无代码时所在地与名称相同）的行视为同一单位"
    columns = (
        Column(
            "name",
            "单位名称",
            Text(200),
            ("名称", "单位", "企业名称", "机构名称"),
            required=True,
            example="威信县人民医院",
        ),
        Column("short_name", "简称", Text(100), ("单位简称",)),
        Column(
            "kind",
            "单位类型",
            Choice(Organisation.Kind.choices, ORGANISATION_WORDS),
            ("类型", "单位性质", "性质"),
            required=True,
            example="医院",
        ),
        Column(
            "place",
            "所在地",
            PlaceRef(),
            ("地区", "所在地区", "所属地区", "地址"),
            required=True,
            example="威信县",
        ),
        Column(
            "credit_code",
            "统一社会信用代码",
            CreditCode(),
            ("信用代码", "社会信用代码", "组织机构代码"),
        ),
        Column("description", "简介", Text(5000), ("单位简介", "说明", "备注")),
    )

    def build(self, row: Row, ctx: Context) -> None:
        row.built = row.values
        code = row.get("credit_code")
        row.key = ("code", code) if code else ("name", row.values["place"].pk, row.values["name"])

    def find_existing(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            code = row.get("credit_code")
            stored = (Organisation.objects.filter(credit_code=code).first() if code else None) or (
                Organisation.objects.filter(
                    place=row.values["place"], name=row.values["name"]
                ).first()
            )
            row.existing = stored
            if stored is not None:
                keys = ("name", "short_name", "kind", "place", "credit_code", "description")
                row.changes = self._changes(
                    stored,
                    row,
                    {
                        k: row.values.get(k) or None
                        if k == "credit_code"
                        else row.values.get(k, "")
                        for k in keys
                        if k in row.headers
                    },
                )
            self._decide(row, ctx)

    def _register(self, row: Row, ctx: Context, stored: Organisation | None) -> None:
        def value(key: str, default: Any = "") -> Any:
            if key in row.headers:
                return row.values.get(key, default)
            return getattr(stored, key) if stored is not None else default

        place_services.register_organisation(
            name=row.values["name"],
            kind=row.values["kind"],
            place=row.values["place"],
            short_name=value("short_name") or "",
            credit_code=value("credit_code", None),
            description=value("description") or "",
            source=ctx.source,
            actor=ctx.user,
        )

    def export_objects(
        self, user: User, *, pairing: Pairing | None, year: int | None
    ) -> Iterable[Any]:
        return (
            place_selectors.search_organisations()
            .select_related("place")
            .order_by("place__path", "name")
        )

    def export_values(self, obj: Any) -> dict[str, Any]:
        return {
            "name": obj.name,
            "short_name": obj.short_name,
            "kind": obj.kind,
            "place": obj.place,
            "credit_code": obj.credit_code,
            "description": obj.description,
        }


class PairingsKind(RegistryKind):
    name = "pairings"
    label = "结对关系"
    key_help = "编号相同的行视为同一结对"
    columns = (
        Column(
            "code",
            "编号",
            Text(80),
            ("结对编号", "代码"),
            required=True,
            example="songjiang-weixin",
        ),
        Column(
            "kind",
            "结对类型",
            Choice(Pairing.Kind.choices, PAIRING_WORDS),
            ("类型",),
            required=True,
            example="区县",
        ),
        Column("parent", "上级结对", Text(80), ("上级", "所属结对")),
        Column(
            "east_place",
            "东部地区",
            PlaceRef(),
            ("东部", "帮扶方", "东部区县"),
            required=True,
            example="松江区",
        ),
        Column(
            "west_place",
            "西部地区",
            PlaceRef(),
            ("西部", "受援方", "西部县"),
            required=True,
            example="威信县",
        ),
        Column("east_organisation", "东部单位", Text(200), ("帮扶单位",)),
        Column("west_organisation", "西部单位", Text(200), ("受援单位",)),
        Column(
            "started_on", "结对时间", Day(), ("开始日期", "结对日期", "签约时间"), required=True
        ),
        Column("ended_on", "结束日期", Day(), ("终止日期",)),
        Column("source_note", "说明", Text(5000), ("备注", "依据")),
    )

    def build(self, row: Row, ctx: Context) -> None:
        values = row.values
        code = values["code"]
        if slugify(code) != code:
            row.error(
                "code", _("A code has only letters, digits and hyphens: %(code)s") % {"code": code}
            )
            return
        for key in ("east_organisation", "west_organisation"):
            name = row.get(key)
            if name and ctx.lookups.organisation_or_none(name) is None:
                row.error(
                    key, _("No organisation “%(name)s” is known; import it first.") % {"name": name}
                )
        parent_code = row.get("parent")
        if parent_code and not Pairing.objects.filter(code=parent_code).exists():
            row.error("parent", _("No pairing “%(code)s”.") % {"code": parent_code})
        if values["east_place"].side != Side.EAST:
            row.error(
                "east_place", _("%(place)s is not in the east.") % {"place": values["east_place"]}
            )
        if values["west_place"].side != Side.WEST:
            row.error(
                "west_place", _("%(place)s is not in the west.") % {"place": values["west_place"]}
            )
        row.built = values
        row.key = code

    def find_existing(self, rows: Sequence[Row], ctx: Context) -> None:
        stored = {
            p.code: p
            for p in Pairing.objects.filter(code__in=[r.key for r in rows]).select_related("parent")
        }
        for row in rows:
            row.existing = stored.get(str(row.key))
            if row.existing is not None:
                row.changes = self._changes(row.existing, row, self._model_values(row, ctx))
                row.changes.pop("source", None)
            self._decide(row, ctx)

    def _model_values(self, row: Row, ctx: Context) -> dict[str, Any]:
        values = row.values
        started_on, precision = values["started_on"]
        result: dict[str, Any] = {
            "kind": values["kind"],
            "east_place": values["east_place"],
            "west_place": values["west_place"],
            "started_on": started_on,
            "started_on_precision": precision,
        }
        if "parent" in row.headers:
            parent_code = values.get("parent")
            result["parent"] = (
                Pairing.objects.filter(code=parent_code).first() if parent_code else None
            )
        for key in ("east_organisation", "west_organisation"):
            if key in row.headers:
                name = values.get(key)
                result[key] = ctx.lookups.organisation_or_none(name) if name else None
        if "ended_on" in row.headers:
            result["ended_on"] = values["ended_on"][0] if values.get("ended_on") else None
        if "source_note" in row.headers:
            result["source_note"] = values.get("source_note", "")
        return result

    def _register(self, row: Row, ctx: Context, stored: Pairing | None) -> None:
        values = self._model_values(row, ctx)
        if stored is not None:
            for key in (
                "parent",
                "east_organisation",
                "west_organisation",
                "ended_on",
                "source_note",
            ):
                values.setdefault(key, getattr(stored, key))
        assert ctx.source is not None
        place_services.register_pairing(
            code=row.values["code"],
            source=stored.source if stored is not None else ctx.source,
            existing=stored,
            actor=ctx.user,
            **values,
        )

    def export_objects(
        self, user: User, *, pairing: Pairing | None, year: int | None
    ) -> Iterable[Any]:
        pairings = place_selectors.pairings_for_user(user).select_related("parent")
        if pairing is not None:
            pairings = pairings.filter(path__startswith=pairing.path)
        return pairings.order_by("path")

    def export_values(self, obj: Any) -> dict[str, Any]:
        return {
            "code": obj.code,
            "kind": obj.kind,
            "parent": obj.parent.code if obj.parent else "",
            "east_place": obj.east_place,
            "west_place": obj.west_place,
            "east_organisation": obj.east_organisation.name if obj.east_organisation else "",
            "west_organisation": obj.west_organisation.name if obj.west_organisation else "",
            "started_on": (obj.started_on, obj.started_on_precision),
            "ended_on": (obj.ended_on, DatePrecision.DAY) if obj.ended_on else None,
            "source_note": obj.source_note,
        }


KINDS = (Places, Organisations, PairingsKind)
