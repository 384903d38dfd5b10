"""Prometheus metrics in the text exposition format (version 0.0.4), without a client library.

Source: https://prometheus.io/docs/instrumenting/exposition_formats/ -- ``# HELP`` and ``# TYPE`` lines,
``name{label="value"} number``; histograms as cumulative ``_bucket{le=...}`` series plus ``_sum`` and
``_count``. A handful of counters and two histograms do not justify a dependency; each process (receiver
or worker) exposes its own, as Prometheus expects from multi-process deployments scraped per target.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

#: Latency buckets in seconds: the receiver answers in milliseconds, the worker in about a second.
ACK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
PROCESSING_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)

Labels = tuple[tuple[str, str], ...]


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Counter:
    def __init__(self, name: str, help_text: str):
        self.name, self.help = name, help_text
        self._values: dict[Labels, float] = {}
        self._lock = threading.Lock()

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        return self._values.get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} counter"
        with self._lock:
            items = sorted(self._values.items())
        for labels, value in items:
            yield f"{self.name}{_labels(labels)} {_number(value)}"


class Histogram:
    def __init__(self, name: str, help_text: str, buckets: Sequence[float]):
        self.name, self.help = name, help_text
        self.buckets = tuple(sorted(buckets))
        self._counts = [0] * (len(self.buckets) + 1)
        self._sum = 0.0
        self._lock = threading.Lock()

    def observe(self, value: float) -> None:
        index = next((i for i, bound in enumerate(self.buckets) if value <= bound), len(self.buckets))
        with self._lock:
            self._counts[index] += 1
            self._sum += value

    @property
    def count(self) -> int:
        return sum(self._counts)

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        with self._lock:
            counts, total = list(self._counts), self._sum
        running = 0
        for bound, count in zip((*self.buckets, math.inf), counts, strict=True):
            running += count
            yield f'{self.name}_bucket{{le="{_number(bound)}"}} {running}'
        yield f"{self.name}_sum {_number(total)}"
        yield f"{self.name}_count {running}"


class Gauge:
    """A value read when scraped (inbox depth from the store)."""

    def __init__(self, name: str, help_text: str, read: Callable[[], dict[Labels, float]]):
        self.name, self.help, self.read = name, help_text, read

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} gauge"
        for labels, value in sorted(self.read().items()):
            yield f"{self.name}{_labels(labels)} {_number(value)}"


M = TypeVar("M", Counter, Histogram, Gauge)


class Registry:
    def __init__(self) -> None:
        self.metrics: list[Counter | Histogram | Gauge] = []

    def add(self, metric: M) -> M:
        self.metrics.append(metric)
        return metric

    def render(self) -> str:
        lines: list[str] = []
        for metric in self.metrics:
            try:
                lines.extend(metric.render())
            except Exception:  # a gauge whose store is down: leave it out, keep the rest scrapable
                continue
        return "\n".join(lines) + "\n"


CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def inbox_gauge(depth: Callable[[], dict[str, int]]) -> Gauge:
    """Inbox events by status, read when scraped (the receiver and the worker both show it)."""
    return Gauge("leadbridge_inbox_events", "Inbox events by status.",
                 lambda: {(("status", s),): float(n) for s, n in depth().items()})


class ReceiverMetrics:
    """What the receiver counts: per source, events received, accepted (new), duplicates, ignored (echoes and
    other objects), requests rejected by reason, and the time to acknowledge."""

    def __init__(self, depth: Callable[[], dict[str, int]] | None = None) -> None:
        self.registry = Registry()
        self.requests = self.registry.add(
            Counter("leadbridge_webhook_requests_total", "Webhook requests by source and HTTP status.")
        )
        self.received = self.registry.add(
            Counter("leadbridge_webhook_events_received_total", "Events in accepted requests.")
        )
        self.accepted = self.registry.add(
            Counter("leadbridge_webhook_events_accepted_total", "New events stored in the inbox.")
        )
        self.duplicates = self.registry.add(
            Counter("leadbridge_webhook_events_duplicate_total", "Events already in the inbox (redeliveries).")
        )
        self.ignored = self.registry.add(
            Counter(
                "leadbridge_webhook_events_ignored_total", "Events not stored: echoes of our writes, other objects."
            )
        )
        self.rejected = self.registry.add(
            Counter("leadbridge_webhook_requests_rejected_total", "Requests refused, by reason.")
        )
        self.ack_seconds = self.registry.add(
            Histogram("leadbridge_webhook_ack_seconds", "Time from request to acknowledgement.", ACK_BUCKETS)
        )
        if depth is not None:
            self.registry.add(inbox_gauge(depth))


class WorkerMetrics:
    """What the worker counts: events processed by outcome, CRM calls and errors, and the latency from
    receipt to done."""

    def __init__(self, depth: Callable[[], dict[str, int]] | None = None) -> None:
        self.registry = Registry()
        self.processed = self.registry.add(
            Counter("leadbridge_worker_events_total", "Events finished, by outcome (done, retry, dead).")
        )
        self.crm_calls = self.registry.add(
            Counter("leadbridge_worker_crm_calls_total", "Re-reads and write batches sent to the CRM.")
        )
        self.crm_errors = self.registry.add(
            Counter("leadbridge_worker_crm_errors_total", "CRM calls that failed, by kind.")
        )
        self.latency = self.registry.add(
            Histogram("leadbridge_worker_processing_seconds", "From receipt to done, per event.", PROCESSING_BUCKETS)
        )
        if depth is not None:
            self.registry.add(inbox_gauge(depth))
