"""Webhook figures on loopback, the sandbox as the CRM; one JSON object on the last line.

Receiver: ``leadbridge serve`` in its own process takes signed 100-event HubSpot batches at a fixed rate
(open loop: latency counts from when a request was due, so a slow answer cannot slow the load down) for
``--seconds``; every event is new, so every request commits 100 inbox rows before its 200.
-> ack_p50_ms, ack_p99_ms, receiver_errors, events_stored (must equal events sent).

End to end: the HubSpot sandbox (in this process) sends its signed webhooks to ``leadbridge serve``,
``leadbridge worker`` (another process) re-reads, qualifies and writes back to the sandbox. Each second,
``--e2e-rate`` contacts get a new job title; the clock stops when the sandbox sees our write of that
contact's lb_score. -> e2e_p50_s, e2e_p95_s, lost (changes whose score never came back), e2e_errors.

The sandbox portal has the Professional limit (190 requests per 10 s, ``--rate-limit``): the worker's
budget keeps under it, as it would in production. A worker round costs about 14 requests (re-read, deals,
engagement associations and reads for five types, the write) however many contacts it carries, so the
limit sets how often rounds can run, and that sets the latency.

    python bench/webhooks.py [--seconds 30] [--rate 200] [--e2e-rate 50] [--receiver-workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connector.sandbox.waiting import wait_until  # noqa: E402
from webhooks.hubspot_signature import sign_v3  # noqa: E402

SECRET = "bench-client-secret"
EVENTS_PER_BATCH = 100
PROFESSIONAL_LIMIT = 190


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env(store_url: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LEADBRIDGE_DATABASE_URL": store_url,
        "LEADBRIDGE_HUBSPOT_CLIENT_SECRET": SECRET,
        "LEADBRIDGE_WEBHOOKS_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }


@contextmanager
def process(args: list[str], env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "connector.cli", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far (Linux /proc), in seconds."""
    import glob

    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for path in [f"/proc/{pid}/stat", *glob.glob(f"/proc/{pid}/task/*/children")]:
        if path.endswith("children"):
            for child in Path(path).read_text().split():
                total += cpu_seconds(int(child))
            continue
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


@contextmanager
def receiver(store_url: str, folder: Path, workers: int) -> Iterator[tuple[str, int]]:
    port = free_port()
    with process(["serve", "--port", str(port), "--workers", str(workers)], base_env(store_url, port), folder) as proc:
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return httpx.get(url + "/readyz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return proc.poll() is not None

        if not wait_until(up, 30, 0.1) or proc.poll() is not None:
            raise SystemExit(f"the receiver did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
        yield url, proc.pid


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


# -- receiver --------------------------------------------------------------------------------------------


def batch_body(start: int, occurred_ms: int) -> bytes:
    events = [
        {
            "eventId": start + i,
            "subscriptionId": 2000002,
            "portalId": 62515,
            "appId": 1000001,
            "occurredAt": occurred_ms,
            "subscriptionType": "contact.propertyChange",
            "attemptNumber": 0,
            "objectId": 1 + (start + i) % 50_000,
            "changeSource": "CRM_UI",
            "sourceId": "userId:1",
            "propertyName": "jobtitle",
            "propertyValue": "Chief Marketing Officer",
        }
        for i in range(EVENTS_PER_BATCH)
    ]
    return json.dumps(events, separators=(",", ":")).encode()


def request_bytes(host: str, uri: str, body: bytes) -> bytes:
    stamp = str(int(time.time() * 1000))
    head = (
        f"POST /webhooks/hubspot HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-HubSpot-Request-Timestamp: {stamp}\r\n"
        f"X-HubSpot-Signature-v3: {sign_v3(SECRET, 'POST', uri, body, stamp)}\r\n\r\n"
    )
    return head.encode() + body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: bytes) -> int:
    writer.write(payload)
    await writer.drain()
    status_line = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    await reader.readexactly(length)
    return int(status_line.split()[1])


async def _load(url: str, rate: float, seconds: float, connections: int) -> tuple[list[float], int, int]:
    host = url.removeprefix("http://")
    hostname, port = host.split(":")
    total = int(rate * seconds)
    due: asyncio.Queue[tuple[int, float]] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0

    async def connection() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(hostname, int(port))
        while True:
            index, scheduled = await due.get()
            if index < 0:
                break
            payload = request_bytes(
                host, url + "/webhooks/hubspot", batch_body(index * EVENTS_PER_BATCH + 1, int(time.time() * 1000))
            )
            try:
                status = await _exchange(reader, writer, payload)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(hostname, int(port))
                continue
            latencies.append(time.perf_counter() - scheduled)
            if status != 200:
                errors += 1
        writer.close()

    workers = [asyncio.create_task(connection()) for _ in range(connections)]
    start = time.perf_counter() + 0.05
    for index in range(total):
        scheduled = start + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        due.put_nowait((index, scheduled))
    for _ in workers:
        due.put_nowait((-1, 0.0))
    await asyncio.gather(*workers)
    return latencies, errors, total


def bench_receiver(folder: Path, rate: float, seconds: float, workers: int) -> dict[str, Any]:
    from connector.store import inbox, open_store

    store_url = f"sqlite:///{folder / 'receiver.db'}"
    open_store(store_url).close()
    with receiver(store_url, folder, workers) as (url, pid):
        # Warm up the connection pool and the receiver's code paths (not measured).
        asyncio.run(_load(url, 20, 0.5, 4))
        cpu_before = cpu_seconds(pid)
        latencies, errors, sent = asyncio.run(_load(url, rate, seconds, 32))
        cpu = cpu_seconds(pid) - cpu_before
        # The receiver's own view (parse, verify, commit, answer), to tell server time from client time.
        metrics = httpx.get(url + "/metrics", timeout=5).text
        print("\n".join(line for line in metrics.splitlines() if "ack_seconds" in line), file=sys.stderr)
    store = open_store(store_url)
    with store.connect() as conn:
        stored = inbox.depth(conn)["pending"]
    store.close()
    expected = (sent + int(20 * 0.5)) * EVENTS_PER_BATCH
    return {
        "ack_p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "ack_p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "ack_max_ms": round(max(latencies) * 1000, 2) if latencies else None,
        "receiver_requests": sent,
        "receiver_rate_per_s": rate,
        "receiver_errors": errors,
        "events_stored": stored,
        "receiver_lost": expected - stored,
        "receiver_cpu_ms_per_request": round(cpu / sent * 1000, 2),
        "load_average": round(os.getloadavg()[0], 2),
    }


# -- end to end ------------------------------------------------------------------------------------------


def bench_e2e(folder: Path, rate: float, seconds: float, limit: int) -> dict[str, Any]:
    from pydantic import SecretStr

    from connector.crm.hubspot_budget import BudgetLimits
    from connector.crm.hubspot_client import HubSpotApi, HubSpotConfig
    from connector.crm.hubspot_setup import setup
    from connector.mapping import load_mapping
    from connector.sandbox.hubspot import HubSpotSandbox, HubSpotSettings, WebhookSettings
    from connector.sandbox.hubspot.records import ContactChange
    from connector.store import inbox, open_store

    store_url = f"sqlite:///{folder / 'e2e.db'}"
    open_store(store_url).close()
    events = int(rate * seconds)
    port = free_port()
    hooks = WebhookSettings(
        target_url=f"http://127.0.0.1:{port}/webhooks/hubspot", client_secret=SECRET, flush_interval_s=0.05
    )
    settings = HubSpotSettings(contacts=int(events / 0.65) + 200, rate_limit=limit, webhooks=hooks)
    sandbox = HubSpotSandbox(settings).start()
    try:
        api = HubSpotApi(HubSpotConfig(SecretStr(sandbox.access_token), sandbox.url, BudgetLimits(per_window=limit)))
        setup(api, load_mapping(None, source="hubspot"))
        ids = sandbox.contact_ids(events)
        started: dict[int, float] = {}
        finished: dict[int, float] = {}
        lock = threading.Lock()

        def on_change(change: ContactChange) -> None:
            if change.change_source == "INTEGRATION" and change.property_name == "lb_score":
                with lock:
                    if change.object_id in started and change.object_id not in finished:
                        finished[change.object_id] = time.monotonic()

        sandbox.store.subscribe(on_change)
        env = {
            **base_env(store_url, port),
            "LEADBRIDGE_HUBSPOT_ACCESS_TOKEN": sandbox.access_token,
            "LEADBRIDGE_HUBSPOT_BASE_URL": sandbox.url,
            "LEADBRIDGE_HUBSPOT_RATE_LIMIT": str(limit),
            "LEADBRIDGE_HUBSPOT_APP_ID": str(hooks.app_id),
        }
        with (
            process(["serve", "--port", str(port)], env, folder) as serving,
            process(["worker", "--source", "hubspot"], env, folder) as working,
        ):
            if not wait_until(lambda: _ready(port), 30, 0.1):
                raise SystemExit("the receiver did not start")
            begin = time.monotonic()
            for index, cid in enumerate(ids):
                delay = begin + index / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                with lock:
                    started[cid] = time.monotonic()
                # A new title each time: every change is a real change (an event) that moves the score.
                sandbox.touch([cid], {"jobtitle": f"Chief Marketing Officer #{index}"})
            wait_until(lambda: len(finished) == len(started), 60, 0.05)
            metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            print("\n".join(line for line in metrics.splitlines() if "ack_seconds" in line), file=sys.stderr)
            for proc in (serving, working):
                if proc.poll() is not None:
                    raise SystemExit(proc.stderr.read().decode() if proc.stderr else "a process died")
        store = open_store(store_url)
        with store.connect() as conn:
            depth = inbox.depth(conn)
        store.close()
        latencies = [finished[c] - started[c] for c in finished]
        begun = min(started.values())
        by_second: dict[int, list[float]] = {}
        for c in finished:
            by_second.setdefault(int(started[c] - begun), []).append(finished[c] - started[c])
        print(
            "latency by second of the run:",
            {k: round(max(v), 2) for k, v in sorted(by_second.items())},
            file=sys.stderr,
        )
        return {
            "e2e_p50_s": round(percentile(latencies, 50), 3),
            "e2e_p95_s": round(percentile(latencies, 95), 3),
            "e2e_max_s": round(max(latencies), 3) if latencies else None,
            "e2e_events": len(started),
            "e2e_rate_per_s": rate,
            "e2e_errors": depth["dead"] + sandbox.webhooks.stats.failed_attempts,
            "e2e_lost": len(started) - len(finished),
            "e2e_rate_limit_per_10s": limit,
        }
    finally:
        sandbox.stop()


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=200.0, help="receiver requests per second")
    parser.add_argument("--e2e-rate", type=float, default=50.0, help="contact changes per second")
    parser.add_argument("--receiver-workers", type=int, default=1)
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=PROFESSIONAL_LIMIT,
        help="the sandbox portal's requests per 10 s (100, 190 or 250 by HubSpot plan)",
    )
    parser.add_argument("--skip-receiver", action="store_true")
    parser.add_argument("--skip-e2e", action="store_true")
    args = parser.parse_args()
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="leadbridge-bench-webhooks-") as tmp:
        folder = Path(tmp)
        if not args.skip_receiver:
            result.update(bench_receiver(folder, args.rate, args.seconds, args.receiver_workers))
            print(json.dumps(result), file=sys.stderr)
        if not args.skip_e2e:
            result.update(bench_e2e(folder, args.e2e_rate, args.seconds, args.rate_limit))
    result["errors"] = result.get("receiver_errors", 0) + result.get("e2e_errors", 0)
    result["lost"] = result.get("receiver_lost", 0) + result.get("e2e_lost", 0)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
