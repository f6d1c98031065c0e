from django.urls import path

from shanhai.consumption import views_market as views

app_name = "consumption_market"

urlpatterns = [
    path("consumption/dashboard/", views.dashboard, name="dashboard"),
    path("consumption/832/", views.quota_list, name="quota-list"),
    path("consumption/demand/", views.demand_list, name="demand-list"),
    path("consumption/demand/new/", views.demand_create, name="demand-create"),
    path("consumption/demand/<int:demand_id>/", views.demand_detail, name="demand-detail"),
    path("consumption/guidance/", views.guidance_page, name="guidance"),
    path("consumption/guidance/notices/new/", views.notice_create, name="notice-create"),
    # Public: growers open it on a phone, without an account.
    path("grow/<slug:code>/", views.producer, name="producer"),
]
