"""Optimistic concurrency for edit forms: two people edit one row, neither overwrites in silence.

An edit form carries the row's ``updated_at`` as it was loaded (a hidden ``loaded_version``)
and, in hidden ``initial-*`` inputs, the values the person saw. The service calls
:func:`claim_edit` first thing inside its transaction: a conditional UPDATE that moves
``updated_at`` on only if it still holds the loaded version. Zero rows means someone saved in
between: :class:`EditConflictError` is raised, the transaction rolls back, and the form
(:class:`ConcurrentEditFormMixin`) shows who changed which field, from what to what, keeps the
person's own input, and takes the new version so that saving again applies it on top.

``updated_at`` (every ``TimeStampedModel`` has it, to the microsecond) is the version, so no
table needs a new column. The UPDATE also locks the row until the transaction ends: a second
editor waits for the first to commit, then finds the version gone (PostgreSQL re-checks the
WHERE clause on the committed row), so the check holds under real concurrency too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils import formats, timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from shanhai.core.models import AuditEvent

VERSION_FIELD = "loaded_version"


def version_of(instance: models.Model) -> str:
    """The version of *instance* as an edit form carries it (its ``updated_at``, ISO 8601)."""
    updated_at: datetime | None = getattr(instance, "updated_at", None)
    return updated_at.isoformat() if updated_at else ""


def parse_version(value: str | None) -> datetime | None:
    """Read a version carried by a form or an API body; None when absent or unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else None


class EditConflictError(ValidationError):
    """Someone else saved the row after this editor loaded it."""

    def __init__(self, *, current: models.Model, changed_by: str, changed_at: datetime) -> None:
        self.current = current
        self.changed_by = changed_by
        self.changed_at = changed_at
        when = formats.date_format(timezone.localtime(changed_at), "DATETIME_FORMAT")
        super().__init__(
            _("This record was changed by %(who)s at %(when)s, after you opened it.")
            % {"who": changed_by, "when": when},
            code="edit_conflict",
        )


def claim_edit(instance: models.Model, loaded: datetime | None) -> None:
    """Take the right to save *instance*, or raise EditConflictError if it moved since *loaded*.

    Call inside the service's transaction, before writing. *loaded* None skips the check
    (callers that did not load the row for a person: imports, scripts, older API clients).
    """
    if loaded is None:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("claim_edit must run inside the transaction that saves the row")
    # The table that holds updated_at (a ledger Visit's is its parent Record's): a child
    # model's update would select the ids first and then update the parent without the check.
    owner: type[models.Model] = instance._meta.get_field("updated_at").model
    claimed = owner._base_manager.filter(pk=instance.pk, updated_at=loaded).update(
        updated_at=timezone.now()
    )
    if claimed:
        return
    current = type(instance)._base_manager.get(pk=instance.pk)
    raise EditConflictError(
        current=current,
        changed_by=last_editor(current) or _("someone else"),
        changed_at=current.updated_at,  # type: ignore[attr-defined]
    )


def last_editor(instance: models.Model) -> str:
    """Name who last acted on *instance*, from the audit log ("" when nobody is recorded)."""
    labels = [instance._meta.label_lower]
    labels += [parent._meta.label_lower for parent in instance._meta.get_parent_list()]
    event = (
        AuditEvent.objects.filter(target_type__in=labels, target_id=str(instance.pk))
        .select_related("actor")
        .order_by("-occurred_at", "-id")
        .first()
    )
    return str(event.actor) if event and event.actor else ""


class ConcurrentEditFormMixin(forms.ModelForm[Any]):
    """Give a ModelForm the version check: put it first in the bases of an edit form.

    On an existing instance the form carries ``loaded_version`` and the values as loaded; a
    service that takes ``loaded_version`` checks it with :func:`claim_edit`. When the view
    adds the resulting :class:`EditConflictError` with ``form.add_error(None, error)``, the form
    lists the fields the other person changed and takes the current version and values as
    "loaded", keeping what this person typed, so that saving again applies it on top.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            return
        for field in self.fields.values():
            field.show_hidden_initial = True
        self.fields[VERSION_FIELD] = forms.CharField(
            widget=forms.HiddenInput, required=False, initial=version_of(self.instance)
        )

    @property
    def loaded_version(self) -> datetime | None:
        """The version this person loaded, once the form is valid (None for a new row)."""
        cleaned: dict[str, Any] = getattr(self, "cleaned_data", {})
        return parse_version(cleaned.get(VERSION_FIELD))

    def edited_fields(self) -> list[str]:
        """The names of the form's own fields, without the version."""
        return [name for name in self.fields if name != VERSION_FIELD]

    def add_error(self, field: str | None, error: Any) -> None:
        if isinstance(error, EditConflictError):
            error = ValidationError([error.messages[0], *self._take_conflict(error.current)])
        super().add_error(field, error)

    def _take_conflict(self, current: models.Model) -> list[str]:
        """Name the fields changed since loading, then make the current row the loaded one."""
        saved = model_to_dict(current, fields=self.edited_fields())
        form: Any = self
        posted: Any = self.data
        data = posted.copy()
        if not isinstance(data, MultiValueDict):  # a plain dict, as a test may bind
            data = MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in data.items()})
        lines: list[str] = []
        for name in self.edited_fields():
            field = self.fields[name]
            bound = form[name]
            loaded_raw = form._widget_data_value(field.hidden_widget(), bound.html_initial_name)
            now = saved.get(name, bound.initial)
            if field.has_changed(now, loaded_raw):
                try:
                    loaded = field.to_python(loaded_raw)
                except ValidationError:
                    loaded = loaded_raw
                lines.append(
                    _("%(field)s: now “%(now)s”; when you opened the form, “%(loaded)s”.")
                    % {
                        "field": field.label or name,
                        "now": shown(field, now),
                        "loaded": shown(field, loaded),
                    }
                )
            prepared = field.prepare_value(now)
            if isinstance(prepared, list | tuple):
                data.setlist(bound.html_initial_name, [_raw(v) for v in prepared])
            else:
                data[bound.html_initial_name] = _raw(prepared)
        data[form[VERSION_FIELD].html_name] = version_of(current)
        self.data = data
        lines.append(
            _("Your input is kept below. Check it against these values and save again to apply it.")
        )
        return lines


def _raw(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def shown(field: forms.Field, value: Any) -> str:
    """A field's value as a person reads it: choice labels, names, dates, 是/否, （空）."""
    if value in (None, "", [], ()):
        return _("(empty)")
    if isinstance(value, Iterable) and not isinstance(value, str):
        return "、".join(shown(field, item) for item in value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(field, forms.ModelChoiceField):
        found = field.queryset.filter(pk=value).first()  # type: ignore[union-attr]
        return str(found) if found is not None else str(value)
    if isinstance(field, forms.ChoiceField):
        labels = _choice_labels(field.choices)
        return str(labels.get(str(value), value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime | date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def _choice_labels(choices: Any) -> dict[str, Any]:
    labels: dict[str, Any] = {}
    for key, label in choices:
        if isinstance(label, list | tuple):  # an optgroup
            labels.update(_choice_labels(label))
        else:
            labels[str(key)] = label
    return labels
