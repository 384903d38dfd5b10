"""Shared pytest configuration. Area fixtures live in tests/<area>/conftest.py."""

# The sandbox emulators' fixtures (hubspot_sandbox, ...): one plugin shared by every test area.
pytest_plugins = ["connector.sandbox.pytest_plugin"]
