from django.urls import path

from shanhai.labor import views_matching

app_name = "labor_matching"

urlpatterns = [
    path(
        "labor/workers/<int:worker_id>/matches/",
        views_matching.worker_matches,
        name="worker-matches",
    ),
    path(
        "labor/postings/<int:posting_id>/candidates/",
        views_matching.posting_candidates,
        name="posting-candidates",
    ),
    path(
        "pairings/<slug:code>/labor/assignment/",
        views_matching.assignment,
        name="assignment",
    ),
    path(
        "pairings/<slug:code>/labor/assignment/accept/",
        views_matching.assignment_accept,
        name="assignment-accept",
    ),
]
