"""read_ahead: order kept, producer errors raised where they happen, closing stops the producer."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from connector.crm.readahead import read_ahead


def test_items_come_in_order_and_a_producer_error_is_raised_at_its_place() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise RuntimeError("page 3 failed")

    seen = []
    with pytest.raises(RuntimeError, match="page 3 failed"):
        for item in read_ahead(items()):
            seen.append(item)
    assert seen == [1, 2]


def test_closing_the_consumer_stops_the_producer() -> None:
    produced = []
    finished = threading.Event()

    def items() -> Iterator[int]:
        try:
            for n in range(1_000):
                produced.append(n)
                yield n
        finally:
            finished.set()

    reader = read_ahead(items(), depth=1)
    assert next(reader) == 0
    reader.close()
    assert finished.wait(5)
    assert len(produced) <= 4  # one in hand, one queued, one waiting to be queued
