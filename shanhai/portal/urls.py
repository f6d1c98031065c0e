from django.urls import path

from shanhai.portal import views

app_name = "portal"

# Public: anyone may read these, without an account, on a phone.
urlpatterns = [
    path("portal/", views.index, name="index"),
    path("portal/<slug:code>/", views.pairing_page, name="pairing"),
    path("portal/<slug:code>/news/<int:article_id>/", views.article_page, name="article"),
    # The office's page: signed in, and allowed to publish for the pairing.
    path("portal/<slug:code>/manage/", views.manage, name="manage"),
]
