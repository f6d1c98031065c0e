from django.urls import path

from shanhai.imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.upload, name="upload"),
    path("imports/jobs/<int:job_id>/", views.job_detail, name="job"),
    path("imports/jobs/<int:job_id>/status/", views.job_status, name="job-status"),
    path("imports/jobs/<int:job_id>/mapping/", views.job_mapping, name="job-mapping"),
    path("imports/jobs/<int:job_id>/commit/", views.job_commit, name="job-commit"),
    path("imports/templates/<slug:kind>.xlsx", views.template_download, name="template"),
    path("imports/export/<slug:kind>.<slug:fmt>", views.export_download, name="export"),
]
