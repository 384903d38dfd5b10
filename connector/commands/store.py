"""`leadbridge db upgrade|status`, `leadbridge history KEY`, `leadbridge runs`: the store from the command line.

The store is LEADBRIDGE_DATABASE_URL (default: leadbridge.db in the working directory). Exit code 3 when it
cannot be opened or needs `leadbridge db upgrade`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import select

from connector.commands.run_views import history_table, runs_table
from connector.errors import UserError
from connector.store import Store, open_store
from connector.store import contacts as stored_contacts
from connector.store import history as stage_history
from connector.store import runs as run_rows
from connector.store.engine import create_store_engine, describe, parse_url
from connector.store.schema import schema_state, upgrade
from connector.store.tables import contacts as contacts_table

console = Console()
db_app = typer.Typer(help="The store's schema: create or upgrade it.", no_args_is_help=True)


def _url() -> str:
    from connector.settings import get_settings

    return get_settings().database_url


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the store's tables, or apply the migrations a newer leadbridge brings."""
    engine = create_store_engine(parse_url(_url()))
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    where = describe(engine.url)
    if before == after:
        console.print(f"{where}: schema {after}, already up to date")
    else:
        console.print(f"{where}: schema {before or 'none'} -> {after}")


@db_app.command("status")
def db_status() -> None:
    """Show the store's location and schema revision (and whether it needs `leadbridge db upgrade`)."""
    engine = create_store_engine(parse_url(_url()))
    try:
        state = schema_state(engine)
    finally:
        engine.dispose()
    verdict = "up to date" if state.up_to_date else "run `leadbridge db upgrade`"
    console.print(f"{describe(engine.url)}: schema {state.current or 'none'} (this leadbridge: {state.head}), "
                  f"{verdict}")


def _resolve_key(store: Store, key: str) -> str:
    """A full key, or a bare id that matches exactly one stored key (``1001`` -> ``files:contact:1001``)."""
    with store.begin() as conn:
        if conn.execute(select(contacts_table.c.key).where(contacts_table.c.key == key)).first() is not None:
            return key
        if key.count(":") < 2:
            matches = list(conn.execute(
                select(contacts_table.c.key).where(contacts_table.c.key.like(f"%:{key}")).limit(5)).scalars())
            matches = [m for m in matches if m.rsplit(":", 1)[-1] == key]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise UserError(f"'{key}' matches several contacts ({', '.join(matches)}): give the full key")
    raise UserError(f"no contact '{key}' in {store.describe()}; keys look like files:contact:1001")


def history(key: str = typer.Argument(..., help="Contact key (files:contact:1001) or its id (1001).")) -> None:
    """A contact's stage history with the reason for each change, and its current qualification."""
    store = open_store()
    try:
        full_key = _resolve_key(store, key)
        with store.begin() as conn:
            changes = stage_history.for_contact(conn, full_key)
            current = stored_contacts.stored_qualification(conn, full_key)
    finally:
        store.close()
    console.print(history_table(full_key, changes))
    if current:
        row = json.loads(current)
        console.print(f"now: [bold]{escape(row['stage'])}[/], score {row['score']} ({row['grade']}): "
                      f"{escape(row['summary'])}")


def runs(
    limit: int = typer.Option(20, "--limit", "-n", help="How many runs to show, newest first."),
    source: str | None = typer.Option(None, "--source", help="Only runs of this source."),
) -> None:
    """Recent sync and rescore runs with their counts, status and errors."""
    store = open_store()
    try:
        with store.begin() as conn:
            rows = run_rows.recent(conn, limit, source)
    finally:
        store.close()
    if not rows:
        console.print("no runs yet: start with `leadbridge sync`")
        return
    console.print(runs_table(rows, datetime.now(UTC)))


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db", rich_help_panel="Store")
    app.command(rich_help_panel="Store")(history)
    app.command(rich_help_panel="Store")(runs)
