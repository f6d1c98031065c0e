from django.contrib import admin
from django.urls import include, path

from shanhai.consumption.api import api

# A lost database raised outside a view (a session read in middleware) is a 503, not a 500.
handler500 = "shanhai.core.http.server_error"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("shanhai.accounts.urls")),
    path("", include("shanhai.core.urls")),
    path("", include("shanhai.ledger.urls")),
    path("", include("shanhai.indicators.urls")),
    path("", include("shanhai.reports.urls")),
    path("", include("shanhai.places.urls")),
    path("", include("shanhai.imports.urls")),
    path("", include("shanhai.labor.urls")),
    path("", include("shanhai.labor.urls_matching")),
    path("", include("shanhai.consumption.urls")),
    path("", include("shanhai.consumption.urls_market")),
    path("", include("shanhai.news.urls")),
    path("", include("shanhai.portal.urls")),
    path("api/", api.urls),
]
