from django.urls import path

from shanhai.labor import views

app_name = "labor"

urlpatterns = [
    path("labor/", views.home, name="home"),
    path("jobs/love-posts/", views.love_posts, name="love-posts"),
    # A pairing's labor pages
    path("pairings/<slug:code>/labor/", views.overview, name="overview"),
    path("pairings/<slug:code>/labor/workers/", views.worker_list, name="worker-list"),
    path("pairings/<slug:code>/labor/workers/new/", views.worker_create, name="worker-create"),
    path("pairings/<slug:code>/labor/due/", views.due_list, name="due"),
    path("pairings/<slug:code>/labor/postings/", views.posting_list, name="posting-list"),
    path("pairings/<slug:code>/labor/postings/new/", views.posting_create, name="posting-create"),
    path("pairings/<slug:code>/labor/transfers/", views.batch_list, name="batch-list"),
    path("pairings/<slug:code>/labor/transfers/new/", views.batch_create, name="batch-create"),
    path("pairings/<slug:code>/labor/subsidies/", views.claim_list, name="claim-list"),
    path(
        "pairings/<slug:code>/labor/subsidies/compute/",
        views.subsidies_compute,
        name="subsidies-compute",
    ),
    # One worker, placement, posting, transfer or claim
    path("labor/workers/<int:worker_id>/", views.worker_detail, name="worker-detail"),
    path("labor/workers/<int:worker_id>/edit/", views.worker_edit, name="worker-edit"),
    path("labor/workers/<int:worker_id>/reveal/", views.worker_reveal, name="worker-reveal"),
    path(
        "labor/workers/<int:worker_id>/delete-personal-data/",
        views.worker_anonymise,
        name="worker-anonymise",
    ),
    path(
        "labor/workers/<int:worker_id>/placements/new/",
        views.placement_create,
        name="placement-create",
    ),
    path("labor/placements/<int:placement_id>/end/", views.placement_end, name="placement-end"),
    path(
        "labor/placements/<int:placement_id>/followups/new/",
        views.followup_create,
        name="followup-create",
    ),
    path(
        "labor/placements/<int:placement_id>/still-in-work/",
        views.followup_quick,
        name="followup-quick",
    ),
    path("labor/postings/<int:posting_id>/edit/", views.posting_edit, name="posting-edit"),
    path("labor/transfers/<int:batch_id>/", views.batch_detail, name="batch-detail"),
    path("labor/subsidies/<int:claim_id>/move/", views.claim_move, name="claim-move"),
]
