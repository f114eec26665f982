"""Root URL configuration: the back office, language switching, the REST API, the health check,
public pages."""

from django.contrib import admin
from django.urls import include, path

from config import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("config.api_urls")),
    # For load balancers: 200 when the database answers, 503 when not (config/health.py).
    path("healthz", health.healthz, name="healthz"),
    # Public pages: the dashboard (outcomes), lists and detail pages of each app.
    path("", include("outcomes.urls")),
    path("", include("partnerships.urls")),
    path("", include("companies.urls")),
]
