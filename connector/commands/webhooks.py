"""`leadbridge serve`, `leadbridge worker`, `leadbridge inbox ...`: webhooks from the command line.

    leadbridge serve --port 8080 --workers 2       the receiver (uvicorn); events go into the store's inbox
    leadbridge worker --concurrency 4              re-qualify what the events are about, write back
    leadbridge inbox list|show|retry|replay        look into the inbox, send dead events round again

Exit codes as everywhere: 2 bad input or configuration, 3 store problem.
"""

from __future__ import annotations

import json
import signal
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from connector.errors import UserError
from connector.store import Store, inbox, open_store

if TYPE_CHECKING:
    import uvicorn

    from webhooks.metrics import WorkerMetrics

console = Console()
inbox_app = typer.Typer(help="The webhook inbox: list, show, retry dead events, replay.", no_args_is_help=True)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (0.0.0.0 for all)."),
    port: int = typer.Option(8080, "--port", "-p", min=0, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Receiver processes."),
) -> None:
    """Receive HubSpot webhooks and Salesforce outbound messages: verify, store durably, acknowledge.

    POST /webhooks/hubspot and /webhooks/salesforce/<LEADBRIDGE_WEBHOOKS_SECRET>; GET /healthz, /readyz,
    /metrics. Run `leadbridge worker` next to it to process what arrives.
    """
    import uvicorn

    from webhooks.server import NoDelayH11Protocol

    open_store().close()  # a store that cannot be opened stops here with its message, not in each process
    uvicorn.run("webhooks.app:app_from_settings", factory=True, host=host, port=port, workers=workers,
                http=NoDelayH11Protocol, access_log=False, log_level="info")


def worker(
    concurrency: int = typer.Option(1, "--concurrency", "-c", min=1, help="Worker threads."),
    source: list[str] = typer.Option([], "--source", help="hubspot and/or salesforce (default: those configured)."),
    batch_size: int = typer.Option(100, "--batch-size", min=1, max=1000, help="Events claimed per round."),
    metrics_port: int = typer.Option(0, "--metrics-port", min=0, max=65535,
                                     help="Serve the worker's Prometheus /metrics on this port (0: off)."),
) -> None:
    """Process inbox events: re-read each contact from the CRM, qualify it, write back what changed."""
    import logging

    from connector.commands.inputs import scoring_model
    from webhooks.config import WorkerConfig
    from webhooks.crms import link_factory
    from webhooks.metrics import WorkerMetrics
    from webhooks.worker import run_workers

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sources = source or _configured_sources()
    model = scoring_model(None)
    make_links = link_factory(sources)  # fails now, naming the setting to fix, rather than in a thread
    store = open_store()
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    metrics = WorkerMetrics(lambda: _depth(store))
    server = _serve_metrics(metrics, metrics_port) if metrics_port else None
    console.print(f"worker: {concurrency} thread(s) on {', '.join(sources)}, store {store.describe()}"
                  + (f", metrics on :{metrics_port}/metrics" if server else ""))
    try:
        run_workers(store, model, make_links, concurrency=concurrency,
                    config=WorkerConfig.from_tuning(batch_size=batch_size), stop=stop, metrics=metrics)
    finally:
        if server is not None:
            server.should_exit = True
        store.close()


def _depth(store: Store) -> dict[str, int]:
    with store.connect() as conn:
        return inbox.depth(conn)


def _serve_metrics(metrics: WorkerMetrics, port: int) -> uvicorn.Server:
    """The worker's /metrics, served by uvicorn from a daemon thread."""
    import uvicorn

    from webhooks.app import metrics_app

    server = uvicorn.Server(uvicorn.Config(metrics_app(metrics.registry.render), host="0.0.0.0", port=port,
                                           log_level="warning", access_log=False, lifespan="off"))
    # uvicorn installs signal handlers only from the main thread; ours stay in charge of stopping the worker.
    threading.Thread(target=server.run, name="worker-metrics", daemon=True).start()
    return server


def _configured_sources() -> list[str]:
    from connector.settings import get_settings

    settings = get_settings()
    found = []
    if settings.hubspot_access_token is not None:
        found.append("hubspot")
    if settings.salesforce_username or settings.salesforce_client_id:
        found.append("salesforce")
    if not found:
        raise UserError("no CRM is configured for the worker: set LEADBRIDGE_HUBSPOT_ACCESS_TOKEN and/or the "
                        "LEADBRIDGE_SALESFORCE_* credentials (or pass --source)")
    return found


def _parse_time(text: str) -> datetime:
    import re
    from datetime import timedelta

    relative = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", text)
    if relative:
        unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[relative.group(2)]
        return datetime.now(UTC) - timedelta(**{unit: float(relative.group(1))})
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UserError(
            f"--since {text!r}: give an ISO-8601 time (2026-11-01T12:00Z) or an age (30m, 2h, 1d)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@inbox_app.command("list")
def inbox_list(
    status: str | None = typer.Option(None, "--status", help="pending, processing, done or dead."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="How many, newest first."),
) -> None:
    """The newest inbox events, and how many there are per status."""
    if status is not None and status not in inbox.STATUSES:
        raise UserError(f"--status {status!r}: choose one of {', '.join(inbox.STATUSES)}")
    store = open_store()
    try:
        with store.connect() as conn:
            events = inbox.listing(conn, status=status, limit=limit)
            depth = inbox.depth(conn)
    finally:
        store.close()
    table = Table(title="inbox: " + ", ".join(f"{n:,} {s}" for s, n in depth.items()))
    for column in ("id", "source", "contact", "kind", "status", "attempts", "received", "last error"):
        table.add_column(column)
    for e in events:
        table.add_row(str(e.id), e.source, e.contact_key, e.kind, e.status, str(e.attempts),
                      f"{e.received_at:%Y-%m-%d %H:%M:%S}", escape((e.last_error or "")[:80]))
    console.print(table)


@inbox_app.command("show")
def inbox_show(event_id: int = typer.Argument(..., help="The event's id (from `leadbridge inbox list`).")) -> None:
    """One event: where it came from, what it says, its attempts and last error."""
    store = open_store()
    try:
        with store.connect() as conn:
            found = inbox.load(conn, [event_id])
    finally:
        store.close()
    if not found:
        raise UserError(f"no inbox event {event_id}: see `leadbridge inbox list`")
    e = found[0]
    for name in ("id", "dedupe_key", "source", "contact_key", "kind", "status", "attempts", "received_at",
                 "occurred_at", "next_attempt_at", "processed_at", "last_error"):
        console.print(f"[bold]{name}[/]: {escape(str(getattr(e, name)))}", highlight=False)
    console.print("[bold]payload[/]:")
    console.print_json(json.dumps(e.payload))


@inbox_app.command("retry")
def inbox_retry(
    event_ids: list[int] = typer.Argument(None, help="Event ids (default: every dead event)."),
) -> None:
    """Send dead events round again, with a fresh attempt count (after fixing what killed them)."""
    store = open_store()
    try:
        with store.begin() as conn:
            count = inbox.requeue(conn, datetime.now(UTC), ids=event_ids or (), statuses=(inbox.DEAD,))
    finally:
        store.close()
    console.print(f"{count:,} dead event(s) queued again")


@inbox_app.command("replay")
def inbox_replay(
    since: str = typer.Option(..., "--since", help="Events received since this time (ISO-8601) or age (2h, 1d)."),
) -> None:
    """Process events received since a time again, done and dead ones included (after a fix or a restore).

    Safe to repeat: the worker re-reads each contact and writes only values that differ.
    """
    moment = _parse_time(since)
    store = open_store()
    try:
        with store.begin() as conn:
            count = inbox.requeue(conn, datetime.now(UTC), since=moment, statuses=(inbox.DONE, inbox.DEAD))
    finally:
        store.close()
    console.print(f"{count:,} event(s) received since {moment:%Y-%m-%d %H:%M:%S} UTC queued again")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Webhooks")(serve)
    app.command(rich_help_panel="Webhooks")(worker)
    app.add_typer(inbox_app, name="inbox", rich_help_panel="Webhooks")
