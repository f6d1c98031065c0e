"""The spine of Shanhai: places, the organisations in them, and the pairings between them."""

from __future__ import annotations

from typing import Protocol

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from stdnum.cn import uscc

from shanhai.accounts.models import Role, Side
from shanhai.core.models import DatePrecision, Source, TimeStampedModel

PATH_STEP = 10  # digits per level in a materialized path: "0000000001/0000000007/"


def child_path(parent_path: str, pk: int) -> str:
    """Return the materialized path of node *pk* under a parent with *parent_path*."""
    return f"{parent_path}{pk:0{PATH_STEP}d}/"


class Place(TimeStampedModel):
    """An administrative unit: province › city › district/county › town › village."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("District / county")
        TOWN = "town", _("Street / town / township")
        VILLAGE = "village", _("Village / community")

    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level)
    code = models.CharField(
        _("division code"),
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The 12-digit statistical division code (统计用区划代码)."),
        validators=[
            RegexValidator(r"^[0-9]{12}$", _("A division code has exactly 12 digits."), "code")
        ],
    )
    side = models.CharField(_("side"), max_length=10, choices=Side)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    full_name = models.CharField(_("full name"), max_length=300, editable=False)
    path = models.CharField(max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    source = models.ForeignKey(
        Source, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("source")
    )

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="places_place_unique_name_in_parent",
                violation_error_message=_("A place with this name already exists here."),
            ),
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{12}$") | models.Q(code__isnull=True),
                name="places_place_code_twelve_digits",
                violation_error_message=_("A division code has exactly 12 digits."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PlaceAlias(models.Model):
    """Another name a place is known by: a former name (罗布乡) or a variant writing (林凤)."""

    class Kind(models.TextChoices):
        FORMER = "former", _("Former name")
        VARIANT = "variant", _("Variant or short name")

    place = models.ForeignKey(
        Place, models.CASCADE, related_name="aliases", verbose_name=_("place")
    )
    name = models.CharField(_("name"), max_length=100, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    until_year = models.PositiveSmallIntegerField(
        _("used until"), null=True, blank=True, help_text=_("For a former name: the last year.")
    )

    class Meta:
        verbose_name = _("place alias")
        verbose_name_plural = _("place aliases")
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="places_placealias_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.place.name}"


def validate_credit_code(value: str) -> None:
    """Reject a unified social credit code (统一社会信用代码) whose check character is wrong."""
    if not uscc.is_valid(value):
        raise ValidationError(
            _(
                "“%(value)s” is not a valid unified social credit code "
                "(18 characters, check digit)."
            ),
            code="invalid_credit_code",
            params={"value": value},
        )


class Organisation(TimeStampedModel):
    """A body that takes part: department, hospital, school, enterprise, NGO, co-op, platform."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Party or government body")
        DEPARTMENT = "department", _("Government department")
        HOSPITAL = "hospital", _("Hospital")
        SCHOOL = "school", _("School or university")
        ENTERPRISE = "enterprise", _("Enterprise")
        NGO = "ngo", _("Social organisation (NGO)")
        COOPERATIVE = "cooperative", _("Cooperative")
        PLATFORM = "platform", _("Sales platform")
        VILLAGE_COMMITTEE = "village", _("Village committee")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    place = models.ForeignKey(
        Place, models.PROTECT, related_name="organisations", verbose_name=_("place")
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_credit_code],
    )
    description = models.TextField(_("description"), blank=True)
    is_illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Invented to fill the demo, not a fact.")
    )
    source = models.ForeignKey(
        Source, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("source")
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["place__path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "name"],
                name="places_organisation_unique_name_in_place",
                violation_error_message=_("An organisation with this name already exists here."),
            )
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def side(self) -> str:
        return self.place.side


class Pairing(TimeStampedModel):
    """One east party ↔ one west party, at a level, nested under a parent pairing."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province ↔ province")
        COUNTY = "county", _("District ↔ county")
        TOWN = "town", _("Street/town ↔ township")
        VILLAGE = "village", _("Village ↔ village")
        DEPARTMENT = "department", _("Department ↔ department")
        HOSPITAL = "hospital", _("Hospital ↔ hospital")
        SCHOOL = "school", _("School ↔ school")
        SOCIAL = "social", _("Enterprise/NGO ↔ village")

    code = models.SlugField(_("code"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent pairing"),
    )
    east_place = models.ForeignKey(
        Place, models.PROTECT, related_name="east_pairings", verbose_name=_("east place")
    )
    west_place = models.ForeignKey(
        Place, models.PROTECT, related_name="west_pairings", verbose_name=_("west place")
    )
    east_organisation = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="east_pairings",
        verbose_name=_("east organisation"),
    )
    west_organisation = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="west_pairings",
        verbose_name=_("west organisation"),
    )
    started_on = models.DateField(_("paired since"))
    started_on_precision = models.CharField(
        _("precision of the start date"),
        max_length=5,
        choices=DatePrecision,
        default=DatePrecision.DAY,
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    source = models.ForeignKey(
        Source, models.PROTECT, related_name="pairings", verbose_name=_("source")
    )
    source_note = models.TextField(
        _("what the source says"), blank=True, help_text=_("The sentence that states the fact.")
    )
    is_illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Invented to fill the demo, not a fact.")
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    # The county pairing this one belongs to (the nearest county pairing at or above it), or
    # itself when there is none above it (a province or provincial department pairing). The
    # big tables carry it too: it is what they would be distributed by (docs/scaling.md).
    root = models.ForeignKey(
        "self",
        models.DO_NOTHING,  # the database's deferred key keeps it right; parent PROTECTs
        related_name="+",
        editable=False,
        verbose_name=_("root pairing"),
    )

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="places_pairing_ends_after_start",
                violation_error_message=_("A pairing cannot end before it started."),
            ),
            models.CheckConstraint(
                condition=~models.Q(east_place=models.F("west_place")),
                name="places_pairing_two_different_places",
                violation_error_message=_("A pairing joins two different places."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.east_label} ↔ {self.west_label}"

    @property
    def east_label(self) -> str:
        return str(self.east_organisation or self.east_place)

    @property
    def west_label(self) -> str:
        return str(self.west_organisation or self.west_place)

    def clean(self) -> None:
        errors: dict[str, StrOrPromise] = {}
        if self.east_place_id and self.east_place.side != Side.EAST:
            errors["east_place"] = _("The east party must be a place in the east.")
        if self.west_place_id and self.west_place.side != Side.WEST:
            errors["west_place"] = _("The west party must be a place in the west.")
        for side in ("east", "west"):
            organisation = getattr(self, f"{side}_organisation")
            place = getattr(self, f"{side}_place")
            if organisation is not None and organisation.place_id != place.pk:
                errors[f"{side}_organisation"] = _("The organisation must be in the place named.")
        if errors:
            raise ValidationError(errors)


def root_field() -> models.ForeignKey[Pairing, Pairing]:
    """The root pairing column of a big table: the pairing's root, copied so the table can be
    distributed by it (docs/scaling.md). Set by the services, never in a form; not indexed on
    its own (single-node queries do not filter by it), only as the last column of the table's
    unique constraints.
    """
    return models.ForeignKey(
        Pairing,
        models.PROTECT,
        related_name="+",
        db_index=False,
        editable=False,
        verbose_name=_("root pairing"),
    )


class RootInfo(Protocol):
    """What deciding a root needs to know of a pairing: a Pairing, or its values in a list."""

    @property
    def pk(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def root_id(self) -> int: ...


def root_id_for(*, pk: int, kind: str, parent: RootInfo | None) -> int:
    """Return the id of the root of the pairing *pk* of *kind* under *parent*.

    The root is the nearest county pairing at or above it; a pairing with no county pairing
    at or above it (a province or a provincial department pairing) is its own root. The
    parent's own root must be right, as it is when pairings are rooted from the top down.
    """
    if kind == Pairing.Kind.COUNTY or parent is None:
        return pk
    if parent.kind == Pairing.Kind.COUNTY or parent.root_id != parent.pk:
        return parent.root_id  # the parent, or the county pairing above it
    return pk  # no county pairing above


def rooted_models() -> list[tuple[type[models.Model], str]]:
    """Every model whose rows carry the root of their pairing, with the lookup of that pairing.

    A model names its pairing's lookup in ``root_follows`` when the pairing is not its own
    field (a sale line's flag follows "line__pairing"). A record kind that extends the common
    record table is left out: its root is the common table's column.
    """
    found = []
    for model in apps.get_models():
        field = next((f for f in model._meta.local_concrete_fields if f.name == "root"), None)
        if model is Pairing or field is None or field.related_model is not Pairing:
            continue
        found.append((model, getattr(model, "root_follows", "pairing")))
    return found


class RoleGrant(models.Model):
    """A person's role in a pairing; it applies to all of the pairing's sub-pairings."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="role_grants",
        verbose_name=_("user"),
    )
    pairing = models.ForeignKey(
        Pairing, models.CASCADE, related_name="role_grants", verbose_name=_("pairing")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "pairing", "role"],
                name="places_rolegrant_unique",
                violation_error_message=_("This person already has this role here."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.pairing}"


class LockedYear(models.Model):
    """A pairing's year whose figures are final: its records, and those below it, refuse edits."""

    pairing = models.ForeignKey(
        Pairing, models.CASCADE, related_name="locked_years", verbose_name=_("pairing")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("locked by")
    )
    locked_at = models.DateTimeField(_("locked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("locked year")
        verbose_name_plural = _("locked years")
        constraints = [
            models.UniqueConstraint(fields=["pairing", "year"], name="places_lockedyear_once")
        ]

    def __str__(self) -> str:
        return f"{self.pairing} {self.year}"
