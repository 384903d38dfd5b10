"""`leadbridge inbox list|show|retry|replay` on a store with events in every state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.stores import sqlite_url
from typer.testing import CliRunner

from connector.cli import app
from connector.errors import UserError
from connector.store import Store, inbox, open_store


@pytest.fixture
def cli_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    from connector.settings import get_settings

    url = sqlite_url(tmp_path)
    monkeypatch.setenv("LEADBRIDGE_DATABASE_URL", url)
    get_settings.cache_clear()
    store = open_store(url)
    now = datetime.now(UTC)
    with store.begin() as conn:
        inbox.add(conn, [inbox.NewEvent(f"k{i}", "hubspot", f"hubspot:contact:{i}", "change", {"eventId": i})
                         for i in range(3)], now - timedelta(hours=2))
        events = inbox.claim(conn, "w", now, timedelta(seconds=30), 3)
        inbox.complete(conn, [events[0].id], "w", now)
        inbox.fail(conn, [events[1].id], "w", now, "HubSpot batch_read: HTTP 503", inbox.Backoff(max_attempts=1))
        inbox.release(conn, [events[2].id], "w")
    yield store
    store.close()
    get_settings.cache_clear()


def test_list_show_retry_replay(cli_store: Store) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["inbox", "list"])
    assert listed.exit_code == 0, listed.output
    assert "1 pending" in listed.output and "1 done" in listed.output and "1 dead" in listed.output
    assert "HTTP 503" in runner.invoke(app, ["inbox", "list", "--status", "dead"]).output
    shown = runner.invoke(app, ["inbox", "show", "2"])
    assert shown.exit_code == 0 and "hubspot:contact:1" in shown.output and "HTTP 503" in shown.output
    # In-process the runner sees the UserError itself; `leadbridge` (connector.cli.main) exits 2 with its message.
    assert isinstance(runner.invoke(app, ["inbox", "show", "99"]).exception, UserError)
    assert isinstance(runner.invoke(app, ["inbox", "list", "--status", "nope"]).exception, UserError)
    retried = runner.invoke(app, ["inbox", "retry"])
    assert retried.exit_code == 0 and "1 dead event(s) queued again" in retried.output
    assert runner.invoke(app, ["inbox", "replay", "--since", "1h"]).output.startswith("0 event")
    replayed = runner.invoke(app, ["inbox", "replay", "--since", "3h"])
    assert replayed.exit_code == 0 and replayed.output.startswith("1 event"), replayed.output
    assert isinstance(runner.invoke(app, ["inbox", "replay", "--since", "yesterday"]).exception, UserError)
    with cli_store.connect() as conn:
        assert inbox.depth(conn) == {"pending": 3, "processing": 0, "done": 0, "dead": 0}
