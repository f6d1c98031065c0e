"""People who use Shanhai, and the roles they can be granted."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class Side(models.TextChoices):
    """Which side of the cooperation a place, organisation or person is on."""

    EAST = "east", _("East (assisting)")
    WEST = "west", _("West (assisted)")


class Role(models.TextChoices):
    """What a person may do in a pairing; a grant applies to the pairing's sub-pairings too."""

    COOPERATION_OFFICE = "office", _("Cooperation office")
    DEPARTMENT_LIAISON = "department", _("Department liaison")
    TOWN_LIAISON = "town", _("Town liaison")
    VIEWER = "viewer", _("Viewer")
    ADMINISTRATOR = "admin", _("Administrator")


class Action(models.TextChoices):
    """What a person can do to a pairing and the records that belong to it."""

    VIEW = "view", _("view")
    RECORD = "record", _("record")
    CONFIRM = "confirm", _("confirm the other side's records")
    PLAN = "plan", _("set annual targets")
    MANAGE = "manage", _("manage sub-pairings and grants")


# The one table of who may do what. Every access check reads it (places.selectors).
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.VIEWER: frozenset({Action.VIEW}),
    Role.TOWN_LIAISON: frozenset({Action.VIEW, Action.RECORD, Action.CONFIRM}),
    Role.DEPARTMENT_LIAISON: frozenset({Action.VIEW, Action.RECORD, Action.CONFIRM}),
    Role.COOPERATION_OFFICE: frozenset({Action.VIEW, Action.RECORD, Action.CONFIRM, Action.PLAN}),
    Role.ADMINISTRATOR: frozenset(
        {Action.VIEW, Action.RECORD, Action.CONFIRM, Action.PLAN, Action.MANAGE}
    ),
}


def roles_allowing(action: str) -> list[str]:
    """Return the roles whose holders may do *action*."""
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions]


class User(AbstractUser):
    """A person who signs in: belongs to one organisation, on one side."""

    display_name = models.CharField(_("name"), max_length=100, blank=True)
    organisation = models.ForeignKey(
        "places.Organisation",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("organisation"),
    )
    side = models.CharField(_("side"), max_length=10, choices=Side, blank=True)
    # Mixed into the session hash: changing it ends every session of this user on every device
    # (accounts.services.end_all_sessions). Empty until first used, so existing sessions survive.
    session_salt = models.CharField(_("session salt"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Return Django's session hash, made from the session salt as well as the password.

        Django checks it on every request (``get_session_auth_hash`` and its fallbacks both call
        this), so sessions made before the salt changed are ended there and then.
        """
        if not self.session_salt:
            return str(super()._get_session_auth_hash(secret=secret))  # type: ignore[misc]
        return salted_hmac(
            "shanhai.accounts.User.get_session_auth_hash",
            f"{self.password}${self.session_salt}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()
