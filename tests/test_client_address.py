"""Whose address is it: the audit trail, the log-in lock-out and the API throttle behind a proxy.

Personas: Ma, an outsider who sends a made-up `X-Forwarded-For` with every request to look like
many clients; the office's nginx at 127.0.0.1 (the README's set-up), which appends the address it
received each request from; Zhao, an editor who mistypes a password at home (203.0.113.7), and
his colleague Qian at another address behind the same nginx.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from partnerships.choices import AuditAction
from partnerships.models import AuditEntry
from partnerships.proxies import client_address

ROOT = Path(__file__).resolve().parents[1]
NGINX = "127.0.0.1"
MA = "198.51.100.7"
ZHAO_AT_HOME = "203.0.113.7"
QIAN_AT_HOME = "203.0.113.8"
PASSWORD = "Xiaodian-2026"


@pytest.fixture
def behind_nginx(settings):
    settings.TRUSTED_PROXIES = [NGINX, "::1"]


@pytest.fixture
def zhao(db) -> User:
    return User.objects.create_user("zhao", password=PASSWORD, is_staff=True)


def failed_log_in(client: Client, **meta) -> int:
    return client.post(
        "/admin/login/?next=/admin/", {"username": "zhao", "password": "wrong"}, **meta
    ).status_code


def address_of(**meta) -> str | None:
    return client_address(RequestFactory().get("/", **meta))


# --- The one rule --------------------------------------------------------------------------------


def test_client_address_ignores_the_header_from_a_peer_that_is_not_our_proxy(behind_nginx):
    assert address_of(REMOTE_ADDR=MA, HTTP_X_FORWARDED_FOR="10.1.1.1") == MA


def test_client_address_without_trusted_proxies_is_always_the_peer(settings):
    settings.TRUSTED_PROXIES = []

    assert address_of(REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=ZHAO_AT_HOME) == NGINX


def test_client_address_behind_our_proxy_is_the_address_it_appended(behind_nginx):
    # What Ma wrote himself is left of what nginx appended, and is ignored.
    forwarded = f"10.1.1.1, {MA}"

    assert address_of(REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=forwarded) == MA


def test_client_address_walks_past_each_trusted_proxy_from_the_right(settings):
    # A load balancer (10.0.0.1) in front of nginx (10.0.0.2), both ours.
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    forwarded = f"1.2.3.4, {ZHAO_AT_HOME}, 10.0.0.1"

    assert address_of(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded) == ZHAO_AT_HOME


def test_client_address_stops_at_an_entry_no_proxy_of_ours_wrote(behind_nginx):
    assert address_of(REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR="not-an-address") == NGINX
    assert address_of(REMOTE_ADDR=NGINX) == NGINX


def test_client_address_over_a_unix_socket_needs_unix_in_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = []
    assert address_of(REMOTE_ADDR="", HTTP_X_FORWARDED_FOR=ZHAO_AT_HOME) is None

    settings.TRUSTED_PROXIES = ["unix"]
    assert address_of(REMOTE_ADDR="", HTTP_X_FORWARDED_FOR=ZHAO_AT_HOME) == ZHAO_AT_HOME


def test_trusted_proxies_that_are_not_addresses_stop_start_up():
    env = {**os.environ, "TRUSTED_PROXIES": "127.0.0.1,nginx.local"}
    started = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert started.returncode == 1
    assert started.stderr.splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: TRUSTED_PROXIES must list IP addresses "
        "or networks (or 'unix'), not 'nginx.local'"
    )


# --- The API throttle ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_throttle_ignores_forged_forwarded_for_headers(settings):
    settings.LANGUAGE_CODE = "en"
    ma = APIClient(REMOTE_ADDR=MA, HTTP_ACCEPT_LANGUAGE="en")

    answers = [
        ma.get("/api/v1/districts/", HTTP_X_FORWARDED_FOR=f"10.9.{number}.1")
        for number in range(65)
    ]

    assert [answer.status_code for answer in answers] == [200] * 60 + [429] * 5
    refused = answers[-1]
    assert (refused["X-RateLimit-Limit"], refused["X-RateLimit-Remaining"]) == ("60", "0")
    assert refused.json()["detail"].startswith("Request was throttled. Expected available in ")


@pytest.mark.django_db
def test_api_throttle_counts_each_client_behind_our_proxy_apart(settings, behind_nginx):
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "5/min"}
    }
    nginx = APIClient(REMOTE_ADDR=NGINX)

    def get(client_address: str) -> int:
        forwarded = f"10.1.1.1, {client_address}"  # whatever the client sent, then nginx's entry
        return nginx.get("/api/v1/districts/", HTTP_X_FORWARDED_FOR=forwarded).status_code

    zhao = [get(ZHAO_AT_HOME) for _ in range(4)]
    qian = [get(QIAN_AT_HOME) for _ in range(3)]

    assert (zhao, qian) == ([200, 200, 200, 429], [200, 200, 200])


# --- The audit trail and the log-in lock-out -----------------------------------------------------


def test_failed_log_ins_behind_our_proxy_lock_and_record_the_real_client(
    client, zhao, behind_nginx
):
    statuses = [
        failed_log_in(client, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=ZHAO_AT_HOME)
        for _ in range(5)
    ]

    assert statuses == [200, 200, 200, 200, 429]
    failed = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert {entry.client_address for entry in failed} == {ZHAO_AT_HOME}
    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [
        ("zhao", ZHAO_AT_HOME)
    ]
    # Zhao's lock is his, at his address: the same name through the same nginx from the office
    # logs in.
    office = client.post(
        "/admin/login/?next=/admin/",
        {"username": "zhao", "password": PASSWORD},
        REMOTE_ADDR=NGINX,
        HTTP_X_FORWARDED_FOR="10.20.0.5",
    )
    assert (office.status_code, office.url) == (302, "/admin/")
    [login] = AuditEntry.objects.filter(action=AuditAction.LOGIN)
    assert (login.username, login.client_address) == ("zhao", "10.20.0.5")


def test_a_forged_forwarded_for_changes_neither_lock_out_nor_audit(client, zhao, behind_nginx):
    # Ma, not behind our proxy, claims a new address with each guess.
    statuses = [
        failed_log_in(client, REMOTE_ADDR=MA, HTTP_X_FORWARDED_FOR=f"10.9.{number}.1")
        for number in range(5)
    ]

    assert statuses == [200, 200, 200, 200, 429]
    failed = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert [entry.client_address for entry in failed] == [MA] * 5
    assert list(AccessAttempt.objects.values_list("ip_address", "failures_since_start")) == [
        (MA, 5)
    ]
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN).count() == 0
