from django.urls import path

from shanhai.indicators import views

app_name = "indicators"

urlpatterns = [
    path("indicators/", views.overview, name="overview"),
    path("pairings/<slug:code>/indicators/", views.progress, name="progress"),
    path("pairings/<slug:code>/indicators/<int:year>/targets/", views.targets, name="targets"),
    path(
        "pairings/<slug:code>/indicators/<int:year>/targets/import/",
        views.targets_import,
        name="targets-import",
    ),
    path(
        "pairings/<slug:code>/indicators/<int:year>/targets/template.xlsx",
        views.targets_template,
        name="targets-template",
    ),
    path(
        "pairings/<slug:code>/indicators/<int:year>/assessment/",
        views.assessment_move,
        name="assessment-move",
    ),
    path(
        "pairings/<slug:code>/indicators/<int:year>/<str:indicator_code>/",
        views.indicator_records,
        name="indicator-records",
    ),
]
