"""Raw records -> Contact and Activity, as a mapping describes.

A reader lists the ``columns`` it needs once; a source hands it each record's values in that order (CSV
cells picked by precomputed index, JSON values, CRM properties), so per record there is no name lookup and
nothing to compile. A value that cannot be read raises RecordError naming the column; the source adds
where (file and row, or record id).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from connector.mapping.schema import ActivitiesMap, Column, ContactsMap, Mapping
from connector.model import EMPTY, Activity, Contact


class RecordError(ValueError):
    """A value of one record cannot be read: which column, and what is wrong with it."""

    def __init__(self, column: str, message: str):
        self.column = column
        self.message = message
        super().__init__(f"{column}: {message}")


class _Slots:
    """Column names in a fixed order; a column read by several fields gets one slot."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.required: set[str] = set()
        self.lines: dict[str, int] = {}
        self._index: dict[str, int] = {}

    def add(self, name: str, *, required: bool, line: int | None = None) -> int:
        if required:
            self.required.add(name)
        if line is not None:
            self.lines.setdefault(name, line)
        if name not in self._index:
            self._index[name] = len(self.names)
            self.names.append(name)
        return self._index[name]

    def column(self, column: Column) -> int:
        return self.add(column.name, required=not column.optional, line=column.line)


def _read(column: Column, slot: int, values: Sequence[Any]) -> Any:
    try:
        return column.read(values[slot])
    except ValueError as exc:
        raise RecordError(column.name, str(exc)) from None


class ContactReader:
    """Builds Contacts from records. ``columns`` is the order values must come in; ``required`` are the
    columns a file must have (write-back targets and ``optional: true`` columns may be absent);
    ``write_only`` are the write-back targets no field reads; ``origins`` says where the mapping names each
    column (``files.yaml:12``)."""

    def __init__(self, mapping: Mapping, contacts: ContactsMap | None = None):
        spec = contacts or mapping.contacts
        slots = _Slots()
        self._prefix = f"{mapping.source}:{spec.object}:"
        self._id = (spec.id, slots.column(spec.id))
        self._updated = (spec.updated_at, slots.column(spec.updated_at)) if spec.updated_at else None
        self._common: list[tuple[str, Column, int]] = []
        self._attributes: list[tuple[str, Column, int]] = []
        self._signals: list[tuple[str, Column, int]] = []
        for field_map in spec.fields:
            entry = (field_map.name, field_map.column, slots.column(field_map.column))
            group = field_map.group
            if group == "attributes":
                self._attributes.append(entry)
            elif group == "signals":
                self._signals.append(entry)
            else:
                self._common.append(entry)
        read = set(slots.names)
        self._crm = [(target, slots.add(target, required=False)) for target in mapping.write_targets]
        self.write_only: frozenset[str] = frozenset(slots.names) - read
        self.columns: tuple[str, ...] = tuple(slots.names)
        self.required: frozenset[str] = frozenset(slots.required)
        self.origins: dict[str, str] = {name: f"{mapping.file}:{line}" for name, line in slots.lines.items()}

    @property
    def id_column(self) -> str:
        return self._id[0].name

    @property
    def updated_at_column(self) -> str | None:
        return self._updated[0].name if self._updated else None

    def object_id(self, values: Sequence[Any]) -> str:
        """The record's id (the key's last part); an empty id is an error."""
        column, slot = self._id
        object_id = _read(column, slot, values)
        if object_id is None:
            raise RecordError(column.name, "the contact id is empty; every contact needs one")
        return str(object_id)

    def updated_at(self, values: Sequence[Any]) -> datetime | None:
        """The record's change time, or None when the mapping names none or the value is empty."""
        if self._updated is None:
            return None
        column, slot = self._updated
        return _read(column, slot, values)  # type: ignore[no-any-return]

    def contact(
        self, values: Sequence[Any], object_id: str | None = None, updated_at: datetime | None = None
    ) -> Contact:
        """The Contact of one record. Pass ``object_id``/``updated_at`` when already read (saves work)."""
        if object_id is None:
            object_id = self.object_id(values)
            updated_at = self.updated_at(values)
        fields: dict[str, Any] = {"key": self._prefix + object_id, "updated_at": updated_at}
        column = None  # the column being read when a ValueError comes up
        try:
            for name, column, slot in self._common:
                value = column.read(values[slot])
                if value is not None:
                    fields[name] = value
            if self._attributes:
                attributes = {}
                for name, column, slot in self._attributes:
                    value = column.read(values[slot])
                    if value is not None:
                        attributes[name] = value
                fields["attributes"] = attributes or EMPTY
            if self._signals:
                signals = {}
                for name, column, slot in self._signals:
                    value = column.read(values[slot])
                    if value is not None:
                        signals[name] = float(value)
                fields["signals"] = signals or EMPTY
        except ValueError as exc:
            assert column is not None
            raise RecordError(column.name, str(exc)) from None
        if self._crm:
            crm_values = {}
            for target, slot in self._crm:
                value = values[slot]
                if value.__class__ is str:
                    value = value.strip() or None
                crm_values[target] = value
            fields["crm_values"] = crm_values
        return Contact(**fields)


class ActivityReader:
    """Builds Activities from records; contact keys use the mapping's source and contact object."""

    def __init__(self, mapping: Mapping, activities: ActivitiesMap | None = None):
        spec = activities or mapping.activities
        if spec is None:
            raise ValueError(f"{mapping.file} has no activities: section")
        slots = _Slots()
        self._prefix = mapping.key("")
        self._contact = (spec.contact_id, slots.column(spec.contact_id))
        self._kind = (spec.kind, slots.column(spec.kind))
        self._time = (spec.occurred_at, slots.column(spec.occurred_at))
        self._id = (spec.id, slots.column(spec.id)) if spec.id else None
        self._detail = [(key, column, slots.column(column)) for key, column in spec.detail]
        self.columns: tuple[str, ...] = tuple(slots.names)
        self.required: frozenset[str] = frozenset(slots.required)
        self.origins: dict[str, str] = {name: f"{mapping.file}:{line}" for name, line in slots.lines.items()}

    def contact_id(self, values: Sequence[Any]) -> str:
        """The id of the contact the record belongs to (the key's last part)."""
        column, slot = self._contact
        contact_id = _read(column, slot, values)
        if contact_id is None:
            raise RecordError(column.name, "the contact id is empty; every activity needs one")
        return str(contact_id)

    def activity(self, values: Sequence[Any], contact_id: str | None = None) -> Activity:
        """The Activity of one record. Without an id column (or with an empty id) the id is a stable hash
        of the mapped values, so re-reading the same export gives the same ids."""
        if contact_id is None:
            contact_id = self.contact_id(values)
        column, slot = self._kind
        try:
            kind = column.read(values[slot])
            if kind is None:
                raise ValueError("the activity kind is empty")
            column, slot = self._time
            occurred_at = column.read(values[slot])
            if occurred_at is None:
                raise ValueError("the activity time is empty")
            source_id = None
            if self._id is not None:
                column, slot = self._id
                source_id = column.read(values[slot])
            detail: dict[str, str] = {}
            for key, column, slot in self._detail:
                value = column.read(values[slot])
                if value is not None:
                    detail[key] = value
        except ValueError as exc:
            raise RecordError(column.name, str(exc)) from None
        if source_id is None:
            source_id = _fingerprint(values)
        return Activity(self._prefix + contact_id, kind, occurred_at, str(source_id), detail or EMPTY)


def _fingerprint(values: Sequence[Any]) -> str:
    text = "\x1f".join("" if value is None else str(value).strip() for value in values)
    return "row-" + hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()
