"""Back-office editing of the spine. Saves go through the services so paths and audit stay right."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shanhai.places import services
from shanhai.places.models import Organisation, Pairing, Place, PlaceAlias, RoleGrant


class PlaceAliasInline(admin.TabularInline[PlaceAlias, Place]):
    model = PlaceAlias
    extra = 0


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin[Place]):
    list_display = ("full_name", "level", "code", "side")
    list_filter = ("side", "level")
    search_fields = ("name", "full_name", "code", "aliases__name")
    autocomplete_fields = ("parent",)
    readonly_fields = ("full_name",)
    inlines = (PlaceAliasInline,)

    def save_model(self, request: HttpRequest, obj: Place, form: Any, change: bool) -> None:
        saved = services.register_place(
            existing=Place.objects.get(pk=obj.pk) if change else None,
            name=obj.name,
            level=obj.level,
            parent=obj.parent,
            code=obj.code,
            side=obj.side,
            source=obj.source,
            actor=request.user,  # type: ignore[arg-type]
        )
        obj.pk = saved.pk


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "kind", "place", "credit_code", "is_illustrative")
    list_filter = ("kind", "place__side", "is_illustrative")
    search_fields = ("name", "short_name", "credit_code")
    autocomplete_fields = ("place",)


@admin.register(Pairing)
class PairingAdmin(admin.ModelAdmin[Pairing]):
    list_display = ("code", "__str__", "kind", "started_on", "is_illustrative", "source")
    list_filter = ("kind", "is_illustrative")
    search_fields = ("code", "east_place__name", "west_place__name", "east_organisation__name")
    autocomplete_fields = (
        "parent",
        "east_place",
        "west_place",
        "east_organisation",
        "west_organisation",
    )

    def save_model(self, request: HttpRequest, obj: Pairing, form: Any, change: bool) -> None:
        saved = services.register_pairing(
            existing=Pairing.objects.get(pk=obj.pk) if change else None,
            code=obj.code,
            kind=obj.kind,
            parent=obj.parent,
            east_place=obj.east_place,
            west_place=obj.west_place,
            east_organisation=obj.east_organisation,
            west_organisation=obj.west_organisation,
            started_on=obj.started_on,
            started_on_precision=obj.started_on_precision,
            ended_on=obj.ended_on,
            source=obj.source,
            source_note=obj.source_note,
            is_illustrative=obj.is_illustrative,
            actor=request.user,  # type: ignore[arg-type]
        )
        obj.pk = saved.pk


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin[RoleGrant]):
    list_display = ("user", "pairing", "role", "granted_by", "granted_at")
    list_filter = ("role",)
    autocomplete_fields = ("user", "pairing")

    def save_model(self, request: HttpRequest, obj: RoleGrant, form: Any, change: bool) -> None:
        grant = services.grant_role(
            user=obj.user,
            pairing=obj.pairing,
            role=obj.role,
            granted_by=request.user,  # type: ignore[arg-type]
        )
        obj.pk = grant.pk
