from django.urls import path

from shanhai.places import views

app_name = "places"

urlpatterns = [
    path("", views.home, name="home"),
    path("pairings/", views.pairing_tree, name="pairing-tree"),
    path("pairings/<slug:code>/", views.pairing_detail, name="pairing-detail"),
    path("places/", views.place_list, name="place-list"),
    path("places/<int:place_id>/", views.place_detail, name="place-detail"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path(
        "organisations/<int:organisation_id>/",
        views.organisation_detail,
        name="organisation-detail",
    ),
]
