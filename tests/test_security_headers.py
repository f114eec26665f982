"""Security headers and cookies on every kind of page, and the production settings check.

Tests run with DEBUG false, so they see the production defaults of config/settings.py (Secure
cookies, HSTS for a year); only SECURE_SSL_REDIRECT is opt-in, and the `check --deploy` test
turns it on the way a production environment does.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def policy_of(response) -> dict[str, str]:
    directives = (part.strip() for part in response["Content-Security-Policy"].split(";"))
    return dict(directive.split(" ", 1) for directive in directives if directive)


def assert_security_headers(response) -> None:
    assert policy_of(response) == POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "url",
    ["/", "/projects/", "/admin/login/", "/api/v1/projects/", "/api/v1/docs/"],
)
def test_every_kind_of_page_sends_the_security_headers(client, db, url):
    response = client.get(url)

    assert response.status_code == 200
    assert_security_headers(response)


def test_swagger_ui_start_up_script_is_a_javascript_file_under_the_same_policy(client, db):
    response = client.get("/api/v1/docs/", {"script": ""})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert_security_headers(response)
    page = client.get("/api/v1/docs/").content.decode()
    assert "<script>" not in page
    assert "<style>" not in page


def test_redoc_alone_may_use_inline_style_and_a_blob_worker(client, db):
    response = client.get("/api/v1/redoc/")

    assert response.status_code == 200
    assert policy_of(response) == POLICY | {
        "style-src": "'self' 'unsafe-inline'",
        "worker-src": "'self' blob:",
    }
    assert "<script>" not in response.content.decode()


def test_the_back_office_changelist_sends_the_security_headers(editor_client):
    response = editor_client.get(reverse("admin:partnerships_project_changelist"))

    assert response.status_code == 200
    assert_security_headers(response)


def test_the_api_answers_json_not_html(client, db):
    response = client.get("/api/v1/projects/")

    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("url", ["/", "/admin/login/", "/api/v1/projects/"])
def test_https_responses_tell_browsers_to_stay_on_https_for_a_year(client, db, url):
    response = client.get(url, secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_a_plain_http_response_carries_no_hsts(client, db):
    # Browsers ignore HSTS over http; Django sends it only on https.
    assert "Strict-Transport-Security" not in client.get("/")


def test_session_and_csrf_cookies_are_secure_httponly_and_lax_after_an_admin_log_in(client, db):
    User.objects.create_user("chen", password="a-long-test-password", is_staff=True)
    login_page = client.get("/admin/login/")
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "chen", "password": "a-long-test-password", "next": "/admin/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    for cookie in (login_page.cookies["csrftoken"], response.cookies["sessionid"]):
        assert (cookie["secure"], cookie["httponly"], cookie["samesite"]) == (True, True, "Lax")
    assert response.cookies["csrftoken"]["secure"] is True  # rotated on log-in, same flags


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        name: value for name, value in os.environ.items() if name not in NOT_INHERITED
    } | env
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# The test process's own settings must not leak into the "production" subprocess: the browser
# tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright, which the deploy check rightly rejects.
NOT_INHERITED = ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")

PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "registry.example.cn",
    "SECURE_SSL_REDIRECT": "true",
}


def test_production_settings_pass_the_deployment_check():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (1 silenced).\n"


def test_the_deployment_check_fails_on_the_development_secret_key():
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != "SECRET_KEY"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **env)

    assert result.returncode == 1
    assert "security.W009" in result.stderr


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        name: value for name, value in os.environ.items() if name not in NOT_INHERITED
    } | env
    return subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_production_server_refuses_to_start_on_the_development_secret_key(tmp_path):
    refused = run_python("import config.wsgi")
    # With its static files folder in place, as `collectstatic` leaves it (whitenoise warns
    # when it is missing).
    started = run_python(
        "import config.wsgi", SECRET_KEY=PRODUCTION_ENV["SECRET_KEY"], STATIC_ROOT=str(tmp_path)
    )
    on_a_laptop = run_python("import config.asgi", DEBUG="true")

    assert refused.returncode == 1
    assert "ImproperlyConfigured: SECRET_KEY is not set" in refused.stderr
    assert (started.returncode, started.stderr) == (0, "")
    assert (on_a_laptop.returncode, on_a_laptop.stderr) == (0, "")


def test_an_https_redirect_is_made_when_production_asks_for_it(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/projects/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/projects/"
