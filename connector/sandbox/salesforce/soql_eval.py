"""Evaluate a bound SOQL query over rows: filter, sort, offset, limit. Pure: the clock is an argument.

Rows are opaque to this module; ``get(row, path)`` returns a field's value as a Python value (str, bool,
int/float, ``date``, aware ``datetime``, or None). Comparison rules follow the SOQL and SOSL Reference:
- "Comparison Operators": text comparisons are case-insensitive (only unique case-sensitive fields differ,
  and the sandbox has none); LIKE is case-insensitive with % and _ wildcards.
- Text fields never hold an empty string in Salesforce (an empty value is null), so ``= ''`` is ``= null``.
- ``!=`` and ``NOT IN`` keep rows whose value is null: SOQL treats null as a value, not as unknown.
- Date literals are ranges: ``= TODAY`` is within the day, ``> TODAY`` after it, ``< TODAY`` before it.
- "ORDER BY": ascending by default, sorting is case-insensitive, nulls first unless NULLS LAST.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from connector.sandbox.salesforce.soql import (
    STRING_TYPES,
    And,
    Column,
    Comparison,
    DateLiteral,
    Not,
    Or,
    OrderItem,
    Query,
    date_range,
)

Getter = Callable[[Any, tuple[str, ...]], Any]
Predicate = Callable[[Any], bool]


def run(query: Query, rows: Iterable[Any], get: Getter, now: datetime) -> list[Any]:
    """The rows the query selects, in its order, after OFFSET and LIMIT."""
    predicate = compile_filter(query.where, get, now)
    selected = [row for row in rows if predicate(row)]
    if query.order_by:
        sort_rows(selected, query.order_by, get)
    end = None if query.limit is None else query.offset + query.limit
    return selected[query.offset : end]


def compile_filter(where: Any, get: Getter, now: datetime) -> Predicate:
    """A predicate for a bound WHERE condition (None selects every row)."""
    if where is None:
        return lambda row: True
    if isinstance(where, And):
        parts = [compile_filter(o, get, now) for o in where.operands]
        return lambda row: all(p(row) for p in parts)
    if isinstance(where, Or):
        parts = [compile_filter(o, get, now) for o in where.operands]
        return lambda row: any(p(row) for p in parts)
    if isinstance(where, Not):
        inner = compile_filter(where.operand, get, now)
        return lambda row: not inner(row)
    return _compile_comparison(where, get, now)


def _normalizer(column: Column) -> Callable[[Any], Any]:
    if column.type in STRING_TYPES:
        return lambda value: value.casefold() if isinstance(value, str) and value else None
    return lambda value: value


def _compile_comparison(node: Comparison, get: Getter, now: datetime) -> Predicate:
    path = node.field.path
    norm = _normalizer(node.field)
    operator = node.operator
    if operator == "LIKE":
        pattern = node.value
        return lambda row: isinstance(v := get(row, path), str) and pattern.fullmatch(v) is not None
    if operator in ("IN", "NOT IN"):
        tests = [_equality(node.field, value, norm, now) for value in node.value]
        if operator == "IN":
            return lambda row: any(test(get(row, path)) for test in tests)
        return lambda row: not any(test(get(row, path)) for test in tests)
    if operator in ("=", "!="):
        test = _equality(node.field, node.value, norm, now)
        if operator == "=":
            return lambda row: test(get(row, path))
        return lambda row: not test(get(row, path))
    return _ordering(node.field, operator, node.value, norm, now, get)


def _equality(column: Column, literal: Any, norm: Callable[[Any], Any], now: datetime) -> Callable[[Any], bool]:
    if isinstance(literal, DateLiteral):
        start, end = _bounds(column, literal, now)
        return lambda value: value is not None and start <= value < end
    target = norm(literal)
    if target is None:
        return lambda value: norm(value) is None
    return lambda value: norm(value) == target


def _ordering(
    column: Column, operator: str, literal: Any, norm: Callable[[Any], Any], now: datetime, get: Getter
) -> Predicate:
    path = column.path
    if isinstance(literal, DateLiteral):
        start, end = _bounds(column, literal, now)
        # "> TODAY" means after the whole day; "<= TODAY" means up to its end.
        low, high = {"<": (None, start), "<=": (None, end), ">": (end, None), ">=": (start, None)}[operator]
        if high is not None:
            return lambda row: (v := get(row, path)) is not None and v < high
        return lambda row: (v := get(row, path)) is not None and v >= low
    target = norm(literal)
    compare: Callable[[Any, Any], bool] = {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }[operator]
    return lambda row: (v := norm(get(row, path))) is not None and compare(v, target)


def _bounds(column: Column, literal: DateLiteral, now: datetime) -> tuple[Any, Any]:
    start, end = date_range(literal, now)
    if column.type == "date":
        return start.date(), end.date()
    return start, end


def sort_rows(rows: list[Any], order_by: tuple[OrderItem, ...], get: Getter) -> None:
    """Sort in place by several keys, each with its own direction and null placement."""
    # Stable sorts from the last key to the first give a multi-key sort with per-key direction.
    for item in reversed(order_by):
        path = item.column.path
        text = item.column.type in STRING_TYPES
        # With reverse=True the flag order flips too, so pick the flag that lands nulls where asked.
        null_flag = 0 if item.nulls_first != item.descending else 1
        value_flag = 1 - null_flag

        def key(
            row: Any,
            path: tuple[str, ...] = path,
            text: bool = text,
            null_flag: int = null_flag,
            value_flag: int = value_flag,
        ) -> tuple[int, Any]:
            value = get(row, path)
            if value is None or value == "":
                return (null_flag, None)
            if text and isinstance(value, str):
                return (value_flag, value.casefold())
            if isinstance(value, bool):
                return (value_flag, int(value))
            return (value_flag, value)

        rows.sort(key=key, reverse=item.descending)
