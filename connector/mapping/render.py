"""The write side: a Qualification -> CRM property values, and whether each may replace what the CRM holds.

``render_outputs`` gives the values to write, the CRM's way (value maps applied, datetimes as ISO-8601 UTC).
``should_write`` applies a field's policy against the value the CRM holds now (``Contact.crm_values``,
text from a CSV or a typed CRM value), so the planner only sends what changed and is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from connector.mapping.schema import Mapping, WriteField, WritePolicy
from connector.mapping.transforms import map_key, parse_bool, parse_float
from connector.model import Qualification, Stage


# Cached: every contact of a run is computed at the same moment, so a rescore renders the same timestamp
# hundreds of thousands of times. Keyed with the UTC offset too: equal datetimes in one zone can be
# different moments (a repeated hour at the end of daylight saving time).
def _iso(moment: datetime) -> str:
    return _iso_at(moment, moment.utcoffset())


@lru_cache(maxsize=64)
def _iso_at(moment: datetime, offset: timedelta | None) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _day(qualification: Qualification) -> str:
    moment = qualification.computed_at
    return _day_at(moment, moment.utcoffset())


@lru_cache(maxsize=64)
def _day_at(moment: datetime, offset: timedelta | None) -> str:
    return moment.astimezone(UTC).date().isoformat()


_OUTPUT: dict[str, Callable[[Qualification], Any]] = {
    "score": lambda q: q.score,
    "fit": lambda q: q.fit,
    "engagement": lambda q: q.engagement,
    "grade": lambda q: q.grade,
    "stage": lambda q: q.stage.value,
    "disqualified": lambda q: q.disqualified,
    "disqualified_reason": lambda q: q.disqualified_reason,
    "summary": lambda q: q.summary,
    "stage_reason": lambda q: q.stage_reason or None,
    "model_version": lambda q: q.model_version,
    "computed_at": lambda q: _iso(q.computed_at),
    # The day a contact is first seen at (or past) the stage; the if_empty policy keeps the first one.
    "mql_date": lambda q: _day(q) if q.stage >= Stage.MQL else None,
    "sql_date": lambda q: _day(q) if q.stage >= Stage.SQL else None,
}


def render_value(field: WriteField, qualification: Qualification) -> Any:
    """One output as the CRM should hold it: the value map applied when it lists the value."""
    value = _OUTPUT[field.output](qualification)
    if field.value_map is not None and value is not None:
        key = ("true" if value else "false") if isinstance(value, bool) else map_key(value)
        return field.value_map.get(key, value)
    return value


def render_outputs(qualification: Qualification, mapping: Mapping) -> dict[str, Any]:
    """Target property -> value for every write field whose policy is not ``never``."""
    return {
        field.to: render_value(field, qualification)
        for field in mapping.write
        if field.policy is not WritePolicy.NEVER
    }


def output_targets(mapping: Mapping) -> tuple[str, ...]:
    """The properties ``render_outputs`` gives values for, in the order of its result."""
    return tuple(dict.fromkeys(field.to for field in mapping.write if field.policy is not WritePolicy.NEVER))


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def same_value(new: Any, current: Any) -> bool:
    """Whether a rendered value equals what the CRM holds, across representations: ``42`` and ``"42.0"``,
    ``True`` and ``"true"``, None and ``""`` are the same; text compares trimmed."""
    kind = type(new)
    if kind is type(current) and (kind is int or kind is float):
        # Two numbers of one type (a score the CRM holds from our last write): what the parsing below
        # decides, without the parsing; the planner asks this for every value a rescore changes.
        return math.isfinite(new) and math.isfinite(current) and float(new) == float(current)
    if _empty(new) or _empty(current):
        return _empty(new) and _empty(current)
    if isinstance(new, bool) or isinstance(current, bool):
        try:
            return parse_bool(_text(new)) == parse_bool(_text(current))
        except ValueError:
            return False
    if isinstance(new, int | float) or isinstance(current, int | float):
        try:
            return parse_float(_text(new)) == parse_float(_text(current))
        except ValueError:
            return False
    return _text(new) == _text(current)


def _text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def crm_stage(field: WriteField, value: Any) -> Stage | None:
    """A stage as the CRM holds it (``marketingqualifiedlead``) -> Stage, through ``held_stages``; None when
    it is not a stage leadbridge knows."""
    if _empty(value):
        return None
    key = map_key(value)
    if field.held_stages and key in field.held_stages:
        return field.held_stages[key]
    try:
        return Stage.parse(key)
    except ValueError:
        return None


def should_write(field: WriteField, new: Any, current: Any) -> bool:
    """Whether ``new`` (rendered) should replace ``current`` (as the CRM holds it) under the field's policy.

    Equal values are never written. ``forward_only`` writes only to a later stage than the CRM's, and not
    over a value it cannot read as a stage (a custom CRM stage is left alone rather than guessed at).
    """
    if field.policy is WritePolicy.NEVER or same_value(new, current):
        return False
    if field.policy is WritePolicy.OVERWRITE:
        return True
    if _empty(current):
        return True
    if field.policy is WritePolicy.IF_EMPTY:
        return False
    held = crm_stage(field, current)
    wanted = crm_stage(field, new)
    return held is not None and wanted is not None and wanted > held
