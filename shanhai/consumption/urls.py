from django.urls import path

from shanhai.consumption import views

app_name = "consumption"

urlpatterns = [
    path("consumption/", views.home, name="home"),
    # Suppliers and products
    path("consumption/suppliers/", views.supplier_list, name="supplier-list"),
    path("consumption/suppliers/new/", views.supplier_create, name="supplier-create"),
    path("consumption/suppliers/<int:supplier_id>/", views.supplier_detail, name="supplier-detail"),
    path(
        "consumption/suppliers/<int:supplier_id>/edit/", views.supplier_edit, name="supplier-edit"
    ),
    path(
        "consumption/suppliers/<int:supplier_id>/linkage/",
        views.linkage_edit,
        name="linkage-edit",
    ),
    path(
        "consumption/suppliers/<int:supplier_id>/products/new/",
        views.product_create,
        name="product-create",
    ),
    path("consumption/products/<int:product_id>/", views.product_detail, name="product-detail"),
    path("consumption/products/<int:product_id>/edit/", views.product_edit, name="product-edit"),
    # Certification
    path(
        "consumption/certifications/",
        views.certification_queue,
        name="certification-queue",
    ),
    path(
        "consumption/products/<int:product_id>/certification/apply/",
        views.certification_apply,
        name="certification-apply",
    ),
    path(
        "consumption/certifications/<int:certification_id>/",
        views.certification_detail,
        name="certification-detail",
    ),
    path(
        "consumption/certification-steps/<int:step_id>/evidence/",
        views.certification_evidence,
        name="certification-evidence",
    ),
    # Channels and their API keys
    path("consumption/channels/", views.channel_list, name="channel-list"),
    path("consumption/channels/new/", views.channel_create, name="channel-create"),
    path("consumption/channels/<int:channel_id>/", views.channel_detail, name="channel-detail"),
    path(
        "consumption/channels/<int:channel_id>/keys/new/",
        views.channel_key_issue,
        name="channel-key-issue",
    ),
    path(
        "consumption/channel-keys/<int:token_id>/revoke/",
        views.channel_key_revoke,
        name="channel-key-revoke",
    ),
    # Sales and flags
    path("consumption/channels/<int:channel_id>/sales/new/", views.sale_create, name="sale-create"),
    path("consumption/sales/", views.sale_list, name="sale-list"),
    path("consumption/flags/", views.flag_list, name="flag-list"),
    path("consumption/flags/resolve/", views.flag_resolve, name="flag-resolve"),
]
