"""SOQL text for the Salesforce adapter, built from values with proper literal escaping. Pure.

Salesforce's SOQL and SOSL Reference ("Quoted String Escape Sequences") says string literals are single
quoted and a backslash escapes ``\\n \\r \\t \\b \\f \\" \\' \\\\``; anything else after a backslash is an
error. Date-time literals are unquoted ISO-8601 with a zone (``2026-11-01T09:30:00.000Z``), and a query's
WHERE may compare SystemModstamp against them. Every value the adapter puts in a query goes through
``literal`` so an id or email with a quote can never change the query's meaning.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta

_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}

#: Ids per ``IN (...)`` list. A REST query travels in the URL, and Salesforce answers 414 past ~16 KB
#: (REST API Developer Guide, "Query": "the URI can be up to 16,384 bytes"); 300 ids of 18 characters
#: quoted and comma-separated stay near 6.6 KB with room for the rest of the query.
IN_CHUNK = 300


def quote(text: str) -> str:
    """A SOQL string literal: ``O'Brien`` -> ``'O\\'Brien'``."""
    return "'" + "".join(_ESCAPES.get(char, char) for char in text) + "'"


def datetime_literal(moment: datetime) -> str:
    """A SOQL dateTime literal in UTC with milliseconds (what SystemModstamp holds)."""
    if moment.tzinfo is None:
        raise ValueError("SOQL date-times need a time zone; pass an aware datetime")
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def literal(value: object) -> str:
    """Any Python value as a SOQL literal (strings quoted and escaped, dates bare, booleans lowercase)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return datetime_literal(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return quote(value)
    raise TypeError(f"no SOQL literal for {type(value).__name__}")


def in_list(field: str, values: Iterable[object]) -> str:
    """``field IN ('a','b')``; an empty list is refused (SOQL has no empty IN)."""
    items = [literal(v) for v in values]
    if not items:
        raise ValueError(f"{field} IN (): give at least one value")
    return f"{field} IN ({','.join(items)})"


def chunks(values: Sequence[str], size: int = IN_CHUNK) -> Iterator[Sequence[str]]:
    """Values in slices small enough for one ``IN`` list."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def changed_window(field: str, since: datetime | None, until: datetime) -> str:
    """``field >= since AND field < until``: the half-open window of an incremental read (since None: all
    up to ``until``). Upper bound exclusive, so a record stamped at the run's start is read next run."""
    # Salesforce keeps milliseconds: a record stamped .163 may have been saved at .163400, before a run that
    # started at .163700, and a stamp may be rounded up rather than down (the local sandbox rounds to the
    # nearest millisecond). So the exclusive upper bound is the run start rounded up, plus one millisecond:
    # a record read here and again next run costs nothing (unchanged fingerprint), one missed would be lost
    # until it changes again.
    until = until + timedelta(microseconds=1000 + (1000 - until.microsecond % 1000) % 1000)
    upper = f"{field} < {datetime_literal(until)}"
    return upper if since is None else f"{field} >= {datetime_literal(since)} AND {upper}"


def select(
    fields: Sequence[str],
    sobject: str,
    where: Sequence[str] = (),
    order_by: Sequence[str] = (),
    limit: int | None = None,
) -> str:
    """``SELECT f1, f2 FROM Object WHERE a AND b ORDER BY x, y LIMIT n``; fields keep order, no repeats."""
    unique = list(dict.fromkeys(fields))
    if not unique:
        raise ValueError(f"SELECT from {sobject} needs at least one field")
    text = f"SELECT {', '.join(unique)} FROM {sobject}"
    conditions = [f"({w})" if " OR " in w.upper() else w for w in where if w]
    if conditions:
        text += " WHERE " + " AND ".join(conditions)
    if order_by:
        text += " ORDER BY " + ", ".join(order_by)
    if limit is not None:
        text += f" LIMIT {int(limit)}"
    return text
