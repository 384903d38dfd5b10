"""Contact events delivered as HubSpot webhooks: batched v3 events, signed, retried with backoff.

Source: https://developers.hubspot.com/docs/api/webhooks — events are POSTed as a JSON array of up to 100
(eventId, subscriptionId, portalId, appId, occurredAt, subscriptionType, attemptNumber, objectId,
changeSource, sourceId, propertyName, propertyValue; changeFlag NEW/DELETED on creation/deletion;
primaryObjectId, mergedObjectIds, newObjectId on merge); a delivery that fails (connection error, timeout
after 5 s, 4xx or 5xx) is retried up to 10 times with growing delays spread over the next day; delivery order
is not guaranteed.

``WebhookSettings.time_scale`` compresses the retry delays so tests see retries within milliseconds.
"""

from __future__ import annotations

import heapq
import itertools
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from connector.crm.hubspot_signing import sign_v3
from connector.sandbox.hubspot.records import ContactChange
from connector.sandbox.hubspot.settings import WebhookSettings

_SUBSCRIPTION_OFFSET = {"creation": 0, "propertyChange": 1, "deletion": 2, "merge": 3}
#: First retry after a minute, doubling up to six hours: ten attempts span most of a day.
_FIRST_RETRY_S = 60.0
_MAX_RETRY_S = 6 * 3600.0


@dataclass(order=True)
class _Delivery:
    due: float
    seq: int
    events: list[dict[str, Any]] = field(compare=False)
    attempt: int = field(default=0, compare=False)
    duplicate: bool = field(default=False, compare=False)


@dataclass
class DeliveryStats:
    attempts: int = 0
    delivered: int = 0
    failed_attempts: int = 0
    dead: int = 0
    duplicates_sent: int = 0
    last_error: str | None = None


class WebhookSender:
    """Collects ``ContactChange``s into batches and delivers them from a background thread."""

    def __init__(self, settings: WebhookSettings, portal_id: int, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.portal_id = portal_id
        self.clock = clock
        self.stats = DeliveryStats()
        self._rng = random.Random(settings.seed)
        self._event_ids = itertools.count(1)
        self._seq = itertools.count()
        self._buffer: list[dict[str, Any]] = []
        self._buffer_since: float | None = None
        self._queue: list[_Delivery] = []
        self._lock = threading.Condition()
        self._stop = False
        self._in_flight = 0
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None

    # ------------------------------------------------------------------------------------------------ events

    def on_change(self, change: ContactChange) -> None:
        """Store listener: turn a change into a v3 event and buffer it (no-op without a target)."""
        if not self.settings.target_url:
            return
        wanted = self.settings.properties
        if change.kind == "propertyChange" and wanted is not None and change.property_name not in wanted:
            return
        event = self._event(change)
        with self._lock:
            if not self._buffer:
                self._buffer_since = time.monotonic()
            self._buffer.append(event)
            self._lock.notify_all()

    def _event(self, change: ContactChange) -> dict[str, Any]:
        s = self.settings
        source_id = change.source_id
        if source_id is None and change.change_source == "INTEGRATION":
            source_id = str(s.app_id)  # our own API writes come back tagged with our app, so they can be ignored
        event: dict[str, Any] = {
            "eventId": next(self._event_ids),
            "subscriptionId": s.subscription_id + _SUBSCRIPTION_OFFSET[change.kind],
            "portalId": self.portal_id,
            "appId": s.app_id,
            "occurredAt": change.occurred_ms,
            "subscriptionType": f"contact.{change.kind}",
            "attemptNumber": 0,
            "objectId": change.object_id,
            "changeSource": change.change_source,
        }
        if source_id is not None:
            event["sourceId"] = source_id
        if change.kind == "propertyChange":
            event["propertyName"] = change.property_name
            event["propertyValue"] = change.property_value
        elif change.kind == "creation":
            event["changeFlag"] = "NEW"
        elif change.kind == "deletion":
            event["changeFlag"] = "DELETED"
        elif change.kind == "merge":
            event["primaryObjectId"] = change.object_id
            event["mergedObjectIds"] = list(change.merged_ids)
            event["newObjectId"] = change.object_id
            event["numberOfPropertiesMoved"] = 0
        return event

    # ------------------------------------------------------------------------------------------------ thread

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop = False
        self._client = httpx.Client(timeout=self.settings.timeout_s, verify=self.settings.verify)
        self._thread = threading.Thread(target=self._run, name="hubspot-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._stop = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        if self._client is not None:
            self._client.close()
            self._client = None

    @property
    def pending(self) -> int:
        """Events buffered or awaiting (re)delivery; 0 once everything was delivered or given up."""
        with self._lock:
            return len(self._buffer) + sum(len(d.events) for d in self._queue) + self._in_flight

    def _run(self) -> None:
        while True:
            with self._lock:
                delivery = self._next_delivery()
                if delivery is None:
                    return
                self._in_flight = len(delivery.events)
            try:
                self._deliver(delivery)
            finally:
                with self._lock:
                    self._in_flight = 0

    def _next_delivery(self) -> _Delivery | None:
        """Wait (under the lock) for the next batch due; None when stopping."""
        s = self.settings
        while not self._stop:
            now = time.monotonic()
            if self._buffer and (
                len(self._buffer) >= s.batch_size or now - (self._buffer_since or now) >= s.flush_interval_s
            ):
                batch, self._buffer = self._buffer[: s.batch_size], self._buffer[s.batch_size :]
                self._buffer_since = now if self._buffer else None
                if s.shuffle:
                    self._rng.shuffle(batch)
                heapq.heappush(self._queue, _Delivery(now, next(self._seq), batch))
                continue
            if self._queue and self._queue[0].due <= now:
                if s.shuffle and len(self._queue) > 1 and self._rng.random() < 0.5:
                    # Out of order: deliver a later due batch first when one is ready too.
                    ready = [d for d in self._queue if d.due <= now]
                    if len(ready) > 1:
                        chosen = ready[-1]
                        self._queue.remove(chosen)
                        heapq.heapify(self._queue)
                        return chosen
                return heapq.heappop(self._queue)
            waits = []
            if self._buffer:
                waits.append(s.flush_interval_s - (now - (self._buffer_since or now)))
            if self._queue:
                waits.append(self._queue[0].due - now)
            self._lock.wait(timeout=max(0.001, min(waits)) if waits else None)
        return None

    def _deliver(self, delivery: _Delivery) -> None:
        s = self.settings
        assert self._client is not None and s.target_url
        events = [{**e, "attemptNumber": delivery.attempt} for e in delivery.events]
        body = json.dumps(events, separators=(",", ":")).encode()
        timestamp = str(int(self.clock() * 1000))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "HubSpot Connect 2.0 (http://dev.hubspot.com/) (namespace: webhooks-nio-http-client)",
            "X-HubSpot-Signature-v3": sign_v3(s.client_secret, "POST", s.target_url, body, timestamp),
            "X-HubSpot-Request-Timestamp": timestamp,
        }
        self.stats.attempts += 1
        try:
            response = self._client.post(s.target_url, content=body, headers=headers)
            ok = 200 <= response.status_code < 300
            error = None if ok else f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            ok, error = False, f"{type(exc).__name__}: {exc}"
        with self._lock:
            if ok:
                self.stats.delivered += 0 if delivery.duplicate else 1
                if not delivery.duplicate and s.duplicate_rate and self._rng.random() < s.duplicate_rate:
                    self.stats.duplicates_sent += 1
                    again = _Delivery(time.monotonic(), next(self._seq), delivery.events, delivery.attempt, True)
                    heapq.heappush(self._queue, again)
                return
            self.stats.failed_attempts += 1
            self.stats.last_error = error
            if delivery.attempt + 1 >= s.max_attempts:
                self.stats.dead += 1
                return
            delay = min(_FIRST_RETRY_S * 2**delivery.attempt, _MAX_RETRY_S)
            # Jitter as HubSpot's delays vary; the scale turns minutes into milliseconds for tests.
            delay *= self._rng.uniform(0.8, 1.2) / s.time_scale
            retry = _Delivery(time.monotonic() + delay, next(self._seq), delivery.events, delivery.attempt + 1)
            heapq.heappush(self._queue, retry)
            self._lock.notify_all()
