"""Root URL configuration: the back office, language switching, the REST API, the health check,
public pages."""

from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from config import health


@require_safe
@cache_control(max_age=24 * 60 * 60, public=True)
def favicon(request):
    # Browsers ask for /favicon.ico where a page names no icon (the admin, the API docs). Not a
    # permanent redirect: the target's name changes with the file's content.
    return redirect(static("favicon.ico"))


urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("config.api_urls")),
    # For load balancers: 200 when the database answers, 503 when not (config/health.py).
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    # Public pages: the dashboard (outcomes), lists and detail pages of each app.
    path("", include("outcomes.urls")),
    path("", include("partnerships.urls")),
    path("", include("companies.urls")),
]
