"""Shared pytest fixtures for the whole test suite.

Settings come from ``[tool.pytest.ini_options]`` in pyproject.toml (``config.settings``); the test
database follows ``DATABASE_URL`` (PostgreSQL when set, SQLite otherwise). Fixtures used by more
than one app's tests — personas such as a district editor, a publisher and an anonymous visitor —
belong here; fixtures for one app stay next to its tests.
"""

from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.test import APIClient

from partnerships.choices import StaffRole, TokenScope
from partnerships.models import District
from partnerships.services import staff_role_assign
from tests import factories


@pytest.fixture
def shanxi(db) -> District:
    """The province: a role held here covers every district of Shanxi (codes 14xxxx)."""
    return District.objects.filter(code="140000").first() or factories.make_district(
        code="140000", name="山西省", name_en="Shanxi Province"
    )


@pytest.fixture
def back_office_editor(shanxi) -> User:
    """Wang, the province's system administrator: may view, add, change and delete every record
    of every district of Shanxi (where the factories put them) and the reference data, and
    moves records through the review workflow like a publisher.

    Staff but not a superuser, so every admin page is reached through real permissions: the
    role groups of `setup_roles` and the permission policy (partnerships.selectors).
    """
    call_command("setup_roles", stdout=StringIO())
    user = User.objects.create_user("wang", password="unused-password", is_staff=True)
    staff_role_assign(user, district=shanxi, role=StaffRole.SYSTEM_ADMIN)
    return user


@pytest.fixture
def editor_client(client, back_office_editor):
    client.force_login(back_office_editor)
    return client


@pytest.fixture
def citizen(db) -> User:
    """Li, a member of the public with an account but no back-office access."""
    return User.objects.create_user("li", password="unused-password")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 is slow by design; tests log in many times and need no protection."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- REST API personas ---------------------------------------------------------------------------
# Anonymous visitors, a system with a read-only token, Zhang (an editor of 小店区 with a write
# token), Liu (a publisher of 小店区 with a write token) and Zhou (an editor of another district
# with a write token).


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Throttle counters live in the cache: each test starts with a full allowance."""
    cache.clear()


@pytest.fixture
def unthrottled(settings):
    """Limits high enough for tests that send hundreds of requests (fuzzing, crawling)."""
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"}
    }


@pytest.fixture
def xiaodian(db) -> District:
    return District.objects.filter(code="140105").first() or factories.make_district(
        code="140105", name="小店区", name_en="Xiaodian District"
    )


@pytest.fixture
def other_district(db) -> District:
    return factories.make_district(code="140106", name="迎泽区", name_en="Yingze District")


@pytest.fixture
def anonymous_api() -> APIClient:
    return APIClient()


@pytest.fixture
def reader_api(db) -> APIClient:
    """A statistics bureau's system: a read-only token of an account without district rights."""
    user = User.objects.create_user("stats-bureau", password="unused-password")
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {factories.make_token(user)}")


@pytest.fixture
def api_editor(xiaodian) -> User:
    return factories.make_district_editor("zhang", xiaodian)


@pytest.fixture
def editor_api(api_editor) -> APIClient:
    """Zhang, an editor of 小店区, through a write-scope token."""
    token = factories.make_token(api_editor, TokenScope.WRITE)
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def api_publisher(xiaodian) -> User:
    return factories.make_district_staff("liu", xiaodian, StaffRole.PUBLISHER)


@pytest.fixture
def publisher_api(api_publisher) -> APIClient:
    """Liu, a publisher of 小店区, through a write-scope token: reviews and publishes."""
    token = factories.make_token(api_publisher, TokenScope.WRITE)
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def other_editor_api(other_district) -> APIClient:
    """Zhou, an editor of another district, through a write-scope token."""
    user = factories.make_district_editor("zhou", other_district)
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {factories.make_token(user, TokenScope.WRITE)}")


@pytest.fixture
def queries_of():
    """`queries_of(client, url)`: the response and the SQL it ran (for query-count tests)."""

    def run(client: APIClient, url: str, **params):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
        assert response.status_code == 200, response.content
        return response, [query["sql"] for query in captured.captured_queries]

    return run


@pytest.fixture(autouse=True)
def default_language_after_each_test():
    """A request with Accept-Language: en leaves English active in the thread; reset it so no
    test depends on the order it runs in."""
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


# --- Back-office personas with district roles ----------------------------------------------------


@pytest.fixture
def roles(db):
    """The role groups, as `manage.py setup_roles` makes them."""
    call_command("setup_roles", stdout=StringIO())


@pytest.fixture
def zhao(roles, xiaodian) -> User:
    """Zhao, an editor of 小店区."""
    return factories.make_staff("zhao", xiaodian, StaffRole.EDITOR)
