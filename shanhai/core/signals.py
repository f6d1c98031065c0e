"""Audit what Django itself does: sign-ins, sign-outs, failed sign-ins and back-office changes.

Connected in CoreConfig.ready. Also names the task being run as the origin of its events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_save
from django.http import HttpRequest
from django.tasks.signals import task_finished, task_started

from shanhai.core.middleware import ORIGIN_LENGTH, AuditOrigin, set_audit_origin
from shanhai.core.services import append_audit_event, record_audit_event

if TYPE_CHECKING:
    from shanhai.accounts.models import User

USERNAME_LENGTH = 150
ADMIN_ACTIONS = {
    ADDITION: "admin.object.added",
    CHANGE: "admin.object.changed",
    DELETION: "admin.object.deleted",
}


def audit_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    record_audit_event(actor=user, action="accounts.user.logged_in", target=user)


def audit_logout(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is not None:  # signing out without being signed in changes nothing
        record_audit_event(actor=user, action="accounts.user.logged_out", target=user)


def audit_login_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Record the name someone tried to sign in with; never the password."""
    field = get_user_model().USERNAME_FIELD
    attempted = str(credentials.get(field) or "")[:USERNAME_LENGTH]
    user = get_user_model()._default_manager.filter(**{field: attempted}).first()
    record_audit_event(
        actor=None,
        action="accounts.user.login_failed",
        target=user,
        details={"username": attempted},
    )


def audit_admin_change(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    """Record every back-office addition, change and deletion the admin logs."""
    if not created or kwargs.get("raw"):
        return
    content_type = (
        ContentType.objects.get_for_id(instance.content_type_id)  # cached: no query
        if instance.content_type_id
        else None
    )
    append_audit_event(
        actor=instance.user,
        action=ADMIN_ACTIONS.get(instance.action_flag, "admin.object.logged"),
        target_type=f"{content_type.app_label}.{content_type.model}" if content_type else "",
        target_id=str(instance.object_id or ""),
        target_repr=instance.object_repr,
        details={"change": instance.get_change_message(), "log_entry": instance.pk},
    )


_task_origins: dict[str, AuditOrigin | None] = {}


def name_task_origin(sender: Any, task_result: Any, **kwargs: Any) -> None:
    origin = f"task:{task_result.task.module_path}"[:ORIGIN_LENGTH]
    _task_origins[task_result.id] = set_audit_origin(AuditOrigin(origin=origin))


def restore_origin_after_task(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if task_result.id in _task_origins:
        set_audit_origin(_task_origins.pop(task_result.id))


def connect() -> None:
    """Connect the receivers (once: dispatch_uid keeps a second call harmless)."""
    user_logged_in.connect(audit_login, dispatch_uid="shanhai.core.audit_login")
    user_logged_out.connect(audit_logout, dispatch_uid="shanhai.core.audit_logout")
    user_login_failed.connect(audit_login_failure, dispatch_uid="shanhai.core.audit_failure")
    post_save.connect(audit_admin_change, sender=LogEntry, dispatch_uid="shanhai.core.admin")
    task_started.connect(name_task_origin, dispatch_uid="shanhai.core.task_started")
    task_finished.connect(restore_origin_after_task, dispatch_uid="shanhai.core.task_finished")
