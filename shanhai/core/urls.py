from django.urls import path

from shanhai.core import views

app_name = "core"

urlpatterns = [
    path("health/live/", views.live, name="health-live"),
    path("health/ready/", views.ready, name="health-ready"),
]
