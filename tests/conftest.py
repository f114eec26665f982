"""Shared pytest fixtures for the whole test suite.

Settings come from ``[tool.pytest.ini_options]`` in pyproject.toml (``config.settings``); the test
database follows ``DATABASE_URL`` (PostgreSQL when set, SQLite otherwise). Fixtures used by more
than one app's tests — personas such as a district editor, a publisher and an anonymous visitor —
belong here; fixtures for one app stay next to its tests.
"""

import pytest
from django.contrib.auth.models import Permission, User

BACK_OFFICE_APPS = ("partnerships", "companies", "outcomes")


@pytest.fixture
def back_office_editor(db) -> User:
    """Wang, district staff: may view, add, change and delete every record, and nothing more.

    Staff but not a superuser, so every admin page is reached through real permissions.
    """
    user = User.objects.create_user("wang", password="unused-password", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=BACK_OFFICE_APPS)
    )
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
