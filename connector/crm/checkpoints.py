"""Safe resume points for a file that is not sorted by change time.

A CRM returns records ordered by change time, so the highest time in a page is a safe cursor. A file row
order is arbitrary: moving the cursor to the highest time seen so far could skip an older row further down
if the run stops there. So a first, light pass reads only the change-time column and keeps the oldest time
per block of rows; after a page that ends at row r, the checkpoint is the oldest time at or after r's block
(a little behind, never ahead). Memory: one datetime per 1,024 rows.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from connector.crm.tables import TableFile
from connector.errors import DataError
from connector.mapping.schema import Column

BLOCK = 1024


@dataclass(frozen=True)
class Checkpoints:
    """Checkpoints for one pass over a contacts file within [since, until)."""

    blocks: tuple[int, ...]  # blocks holding a change time in the window, ascending
    suffix_oldest: tuple[datetime, ...]  # per block: the oldest time in it or any later block
    newest: datetime | None
    until: datetime

    @classmethod
    def scan(cls, path: Path, column: Column | None, since: datetime | None, until: datetime) -> Checkpoints:
        """Read the change-time column of ``path``; rows that cannot be read are left to the main pass."""
        if column is None:
            return cls((), (), None, until)
        oldest: dict[int, datetime] = {}
        newest: datetime | None = None
        read = column.read
        for number, values in TableFile(path, (column.name,)):
            if isinstance(values, DataError):
                continue
            try:
                moment = read(values[0])
            except ValueError:
                continue
            if moment is None or (since is not None and not since <= moment < until):
                continue
            block = number // BLOCK
            held = oldest.get(block)
            if held is None or moment < held:
                oldest[block] = moment
            if newest is None or moment > newest:
                newest = moment
        blocks = sorted(oldest)
        suffix: list[datetime] = []
        for block in reversed(blocks):
            suffix.append(oldest[block] if not suffix else min(suffix[-1], oldest[block]))
        return cls(tuple(blocks), tuple(reversed(suffix)), newest, until)

    def after(self, row: int) -> datetime | None:
        """The checkpoint once every row up to ``row`` is committed: no later row in the window is older."""
        index = bisect_left(self.blocks, row // BLOCK)
        if index == len(self.blocks):  # nothing with a change time is left: all of it is committed
            return self.final()
        return min(self.suffix_oldest[index], self.until)

    def final(self) -> datetime | None:
        """The checkpoint once the whole file is committed: its newest change time, never past ``until``."""
        return None if self.newest is None else min(self.newest, self.until)
