"""Fixtures for the webhook receiver and worker: stores on both backends, a configured receiver."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.stores import postgres_schema_url, postgres_store, sqlite_url, store, store_url  # noqa: F401

from connector.sandbox.server import SandboxServer
from connector.store import Store, open_store
from tests.webhooks.helpers import receiver_config
from webhooks.app import Receiver, create_app


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite store made once: tests copy it instead of running the migrations each time."""
    folder = tmp_path_factory.mktemp("template")
    open_store(sqlite_url(folder)).close()
    return folder / "leadbridge.db"


@pytest.fixture
def sqlite_store(tmp_path: Path, sqlite_template: Path) -> Iterator[Store]:
    shutil.copyfile(sqlite_template, tmp_path / "leadbridge.db")
    opened = open_store(sqlite_url(tmp_path))
    try:
        yield opened
    finally:
        opened.close()


ClientFactory = Callable[..., httpx.Client]


@pytest.fixture(scope="module")
def served_receiver(sqlite_template: Path) -> Iterator[tuple[Receiver, SandboxServer]]:
    """One receiver served by uvicorn for a module; ``receiver`` points it at each test's store and config."""
    placeholder = open_store(sqlite_url(sqlite_template.parent))
    app = create_app(placeholder, receiver_config())
    with SandboxServer(app) as server:
        yield app.state.receiver, server
    placeholder.close()


@pytest.fixture
def receiver(served_receiver: tuple[Receiver, SandboxServer], sqlite_store: Store) -> Iterator[ClientFactory]:
    """``receiver(**config overrides)``: an HTTP client on the module's receiver, now over this test's fresh
    SQLite store with fresh metrics (real HTTP: body limits, disconnects and headers behave as in production)."""
    the_receiver, server = served_receiver
    clients: list[httpx.Client] = []

    def make(**overrides: Any) -> httpx.Client:
        the_receiver.reset(sqlite_store, receiver_config(**overrides))
        client = httpx.Client(base_url=server.url, timeout=10)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
