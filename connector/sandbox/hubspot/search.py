"""CRM search: filterGroups, sorts, query, paging and the limits HubSpot puts on them. Pure functions over
rows; the route feeds them the store's rows.

Source: https://developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm and the CRM search
guide: filters inside a group are ANDed, groups are ORed; at most 5 groups, 6 filters per group and 18 in
all; one sort; ``limit`` up to 200; ``after`` is an offset; "the search endpoints are limited to 10,000
total results for any given query. Attempting to page beyond 10,000 will result in a 400 error."
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from connector.sandbox.hubspot.errors import validation_error
from connector.sandbox.hubspot.schema import PropertyRegistry
from connector.sandbox.hubspot.timefmt import parse_ms

MAX_LIMIT = 200
MAX_RESULTS = 10_000
MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
OPERATORS = frozenset(
    {
        "EQ",
        "NEQ",
        "LT",
        "LTE",
        "GT",
        "GTE",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN",
        "NOT_CONTAINS_TOKEN",
    }
)
#: Properties the free-text ``query`` looks in, for contacts.
QUERY_PROPERTIES = ("firstname", "lastname", "email", "phone", "company", "website")


class Row(Protocol):
    id: int

    def value(self, name: str) -> str | None: ...

    def ms(self, name: str) -> int | None: ...


@dataclass(frozen=True)
class Filter:
    property_name: str
    operator: str
    kind: str  # "number" | "datetime" | "string" | ...
    value: str | None = None
    high_value: str | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchRequest:
    groups: tuple[tuple[Filter, ...], ...]
    sort_property: str | None
    descending: bool
    query: str | None
    properties: list[str] | None
    limit: int
    after: int


def parse(body: dict[str, Any], registry: PropertyRegistry) -> SearchRequest:
    """Validate a search body as HubSpot does; raise its 400 on anything it refuses."""
    limit = _int(body.get("limit", 10), "limit")
    if not 0 < limit <= MAX_LIMIT:
        raise validation_error(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    after = _int(body.get("after") or 0, "after")
    if after >= MAX_RESULTS:
        # HubSpot's 10,000-result cap: page by hs_object_id (GT the last id seen) to read further.
        raise validation_error(
            f"Search results are capped at {MAX_RESULTS} per query; after={after} pages past the cap. "
            "Narrow the filters, e.g. hs_object_id GT the last id seen.",
            after=[str(after)],
        )
    raw_groups = body.get("filterGroups") or []
    if len(raw_groups) > MAX_GROUPS:
        raise validation_error(f"Too many filter groups: {len(raw_groups)} (at most {MAX_GROUPS})")
    groups = []
    total = 0
    for raw_group in raw_groups:
        raw_filters = (raw_group or {}).get("filters") or []
        if len(raw_filters) > MAX_FILTERS_PER_GROUP:
            raise validation_error(f"Too many filters in a group: {len(raw_filters)} (at most {MAX_FILTERS_PER_GROUP})")
        total += len(raw_filters)
        groups.append(tuple(_filter(f, registry) for f in raw_filters))
    if total > MAX_FILTERS:
        raise validation_error(f"Too many filters: {total} (at most {MAX_FILTERS})")
    sorts = body.get("sorts") or []
    if len(sorts) > 1:
        raise validation_error("Only one sort is supported")
    sort_property, descending = (None, False)
    if sorts:
        sort_property, descending = _sort(sorts[0])
        if sort_property not in registry:
            raise validation_error(f"Cannot sort by unknown property {sort_property}")
    properties = body.get("properties")
    return SearchRequest(
        groups=tuple(groups),
        sort_property=sort_property,
        descending=descending,
        query=(body.get("query") or None),
        properties=[str(p) for p in properties] if properties else None,
        limit=limit,
        after=after,
    )


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise validation_error(f"{name} must be an integer, got {value!r}") from None


def _sort(raw: Any) -> tuple[str, bool]:
    if isinstance(raw, str):
        return raw.lstrip("-"), raw.startswith("-")
    if isinstance(raw, dict) and raw.get("propertyName"):
        return str(raw["propertyName"]), str(raw.get("direction", "ASCENDING")).upper() == "DESCENDING"
    raise validation_error(f"Invalid sort {raw!r}: expected {{'propertyName': ..., 'direction': ...}}")


def _filter(raw: dict[str, Any], registry: PropertyRegistry) -> Filter:
    name = str(raw.get("propertyName") or "")
    operator = str(raw.get("operator") or "EQ").upper()
    definition = registry.get(name)
    if definition is None:
        raise validation_error(f"There was a problem with the request: property {name!r} does not exist")
    if operator not in OPERATORS:
        raise validation_error(f"Unknown filter operator {operator!r}; expected one of {', '.join(sorted(OPERATORS))}")
    kind = "number" if name == "hs_object_id" else definition.type
    value = raw.get("value")
    values = tuple(str(v) for v in raw.get("values") or ())
    if operator in ("IN", "NOT_IN") and not values:
        raise validation_error(f"{operator} on {name} needs 'values'")
    if operator == "BETWEEN" and (value is None or raw.get("highValue") is None):
        raise validation_error(f"BETWEEN on {name} needs 'value' and 'highValue'")
    if operator not in ("IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY") and value is None:
        raise validation_error(f"{operator} on {name} needs a 'value'")
    high = raw.get("highValue")
    return Filter(
        name,
        operator,
        kind,
        None if value is None else str(value),
        None if high is None else str(high),
        values,
    )


def _comparable(kind: str, text: str | None) -> Any:
    """A property or filter value in the order HubSpot compares it: numbers and dates numerically,
    strings case-insensitively."""
    if text is None or text == "":
        return None
    if kind in ("datetime", "date"):
        return parse_ms(text)
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            return None
    return text.lower()


def _row_value(row: Row, f: Filter) -> Any:
    fast = row.ms(f.property_name) if f.kind in ("datetime", "date") else None
    if fast is not None:
        return fast
    if f.property_name == "hs_object_id":
        return float(row.id)
    return _comparable(f.kind, row.value(f.property_name))


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^0-9a-z@._-]+", text.lower()) if t]


def matches(row: Row, f: Filter) -> bool:
    actual = _row_value(row, f)
    op = f.operator
    if op == "HAS_PROPERTY":
        return actual is not None
    if op == "NOT_HAS_PROPERTY":
        return actual is None
    if op in ("IN", "NOT_IN"):
        inside = actual is not None and actual in {_comparable(f.kind, v) for v in f.values}
        return inside if op == "IN" else not inside
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = (f.value or "").lower()
        text = "" if actual is None else str(actual)
        found = fnmatch.fnmatch(text, pattern) if "*" in pattern else pattern in _tokens(text) or pattern == text
        return found if op == "CONTAINS_TOKEN" else not found
    wanted = _comparable(f.kind, f.value)
    if op == "NEQ":
        return actual != wanted
    if actual is None or wanted is None:
        return False
    if op == "EQ":
        return bool(actual == wanted)
    if op == "BETWEEN":
        high = _comparable(f.kind, f.high_value)
        return high is not None and wanted <= actual <= high
    compare: dict[str, Callable[[Any, Any], bool]] = {
        "GT": lambda a, b: a > b,
        "GTE": lambda a, b: a >= b,
        "LT": lambda a, b: a < b,
        "LTE": lambda a, b: a <= b,
    }
    return compare[op](actual, wanted)


def _matches_query(row: Row, query: str) -> bool:
    needle = query.strip().lower()
    return any(needle in (row.value(name) or "").lower() for name in QUERY_PROPERTIES)


R = TypeVar("R", bound=Row)


def run(request: SearchRequest, rows: Iterable[R], registry: PropertyRegistry) -> tuple[int, list[R]]:
    """(total matching, the page of rows) for a parsed request."""
    groups = [_fast_first(group) for group in request.groups]

    def selected(row: R) -> bool:
        if groups and not any(all(matches(row, f) for f in group) for group in groups):
            return False
        return not request.query or _matches_query(row, request.query)

    hits = [row for row in rows if selected(row)]
    if request.sort_property:
        definition = registry.get(request.sort_property)
        kind = "number" if request.sort_property == "hs_object_id" else (definition.type if definition else "string")
        key_filter = Filter(request.sort_property, "EQ", kind)

        def key(row: R) -> tuple[bool, Any, int]:
            value = _row_value(row, key_filter)
            # Rows without a value sort last either way; ties break on id, so paging is stable.
            return (value is None) != request.descending, value if value is not None else 0, row.id

        hits.sort(key=key, reverse=request.descending)
    end = min(request.after + request.limit, MAX_RESULTS)
    return len(hits), hits[request.after : end]


def _fast_first(group: tuple[Filter, ...]) -> tuple[Filter, ...]:
    """Evaluate filters on indexed properties first: they prune rows without loading them."""
    indexed = ("hs_object_id", "createdate", "lastmodifieddate")
    return tuple(sorted(group, key=lambda f: f.property_name not in indexed))
