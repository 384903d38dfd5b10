"""Paging through the files source: the [since, until) window, page sizes, safe checkpoints, flat memory."""

from __future__ import annotations

import random
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest

from connector.crm.files import FilesSource
from connector.crm.seen import IdSet

T0 = datetime(2024, 1, 1, tzinfo=UTC)
UNTIL = datetime(2030, 1, 1, tzinfo=UTC)


def people(write, hours: list[int | None], name: str = "c.csv"):
    rows = "".join(
        f"{i},p{i}@x.com,{'' if h is None else (T0 + timedelta(hours=h)).isoformat()}\n" for i, h in enumerate(hours)
    )
    return write(name, "id,email,updated\n" + rows)


def test_pages_and_window(write, mapping):
    path = people(write, [0, 5, 10, 15, 20, None])
    source = FilesSource(path, None, mapping, page_size=2)
    pages = list(source.read_changed(None, UNTIL))
    assert [len(p.contacts) for p in pages] == [2, 2, 2]
    assert source.contacts_read == 6
    assert pages[-1].checkpoint == T0 + timedelta(hours=20)

    window = list(source.read_changed(T0 + timedelta(hours=5), T0 + timedelta(hours=15)))
    keys = [c.key.rsplit(":", 1)[1] for page in window for c in page.contacts]
    assert keys == ["1", "2", "5"]  # 5 and 10 are inside; 15 is not (until is open); no time: always read


def test_checkpoints_never_pass_an_unread_older_row(write, mapping):
    rng = random.Random(7)
    hours = list(range(3000))
    rng.shuffle(hours)
    source = FilesSource(people(write, hours), None, mapping, page_size=250)
    seen: list[datetime] = []
    previous = None
    for page in source.read_changed(None, UNTIL):
        seen += [c.updated_at for c in page.contacts]
        remaining = set(T0 + timedelta(hours=h) for h in hours) - set(seen)
        assert page.checkpoint is not None
        # Resuming from the checkpoint re-reads every row not yet committed.
        assert all(moment >= page.checkpoint for moment in remaining)
        assert previous is None or page.checkpoint >= previous
        previous = page.checkpoint
    assert previous == T0 + timedelta(hours=2999)


def test_sorted_file_checkpoints_advance(write, mapping):
    source = FilesSource(people(write, list(range(5000))), None, mapping, page_size=1000)
    checkpoints = [page.checkpoint for page in source.read_changed(None, UNTIL)]
    assert checkpoints == sorted(checkpoints)
    assert checkpoints[0] < checkpoints[2] < checkpoints[-1] == T0 + timedelta(hours=4999)


def test_checkpoint_stays_below_until(write, mapping):
    source = FilesSource(people(write, [0, 10_000_000]), None, mapping)
    until = T0 + timedelta(hours=1)
    [page] = source.read_changed(None, until)  # a full run reads rows from the future too...
    assert len(page.contacts) == 2
    assert page.checkpoint == until  # ...but the cursor never passes the run's start


def test_no_change_time_column_means_no_checkpoint(write, mapping):
    from dataclasses import replace

    plain = replace(mapping, contacts=replace(mapping.contacts, updated_at=None))
    path = write("c.csv", "id,email\n1,a@x.com\n")
    [page] = FilesSource(path, None, plain).read_changed(None, UNTIL)
    assert page.checkpoint is None and page.contacts[0].updated_at is None


def test_pages_stream(write, mapping):
    """Peak memory of a pass barely grows with the file: only the compact id table does (8-16 bytes per
    id, 24 while it doubles), where keeping rows would cost hundreds of bytes each."""
    small = people(write, list(range(5_000)), "small.csv")
    large = people(write, list(range(20_000)), "large.csv")

    def peak(path) -> int:
        tracemalloc.start()
        for _ in FilesSource(path, None, mapping, page_size=500).read_changed(None, UNTIL):
            pass
        peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak_bytes

    peak(small)  # warm caches
    per_extra_row = (peak(large) - peak(small)) / 15_000
    assert per_extra_row < 80


@pytest.mark.parametrize("count", [0, 1, 1000, 50_000])
def test_id_set(count):
    ids = IdSet()
    for i in range(count):
        assert ids.add(f"id-{i}")
    assert len(ids) == count
    assert all(f"id-{i}" in ids for i in range(0, count, 7))
    assert not ids.add("id-0") if count else ids.add("id-0")
    assert "id-missing" not in ids
