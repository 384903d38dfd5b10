"""Field values in and out: JSON rendering, Bulk CSV rendering, and checking values a client writes.

Formats, as the APIs use them:
- REST JSON: dateTime ``2026-01-01T09:30:00.000+0000``, date ``2026-01-01`` (REST API Developer Guide, record
  examples in "Get Field Values from a Standard Object Record" and the Limit Info Header example).
- Bulk API 2.0 CSV: dateTime ``2026-01-01T09:30:00.000Z``, booleans ``true``/``false``, null as an empty
  field (Bulk API 2.0 Developer Guide, "Valid Date Format in Records" and "Prepare CSV Files").
- Outbound messages: xsd:dateTime ``2015-08-14T18:27:02.000Z`` as in the captured samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from connector.sandbox.salesforce.schema import FieldSpec
from connector.sandbox.salesforce.soql import ID_TYPES, NUMBER_TYPES, STRING_TYPES


def json_value(value: Any) -> Any:
    """A Python field value as the REST API writes it in JSON."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"
    if isinstance(value, date):
        return value.isoformat()
    return value


def xml_value(value: Any) -> str:
    """A Python field value as SOAP (outbound messages) writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return f"{value:.1f}"
    return str(value)


def csv_value(value: Any) -> str:
    """A Python field value as a Bulk API 2.0 query result CSV cell (before quoting)."""
    if value is None:
        return ""
    return xml_value(value)


@dataclass(frozen=True)
class FieldError:
    """One error in a SaveResult: ``{"statusCode", "message", "fields"}``."""

    status_code: str
    message: str
    fields: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"statusCode": self.status_code, "message": self.message, "fields": list(self.fields)}


class InvalidValue(Exception):
    """A written value the field cannot hold; carries the SaveResult error Salesforce returns."""

    def __init__(self, error: FieldError):
        super().__init__(error.message)
        self.error = error


def parse_write(spec: FieldSpec, raw: Any) -> Any:
    """The Python value a client's JSON ``raw`` stores in field ``spec``, or InvalidValue.

    Status codes are Salesforce's ("StatusCode" enum, SOAP API Developer Guide): STRING_TOO_LONG,
    INVALID_TYPE_ON_FIELD_IN_RECORD, INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, REQUIRED_FIELD_MISSING.
    """
    label = spec.label or spec.name
    if raw is None or (raw == "" and spec.type not in ("boolean",)):
        if not spec.nillable and spec.type != "boolean":
            raise InvalidValue(
                FieldError("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{spec.name}]", (spec.name,))
            )
        return None if spec.type != "boolean" else False

    def wrong_type() -> InvalidValue:
        return InvalidValue(
            FieldError("INVALID_TYPE_ON_FIELD_IN_RECORD", f"{label}: value not of required type: {raw}", (spec.name,))
        )

    kind = spec.type
    if kind in STRING_TYPES or kind in ID_TYPES:
        if not isinstance(raw, str | int | float) or isinstance(raw, bool):
            raise wrong_type()
        text = str(raw)
        if spec.length and len(text) > spec.length:
            raise InvalidValue(
                FieldError(
                    "STRING_TOO_LONG",
                    f"{label}: data value too large: {text[:60]} (max length={spec.length})",
                    (spec.name,),
                )
            )
        if kind == "picklist" and spec.restricted and text not in spec.picklist:
            raise InvalidValue(
                FieldError(
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    f"{label}: bad value for restricted picklist field: {text}",
                    (spec.name,),
                )
            )
        return text
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise wrong_type()
    if kind in NUMBER_TYPES:
        if isinstance(raw, bool):
            raise wrong_type()
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise wrong_type() from None
        return int(number) if kind == "int" else number
    if kind == "datetime":
        try:
            parsed = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        except ValueError:
            raise wrong_type() from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC).replace(microsecond=parsed.microsecond // 1000 * 1000)
    if kind == "date":
        try:
            return date.fromisoformat(str(raw)[:10])
        except ValueError:
            raise wrong_type() from None
    raise wrong_type()
