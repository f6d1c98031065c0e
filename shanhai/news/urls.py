from django.urls import path

from shanhai.news import views

app_name = "news"

urlpatterns = [
    path("news/", views.article_list, name="article-list"),
    path("news/add/", views.article_add, name="article-add"),
    path("news/<int:article_id>/", views.article_detail, name="article-detail"),
    path(
        "news/proposals/<int:proposal_id>/accept/",
        views.proposal_accept,
        name="proposal-accept",
    ),
    path(
        "news/proposals/<int:proposal_id>/reject/",
        views.proposal_reject,
        name="proposal-reject",
    ),
    path(
        "news/proposals/<int:proposal_id>/link/",
        views.proposal_link,
        name="proposal-link",
    ),
    path(
        "news/proposals/<int:proposal_id>/reopen/",
        views.proposal_reopen,
        name="proposal-reopen",
    ),
]
