"""The SOQL subset the sandbox understands: tokenizer, parser and binding against the object schema. Pure.

Supported (each checked against the SOQL and SOSL Reference, developer.salesforce.com/docs/atlas.en-us.soql_sosl):
- ``SELECT`` a field list, parent fields through a lookup (``Account.Name``), or ``COUNT()`` / ``COUNT(field)``;
- ``FROM`` one object; ``WHERE`` with ``AND``/``OR``/``NOT`` and parentheses, ``= != <> < <= > >=``,
  ``IN (...)``, ``NOT IN (...)``, ``LIKE``, ``null``, ``true``/``false``, numbers, quoted strings with the
  documented escape sequences ("Quoted String Escape Sequences"), dates ``YYYY-MM-DD``, date-times
  ``YYYY-MM-DDThh:mm:ss[.sss](Z|±hh:mm)`` and date literals (``TODAY``, ``LAST_N_DAYS:n``, ...);
- ``ORDER BY`` several fields with ``ASC``/``DESC`` and ``NULLS FIRST``/``NULLS LAST``; ``LIMIT``; ``OFFSET``.

Everything else (GROUP BY, subqueries, semi-joins, TYPEOF, FIELDS(), bind variables, ...) is rejected with
MALFORMED_QUERY, the way Salesforce rejects syntax it does not know: a message that quotes the query, points
at the token and gives "ERROR at Row:r:Column:c". Unknown fields are INVALID_FIELD and unknown objects
INVALID_TYPE, with the wording Salesforce uses, so callers' error handling meets the real thing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from connector.sandbox.salesforce.ids import to18

# Field types, named as describe() names them ("Field Types" in the SOAP API Developer Guide).
STRING_TYPES = frozenset({"string", "email", "phone", "picklist", "textarea", "url", "combobox", "multipicklist"})
ID_TYPES = frozenset({"id", "reference"})
NUMBER_TYPES = frozenset({"double", "int", "currency", "percent"})


class FieldInfo(Protocol):
    """What binding needs to know about a field."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...


class ObjectInfo(Protocol):
    """What binding needs to know about an object: its fields and its parent lookups."""

    @property
    def name(self) -> str: ...

    def field(self, name: str) -> FieldInfo | None: ...

    def parent(self, relationship: str) -> ObjectInfo | None: ...


class Catalog(Protocol):
    """The objects a query may name."""

    def object(self, name: str) -> ObjectInfo | None: ...


class SoqlError(Exception):
    """A query Salesforce would refuse: ``error_code`` is MALFORMED_QUERY, INVALID_FIELD or INVALID_TYPE."""

    def __init__(self, error_code: str, message: str):
        super().__init__(message)
        self.error_code = error_code
        self.message = message


# ---------------------------------------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # ident, string, number, date, datetime, op, punct, eof
    text: str
    value: Any
    offset: int


_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\dT]))
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<string>')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),.:])
    """,
    re.VERBOSE,
)

# "Quoted String Escape Sequences" (SOQL and SOSL Reference). \_ and \% survive for LIKE to interpret.
_ESCAPES = {
    "n": "\n",
    "N": "\n",
    "r": "\r",
    "R": "\r",
    "t": "\t",
    "T": "\t",
    "b": "\b",
    "B": "\b",
    "f": "\f",
    "F": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
}


def tokenize(text: str) -> list[Token]:
    """Split a query into tokens; a character SOQL does not allow is a MALFORMED_QUERY."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None:
            raise _malformed(text, position, f"unexpected token: '{text[position]}'")
        kind = match.lastgroup or ""
        if kind == "space":
            position = match.end()
            continue
        if kind == "string":
            string, end = _read_string(text, position)
            tokens.append(Token("string", text[position:end], string, position))
            position = end
            continue
        raw = match.group()
        value: Any = raw
        if kind == "number":
            value = float(raw) if "." in raw else int(raw)
        elif kind == "date":
            value = _parse_date(text, position, raw)
        elif kind == "datetime":
            value = _parse_datetime(text, position, raw)
        tokens.append(Token(kind, raw, value, position))
        position = match.end()
    tokens.append(Token("eof", "", None, len(text)))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    chars: list[str] = []
    position = start + 1
    while position < len(text):
        char = text[position]
        if char == "'":
            return "".join(chars), position + 1
        if char == "\\":
            following = text[position + 1 : position + 2]
            if following in _ESCAPES:
                chars.append(_ESCAPES[following])
            elif following in ("_", "%"):
                chars.append("\\" + following)  # kept for LIKE; = treats it as the plain character
            else:
                raise _malformed(text, position, "Invalid string literal: backslash must be followed by an escape")
            position += 2
            continue
        chars.append(char)
        position += 1
    raise _malformed(text, start, "unterminated string literal")


def _parse_date(text: str, offset: int, raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _malformed(text, offset, f"invalid date: {raw}") from None


def _parse_datetime(text: str, offset: int, raw: str) -> datetime:
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise _malformed(text, offset, f"invalid date-time: {raw}") from None


def _position(text: str, offset: int) -> tuple[int, int, str]:
    row = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    return row, offset - line_start + 1, line


def _located(error_code: str, text: str, offset: int, message: str) -> SoqlError:
    # Salesforce quotes the offending line, puts a caret under the token and names row and column.
    row, column, line = _position(text, offset)
    return SoqlError(error_code, f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{message}")


def _malformed(text: str, offset: int, message: str) -> SoqlError:
    return _located("MALFORMED_QUERY", text, offset, message)


# ---------------------------------------------------------------------------------------------- syntax


@dataclass(frozen=True, slots=True)
class FieldPath:
    """A field as written (``Email``, ``Account.Name``) and where it starts in the query text."""

    parts: tuple[str, ...]
    offset: int


@dataclass(frozen=True, slots=True)
class DateLiteral:
    """A relative date range such as TODAY or LAST_N_DAYS:30; resolved against the clock at evaluation."""

    name: str
    n: int | None = None


@dataclass(frozen=True, slots=True)
class Comparison:
    field: Any  # FieldPath while parsing, Column once bound
    operator: str  # = != < <= > >= LIKE IN NOT IN
    value: Any  # literal, DateLiteral, or a tuple of them for IN


@dataclass(frozen=True, slots=True)
class Not:
    operand: Any


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Any, ...]


Condition = Comparison | Not | And | Or


@dataclass(frozen=True, slots=True)
class Column:
    """A bound field: the canonical path (``("Account", "Name")``), its leaf field type, and its label."""

    path: tuple[str, ...]
    type: str

    @property
    def label(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True, slots=True)
class OrderItem:
    column: Any  # FieldPath, then Column
    descending: bool
    nulls_first: bool


@dataclass(frozen=True, slots=True)
class Count:
    """``COUNT()`` (column None: only totalSize is answered) or ``COUNT(field)`` (an AggregateResult row)."""

    column: Any | None
    alias: str


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed and bound query."""

    sobject: str
    columns: tuple[Column, ...]
    count: Count | None
    where: Any | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int
    text: str


_DATE_LITERALS = frozenset(
    {
        "TODAY",
        "YESTERDAY",
        "TOMORROW",
        "LAST_WEEK",
        "THIS_WEEK",
        "NEXT_WEEK",
        "LAST_MONTH",
        "THIS_MONTH",
        "NEXT_MONTH",
        "LAST_90_DAYS",
        "NEXT_90_DAYS",
        "THIS_YEAR",
        "LAST_YEAR",
        "NEXT_YEAR",
    }
)
_DATE_LITERALS_N = frozenset({"LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO", "LAST_N_WEEKS", "NEXT_N_WEEKS"})
# Valid SOQL we do not emulate: refusing clearly beats answering wrongly.
_UNSUPPORTED = frozenset(
    {
        "GROUP",
        "HAVING",
        "TYPEOF",
        "WITH",
        "FOR",
        "USING",
        "INCLUDES",
        "EXCLUDES",
        "FIELDS",
        "FORMAT",
        "TOLABEL",
        "CONVERTCURRENCY",
        "UPDATE",
        "ROLLUP",
        "CUBE",
    }
)
_MAX_OFFSET = 2000  # "OFFSET" (SOQL and SOSL Reference): the maximum offset is 2,000 rows


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    # -- token helpers
    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def keyword(self, *words: str) -> bool:
        token = self.token
        return token.kind == "ident" and token.text.upper() in words

    def expect_keyword(self, word: str) -> Token:
        if not self.keyword(word):
            raise self.unexpected()
        return self.advance()

    def expect_punct(self, char: str) -> Token:
        if not (self.token.kind == "punct" and self.token.text == char):
            raise self.unexpected()
        return self.advance()

    def unexpected(self) -> SoqlError:
        token = self.token
        if token.kind == "eof":
            return _malformed(self.text, token.offset, "unexpected token: <EOF>")
        if token.kind == "ident" and token.text.upper() in _UNSUPPORTED:
            return _malformed(
                self.text, token.offset, f"unexpected token: '{token.text}' (not supported by the leadbridge sandbox)"
            )
        return _malformed(self.text, token.offset, f"unexpected token: '{token.text}'")

    # -- grammar
    def query(self) -> tuple[str, int, list[Any], Any, list[OrderItem], int | None, int]:
        self.expect_keyword("SELECT")
        items = self.select_list()
        self.expect_keyword("FROM")
        if self.token.kind != "ident":
            raise self.unexpected()
        sobject_token = self.advance()
        where = None
        if self.keyword("WHERE"):
            self.advance()
            where = self.condition()
        order: list[OrderItem] = []
        if self.keyword("ORDER"):
            self.advance()
            self.expect_keyword("BY")
            order = self.order_list()
        limit = None
        if self.keyword("LIMIT"):
            self.advance()
            limit = self.non_negative_int()
        offset = 0
        if self.keyword("OFFSET"):
            token = self.advance()
            offset = self.non_negative_int()
            if offset > _MAX_OFFSET:
                raise _located(
                    "NUMBER_OUTSIDE_VALID_RANGE",
                    self.text,
                    token.offset,
                    f"Maximum SOQL offset allowed is {_MAX_OFFSET}",
                )
        if self.token.kind != "eof":
            raise self.unexpected()
        return sobject_token.text, sobject_token.offset, items, where, order, limit, offset

    def non_negative_int(self) -> int:
        token = self.token
        if token.kind != "number" or not isinstance(token.value, int) or token.value < 0:
            raise self.unexpected()
        self.advance()
        return int(token.value)

    def select_list(self) -> list[Any]:
        items = [self.select_item()]
        while self.token.kind == "punct" and self.token.text == ",":
            self.advance()
            items.append(self.select_item())
        return items

    def select_item(self) -> Any:
        if self.keyword("COUNT") and self.tokens[self.index + 1].text == "(":
            self.advance()
            self.expect_punct("(")
            field = None
            if not (self.token.kind == "punct" and self.token.text == ")"):
                field = self.field_path()
            self.expect_punct(")")
            alias = "expr0"
            if self.token.kind == "ident" and not self.keyword("FROM"):
                alias = self.advance().text
            return Count(field, alias)
        if self.token.kind == "punct" and self.token.text == "(":
            raise _malformed(
                self.text,
                self.token.offset,
                "unexpected token: '(' (subqueries are not supported by the leadbridge sandbox)",
            )
        return self.field_path()

    def field_path(self) -> FieldPath:
        if self.token.kind != "ident" or self.token.text.upper() in _UNSUPPORTED:
            raise self.unexpected()
        first = self.advance()
        parts = [first.text]
        while self.token.kind == "punct" and self.token.text == ".":
            self.advance()
            if self.token.kind != "ident":
                raise self.unexpected()
            parts.append(self.advance().text)
        if self.token.kind == "punct" and self.token.text == "(":
            # A function call such as FIELDS(ALL) or CALENDAR_YEAR(CreatedDate).
            raise _malformed(
                self.text,
                first.offset,
                f"unexpected token: '{first.text}' (functions are not supported by the sandbox)",
            )
        return FieldPath(tuple(parts), first.offset)

    def condition(self) -> Any:
        # SOQL has no precedence between AND and OR: mixing them without parentheses is a syntax error.
        first = self.unary()
        if not self.keyword("AND", "OR"):
            return first
        connective = self.token.text.upper()
        operands = [first]
        while self.keyword("AND", "OR"):
            if self.token.text.upper() != connective:
                raise self.unexpected()
            self.advance()
            operands.append(self.unary())
        return And(tuple(operands)) if connective == "AND" else Or(tuple(operands))

    def unary(self) -> Any:
        if self.keyword("NOT"):
            self.advance()
            return Not(self.unary())
        if self.token.kind == "punct" and self.token.text == "(":
            self.advance()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        field = self.field_path()
        token = self.token
        if token.kind == "op":
            self.advance()
            operator = "!=" if token.text == "<>" else token.text
            return Comparison(field, operator, self.value())
        if self.keyword("LIKE"):
            self.advance()
            if self.token.kind != "string":
                raise self.unexpected()
            return Comparison(field, "LIKE", self.advance().value)
        negated = False
        if self.keyword("NOT"):
            self.advance()
            negated = True
        if self.keyword("IN"):
            self.advance()
            self.expect_punct("(")
            if self.keyword("SELECT"):
                raise _malformed(
                    self.text,
                    self.token.offset,
                    "unexpected token: 'SELECT' (semi-joins are not supported by the leadbridge sandbox)",
                )
            values = [self.value()]
            while self.token.kind == "punct" and self.token.text == ",":
                self.advance()
                values.append(self.value())
            self.expect_punct(")")
            return Comparison(field, "NOT IN" if negated else "IN", tuple(values))
        raise self.unexpected()

    def value(self) -> Any:
        token = self.token
        if token.kind in ("string", "number", "date", "datetime"):
            self.advance()
            return _Literal(token.kind, token.value, token.offset)
        if token.kind == "ident":
            word = token.text.upper()
            if word in ("TRUE", "FALSE"):
                self.advance()
                return _Literal("boolean", word == "TRUE", token.offset)
            if word == "NULL":
                self.advance()
                return _Literal("null", None, token.offset)
            if word in _DATE_LITERALS:
                self.advance()
                return _Literal("dateliteral", DateLiteral(word), token.offset)
            if word in _DATE_LITERALS_N:
                self.advance()
                self.expect_punct(":")
                n = self.non_negative_int()
                return _Literal("dateliteral", DateLiteral(word, n), token.offset)
        if token.kind == "punct" and token.text == ":":
            raise _malformed(self.text, token.offset, "unexpected token: ':' (bind variables are Apex-only)")
        raise self.unexpected()

    def order_list(self) -> list[OrderItem]:
        items = [self.order_item()]
        while self.token.kind == "punct" and self.token.text == ",":
            self.advance()
            items.append(self.order_item())
        return items

    def order_item(self) -> OrderItem:
        field = self.field_path()
        descending = False
        if self.keyword("ASC", "DESC"):
            descending = self.advance().text.upper() == "DESC"
        # "ORDER BY": by default null values are sorted first (ascending) — and last when descending,
        # which is the same as saying nulls sort as the lowest value.
        nulls_first = not descending
        if self.keyword("NULLS"):
            self.advance()
            if not self.keyword("FIRST", "LAST"):
                raise self.unexpected()
            nulls_first = self.advance().text.upper() == "FIRST"
        return OrderItem(field, descending, nulls_first)


@dataclass(frozen=True, slots=True)
class _Literal:
    kind: str  # string number date datetime boolean null dateliteral
    value: Any
    offset: int


# ---------------------------------------------------------------------------------------------- binding


def parse(text: str, catalog: Catalog) -> Query:
    """Parse ``text`` and bind it to the objects of ``catalog``; raise SoqlError as Salesforce would."""
    parser = _Parser(text)
    sobject_name, sobject_offset, items, where, order, limit, offset = parser.query()
    sobject = catalog.object(sobject_name)
    if sobject is None:
        raise _located(
            "INVALID_TYPE",
            text,
            sobject_offset,
            f"sObject type '{sobject_name}' is not supported. If you are attempting to use a custom "
            "object, be sure to append the '__c' after the entity name. Please reference your WSDL "
            "or the describe call for the appropriate names.",
        )
    binder = _Binder(text, sobject)
    columns: list[Column] = []
    count: Count | None = None
    for item in items:
        if isinstance(item, Count):
            if count is not None or columns:
                raise _malformed(text, sobject_offset, "COUNT() must be the only element in the SELECT list")
            count = Count(binder.column(item.column) if item.column is not None else None, item.alias)
        else:
            if count is not None:
                raise _malformed(text, item.offset, "COUNT() must be the only element in the SELECT list")
            column = binder.column(item)
            if any(existing.path == column.path for existing in columns):
                raise _malformed(text, item.offset, f"duplicate field selected: {column.label}")
            columns.append(column)
    bound_where = binder.condition(where) if where is not None else None
    bound_order = tuple(OrderItem(binder.column(o.column), o.descending, o.nulls_first) for o in order)
    if count is not None and count.column is None and bound_order:
        raise _malformed(text, order[0].column.offset, "ORDER BY is not allowed with COUNT()")
    return Query(sobject.name, tuple(columns), count, bound_where, bound_order, limit, offset, text)


class _Binder:
    def __init__(self, text: str, sobject: ObjectInfo):
        self.text = text
        self.sobject = sobject

    def column(self, path: FieldPath) -> Column:
        current = self.sobject
        canonical: list[str] = []
        for part in path.parts[:-1]:
            parent = current.parent(part)
            if parent is None:
                raise self.no_such_column(path, current)
            canonical.append(_relationship_name(current, part))
            current = parent
        field = current.field(path.parts[-1])
        if field is None:
            raise self.no_such_column(path, current)
        canonical.append(field.name)
        return Column(tuple(canonical), field.type)

    def no_such_column(self, path: FieldPath, sobject: ObjectInfo) -> SoqlError:
        name = ".".join(path.parts)
        if len(path.parts) > 1:
            message = (
                f"Didn't understand relationship '{path.parts[0]}' in field path. If you are attempting "
                "to use a custom relationship, be sure to append the '__r' after the custom relationship "
                "name. Please reference your WSDL or the describe call for the appropriate names."
            )
        else:
            message = (
                f"No such column '{name}' on entity '{sobject.name}'. If you are attempting to use a "
                "custom field, be sure to append the '__c' after the custom field name. Please reference "
                "your WSDL or the describe call for the appropriate names."
            )
        return _located("INVALID_FIELD", self.text, path.offset, message)

    def condition(self, node: Any) -> Any:
        if isinstance(node, And):
            return And(tuple(self.condition(o) for o in node.operands))
        if isinstance(node, Or):
            return Or(tuple(self.condition(o) for o in node.operands))
        if isinstance(node, Not):
            return Not(self.condition(node.operand))
        column = self.column(node.field)
        if node.operator == "LIKE":
            if column.type not in STRING_TYPES:
                raise _located(
                    "INVALID_FIELD", self.text, node.field.offset, f"invalid operator on {column.type} field: LIKE"
                )
            return Comparison(column, "LIKE", _like_regex(node.value))
        if node.operator in ("IN", "NOT IN"):
            return Comparison(column, node.operator, tuple(self.literal(column, v) for v in node.value))
        value = self.literal(column, node.value)
        if column.type == "boolean" and node.operator not in ("=", "!="):
            raise _located(
                "INVALID_FIELD", self.text, node.field.offset, f"invalid operator on boolean field: {node.operator}"
            )
        if value is None and node.operator not in ("=", "!="):
            raise _malformed(self.text, node.value.offset, f"invalid use of null with operator {node.operator}")
        return Comparison(column, node.operator, value)

    def literal(self, column: Column, literal: _Literal) -> Any:
        """The literal as a value comparable with the field's values, or the type error Salesforce gives."""
        kind, value = literal.kind, literal.value
        if kind == "null":
            return None
        expected = column.type
        if expected in ID_TYPES and kind == "string":
            normalized = to18(value)
            if normalized is None:
                raise _located("INVALID_QUERY_FILTER_OPERATOR", self.text, literal.offset, f"invalid ID field: {value}")
            return normalized
        if expected in STRING_TYPES and kind == "string":
            return value.replace("\\_", "_").replace("\\%", "%")
        if expected in NUMBER_TYPES and kind == "number":
            return value
        if expected == "boolean" and kind == "boolean":
            return value
        if expected == "datetime" and kind in ("datetime", "dateliteral"):
            return value
        if expected == "date" and kind in ("date", "dateliteral"):
            return value
        # "Date Formats and Date Literals in WHERE": a dateTime value filters dateTime fields only and a date
        # value date fields only; values of other types must match the field's type.
        soql_type = {"datetime": "dateTime", "id": "id", "reference": "id"}.get(expected, expected)
        if expected in ID_TYPES:
            soql_type = "id"
        elif expected in STRING_TYPES:
            soql_type = "string"
        message = f"value of filter criterion for field '{column.label}' must be of type {soql_type}"
        if kind == "string":
            message += " and should not be enclosed in quotes"
        elif soql_type in ("string", "id"):
            message += " and should be enclosed in quotes"
        raise _located("INVALID_FIELD", self.text, literal.offset, message)


def _relationship_name(sobject: ObjectInfo, written: str) -> str:
    # Relationship names are case-insensitive in SOQL; answers use the canonical spelling (the reference
    # field's name without "Id"), which is how describe() names the relationship.
    for suffix in ("Id",):
        field = sobject.field(written + suffix)
        if field is not None:
            return field.name[: -len(suffix)]
    return written


def _like_regex(pattern: str) -> re.Pattern[str]:
    # "Comparison Operators": % matches zero or more characters, _ exactly one; \% and \_ match themselves.
    # LIKE is case-insensitive.
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern) and pattern[index + 1] in "%_":
            out.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        index += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def date_range(literal: DateLiteral, now: datetime) -> tuple[datetime, datetime]:
    """The [start, end) UTC range of a date literal at ``now`` ("Date Formats and Date Literals in WHERE").

    The sandbox's users are in GMT with an en_US locale, so weeks start on Sunday.
    """
    today = datetime(now.year, now.month, now.day, tzinfo=UTC)
    day = timedelta(days=1)
    name, n = literal.name, literal.n or 0
    week_start = today - timedelta(days=(today.weekday() + 1) % 7)
    month_start = today.replace(day=1)

    def add_months(start: datetime, months: int) -> datetime:
        index = start.year * 12 + start.month - 1 + months
        return start.replace(year=index // 12, month=index % 12 + 1, day=1)

    ranges = {
        "TODAY": (today, today + day),
        "YESTERDAY": (today - day, today),
        "TOMORROW": (today + day, today + 2 * day),
        "THIS_WEEK": (week_start, week_start + 7 * day),
        "LAST_WEEK": (week_start - 7 * day, week_start),
        "NEXT_WEEK": (week_start + 7 * day, week_start + 14 * day),
        "THIS_MONTH": (month_start, add_months(month_start, 1)),
        "LAST_MONTH": (add_months(month_start, -1), month_start),
        "NEXT_MONTH": (add_months(month_start, 1), add_months(month_start, 2)),
        # LAST_90_DAYS and LAST_N_DAYS:n include today; NEXT_* start tomorrow.
        "LAST_90_DAYS": (today - 90 * day, today + day),
        "NEXT_90_DAYS": (today + day, today + 91 * day),
        "THIS_YEAR": (today.replace(month=1, day=1), today.replace(year=today.year + 1, month=1, day=1)),
        "LAST_YEAR": (today.replace(year=today.year - 1, month=1, day=1), today.replace(month=1, day=1)),
        "NEXT_YEAR": (
            today.replace(year=today.year + 1, month=1, day=1),
            today.replace(year=today.year + 2, month=1, day=1),
        ),
        "LAST_N_DAYS": (today - n * day, today + day),
        "NEXT_N_DAYS": (today + day, today + (n + 1) * day),
        "N_DAYS_AGO": (today - n * day, today - (n - 1) * day),
        "LAST_N_WEEKS": (week_start - 7 * n * day, week_start),
        "NEXT_N_WEEKS": (week_start + 7 * day, week_start + 7 * (n + 1) * day),
    }
    return ranges[name]


def referenced_paths(query: Query) -> Sequence[tuple[str, ...]]:
    """Every field path the query reads, for callers that fetch values lazily."""
    paths: list[tuple[str, ...]] = [c.path for c in query.columns]
    paths += [o.column.path for o in query.order_by]

    def walk(node: Any) -> None:
        if isinstance(node, And | Or):
            for operand in node.operands:
                walk(operand)
        elif isinstance(node, Not):
            walk(node.operand)
        elif isinstance(node, Comparison):
            paths.append(node.field.path)

    walk(query.where)
    return paths
