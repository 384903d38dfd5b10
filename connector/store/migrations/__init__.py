"""Alembic migrations of the store, shipped in the package (``leadbridge db upgrade`` applies them)."""
