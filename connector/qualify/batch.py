"""Qualify many contacts at once, as sync and rescore do.

The core allocates a dozen small objects per contact and none of them form reference cycles, so the
cyclic garbage collector has nothing to find; yet with a large replica in memory each of its passes walks
millions of live objects. Pausing it for the duration of a batch makes bulk qualification about twice as
fast and changes nothing else: reference counting still frees everything.

What a large batch leaves alive (its results, some twenty objects per contact) would still be walked when
the collector comes back on: the first collection of the youngest generation visits every object allocated
while it was off, and the middle generation's visits them again, to find nothing. A large batch therefore
files its results straight under the oldest generation (``gc.freeze()`` then ``gc.unfreeze()``: two list
splices, no walk), where only a full collection looks at them, as at any other old object. So that nothing
else goes there with them, the young generations are collected just before the batch (their cyclic
garbage freed, not moved), and the batch itself makes no cycles (tests/qualify/test_batch.py holds both).
Skipped for small batches (the young collection would cost more than it saves) and when the host process
keeps frozen objects of its own (a pre-fork server's ``gc.freeze()``), which unfreezing would release.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized
from contextlib import contextmanager
from datetime import datetime
from itertools import islice

from connector.model import Activity, Contact, Qualification, Stage
from connector.qualify.engine import qualify_block
from connector.qualify.scoring_model import ScoringModel

#: Contacts qualified together: enough that each array operation covers many contacts, few enough that
#: the arrays stay small (a block of 20-activity contacts is about a megabyte of them).
BLOCK_SIZE = 1024


def batched(items: Iterable[tuple[Contact, Sequence[Activity]]], size: int
            ) -> Iterator[list[tuple[Contact, Sequence[Activity]]]]:
    iterator = iter(items)
    while block := list(islice(iterator, size)):
        yield block


@contextmanager
def gc_paused(results_long_lived: bool = False) -> Iterator[None]:
    """Disable the cyclic garbage collector inside the block (restored after, even on error). With
    ``results_long_lived``, what the block allocates and keeps alive is filed under the oldest generation."""
    was_enabled = gc.isenabled()
    file_old = results_long_lived and was_enabled and gc.get_freeze_count() == 0
    if file_old:
        gc.collect(1)  # the young generations' garbage is freed here, not filed away with the results
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if file_old and gc.get_freeze_count() == 0:
                gc.freeze()  # everything tracked -> the permanent generation
                gc.unfreeze()  # ... -> the oldest generation
            gc.enable()


#: From how many contacts a batch's results are filed under the oldest generation (see above).
LONG_LIVED_BATCH = BLOCK_SIZE


def qualify_batch(
    items: Iterable[tuple[Contact, Sequence[Activity]]],
    model: ScoringModel,
    now: datetime,
    previous_stages: Mapping[str, Stage] | None = None,
) -> list[Qualification]:
    """``qualify`` for each (contact, activities) pair, in order. ``previous_stages`` by contact key.

    Same results as calling ``qualify`` for each pair (tests/qualify/test_batch.py holds it to that)."""
    if now.tzinfo is None:  # as qualify() would on the first contact (an empty batch is no error)
        if any(True for _ in items):
            raise ValueError("qualify() needs a timezone-aware 'now' (UTC)")
        return []
    now_ts = now.timestamp()  # once for the batch
    previous = previous_stages or {}
    results: list[Qualification] = []
    many = not isinstance(items, Sized) or len(items) >= LONG_LIVED_BATCH
    with gc_paused(results_long_lived=many):
        for block in batched(items, BLOCK_SIZE):
            results += qualify_block(block, model, now, now_ts, previous)
    return results
