from django.urls import path

from shanhai.reports import views

app_name = "reports"

urlpatterns = [
    path(
        "pairings/<slug:code>/reports/annual/<int:year>.<str:fmt>",
        views.annual_report,
        name="annual",
    ),
]
