"""The receiver: a Starlette app that verifies webhook requests, stores their events, and acknowledges.

    POST /webhooks/hubspot              HubSpot v3 batches (signature over the public URL, raw body, timestamp)
    POST /webhooks/salesforce[/{token}] Salesforce Outbound Messages (shared secret, OrganizationId) -> Ack
    GET  /healthz /readyz /metrics      liveness, store reachable, Prometheus text

Durable before acknowledging: a request's events are committed to the inbox before the 2xx, so an
acknowledged event survives any crash after it; a request that fails before the commit gets a 5xx and the
CRM sends it again. Every refusal is a 4xx with a message naming the problem, and stores nothing. The
store work runs in Starlette's thread pool: the event loop keeps accepting while SQLite commits.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from connector.errors import LeadbridgeError
from connector.store import Store, inbox
from webhooks import hubspot_signature, salesforce_messages
from webhooks.body import check_content_type, read_body
from webhooks.config import ReceiverConfig
from webhooks.errors import Refused
from webhooks.hubspot_events import parse_batch
from webhooks.metrics import CONTENT_TYPE, ReceiverMetrics

log = logging.getLogger("leadbridge.webhooks")

JSON_TYPES = frozenset({"application/json"})
#: SOAP 1.1 says text/xml; proxies and test tools also send these.
XML_TYPES = frozenset({"text/xml", "application/xml", "application/soap+xml"})
#: Header carrying the Salesforce shared secret when it is not in the path.
SECRET_HEADER = "x-leadbridge-webhook-secret"


class Receiver:
    """The receiver's state: the store, what requests are checked against, and the metrics."""

    def __init__(self, store: Store, config: ReceiverConfig, clock: Callable[[], float] = time.time):
        self.store = store
        self.config = config
        self.clock = clock
        self.metrics = ReceiverMetrics(self._depth)
        self._write_lock = _write_lock(store)

    def reset(self, store: Store, config: ReceiverConfig) -> None:
        """Point the receiver at another store and configuration, with fresh metrics (tests reuse one server)."""
        self.store, self.config, self.metrics = store, config, ReceiverMetrics(self._depth)
        self._write_lock = _write_lock(store)

    # -- HubSpot ----------------------------------------------------------------------------------------

    async def hubspot(self, request: Request) -> Response:
        started = time.perf_counter()
        try:
            check_content_type(request, JSON_TYPES)
            body = await _read(request, self.config.max_body_bytes)
            self._verify_hubspot(request, body)
            batch = parse_batch(body, self.config.echo)
            received = len(batch.events) + batch.echoes + batch.other_objects
            new = await run_in_threadpool(self._store, batch.events)
        except Refused as refused:
            return self._refused("hubspot", refused, started, _json_error)
        except LeadbridgeError as exc:
            return self._unavailable("hubspot", exc, started, _json_error)
        m = self.metrics
        m.received.inc(received, source="hubspot")
        m.accepted.inc(new, source="hubspot")
        m.duplicates.inc(len(batch.events) - new, source="hubspot")
        m.ignored.inc(batch.echoes, source="hubspot", reason="echo")
        m.ignored.inc(batch.other_objects, source="hubspot", reason="other_object")
        return self._answer(
            "hubspot",
            JSONResponse(
                {"accepted": new, "duplicates": len(batch.events) - new, "ignored": batch.echoes + batch.other_objects}
            ),
            started,
        )

    def _verify_hubspot(self, request: Request, body: bytes) -> None:
        secret = self.config.hubspot_secret
        headers = request.headers
        signed = hubspot_signature.SignedRequest(
            method=request.method,
            uri=self.public_uri(request),
            body=body,
            signature_v3=headers.get("x-hubspot-signature-v3"),
            timestamp=headers.get("x-hubspot-request-timestamp"),
            signature=headers.get("x-hubspot-signature"),
            signature_version=headers.get("x-hubspot-signature-version"),
        )
        if secret is None:
            if self.config.insecure:
                return
            raise Refused(
                401,
                "not_configured",
                "HubSpot webhooks are not configured here: set "
                "LEADBRIDGE_HUBSPOT_CLIENT_SECRET to the app's client secret",
            )
        if self.config.insecure and signed.signature_v3 is None and signed.signature is None:
            return
        verdict = hubspot_signature.verify(
            signed,
            secret.get_secret_value(),
            int(self.clock() * 1000),
            allow_legacy=self.config.hubspot_legacy_signatures,
        )
        if verdict is not hubspot_signature.Verdict.OK:
            raise Refused(401, verdict.value, _SIGNATURE_MESSAGES[verdict])

    def public_uri(self, request: Request) -> str:
        """The URL HubSpot called: the configured public URL (behind a proxy the Host header is not what
        HubSpot saw) joined with the path and query exactly as they arrived (still percent-encoded)."""
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        path = raw_path.decode("latin-1").split("?", 1)[0]
        query = request.scope.get("query_string", b"").decode("latin-1")
        if self.config.public_url:
            base = self.config.public_url.rstrip("/")
            uri = base if base.endswith(path) else base + path
        else:
            uri = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}{path}"
        return f"{uri}?{query}" if query else uri

    # -- Salesforce -------------------------------------------------------------------------------------

    async def salesforce(self, request: Request) -> Response:
        started = time.perf_counter()
        try:
            self._check_salesforce_secret(request)
            check_content_type(request, XML_TYPES)
            body = await _read(request, self.config.max_body_bytes)
            message = salesforce_messages.parse_message(body)
            configured = self.config.salesforce_organization_id
            if configured is None and not self.config.insecure:
                raise Refused(
                    403,
                    "not_configured",
                    "Salesforce outbound messages are not configured here: set LEADBRIDGE_SALESFORCE_ORGANIZATION_ID",
                )
            if configured is not None and not salesforce_messages.same_organization(
                message.organization_id, configured
            ):
                raise Refused(403, "wrong_organization", "the message comes from another Salesforce organization")
            events = message.events()
            new = await run_in_threadpool(self._store, events)
        except Refused as refused:
            return self._refused("salesforce", refused, started, _soap_fault)
        except LeadbridgeError as exc:
            return self._unavailable("salesforce", exc, started, _soap_fault)
        m = self.metrics
        m.received.inc(len(events), source="salesforce")
        m.accepted.inc(new, source="salesforce")
        m.duplicates.inc(len(events) - new, source="salesforce")
        return self._answer(
            "salesforce", Response(salesforce_messages.ACK, media_type="text/xml; charset=utf-8"), started
        )

    def _check_salesforce_secret(self, request: Request) -> None:
        # Salesforce does not sign outbound messages: a shared secret in the endpoint URL (or a header a
        # proxy adds) is what tells our listener's URL from a guessed one.
        secret = self.config.salesforce_secret
        given = request.path_params.get("token") or request.headers.get(SECRET_HEADER)
        if secret is None:
            if self.config.insecure:
                return
            raise Refused(
                403,
                "not_configured",
                "Salesforce outbound messages are not configured here: set "
                "LEADBRIDGE_WEBHOOKS_SECRET and put it in the endpoint URL (/webhooks/salesforce/<secret>)",
            )
        if given is None:
            raise Refused(401, "secret_missing", "the shared secret is missing: call /webhooks/salesforce/<secret>")
        if not hmac.compare_digest(secret.get_secret_value().encode(), given.encode("utf-8", "surrogateescape")):
            raise Refused(401, "wrong_secret", "the shared secret is wrong")

    # -- shared -----------------------------------------------------------------------------------------

    def _store(self, events: list[inbox.NewEvent]) -> int:
        with self._write_lock:
            now = datetime.fromtimestamp(self.clock(), UTC)
            with self.store.begin() as conn:
                return inbox.add(conn, events, now, self.config.coalesce)

    def _depth(self) -> dict[str, int]:
        with self.store.connect() as conn:
            return inbox.depth(conn)

    def _answer(self, source: str, response: Response, started: float) -> Response:
        self.metrics.ack_seconds.observe(time.perf_counter() - started)
        self.metrics.requests.inc(source=source, status=str(response.status_code))
        return response

    def _refused(
        self, source: str, refused: Refused, started: float, render: Callable[[int, str, str], Response]
    ) -> Response:
        self.metrics.rejected.inc(source=source, reason=refused.reason)
        log.info("refused a %s webhook request: %s (%s)", source, refused.reason, refused.message)
        return self._answer(source, render(refused.status, refused.reason, refused.message), started)

    def _unavailable(
        self, source: str, exc: LeadbridgeError, started: float, render: Callable[[int, str, str], Response]
    ) -> Response:
        # Not acknowledged, so the CRM delivers it again later: nothing is lost while the store is down.
        self.metrics.rejected.inc(source=source, reason="store_unavailable")
        log.error("could not store a %s webhook request: %s", source, exc)
        return self._answer(source, render(503, "store_unavailable", "the inbox is unavailable; retry later"), started)

    async def healthz(self, request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def readyz(self, request: Request) -> Response:
        try:
            depth = await run_in_threadpool(self._depth)
        except Exception as exc:  # any store trouble means not ready; the message is redacted by the store
            return PlainTextResponse(f"store unavailable: {exc}\n", status_code=503)
        return PlainTextResponse(f"ok: {depth['pending']} events pending\n")

    async def metrics_endpoint(self, request: Request) -> Response:
        text = await run_in_threadpool(self.metrics.registry.render)
        return Response(text, media_type=CONTENT_TYPE)


def _write_lock(store: Store) -> threading.Lock | contextlib.nullcontext[None]:
    """SQLite has one writer at a time. Threads of this process that all BEGIN IMMEDIATE at once meet in
    SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25, 25, 50, 50, 100 ms between retries instead
    of waking when the lock is free: under load that sleeping was the ack latency's tail (p99 0.5 s, max 3 s
    at 200 requests/s). Queueing on a Python lock first hands the write lock over as soon as it is released;
    SQLite's busy timeout still arbitrates with other processes (the worker). PostgreSQL writes in parallel."""
    return threading.Lock() if store.engine.dialect.name == "sqlite" else contextlib.nullcontext()


_SIGNATURE_MESSAGES = {
    hubspot_signature.Verdict.MISSING: "the request is not signed (X-HubSpot-Signature-v3 is missing)",
    hubspot_signature.Verdict.BAD_SIGNATURE: "the signature does not match the request",
    hubspot_signature.Verdict.BAD_TIMESTAMP: "X-HubSpot-Request-Timestamp is missing or not epoch milliseconds",
    hubspot_signature.Verdict.STALE: "X-HubSpot-Request-Timestamp is more than 5 minutes old",
    hubspot_signature.Verdict.FUTURE: "X-HubSpot-Request-Timestamp is more than 5 minutes in the future",
    hubspot_signature.Verdict.LEGACY_REFUSED: "v1/v2 signatures are not accepted: use the v3 signature, or set "
    "LEADBRIDGE_WEBHOOKS_HUBSPOT_LEGACY_SIGNATURES=1 for a legacy app",
}


async def _read(request: Request, limit: int) -> bytes:
    try:
        return await read_body(request, limit)
    except ClientDisconnect:
        raise Refused(400, "truncated", "the client disconnected before sending the whole body") from None


def _json_error(status: int, reason: str, message: str) -> Response:
    return JSONResponse({"error": reason, "message": message}, status_code=status)


def _soap_fault(status: int, reason: str, message: str) -> Response:
    code = "soapenv:Server" if status >= 500 else "soapenv:Client"
    return Response(salesforce_messages.fault(message, code), status_code=status, media_type="text/xml; charset=utf-8")


def create_app(
    store: Store, config: ReceiverConfig | None = None, *, clock: Callable[[], float] = time.time
) -> Starlette:
    """The receiver app over ``store``; warnings about an unsafe configuration are logged now."""
    config = config or ReceiverConfig.from_settings()
    for note in config.warnings():
        log.warning("%s", note)
    receiver = Receiver(store, config, clock)
    routes: list[tuple[str, Callable[[Request], Awaitable[Response]], list[str]]] = [
        ("/webhooks/hubspot", receiver.hubspot, ["POST"]),
        ("/webhooks/salesforce", receiver.salesforce, ["POST"]),
        ("/webhooks/salesforce/{token}", receiver.salesforce, ["POST"]),
        ("/healthz", receiver.healthz, ["GET"]),
        ("/readyz", receiver.readyz, ["GET"]),
        ("/metrics", receiver.metrics_endpoint, ["GET"]),
    ]
    app = Starlette(routes=[Route(path, endpoint, methods=methods) for path, endpoint, methods in routes])
    app.state.receiver = receiver
    return app


def app_from_settings() -> Starlette:
    """The receiver over the configured store and settings: uvicorn's factory (``--workers`` imports it in
    each process)."""
    from connector.store import open_store
    from webhooks.checkpoint import checkpoint_in_background

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store = open_store()
    checkpoint_in_background(store)
    return create_app(store)


def metrics_app(render: Callable[[], str]) -> Starlette:
    """A small app serving ``/metrics`` (and ``/healthz``) for a process that is not the receiver (the worker)."""

    async def metrics(request: Request) -> Response:
        return Response(await run_in_threadpool(render), media_type=CONTENT_TYPE)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    return Starlette(routes=[Route("/metrics", metrics), Route("/healthz", healthz)])
