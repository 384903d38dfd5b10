"""The files destination: planned CRM updates appended to a CSV or JSONL file (``leadbridge sync --out``).

Many admins import updates back into their CRM from a CSV, so this is a real destination, not a test
double. CSV has one row per contact: ``key``, the contact id (under the mapping's id column name, so the
file can be imported by matching ids), then one column per written property; a blank cell means "leave
as is". JSONL has one object per contact: ``{"key": ..., "id": ..., "values": {...}}`` with explicit nulls.

The file accumulates: a run appends to what earlier runs wrote to the same path, because the store counts
those values as written (an admin imports the file, then moves it away; the next run starts a new one).
Writing is exactly-once with the store: after each batch the file's length is the offset the pipeline
commits with the written values, and a run first cuts the file back to the last committed offset, so rows
whose commit was lost (a crash in between) are written again once, never twice.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from connector.crm.base import FieldUpdate, WriteResult, WriteStatus
from connector.errors import UserError

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class UpdatesFile:
    """A Destination that appends updates to a file; every record's result is OK."""

    #: A file takes any number of rows per call, and each call ends with an fsync: a transaction's updates
    #: (a page of a sync, a chunk of a rescore) go in one call.
    batch_size = 10_000

    def __init__(self, path: str | Path, properties: Sequence[str], id_column: str = "id"):
        self.path = Path(path).expanduser().resolve()
        fmt = FORMATS.get(self.path.suffix.lower())
        if fmt is None:
            raise UserError(f"--out {path}: use a .csv or .jsonl file name (got '{self.path.suffix or 'none'}')")
        self.format = fmt
        self.properties = tuple(properties)
        self.id_column = id_column
        self._file: BinaryIO | None = None

    def open(self, offset: int = 0) -> None:
        """Open for appending after ``offset`` bytes (0: a new file with its header), dropping anything
        beyond it: bytes a crashed run wrote but never committed."""
        if not self.path.parent.is_dir():
            raise UserError(f"--out {self.path}: the folder {self.path.parent} does not exist")
        try:
            self._file = open(self.path, "r+b" if offset and self.path.exists() else "w+b")  # noqa: SIM115
        except OSError as exc:
            raise UserError(f"--out {self.path}: cannot write it ({exc.strerror})") from None
        size = self._file.seek(0, os.SEEK_END)
        if offset > size:
            # Moved away or cut since the runs that wrote it (imported, presumably): start a new file.
            offset = 0
        header = self._csv_rows([["key", self.id_column, *self.properties]]) if self.format == "csv" else ""
        if offset and header:
            self._file.seek(0)
            if self._file.read(len(header.encode())).decode("utf-8", "replace") != header:
                self.close()
                raise UserError(f"--out {self.path} holds other columns (written with another mapping): move it "
                                "away or write to another file")
        self._file.truncate(offset)
        self._file.seek(offset)
        if offset == 0 and header:
            self._append(header)

    @property
    def offset(self) -> int:
        """Bytes written so far: what the store commits with the values they carry."""
        return self._file.tell() if self._file is not None else 0

    def write(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        if self._file is None:
            self.open()
        if self.format == "csv":
            data = self._csv_rows([self._csv_row(update) for update in updates])
        else:
            data = "".join(json.dumps(self._json_row(u), ensure_ascii=False, default=str) + "\n" for u in updates)
        self._append(data)
        return [WriteResult(u.contact_key, WriteStatus.OK, None, tuple(u.values)) for u in updates]

    def rollback_to(self, offset: int) -> None:
        """Cut the file back to ``offset`` (a failed transaction's rows must not stay behind)."""
        if self._file is not None:
            self._file.truncate(offset)
            self._file.seek(offset)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _append(self, text: str) -> None:
        assert self._file is not None
        self._file.write(text.encode("utf-8"))
        self._file.flush()
        os.fsync(self._file.fileno())

    def _csv_row(self, update: FieldUpdate) -> list[str]:
        values = update.values
        return [update.contact_key, _object_id(update.contact_key),
                *(_cell(values[p]) if p in values else "" for p in self.properties)]

    def _json_row(self, update: FieldUpdate) -> dict[str, Any]:
        return {"key": update.contact_key, "id": _object_id(update.contact_key), "values": dict(update.values)}

    @staticmethod
    def _csv_rows(rows: list[list[str]]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        return buffer.getvalue()


def _object_id(contact_key: str) -> str:
    return contact_key.split(":", 2)[-1]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
