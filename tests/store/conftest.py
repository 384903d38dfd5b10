"""Store fixtures: every store test runs on SQLite and on PostgreSQL (see support/stores.py)."""

from support.stores import postgres_schema_url, postgres_store, store, store_url  # noqa: F401
