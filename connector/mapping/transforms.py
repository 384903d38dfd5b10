"""Pure value conversions: raw CSV text, JSON values or CRM properties -> typed values.

Each ``parse_*`` takes a non-empty value (text already stripped, or a native JSON/CRM value) and returns the
typed value or raises ValueError with a message an admin can act on. ``column_reader`` composes one of them
with emptiness, a picklist value map, a default and a fallback into the one function a mapping calls per
value; it is built once at load time so nothing is compiled per record.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

from connector.model import ActivityKind, Stage

_TRUE = frozenset({"true", "t", "yes", "y", "1", "x", "on", "checked"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "off", "unchecked"})

# "1,000" and "1,000,000.50": commas only as thousands separators, so "1,5" (a European decimal) is refused
# rather than silently read as 15.
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*([km])?"
_BETWEEN = re.compile(rf"{_NUM}\s*(?:-|–|—|to|and)\s*{_NUM}")
_AT_LEAST = re.compile(rf"(?:>=?|≥|over|above|more than|at least)?\s*{_NUM}\s*(\+|or more|and (?:up|above|more))?")
_AT_MOST = re.compile(rf"(?:<=?|≤|under|below|less than|fewer than|up to)\s*{_NUM}")
_UNIT_WORDS = re.compile(r"\s*(?:employees?|people|staff|persons?|users?|seats?)$")
_SCALE = {"k": 1_000, "m": 1_000_000, None: 1}

DATETIME_HINT = "use ISO-8601 such as 2024-05-01 or 2024-05-01T09:30:00Z, or epoch milliseconds"
RANGE_HINT = "expected a number or a range such as 250, 25-50, 1,000-5,000, 51 to 200 or 10000+"


def parse_str(value: Any) -> str:
    """Text as is; numbers and booleans from JSON become their text. Objects and lists are refused."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise ValueError(f"expected a text value, got {type(value).__name__} {value!r}")


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            text = value.replace(" ", "").lstrip("$€£")
            if text and _GROUPED.fullmatch(text):
                number = float(text.replace(",", ""))
            else:
                try:
                    number = float(text)
                except ValueError:
                    raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"not a number: {value!r}")
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value!r}")
    return number


def parse_float(value: Any) -> float:
    """A number: ``12.5``, ``1,250.75``, ``$1,000``; NaN and infinities are refused."""
    return _number(value)


def parse_int(value: Any) -> int:
    """A whole number: ``42``, ``1,000``, ``42.0``; ``42.5`` is refused rather than rounded."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    elif isinstance(value, int) and not isinstance(value, bool):
        return value
    number = _number(value)
    if not number.is_integer():
        raise ValueError(f"not a whole number: {value!r}")
    return int(number)


def parse_bool(value: Any) -> bool:
    """yes/no, true/false, y/n, t/f, 1/0, on/off, and ``x`` (a ticked box) — in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(f"not a yes/no value: {value!r} (expected yes/no, true/false, 1/0 or x)")


def _epoch(number: float, original: Any) -> datetime:
    # Milliseconds from 1973 on have 12+ digits; seconds stay below 1e11 until the year 5138.
    seconds = number / 1000 if abs(number) >= 1e11 else number
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"epoch time out of range: {original!r}") from None


def parse_datetime(value: Any, fmt: str | None = None) -> datetime:
    """A UTC-aware datetime from ISO-8601 (with Z, an offset or none; date-only), epoch milliseconds
    (epoch seconds too), or ``fmt`` (a strptime pattern) when given. Times without a zone are UTC."""
    if value.__class__ is str:
        if fmt is not None:
            try:
                result = datetime.strptime(value, fmt)
            except ValueError:
                raise ValueError(f"not a date/time in the format {fmt!r}: {value!r}") from None
        elif value.isdigit() and len(value) != 8:  # 8 digits is a basic ISO date (20240501)
            return _epoch(float(value), value)
        else:
            try:
                result = datetime.fromisoformat(value)
            except ValueError:
                try:
                    return _epoch(float(value), value)
                except ValueError:
                    raise ValueError(f"not a date/time: {value!r}; {DATETIME_HINT}") from None
    elif isinstance(value, datetime):
        result = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        return _epoch(float(value), value)
    else:
        raise ValueError(f"not a date/time: {value!r}; {DATETIME_HINT}")
    if result.tzinfo is None:
        return result.replace(tzinfo=UTC)
    return result.astimezone(UTC)


def _scaled(digits: str, scale: str | None) -> float:
    return float(digits.replace(",", "")) * _SCALE[scale]


def parse_range(value: Any) -> int:
    """A size as one number: ``25-50`` -> 37 (midpoint), ``10000+`` -> 10000 (lower bound),
    ``51 to 200`` -> 125, ``1,000-5,000`` -> 3000, ``under 10`` -> 5, ``1k-5k`` -> 3000, ``250`` -> 250."""
    if not isinstance(value, str):
        return parse_int(value)
    try:
        return int(value)
    except ValueError:
        pass
    text = _UNIT_WORDS.sub("", value.lower()).strip()
    if match := _BETWEEN.fullmatch(text):
        low = _scaled(match[1], match[2])
        high = _scaled(match[3], match[4])
        return int((low + high) // 2)
    if match := _AT_LEAST.fullmatch(text):
        return int(_scaled(match[1], match[2]))
    if match := _AT_MOST.fullmatch(text):
        return int(_scaled(match[1], match[2]) // 2)
    raise ValueError(f"not a number or range: {value!r}; {RANGE_HINT}")


def parse_stage(value: Any) -> Stage:
    """A lifecycle stage by name (``mql``, ``SQL``); CRM values like ``marketingqualifiedlead`` need a map."""
    if isinstance(value, Stage):
        return value
    try:
        return Stage.parse(parse_str(value))
    except ValueError as exc:
        raise ValueError(f"{exc}; or add the value to the column's map:") from None


def parse_kind(value: Any) -> ActivityKind:
    """An activity kind by name (``page_view``); other names need the kind column's map."""
    if isinstance(value, ActivityKind):
        return value
    try:
        return ActivityKind.parse(parse_str(value))
    except ValueError as exc:
        raise ValueError(f"{exc}; or add the value to the kind column's map:") from None


PARSERS: dict[str, Callable[[Any], Any]] = {
    "str": parse_str,
    "int": parse_int,
    "float": parse_float,
    "bool": parse_bool,
    "datetime": parse_datetime,
    "range": parse_range,
    "stage": parse_stage,
    "kind": parse_kind,
}


def map_key(raw: Any) -> str:
    """How picklist values are compared: text, trimmed, case-folded (``True`` and ``true`` are one)."""
    return parse_str(raw).strip().casefold() if not isinstance(raw, str) else raw.strip().casefold()


class _Pass:
    """Marks 'no fallback': values missing from the map are parsed as they are."""

    def __repr__(self) -> str:
        return "PASS"


PASS: Any = _Pass()
_MISS = object()


def column_reader(
    type_name: str,
    *,
    value_map: Mapping[str, Any] | None = None,
    default: Any = None,
    fallback: Any = PASS,
    fmt: str | None = None,
) -> Callable[[Any], Any]:
    """The function that reads one column: empty -> ``default``; a value in ``value_map`` (keys made with
    ``map_key``, values already typed) -> its mapped value; another value -> ``fallback`` when given, else
    parsed as ``type_name`` (with ``fmt``, a strptime pattern, for datetimes)."""
    parse = PARSERS[type_name] if fmt is None else partial(parse_datetime, fmt=fmt)

    if value_map is None and fallback is PASS and type_name == "str":

        def read_text(raw: Any) -> Any:
            if raw.__class__ is str:
                raw = raw.strip()
                return raw if raw else default
            return default if raw is None else parse_str(raw)

        return read_text

    if value_map is None and fallback is PASS:

        def read(raw: Any) -> Any:
            if raw is None:
                return default
            if raw.__class__ is str:
                raw = raw.strip()
                if not raw:
                    return default
            return parse(raw)

        return read

    table = dict(value_map or {})

    def read_mapped(raw: Any) -> Any:
        if raw is None:
            return default
        if raw.__class__ is str:
            raw = raw.strip()
            if not raw:
                return default
            hit = table.get(raw.casefold(), _MISS)
        else:
            hit = table.get(map_key(raw), _MISS)
        if hit is not _MISS:
            return hit
        if fallback is not PASS:
            return fallback
        return parse(raw)

    return read_mapped
