"""Bulk API 2.0 query jobs: create, poll, page through CSV results with a locator, abort, delete.

From the Bulk API 2.0 Developer Guide ("Understanding Bulk API 2.0 Query", "Create a Query Job", "Get
Information About a Query Job", "Get Results for a Query Job", "Job States"):
- ``POST /jobs/query`` with operation query or queryAll answers the job in state UploadComplete; polling
  shows InProgress and then JobComplete. Results are only available once the job is JobComplete.
- ``GET /jobs/query/<id>/results?locator=&maxRecords=`` answers CSV with a header row; the
  ``Sforce-NumberOfRecords`` header counts the rows in this set and ``Sforce-Locator`` names the next set
  (the string ``null`` after the last one). A locator keeps identifying the same set while the job exists.
- Bulk API 2.0 query does not support GROUP BY, OFFSET, TYPEOF or aggregate functions such as COUNT().
- CSV: every value quoted, nulls as empty values, dateTimes in UTC with a Z, the delimiter and line ending
  the job asked for (COMMA/LF by default).
How long a job stays InProgress is counted in polls (``polls_to_complete``), not seconds, so tests never wait.
"""

from __future__ import annotations

import base64
import csv
import io
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connector.sandbox.salesforce.ids import make_id
from connector.sandbox.salesforce.records import Org
from connector.sandbox.salesforce.soql import Query, SoqlError, parse
from connector.sandbox.salesforce.values import csv_value, json_value

DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
DEFAULT_MAX_RECORDS = 100_000


class BulkError(Exception):
    """A request the Bulk API refuses: HTTP status, errorCode and message."""

    def __init__(self, status: int, error_code: str, message: str):
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message


@dataclass
class QueryJob:
    id: str
    operation: str
    query: Query
    version: str
    column_delimiter: str
    line_ending: str
    created: datetime
    created_by: str
    state: str = "UploadComplete"
    polls: int = 0
    rows: list[int] | None = None
    modstamp: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def info(self) -> dict[str, Any]:
        """The job-info JSON ("Get Information About a Query Job")."""
        body: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.query.sobject,
            "createdById": self.created_by,
            "createdDate": json_value(self.created),
            "systemModstamp": json_value(self.modstamp or self.created),
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.version),
            "jobType": "V2Query",
            "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
        }
        if self.state in ("InProgress", "JobComplete"):
            body.update(
                {
                    "numberRecordsProcessed": len(self.rows or []),
                    "retries": 0,
                    "totalProcessingTime": 0,
                    "isPkChunkingSupported": True,
                }
            )
        return body


class BulkJobs:
    """The org's Bulk API 2.0 query jobs."""

    def __init__(self, org: Org, polls_to_complete: int = 1):
        self.org = org
        self.polls_to_complete = polls_to_complete
        self._jobs: dict[str, QueryJob] = {}
        self._counter = 0
        self._lock = threading.Lock()

    def create(self, body: Any, version: str, user_id: str) -> QueryJob:
        if not isinstance(body, dict):
            raise BulkError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        operation = body.get("operation")
        if operation not in ("query", "queryAll"):
            raise BulkError(400, "INVALIDJOB", f"Invalid operation: {operation!r}; use query or queryAll")
        text = body.get("query")
        if not isinstance(text, str) or not text.strip():
            raise BulkError(400, "INVALIDJOB", "A query job needs a query")
        delimiter = body.get("columnDelimiter", "COMMA")
        line_ending = body.get("lineEnding", "LF")
        if delimiter not in DELIMITERS or line_ending not in LINE_ENDINGS:
            raise BulkError(400, "INVALIDJOB", f"Invalid columnDelimiter/lineEnding: {delimiter}/{line_ending}")
        try:
            query = parse(text, self.org.schema)
        except SoqlError as exc:
            raise BulkError(400, exc.error_code, exc.message) from None
        if query.count is not None or query.offset:
            raise BulkError(
                400, "INVALIDJOB", "Bulk API 2.0 query does not support aggregate functions (COUNT()) or OFFSET"
            )
        with self._lock:
            self._counter += 1
            job = QueryJob(
                make_id("750", self._counter),
                operation,
                query,
                version,
                delimiter,
                line_ending,
                self.org.clock(),
                user_id,
            )
            self._jobs[job.id] = job
        return job

    def get(self, job_id: str) -> QueryJob:
        job = self._jobs.get(job_id)
        if job is None:
            raise BulkError(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    def poll(self, job_id: str) -> QueryJob:
        """The job as a status request sees it, moving it along UploadComplete -> InProgress -> JobComplete."""
        job = self.get(job_id)
        with self._lock:
            if job.state in ("UploadComplete", "InProgress"):
                job.polls += 1
                if job.rows is None:
                    # The query runs when processing starts: later changes are not in the results.
                    job.rows = self.org.select(job.query, include_deleted=job.operation == "queryAll")
                job.state = "JobComplete" if job.polls > self.polls_to_complete else "InProgress"
                job.modstamp = self.org.clock()
        return job

    def abort(self, job_id: str, state: Any) -> QueryJob:
        job = self.get(job_id)
        if state != "Aborted":
            raise BulkError(400, "INVALIDJOBSTATE", "A query job can only be set to Aborted")
        with self._lock:
            if job.state == "JobComplete":
                raise BulkError(400, "INVALIDJOBSTATE", "The job is already complete and cannot be aborted")
            job.state = "Aborted"
            job.modstamp = self.org.clock()
        return job

    def delete(self, job_id: str) -> None:
        self.get(job_id)
        with self._lock:
            self._jobs.pop(job_id, None)

    def all(self) -> list[QueryJob]:
        with self._lock:
            return list(self._jobs.values())

    def results(self, job_id: str, locator: str | None, max_records: str | None) -> tuple[bytes, str, int]:
        """(CSV body, next locator or "null", number of records) for one set of a completed job's results."""
        job = self.get(job_id)
        if job.state != "JobComplete" or job.rows is None:
            raise BulkError(
                400, "INVALIDJOBSTATE", f"The job is {job.state}: results are available once it is JobComplete"
            )
        try:
            size = int(max_records) if max_records else DEFAULT_MAX_RECORDS
        except ValueError:
            raise BulkError(
                400, "INVALIDREQUEST", f"maxRecords must be a positive integer, not {max_records!r}"
            ) from None
        if size <= 0:
            raise BulkError(400, "INVALIDREQUEST", "maxRecords must be a positive integer")
        start = _decode_locator(locator) if locator else 0
        if start is None or start > len(job.rows):
            raise BulkError(400, "INVALIDREQUEST", f"Invalid locator: {locator}")
        chunk = job.rows[start : start + size]
        end = start + len(chunk)
        next_locator = _encode_locator(end) if end < len(job.rows) else "null"
        return self._csv(job, chunk), next_locator, len(chunk)

    def _csv(self, job: QueryJob, rows: list[int]) -> bytes:
        out = io.StringIO()
        writer = csv.writer(
            out,
            delimiter=DELIMITERS[job.column_delimiter],
            lineterminator=LINE_ENDINGS[job.line_ending],
            quoting=csv.QUOTE_ALL,
        )
        columns = job.query.columns
        writer.writerow([c.label for c in columns])
        table = self.org.tables[job.query.sobject]
        with self.org.lock:
            for seq in rows:
                writer.writerow([csv_value(self.org.value(table, seq, c.path)) for c in columns])
        return out.getvalue().encode("utf-8")


def _encode_locator(offset: int) -> str:
    # Salesforce's locators are opaque; in practice they are the Base64 of the row offset ("MTAwMDA").
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _decode_locator(locator: str) -> int | None:
    try:
        padded = locator + "=" * (-len(locator) % 4)
        return int(base64.b64decode(padded, validate=True).decode())
    except (ValueError, UnicodeDecodeError):
        return None
