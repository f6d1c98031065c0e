from django.urls import path

from shanhai.reports import views

app_name = "reports"

urlpatterns = [
    path("pairings/<slug:code>/reports/<int:year>/jobs/", views.job_create, name="job-create"),
    path("reports/jobs/<int:job_id>/", views.job_status, name="job"),
    path("reports/jobs/<int:job_id>/file/", views.job_file, name="job-file"),
    path(
        "pairings/<slug:code>/reports/annual/<int:year>.<str:fmt>",
        views.annual_report,
        name="annual",
    ),
]
