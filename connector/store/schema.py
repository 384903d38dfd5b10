"""Schema versions: apply the shipped Alembic migrations, and refuse to run on an out-of-date store.

Policy (also in the README):
- ``leadbridge db upgrade`` applies every pending migration, on SQLite and PostgreSQL alike.
- A brand-new, empty SQLite store is created on first use: the embedded default must work with nothing to
  install or run first. An existing SQLite store is never migrated behind the user's back (they may want
  a backup first), and PostgreSQL stores are never touched without ``leadbridge db upgrade``.
- Any other command on a store whose schema is older than this version of leadbridge stops with a
  ``StoreError`` that says to run ``leadbridge db upgrade``; on a newer one, to upgrade leadbridge.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from connector.errors import StoreError
from connector.store.engine import describe, open_error

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """An Alembic configuration pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest schema revision this version of leadbridge knows."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:  # a packaging mistake, not a user error
        raise RuntimeError(f"the shipped migrations have {len(heads)} heads: {heads}")
    return heads[0]


def known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    """The store's schema revision; None for a store that has never been upgraded."""
    return MigrationContext.configure(connection).get_current_revision()


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str
    empty: bool  # no tables at all: a brand-new store

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def schema_state(engine: Engine) -> SchemaState:
    try:
        with engine.connect() as connection:
            current = current_revision(connection)
            empty = current is None and not inspect(connection).get_table_names()
    except SQLAlchemyError as exc:
        raise open_error(exc, engine.url) from None
    return SchemaState(current, head_revision(), empty)


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Apply every pending migration in one transaction; returns (revision before, revision after)."""
    config = alembic_config()
    try:
        with engine.begin() as connection:
            before = current_revision(connection)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            after = current_revision(connection)
    except SQLAlchemyError as exc:
        raise open_error(exc, engine.url) from None
    return before, after or head_revision()


def ensure_current(engine: Engine) -> None:
    """Stop unless the store's schema is this version's; create a brand-new embedded SQLite store."""
    state = schema_state(engine)
    if state.up_to_date:
        return
    if state.empty and engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    where = describe(engine.url)
    if state.current is None:
        raise StoreError(f"{where} has no leadbridge schema yet: run `leadbridge db upgrade` to create it")
    if state.current not in known_revisions():
        raise StoreError(
            f"{where} has schema revision {state.current}, newer than this leadbridge knows ({state.head}): "
            "upgrade leadbridge"
        )
    raise StoreError(
        f"{where} has schema revision {state.current}, older than this leadbridge needs ({state.head}): "
        "run `leadbridge db upgrade` (back up the store first if you like)"
    )
