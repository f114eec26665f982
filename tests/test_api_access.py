"""Deny by default: every API route is walked, and only an explicit allowlist is public.

A new route that answers an anonymous client without being listed here fails this test, so
opening something to the public is always a deliberate, reviewed change.
"""

import re

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from partnerships.choices import PublicationState, StaffRole, TokenScope
from partnerships.models import DistrictRole
from partnerships.services import api_token_create
from tests import factories

pytestmark = pytest.mark.django_db

# Route patterns (as Django prints them, without the api/v1/ prefix) that anyone may GET.
PUBLIC_READ = {
    "",
    "districts/",
    "districts/<pk>/",
    "sources/",
    "sources/<pk>/",
    "sectors/",
    "sectors/<pk>/",
    "institutions/",
    "institutions/<pk>/",
    "enterprises/",
    "enterprises/<pk>/",
    "agreements/",
    "agreements/<pk>/",
    "projects/",
    "projects/<pk>/",
    "outcomes/",
    "outcomes/<pk>/",
    "targets/",
    "targets/<pk>/",
    "deletions/",
    "stats/outcomes/",
    "schema/",
    "docs/",
    "redoc/",
}
# Workflow steps of every publishable resource: POST only, with a write token of a member of
# staff whose role allows the step (tests/test_workflow.py); nobody reads them.
STEPS = ("submit", "publish", "withdraw", "return-to-draft")
PUBLISHABLE = ("institutions", "enterprises", "agreements", "projects", "outcomes", "targets")
WORKFLOW_STEPS = {f"{resource}/<pk>/{step}/" for resource in PUBLISHABLE for step in STEPS}
UNSAFE = ("post", "put", "patch", "delete")


def api_routes() -> list[str]:
    """Every route under api/v1/ as a plain pattern string such as "projects/<pk>/"."""
    routes = []

    def visit(patterns, prefix):
        for pattern in patterns:
            text = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                visit(pattern.url_patterns, text)
            elif isinstance(pattern, URLPattern) and text.startswith("api/v1/"):
                routes.append(text)

    visit(get_resolver().url_patterns, "")
    cleaned = set()
    for route in routes:
        route = route.removeprefix("api/v1/").lstrip("^").rstrip("$")
        # DRF's router writes regexes (and format-suffix variants): normalise to <pk>.
        route = re.sub(r"\(\?P<pk>[^)]*\)", "<pk>", route).replace("\\.", ".")
        if "<format>" in route or "(?P<format>" in route or "\\." in route:
            continue
        cleaned.add(route)
    return sorted(cleaned)


def concrete(route: str, pk: int) -> str:
    return "/api/v1/" + route.replace("<pk>", str(pk))


@pytest.fixture
def records():
    """One published record of each kind, so detail routes exist."""
    project = factories.make_project(state=PublicationState.PUBLISHED)
    factories.make_outcome(project=project, state=PublicationState.PUBLISHED)
    factories.make_target(project=project, state=PublicationState.PUBLISHED)
    factories.make_enterprise(district=project.district, state=PublicationState.PUBLISHED)
    factories.make_agreement(district=project.district, state=PublicationState.PUBLISHED)
    factories.make_institution(district=project.district, state=PublicationState.PUBLISHED)
    return project


def detail_pk(route: str) -> int:
    resource = route.split("/")[0]
    for model in apps.get_models():
        if getattr(model, "api_resource", None) == resource:
            return model.objects.first().pk
    by_name = {"districts": "District", "sources": "Source", "sectors": "Sector"}
    model = next(m for m in apps.get_models() if m.__name__ == by_name[resource])
    return model.objects.first().pk


def test_every_route_is_known():
    """The allowlist and the routes agree, so neither silently drifts from the other."""
    assert set(api_routes()) == PUBLIC_READ | WORKFLOW_STEPS


def test_anonymous_reads_only_the_allowlist(records):
    client = APIClient()
    for route in api_routes():
        url = concrete(route, detail_pk(route)) if "<pk>" in route else concrete(route, 0)
        params = {"since": "2000-01-01T00:00:00Z"} if route == "deletions/" else {}
        status = client.get(url, params).status_code
        if route in PUBLIC_READ:
            assert status == 200, (route, status)
        elif route in WORKFLOW_STEPS:
            assert status == 405, (route, status)  # a step is a POST, never a read
        else:
            assert status in (401, 403, 404), (route, status)


def test_anonymous_never_writes(records):
    client = APIClient()
    for route in api_routes():
        url = concrete(route, detail_pk(route)) if "<pk>" in route else concrete(route, 0)
        for method in UNSAFE:
            status = getattr(client, method)(url, {}, format="json").status_code
            assert status in (401, 403, 405), (route, method, status)


def test_read_token_never_writes(records):
    # An editor of the district, but holding a read-only token: the token's scope wins.
    user = User.objects.create_user("reader")
    DistrictRole.objects.create(user=user, district=records.district, role=StaffRole.EDITOR)
    _token, plain = api_token_create(user=user, name="只读", scope=TokenScope.READ)
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {plain}")
    for route in api_routes():
        url = concrete(route, detail_pk(route)) if "<pk>" in route else concrete(route, 0)
        for method in UNSAFE:
            status = getattr(client, method)(url, {}, format="json").status_code
            assert status in (403, 405), (route, method, status)
