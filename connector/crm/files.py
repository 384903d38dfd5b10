"""The files source: contacts and activities from CSV or JSONL exports, read as a mapping describes.

Everything streams: contacts come in pages, activities one by one, and no pass holds a file in memory (a
compact id table is all that grows with the file). A bad row raises a DataError naming file, row and column;
with ``skip_bad_rows`` it is recorded in ``bad_rows`` and the pass goes on — never silently dropped.
Activities of contacts that are not in the contacts file are not errors: they are counted in
``orphan_activities`` and left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from connector.crm.base import ContactPage
from connector.crm.checkpoints import Checkpoints
from connector.crm.seen import IdSet
from connector.crm.tables import TableFile
from connector.errors import ConfigError, DataError, Location
from connector.mapping.records import ActivityReader, ContactReader, RecordError
from connector.mapping.schema import Mapping
from connector.model import Activity, Contact


class FilesSource:
    """A Source over a contacts file and, optionally, an activities file.

    ``read_changed`` pages are in file order. A file is not sorted by change time, so a page's checkpoint
    is the highest time that is safe to resume from: no row still to come in this pass is older
    (computed by a light first pass over the change-time column).
    """

    def __init__(
        self,
        contacts: str | Path,
        activities: str | Path | None,
        mapping: Mapping,
        *,
        skip_bad_rows: bool = False,
        page_size: int = 1000,
    ):
        if mapping.source != "files":
            raise ConfigError(f"{mapping.file} is a {mapping.source} mapping; the files source needs a files mapping")
        if activities is not None and mapping.activities is None:
            raise ConfigError(f"{mapping.file} has no activities: section, so an activities file cannot be read")
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.name = mapping.source
        self.mapping = mapping
        self.skip_bad_rows = skip_bad_rows
        self.page_size = page_size
        self.bad_rows: list[DataError] = []
        self.contacts_read = 0
        self.activities_read = 0
        self.orphan_activities = 0
        self._contacts = reader = ContactReader(mapping)
        self._contacts_file = TableFile(contacts, reader.columns, reader.required, reader.origins)
        self._activities: ActivityReader | None = None
        self._activities_file: TableFile | None = None
        if activities is not None:
            self._activities = activity_reader = ActivityReader(mapping)
            self._activities_file = TableFile(
                activities, activity_reader.columns, activity_reader.required, activity_reader.origins
            )
        self._known: IdSet | None = None
        self._bad_seen: set[tuple[str, int | None]] = set()

    @property
    def contacts_path(self) -> Path:
        return self._contacts_file.path

    @property
    def activities_path(self) -> Path | None:
        return self._activities_file.path if self._activities_file else None

    @property
    def absent_columns(self) -> dict[str, tuple[str, ...]]:
        """Optional mapped columns the files did not have (read as empty), by file; known after a pass.
        Write-back targets are not listed: before a first write-back a file rarely has them."""
        result: dict[str, tuple[str, ...]] = {}
        for table in (self._contacts_file, self._activities_file):
            if table is not None:
                absent = tuple(c for c in table.absent if c not in self._contacts.write_only)
                if absent:
                    result[str(table.path)] = absent
        return result

    def check(self) -> None:
        """Open the files and check their headers against the mapping, without reading the rows."""
        self._contacts_file.check()
        if self._activities_file is not None:
            self._activities_file.check()

    # -- contacts -------------------------------------------------------------------------------------

    def read_changed(self, since: datetime | None, until: datetime) -> Iterator[ContactPage]:
        """Contacts whose change time is in [since, until), all of them when ``since`` is None, in pages of
        ``page_size``. Rows without a change time are always included (their age is unknown)."""
        checkpoints = Checkpoints.scan(self.contacts_path, self.mapping.contacts.updated_at, since, until)
        page: list[Contact] = []
        full: tuple[tuple[Contact, ...], int] | None = None  # held back until we know it is not the last
        self.contacts_read = 0
        for number, object_id, updated_at, values in self._contact_rows():
            if since is not None and updated_at is not None and not since <= updated_at < until:
                continue
            contact = self._contact(number, values, object_id, updated_at)
            if contact is None:
                continue
            if full is not None:
                self.contacts_read += len(full[0])
                yield ContactPage(full[0], checkpoints.after(full[1]))
                full = None
            page.append(contact)
            if len(page) >= self.page_size:
                full, page = (tuple(page), number), []
        last = full[0] if full is not None else tuple(page)
        if last:
            self.contacts_read += len(last)
            yield ContactPage(last, checkpoints.final())

    def iter_contacts(self) -> Iterator[Contact]:
        """Every contact in the file, one by one."""
        for number, object_id, updated_at, values in self._contact_rows():
            contact = self._contact(number, values, object_id, updated_at)
            if contact is not None:
                yield contact

    def reread(self, keys: Sequence[str]) -> list[Contact]:
        """The current rows of the given contacts (a scan of the file); missing keys are left out."""
        wanted = set(keys)
        found: list[Contact] = []
        for number, object_id, updated_at, values in self._contact_rows():
            if self.mapping.key(object_id) in wanted:
                contact = self._contact(number, values, object_id, updated_at)
                if contact is not None:
                    found.append(contact)
        return found

    def _contact_rows(self) -> Iterator[tuple[int, str, datetime | None, Sequence[Any]]]:
        """Each readable contact row with its id and change time; duplicate ids are bad rows."""
        reader = self._contacts
        seen = IdSet()
        for number, values in self._contacts_file:
            if isinstance(values, DataError):
                self._bad(values)
                continue
            try:
                object_id = reader.object_id(values)
                updated_at = reader.updated_at(values)
            except RecordError as exc:
                self._bad(self._row_error(self._contacts_file, number, exc))
                continue
            if not seen.add(object_id):
                self._bad(
                    DataError(
                        f"duplicate contact id '{object_id}'; each contact must appear once in the file",
                        Location(str(self._contacts_file.path), number, reader.id_column),
                    )
                )
                continue
            yield number, object_id, updated_at, values
        self._known = seen

    def _contact(
        self, number: int, values: Sequence[Any], object_id: str, updated_at: datetime | None
    ) -> Contact | None:
        try:
            return self._contacts.contact(values, object_id, updated_at)
        except RecordError as exc:
            self._bad(self._row_error(self._contacts_file, number, exc))
            return None

    # -- activities -----------------------------------------------------------------------------------

    def iter_activities(self) -> Iterator[Activity]:
        """Every activity of a known contact, one by one, in file order."""
        if self._activities_file is None or self._activities is None:
            return
        reader, table = self._activities, self._activities_file
        known = self._known_ids()
        self.activities_read = 0
        self.orphan_activities = 0
        for number, values in table:
            if isinstance(values, DataError):
                self._bad(values)
                continue
            try:
                contact_id = reader.contact_id(values)
                if contact_id not in known:
                    self.orphan_activities += 1
                    continue
                activity = reader.activity(values, contact_id)
            except RecordError as exc:
                self._bad(self._row_error(table, number, exc))
                continue
            self.activities_read += 1
            yield activity

    def read_activities(self, keys: Sequence[str]) -> dict[str, list[Activity]]:
        """Activities of the given contacts, by key (a scan of the activities file)."""
        result: dict[str, list[Activity]] = {key: [] for key in keys}
        for activity in self.iter_activities():
            bucket = result.get(activity.contact_key)
            if bucket is not None:
                bucket.append(activity)
        return result

    def activities_by_contact(self) -> dict[str, list[Activity]]:
        """All activities grouped by contact key, in memory: for scoring small and mid-size files directly."""
        result: dict[str, list[Activity]] = {}
        for activity in self.iter_activities():
            result.setdefault(activity.contact_key, []).append(activity)
        return result

    def _known_ids(self) -> IdSet:
        if self._known is None:
            for _ in self._contact_rows():
                pass
        assert self._known is not None
        return self._known

    # -- bad rows -------------------------------------------------------------------------------------

    def _row_error(self, table: TableFile, number: int, exc: RecordError) -> DataError:
        return DataError(exc.message, Location(str(table.path), number, exc.column))

    def _bad(self, error: DataError) -> None:
        """Raise, or with skip_bad_rows record the row (once, however many passes meet it)."""
        if not self.skip_bad_rows:
            raise error
        location = error.location
        key = (location.file, location.line) if location else (str(error), None)
        if key not in self._bad_seen:
            self._bad_seen.add(key)
            self.bad_rows.append(error)
