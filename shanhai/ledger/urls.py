from django.urls import path

from shanhai.ledger import views

app_name = "ledger"

urlpatterns = [
    path("pairings/<slug:code>/timeline/", views.timeline, name="timeline"),
    path("pairings/<slug:code>/records/new/<str:kind>/", views.record_create, name="record-create"),
    path("pairings/<slug:code>/records/quick/", views.quick_create, name="record-quick"),
    path("ledger/kinds/<str:kind>/", views.record_list, name="record-list"),
    path("ledger/<int:record_id>/", views.record_detail, name="record-detail"),
    path("ledger/<int:record_id>/edit/", views.record_edit, name="record-edit"),
    path("ledger/<int:record_id>/confirm/", views.record_confirm, name="record-confirm"),
    path("ledger/<int:record_id>/query/", views.record_query, name="record-query"),
    path("ledger/<int:record_id>/reply/", views.record_reply, name="record-reply"),
    path("ledger/<int:record_id>/evidence/", views.evidence_upload, name="evidence-upload"),
    path(
        "ledger/<int:record_id>/transactions/",
        views.transaction_create,
        name="transaction-create",
    ),
    path(
        "ledger/evidence/<int:evidence_id>/<str:variant>/",
        views.evidence_file,
        name="evidence-file",
    ),
]
