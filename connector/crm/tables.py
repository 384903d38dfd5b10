"""Stream the rows of a CSV or JSONL input file, picking the columns a mapping reads.

CSV: UTF-8 with or without a BOM, the delimiter sniffed from the header among ``,`` ``;`` tab and ``|``,
quoted fields, a header row required. JSONL (``.jsonl``/``.ndjson``): one JSON object per line; the first
object's keys stand for the header. Rows are numbered as a spreadsheet shows them (header = row 1); JSONL
rows by line. The file is re-opened on every pass and never held in memory.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Sequence, Set
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any, TextIO

from connector.errors import DataError, Location
from connector.mapping.yamlfile import nearest

DELIMITERS = (",", ";", "\t", "|")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
_QUOTED = re.compile(r'"[^"]*"')
_NOT_ALNUM = re.compile(r"[\W_]+")
_SEP_HINT = re.compile(r"sep=[,;\t|]")

# A row is (row number, values in the order of the requested columns) or (row number, the DataError that
# makes the row unreadable), so a caller that skips bad rows can go on with the next one.
Row = tuple[int, "Sequence[Any] | DataError"]


def loose_name(name: str) -> str:
    """A header name compared loosely: ``Job Title``, ``job_title`` and ``JOB-TITLE`` are one."""
    return _NOT_ALNUM.sub("", name.casefold())


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a CSV file, judged by its header: the candidate that occurs most outside quotes."""
    bare = _QUOTED.sub("", header_line)
    counts = [(bare.count(d), -i, d) for i, d in enumerate(DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] else ","


class TableFile:
    """One input file read for a fixed list of columns.

    ``required`` columns must be in the header; others (``optional: true`` columns, write-back targets)
    read as empty when absent, and are listed in ``absent`` after the header has been read. ``origins``
    says where the mapping names each column (``files.yaml:12``), for error messages.
    """

    def __init__(
        self,
        path: str | Path,
        columns: Sequence[str],
        required: Set[str] = frozenset(),
        origins: dict[str, str] | None = None,
    ):
        self.path = Path(path)
        self.columns = tuple(columns)
        self.required = required
        self.origins = origins or {}
        self.format = "jsonl" if self.path.suffix.lower() in JSONL_SUFFIXES else "csv"
        self.header: tuple[str, ...] = ()
        self.absent: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Row]:
        with self._open() as handle:
            rows = self._jsonl(handle) if self.format == "jsonl" else self._csv(handle)
            try:
                yield from rows
            except UnicodeDecodeError as exc:
                raise self._error(
                    f"the file is not UTF-8 text ({exc.reason}); save it as UTF-8 (CSV UTF-8 in Excel)"
                ) from None

    def check(self) -> tuple[str, ...]:
        """Open the file and check its header (or first JSON object) without reading the rows."""
        for _ in self:
            break
        return self.header

    def _open(self) -> TextIO:
        try:
            return self.path.open(encoding="utf-8-sig", newline="")
        except FileNotFoundError:
            raise self._error("file not found; check the path") from None
        except IsADirectoryError:
            raise self._error("this is a folder, not a file") from None
        except PermissionError:
            raise self._error("permission denied; check the file's permissions") from None

    def _error(self, message: str, row: int | None = None, column: str | None = None) -> DataError:
        return DataError(message, Location(str(self.path), row, column))

    def _empty(self) -> DataError:
        wanted = ", ".join(self.columns)
        return self._error(f"the file is empty; expected a header row naming the columns ({wanted})", 1)

    def _csv(self, handle: TextIO) -> Iterator[Row]:
        first = handle.readline()
        header_row = 1
        while first and not first.strip():  # blank lines before the header
            first = handle.readline()
            header_row += 1
        delimiter = None
        if _SEP_HINT.fullmatch(first.strip()):  # Excel's "sep=;" line names the delimiter
            delimiter = first.strip()[4]
            first = handle.readline()
            header_row += 1
        if not first.strip():
            raise self._empty()
        reader = csv.reader(chain([first], handle), delimiter=delimiter or sniff_delimiter(first))
        names = [name.strip() for name in next(reader)]
        indexes = self._resolve(names, header_row)
        width = len(names)
        # Missing optional columns point one past the header, where every row gets an empty cell.
        picks = [width if index is None else index for index in indexes]
        pick = itemgetter(*picks) if len(picks) > 1 else (lambda row: (row[picks[0]],))
        padding = [""] * (width + 1)
        number = header_row
        try:
            for row in reader:
                number += 1
                size = len(row)
                if not any(row):
                    continue  # a blank line, or only delimiters (",,,," rows from spreadsheets)
                if size <= width:
                    row += padding[size:]
                elif any(cell.strip() for cell in row[width:]):
                    yield number, self._error(
                        f"the row has {size} cells but the header has {width}; quote values that contain "
                        f"the delimiter ({reader.dialect.delimiter!r})",
                        number,
                    )
                    continue
                yield number, pick(row)
        except csv.Error as exc:
            raise self._error(f"unreadable CSV: {exc}", reader.line_num) from None

    def _jsonl(self, handle: TextIO) -> Iterator[Row]:
        keys: list[str] | None = None
        number = 0
        for number, line in enumerate(handle, 1):  # noqa: B007 - number is used after the loop
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, self._error(f"not valid JSON: {exc.msg} (column {exc.colno})", number)
                continue
            if not isinstance(record, dict):
                yield number, self._error("expected a JSON object ({...}) on each line", number)
                continue
            if keys is None:
                indexes = self._resolve(list(record), number)
                names = list(record)
                keys = [self.columns[i] if index is None else names[index] for i, index in enumerate(indexes)]
            yield number, [record.get(key) for key in keys]
        if keys is None and number == 0:
            raise self._empty()

    def _resolve(self, names: list[str], row: int) -> list[int | None]:
        """Index of each wanted column in the header: the exact name first, else the one header name that
        matches ignoring case, blanks and punctuation (``First Name`` for ``first_name``)."""
        exact: dict[str, int] = {}
        folded: dict[str, list[int]] = {}
        for index, name in enumerate(names):
            if not name:
                continue
            if name in exact and name in self.columns:
                raise self._error(
                    f"column '{name}' appears twice in the header (columns {exact[name] + 1} and {index + 1})",
                    row,
                    name,
                )
            exact.setdefault(name, index)
            folded.setdefault(loose_name(name), []).append(index)
        indexes: list[int | None] = []
        missing: list[str] = []
        for column in self.columns:
            found = exact.get(column)
            if found is None:
                candidates = folded.get(loose_name(column), [])
                found = candidates[0] if len(candidates) == 1 else None
            if found is None and column in self.required:
                missing.append(column)
            indexes.append(found)
        self.header = tuple(names)
        self.absent = tuple(c for c, i in zip(self.columns, indexes, strict=True) if i is None)
        if missing:
            raise self._missing(missing, names, row)
        return indexes

    def _missing(self, missing: list[str], names: list[str], row: int) -> DataError:
        parts = []
        for column in missing:
            text = f"'{column}'"
            suggestion = nearest(column, [n for n in names if n])
            if suggestion:
                text += f" (nearest in the header: '{suggestion}')"
            if column in self.origins:
                text += f" [mapped at {self.origins[column]}]"
            parts.append(text)
        header = ", ".join(n for n in names if n) or "(nothing)"
        return self._error(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(parts)}; the header has: {header}. "
            "Rename the column in the file, or change the mapping (optional: true allows a column to be absent)",
            row,
            ", ".join(missing),
        )
