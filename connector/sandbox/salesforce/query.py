"""The REST Query and QueryAll resources: run SOQL, answer in batches, serve the rest through query locators.

From the REST API Developer Guide ("Query", "QueryAll", "Query More Results", "Query Options Header"):
- Up to 2,000 records come back at a time; with more, ``done`` is false and ``nextRecordsUrl`` is
  ``/services/data/vXX.X/query/<locator>-<offset>``. A QueryAll locator also says ``query`` and may be
  fetched through either resource. ``totalSize`` counts the whole result.
- The ``Sforce-Query-Options: batchSize=n`` header asks for smaller batches (200 to 2,000).
- ``COUNT()`` answers only totalSize; ``COUNT(field)`` one AggregateResult record with ``expr0``.
- QueryAll returns records deleted or merged away (IsDeleted true); Query does not.
- Errors are 400 with ``[{"message": ..., "errorCode": "MALFORMED_QUERY" | "INVALID_FIELD" | ...}]``;
  an unknown or expired locator is INVALID_QUERY_LOCATOR. Query cursors expire after 15 minutes of
  inactivity ("Query More Results"; SOAP API "queryMore()"), and the sandbox keeps a bounded number.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connector.sandbox.salesforce.ids import make_id
from connector.sandbox.salesforce.records import Org, json_record
from connector.sandbox.salesforce.soql import Query, parse

MAX_BATCH = 2_000
MIN_BATCH = 200
CURSOR_IDLE_S = 15 * 60
MAX_CURSORS = 500


class QueryError(Exception):
    """A query request Salesforce answers with 400 and one error."""

    def __init__(self, error_code: str, message: str):
        super().__init__(message)
        self.error_code = error_code
        self.message = message


@dataclass
class _Cursor:
    query: Query
    rows: list[int]
    batch: int
    touched: float


class QueryService:
    """Runs queries against an org and keeps the cursors their next batches are read from."""

    def __init__(self, org: Org, clock: Callable[[], float] = time.monotonic):
        self.org = org
        self.clock = clock
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()
        self._counter = 0
        self._lock = threading.Lock()

    def run(self, text: str | None, include_deleted: bool, version: str, batch_header: str | None) -> dict[str, Any]:
        """The first batch of a query's result (the body of GET query?q= or queryAll?q=)."""
        if not text:
            raise QueryError("MALFORMED_QUERY", "A query string has to be specified")
        query = parse(text, self.org.schema)
        rows = self.org.select(query, include_deleted)
        if query.count is not None:
            return self._count(query, rows)
        cursor = _Cursor(query, rows, _batch_size(batch_header), self.clock())
        with self._lock:
            self._counter += 1
            locator = make_id("01g", self._counter)
            self._cursors[locator] = cursor
            self._expire()
        return self._page(locator, cursor, 0, version)

    def more(self, locator_and_offset: str, version: str) -> dict[str, Any]:
        """A later batch: the body of GET query/<locator>-<offset>."""
        locator, _, offset_text = locator_and_offset.partition("-")
        with self._lock:
            self._expire()
            cursor = self._cursors.get(locator)
            if cursor is not None:
                cursor.touched = self.clock()
                self._cursors.move_to_end(locator)
        if cursor is None or not offset_text.isdigit() or int(offset_text) > len(cursor.rows):
            raise QueryError("INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(locator, cursor, int(offset_text), version)

    def _page(self, locator: str, cursor: _Cursor, offset: int, version: str) -> dict[str, Any]:
        chunk = cursor.rows[offset : offset + cursor.batch]
        table = self.org.tables[cursor.query.sobject]
        paths = [c.path for c in cursor.query.columns]
        with self.org.lock:
            records = [json_record(self.org, table, seq, paths, version) for seq in chunk]
        end = offset + len(chunk)
        body: dict[str, Any] = {"totalSize": len(cursor.rows), "done": end >= len(cursor.rows)}
        if end < len(cursor.rows):
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{end}"
        else:
            with self._lock:
                self._cursors.pop(locator, None)  # a finished cursor is closed, as Salesforce closes it
        body["records"] = records
        return body

    def _count(self, query: Query, rows: list[int]) -> dict[str, Any]:
        assert query.count is not None
        if query.count.column is None:
            return {"totalSize": len(rows), "done": True, "records": []}
        table = self.org.tables[query.sobject]
        path = query.count.column.path
        with self.org.lock:
            value = sum(1 for seq in rows if self.org.value(table, seq, path) is not None)
        record = {"attributes": {"type": "AggregateResult"}, query.count.alias: value}
        return {"totalSize": 1, "done": True, "records": [record]}

    def _expire(self) -> None:
        horizon = self.clock() - CURSOR_IDLE_S
        while self._cursors:
            oldest_key, oldest = next(iter(self._cursors.items()))
            if oldest.touched > horizon and len(self._cursors) <= MAX_CURSORS:
                break
            del self._cursors[oldest_key]


def _batch_size(header: str | None) -> int:
    if not header:
        return MAX_BATCH
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "batchsize" and value.strip().isdigit():
            return max(MIN_BATCH, min(MAX_BATCH, int(value)))
    return MAX_BATCH
