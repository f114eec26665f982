"""Shared pytest fixtures for the whole test suite.

Settings come from ``[tool.pytest.ini_options]`` in pyproject.toml (``config.settings``); the test
database follows ``DATABASE_URL`` (PostgreSQL when set, SQLite otherwise). Fixtures used by more
than one app's tests — personas such as a district editor, a publisher and an anonymous visitor —
belong here; fixtures for one app stay next to its tests.
"""
