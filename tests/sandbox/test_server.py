"""The shared sandbox infrastructure: server lifecycle, TLS, fault injection, request log."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests
import trustme
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connector.sandbox.faults import Faults
from connector.sandbox.requestlog import STATUS_RESET, RequestLog
from connector.sandbox.server import SandboxError, SandboxServer, emulator_middleware
from connector.sandbox.waiting import wait_until

Served = tuple[SandboxServer, RequestLog, Faults]


async def _hello(request: Request) -> JSONResponse:
    return JSONResponse({"path": request.url.path})


def _app(log: RequestLog, faults: Faults) -> Starlette:
    return Starlette(
        routes=[Route("/hello", _hello), Route("/login", _hello)], middleware=emulator_middleware(log, faults)
    )


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    log, faults = RequestLog(), Faults(seed=7)
    with SandboxServer(_app(log, faults)) as server:
        yield server, log, faults


@pytest.fixture()
def clean(served: Served) -> Iterator[Served]:
    server, log, faults = served
    log.clear()
    yield served
    for name in ("latency_ms", "jitter_ms", "error_rate", "burst_429_rate", "reset_rate", "slow_rate"):
        setattr(faults, name, 0.0)
    faults.path_prefixes = ()


def test_serves_on_a_free_port_and_stops() -> None:
    log, faults = RequestLog(), Faults()
    server = SandboxServer(_app(log, faults)).start()
    try:
        assert server.url.startswith("http://127.0.0.1:") and server.port > 0
        assert requests.get(server.url + "/hello", timeout=5).json() == {"path": "/hello"}
    finally:
        server.stop()
    assert not server.running
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/hello", timeout=2)


def test_a_taken_port_is_a_clear_error(clean: Served) -> None:
    server, _, _ = clean
    with pytest.raises(SandboxError, match="cannot listen"):
        SandboxServer(_app(RequestLog(), Faults()), port=server.port).start()


def test_tls_with_a_local_ca() -> None:
    with SandboxServer(_app(RequestLog(), Faults()), tls=trustme.CA()) as server:
        assert server.url.startswith("https://localhost:")
        assert server.ca_bundle is not None and server.ca_bundle.exists()
        assert requests.get(server.url + "/hello", verify=str(server.ca_bundle), timeout=5).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(server.url + "/hello", timeout=5)


def test_request_log_counts(clean: Served) -> None:
    server, log, _ = clean
    for _ in range(3):
        requests.get(server.url + "/hello", timeout=5)
    requests.post(server.url + "/hello", timeout=5)
    requests.get(server.url + "/missing", timeout=5)
    assert log.count() == 5
    assert log.count(method="get", path_prefix="/hello") == 3
    assert log.count(method="POST", status=405) == 1
    assert log.count(status=404) == 1
    assert all(entry.duration_ms >= 0 for entry in log.entries)
    log.clear()
    assert log.count() == 0


def test_injected_errors_and_429_bursts(clean: Served) -> None:
    server, log, faults = clean
    faults.burst_429_rate, faults.burst_429_length = 1.0, 3
    first = requests.get(server.url + "/hello", timeout=5)
    assert first.status_code == 429 and first.headers["Retry-After"] == "1"
    faults.burst_429_rate = 0.0
    # The burst continues after the rate is switched off: bursts are runs of consecutive 429s.
    assert [requests.get(server.url + "/hello", timeout=5).status_code for _ in range(3)] == [429, 429, 200]
    faults.error_rate = 1.0
    failed = requests.get(server.url + "/hello", timeout=5)
    assert failed.status_code == 503 and failed.json()["status"] == "error"
    assert log.count(status=429) == 3 and log.count(status=503) == 1


def test_connection_reset(clean: Served) -> None:
    server, log, faults = clean
    faults.reset_rate = 1.0
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/hello", timeout=5)
    # The client sees the reset before the server finishes logging it.
    assert wait_until(lambda: log.count(status=STATUS_RESET) == 1)
    faults.reset_rate = 0.0
    assert requests.get(server.url + "/hello", timeout=5).status_code == 200


def test_faults_limited_to_paths(clean: Served) -> None:
    server, _, faults = clean
    faults.error_rate, faults.path_prefixes = 1.0, ("/hello",)
    assert requests.get(server.url + "/login", timeout=5).status_code == 200
    assert requests.get(server.url + "/hello", timeout=5).status_code == 503


def test_latency(clean: Served) -> None:
    server, _, faults = clean
    faults.latency_ms = 80
    started = time.perf_counter()
    requests.get(server.url + "/hello", timeout=5)
    assert time.perf_counter() - started >= 0.08


def test_fault_draws_are_reproducible_by_seed() -> None:
    def draws(seed: int) -> list[str | None]:
        faults = Faults(error_rate=0.3, reset_rate=0.1, burst_429_rate=0.05, jitter_ms=10, seed=seed)
        return [faults.decide("/x").kind for _ in range(200)]

    assert draws(1) == draws(1)
    assert draws(1) != draws(2)
    assert {"error", "reset", "429", None} <= set(draws(1))
