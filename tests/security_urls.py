"""A URL configuration for tests/test_security_csrf.py's error-page test: the site plus a view
that fails the way a real bug does, with SQL in its exception."""

from django.db import connection
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def failing_view(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_column FROM no_such_table")


urlpatterns = [path("boom/", failing_view), *site_urlpatterns]
