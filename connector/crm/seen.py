"""A compact set of the ids seen in one pass over a file.

A Python ``set`` of 400,000 id strings costs about 40 MB; this table keeps only each id's 64-bit hash in an
open-addressing array, 16 bytes per id at most, so memory stays flat as input files grow (the files sync is
benchmarked on peak memory). Two different ids share a 64-bit hash with a probability near n²/2⁶⁵ (about
1e-8 for 400,000 ids): accepted, as the cost is one row wrongly reported as a duplicate.
"""

from __future__ import annotations

from array import array


class IdSet:
    """Ids seen so far. ``add`` says whether the id is new; ``in`` tests membership."""

    __slots__ = ("_slots", "_mask", "_count")

    def __init__(self, capacity: int = 1024):
        size = 1
        while size < capacity * 2:
            size *= 2
        self._slots = array("q", [0]) * size
        self._mask = size - 1
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __contains__(self, item: object) -> bool:
        code = hash(item) or 1  # 0 marks an empty slot
        slots, mask = self._slots, self._mask
        index = code & mask
        while True:
            held = slots[index]
            if held == code:
                return True
            if held == 0:
                return False
            index = (index + 1) & mask

    def add(self, item: str) -> bool:
        """Record ``item``; True if it was not seen before."""
        code = hash(item) or 1
        slots, mask = self._slots, self._mask
        index = code & mask
        while True:
            held = slots[index]
            if held == code:
                return False
            if held == 0:
                slots[index] = code
                self._count += 1
                if self._count * 2 > mask:
                    self._grow()
                return True
            index = (index + 1) & mask

    def _grow(self) -> None:
        old = self._slots
        size = len(old) * 2
        self._slots = slots = array("q", [0]) * size
        self._mask = mask = size - 1
        for code in old:
            if code:
                index = code & mask
                while slots[index]:
                    index = (index + 1) & mask
                slots[index] = code
