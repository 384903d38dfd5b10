"""Read the next page while the pipeline works on this one.

A CRM sync alternates between waiting for the CRM (reads) and working locally (qualify, store, write). Both
are slow, and neither needs the other: ``read_ahead`` runs the page generator in a thread, one page ahead,
so the reads of page k+1 overlap the processing of page k. Requests of both go through the same
thread-safe rate budget, so the overlap never exceeds the CRM's limit — it only stops wasting it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_END = object()


def read_ahead(items: Iterator[T], depth: int = 1, name: str = "read-ahead") -> Iterator[T]:
    """Yield ``items`` in order, produced by a thread up to ``depth`` items ahead. An exception in the
    producer is raised here, at the item where it happened; closing this generator stops the producer."""
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a stopped generator runs its cleanup now, in this thread

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
