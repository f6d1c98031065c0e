"""Back-office views of labor cooperation. Personal data is read-only and masked here; saves go
through the services so that encryption, facts and the audit log stay right."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from shanhai.accounts.models import User
from shanhai.labor import services
from shanhai.labor.models import (
    FollowUp,
    Placement,
    Posting,
    SubsidyClaim,
    SubsidyRule,
    TransferBatch,
    Worker,
)

PERSONAL = ("id_number_masked", "phone_masked", "birth_date", "sex", "anonymised_at")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@admin.register(Worker)
class WorkerAdmin(admin.ModelAdmin[Worker]):
    """Workers are registered on the labor pages, where ID numbers are checked; here they are
    corrected (never their personal data) or looked up."""

    list_display = ("name", "id_number_masked", "origin", "household_type", "status", "pairing")
    list_filter = ("status", "household_type", "willingness", "is_illustrative")
    search_fields = ("name",)
    autocomplete_fields = ("origin", "pairing")
    fields = (
        "pairing",
        "name",
        *PERSONAL,
        "origin",
        "household_type",
        "skills",
        "certificates",
        "trainings",
        "willingness",
        "expected_wage",
        "status",
        "has_consented",
        "is_illustrative",
        "source",
    )
    readonly_fields = PERSONAL

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the register form checks the ID number; the back office cannot

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # "delete personal data" on the worker's page keeps the counts

    def save_model(self, request: HttpRequest, obj: Worker, form: Any, change: bool) -> None:
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        for name in ("pairing", "name", "origin"):
            changed.pop(name, None)
        services.register_worker(
            existing=Worker.objects.get(pk=obj.pk),
            pairing=obj.pairing,
            name=obj.name,
            origin=obj.origin,
            recorded_by=_user(request),
            **changed,
        )


@admin.register(Posting)
class PostingAdmin(admin.ModelAdmin[Posting]):
    list_display = ("title", "employer", "work_place", "valid_from", "valid_to", "is_love_post")
    list_filter = ("industry", "is_love_post", "is_illustrative")
    search_fields = ("title", "employer__name")
    autocomplete_fields = ("pairing", "employer", "work_place")
    date_hierarchy = "valid_from"

    def save_model(self, request: HttpRequest, obj: Posting, form: Any, change: bool) -> None:
        services.post_job(posting=obj, posted_by=_user(request))


@admin.register(TransferBatch)
class TransferBatchAdmin(admin.ModelAdmin[TransferBatch]):
    list_display = ("departed_on", "destination", "transport", "organiser", "pairing")
    list_filter = ("transport", "is_illustrative")
    search_fields = ("organiser", "destination__name")
    autocomplete_fields = ("pairing", "destination", "workers")
    date_hierarchy = "departed_on"

    def save_model(self, request: HttpRequest, obj: TransferBatch, form: Any, change: bool) -> None:
        services.record_transfer_batch(
            batch=obj, workers=form.cleaned_data["workers"], recorded_by=_user(request)
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The service has set the workers (and counted them in the facts) already."""


class FollowUpInline(admin.TabularInline[FollowUp, Placement]):
    model = FollowUp
    extra = 0
    fields = ("checked_on", "is_employed", "employer_name", "monthly_income", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # follow-ups are recorded on the worker's page and the due list


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin[Placement]):
    """A placement is recorded here through the service; once stored, only its end changes."""

    list_display = ("worker", "employer", "employer_name", "destination", "started_on", "ended_on")
    list_filter = ("destination", "channel", "is_illustrative")
    search_fields = ("worker__name", "employer__name", "employer_name")
    autocomplete_fields = ("worker", "posting", "employer", "work_place", "batch")
    date_hierarchy = "started_on"
    inlines = (FollowUpInline,)
    exclude = ("pairing", "destination", "recorded_by")

    def get_readonly_fields(self, request: HttpRequest, obj: Placement | None = None) -> Any:
        if obj is None:
            return ("ended_on", "end_reason")
        editable = {"ended_on", "end_reason"} if obj.ended_on is None else set()
        names = [f.name for f in Placement._meta.fields if f.editable and f.name != "id"]
        return [name for name in names if name not in editable]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Placement, form: Any, change: bool) -> None:
        user = _user(request)
        if not change:
            saved = services.record_placement(
                worker=obj.worker,
                started_on=obj.started_on,
                work_place=obj.work_place,
                channel=obj.channel,
                recorded_by=user,
                posting=obj.posting,
                employer=obj.employer,
                employer_name=obj.employer_name,
                monthly_wage=obj.monthly_wage,
                batch=obj.batch,
                source=obj.source,
                is_illustrative=obj.is_illustrative,
            )
            obj.pk = saved.pk
        elif obj.ended_on is not None:
            services.end_placement(
                placement=Placement.objects.get(pk=obj.pk),
                ended_on=obj.ended_on,
                reason=obj.end_reason,
                user=user,
            )


@admin.register(SubsidyRule)
class SubsidyRuleAdmin(admin.ModelAdmin[SubsidyRule]):
    list_display = ("code", "name", "kind", "amount", "months", "valid_from", "valid_to")
    list_filter = ("kind",)
    search_fields = ("code", "name")


@admin.register(SubsidyClaim)
class SubsidyClaimAdmin(admin.ModelAdmin[SubsidyClaim]):
    """Claims are computed from the placements; here they only move on (claimed → paid)."""

    list_display = ("rule", "placement", "amount", "eligible_on", "status", "paid_on")
    list_filter = ("status", "rule")
    search_fields = ("placement__worker__name", "rule__name")
    fields = ("rule", "placement", "amount", "eligible_on", "status", "paid_on", "note")
    readonly_fields = ("rule", "placement", "amount", "eligible_on")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: SubsidyClaim, form: Any, change: bool) -> None:
        stored = SubsidyClaim.objects.select_related("placement__pairing").get(pk=obj.pk)
        if obj.status != stored.status:
            try:
                services.move_claim(
                    claim=stored, status=obj.status, user=_user(request), paid_on=obj.paid_on,
                    note=obj.note,
                )  # fmt: skip
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
        elif obj.note != stored.note:
            stored.note = obj.note
            stored.save(update_fields=["note", "updated_at"])
