"""Contacts and activities to and from store rows, and the fingerprint of a contact's scoring inputs.

A contact is kept as compact JSON of its common-model fields. ``crm_values`` are left out (they live per
property in ``field_values``), and so is nothing else: a contact read back from the store qualifies exactly
as the one that was read from the source.

The input fingerprint covers everything the core looks at and nothing it does not: ``updated_at`` and
``crm_values`` are left out because our own write-back changes them, and re-qualifying a contact because we
wrote to it would be wasted work (and, with decay, a loop of tiny rewrites).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, fields
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any

from connector.model import Activity, ActivityKind, Contact, Stage

_CONTACT_FIELDS = tuple(f.name for f in fields(Contact) if f.name not in ("key", "crm_values"))
_DATETIME_FIELDS = frozenset({"created_at", "updated_at"})
_MAPPING_FIELDS = frozenset({"signals", "attributes"})
_NOT_INPUTS = frozenset({"updated_at"})
KINDS: dict[str, ActivityKind] = {kind.value: kind for kind in ActivityKind}
_TAG_DATETIME = "$datetime"
_TAG_DATE = "$date"


def _plain(value: Any) -> Any:
    """A custom attribute as JSON, with dates tagged so that they come back as dates."""
    if isinstance(value, datetime):
        return {_TAG_DATETIME: value.isoformat()}
    if isinstance(value, date):
        return {_TAG_DATE: value.isoformat()}
    return value


def _unplain(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if _TAG_DATETIME in value:
            return datetime.fromisoformat(value[_TAG_DATETIME])
        if _TAG_DATE in value:
            return date.fromisoformat(value[_TAG_DATE])
    return value


def contact_fields(contact: Contact) -> dict[str, Any]:
    """The contact's stored fields as JSON-ready values (None and empty mappings left out)."""
    out: dict[str, Any] = {}
    for name in _CONTACT_FIELDS:
        value = getattr(contact, name)
        if value is None:
            continue
        if name in _MAPPING_FIELDS:
            if value:
                out[name] = {k: _plain(v) for k, v in value.items()}
        elif isinstance(value, datetime):
            out[name] = value.astimezone(UTC).isoformat()
        elif isinstance(value, Stage):
            out[name] = value.value
        elif value is not False or name in ("sales_accepted", "do_not_contact"):
            # False is the default of the has_* flags: leaving it out keeps rows small.
            out[name] = value
    return out


def encode_contact(contact: Contact) -> str:
    return json.dumps(contact_fields(contact), sort_keys=True, separators=(",", ":"), default=str)


def decode_contact(key: str, data: str, crm_values: Mapping[str, Any] | None = None) -> Contact:
    """The Contact stored as ``data`` (``crm_values`` may be added back from field_values)."""
    raw: dict[str, Any] = json.loads(data)
    for name in _DATETIME_FIELDS & raw.keys():
        raw[name] = datetime.fromisoformat(raw[name])
    if "crm_stage" in raw:
        raw["crm_stage"] = _STAGES[raw["crm_stage"]]
    for name in _MAPPING_FIELDS & raw.keys():
        raw[name] = MappingProxyType({k: _unplain(v) for k, v in raw[name].items()})
    if crm_values:
        raw["crm_values"] = MappingProxyType(dict(crm_values))
    raw["key"] = key
    return make_contact(raw)


_STAGES: dict[str, Stage] = {stage.value: stage for stage in Stage}


def _fast_contact_factory() -> Callable[[dict[str, Any]], Contact]:
    """Build Contacts from a dict of field values without the frozen dataclass __init__ (keyword binding
    and one object.__setattr__ per field, of some forty): a rescore decodes every stored contact. Fields
    missing from the dict get their defaults, as with the constructor; a name that is not a field raises
    TypeError, as it would. Only valid while Contact has no __post_init__; otherwise the constructor is used."""
    if hasattr(Contact, "__post_init__") or not hasattr(Contact, "__slots__"):
        return lambda values: Contact(**values)
    new = object.__new__
    slots: list[tuple[str, Callable[[Any, Any], None], Any, Callable[[], Any] | None]] = []
    for f in fields(Contact):
        factory = None if f.default_factory is MISSING else f.default_factory
        slots.append((f.name, getattr(Contact, f.name).__set__, f.default, factory))
    names = frozenset(name for name, _, _, _ in slots)

    def make(values: dict[str, Any]) -> Contact:
        if not names.issuperset(values):
            return Contact(**values)  # the constructor's own error for an unknown (or missing) field
        contact = new(Contact)
        for name, setter, default, factory in slots:
            value = values.get(name, _ABSENT)
            if value is _ABSENT:
                if factory is not None:
                    value = factory()
                elif default is MISSING:
                    return Contact(**values)
                else:
                    value = default
            setter(contact, value)
        return contact

    return make


_ABSENT = object()

#: make_contact({field: value, ...}) -> Contact, the same as Contact(**values)
make_contact = _fast_contact_factory()


def encode_detail(detail: Mapping[str, Any]) -> str | None:
    """An activity's detail as JSON; None when empty (most rows), which also skips a parse on the way back."""
    if not detail:
        return None
    return json.dumps(dict(detail), sort_keys=True, separators=(",", ":"), default=str)


class DetailCache:
    """Decoded activity details, shared: the same url or campaign JSON recurs across many activities,
    so decoding each distinct text once saves most of the parsing (and memory) of a large rescore."""

    def __init__(self, limit: int = 20_000):
        self._limit = limit
        self._cache: dict[str, Mapping[str, Any]] = {}

    def decode(self, text: str | None) -> Mapping[str, Any]:
        if text is None:
            return _EMPTY
        detail = self._cache.get(text)
        if detail is None:
            if len(self._cache) >= self._limit:
                self._cache.clear()
            detail = self._cache[text] = MappingProxyType(json.loads(text))
        return detail


_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _fast_activity_factory() -> Callable[[str, ActivityKind, datetime, str, Mapping[str, Any]], Activity]:
    """Build Activities without the frozen dataclass __init__ (six object.__setattr__ calls): setting the
    slots directly is five times faster, which matters when a rescore reads millions of them. It does what
    Activity's __init__ and __post_init__ do (the timestamp), and is used only while those are all the
    slots there are; otherwise the plain constructor is."""
    if getattr(Activity, "__slots__", None) != _ACTIVITY_SLOTS:
        return Activity
    new = object.__new__
    setters = tuple(getattr(Activity, name).__set__ for name in _ACTIVITY_SLOTS)
    set_key, set_kind, set_at, set_id, set_detail, set_timestamp = setters

    def make(contact_key: str, kind: ActivityKind, occurred_at: datetime, source_id: str,
             detail: Mapping[str, Any]) -> Activity:
        activity = new(Activity)
        set_key(activity, contact_key)
        set_kind(activity, kind)
        set_at(activity, occurred_at)
        set_id(activity, source_id)
        set_detail(activity, detail)
        set_timestamp(activity, occurred_at.timestamp())
        return activity

    return make


_ACTIVITY_SLOTS = ("contact_key", "kind", "occurred_at", "source_id", "detail", "timestamp")

#: make_activity(contact_key, kind, occurred_at, source_id, detail) -> Activity
make_activity = _fast_activity_factory()


def pack_activities(activities: Iterable[Activity]) -> str:
    """A contact's activities as one JSON list of [source_id, kind, occurred_at, detail JSON or null]."""
    return json.dumps(
        [[a.source_id, a.kind.value, a.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
          encode_detail(a.detail)] for a in activities],
        separators=(",", ":"), ensure_ascii=False,
    )


def unpack_activities(contact_key: str, text: str | None, details: DetailCache) -> list[Activity]:
    """The activities ``pack_activities`` stored."""
    if not text:
        return []
    make, kinds, parse, decode = make_activity, KINDS, datetime.fromisoformat, details.decode
    return [make(contact_key, kinds[kind], parse(at), source_id, decode(detail))
            for source_id, kind, at, detail in json.loads(text)]


def fingerprint(contact: Contact, activities: Iterable[Activity]) -> str:
    """A 128-bit hash of what the core looks at: the contact's fields (not updated_at or crm_values) and
    its activities, in source-id order so that the order a source lists them in does not matter."""
    h = hashlib.blake2b(digest_size=16)
    data = contact_fields(contact)
    for name in _NOT_INPUTS:
        data.pop(name, None)
    h.update(json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode())
    for activity in sorted(activities, key=_source_id):
        h.update(
            f"\x1e{activity.source_id}\x1f{activity.kind.value}\x1f{activity.timestamp!r}\x1f".encode()
        )
        if activity.detail:
            h.update(json.dumps(dict(activity.detail), sort_keys=True, default=str).encode())
    return h.hexdigest()


def _source_id(activity: Activity) -> str:
    return activity.source_id
