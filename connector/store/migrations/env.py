"""Alembic environment: run migrations on the connection ``connector.store.schema`` hands over.

``leadbridge db upgrade`` is the supported way in. Developers may also run plain ``alembic`` with
``-x url=...`` (or LEADBRIDGE_DATABASE_URL) to write a new revision.
"""

from __future__ import annotations

from alembic import context

from connector.store.tables import metadata

config = context.config


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from connector.settings import get_settings
    from connector.store.engine import create_store_engine

    url = context.get_x_argument(as_dictionary=True).get("url") or get_settings().database_url
    engine = create_store_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
