"""Property writes checked as HubSpot checks them: unknown, read-only and ill-typed values are refused with
the 400 HubSpot answers, naming every offending property."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector.sandbox.hubspot.errors import PropertyProblem, property_values_invalid
from connector.sandbox.hubspot.schema import PropertyRegistry
from connector.sandbox.hubspot.timefmt import parse_ms


def validate_properties(properties: Mapping[str, Any], registry: PropertyRegistry, portal_id: int) -> dict[str, str]:
    """Check a write's properties against their definitions; the values as HubSpot stores them.

    Raises the 400 HubSpot answers, naming every offending property (PROPERTY_DOESNT_EXIST,
    READ_ONLY_VALUE, INVALID_OPTION, INVALID_INTEGER, INVALID_DATE).
    """
    problems: list[PropertyProblem] = []
    clean: dict[str, str] = {}
    for name, raw in properties.items():
        definition = registry.get(name)
        if definition is None:
            problems.append(PropertyProblem(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'))
            continue
        if definition.read_only:
            # Source: HubSpot's answer for calculated properties, e.g. mautic/mautic#8785.
            message = f'"{name}" is a read only property; its value cannot be set.'
            problems.append(PropertyProblem(name, "READ_ONLY_VALUE", message))
            continue
        value = _as_text(raw)
        if value == "":
            clean[name] = ""
            continue
        if definition.type == "enumeration" and definition.options and value not in definition.options:
            allowed = ", ".join(definition.options)
            message = f"{value} was not one of the allowed options of {name}: [{allowed}]"
            problems.append(PropertyProblem(name, "INVALID_OPTION", message))
        elif definition.type == "number" and not _is_number(value):
            problems.append(PropertyProblem(name, "INVALID_INTEGER", f"{value} is not a valid number"))
        elif definition.type in ("date", "datetime") and parse_ms(value) is None:
            problems.append(PropertyProblem(name, "INVALID_DATE", f"{value} is not a valid date"))
        elif definition.type == "bool" and value.lower() not in ("true", "false"):
            problems.append(PropertyProblem(name, "INVALID_BOOLEAN", f"{value} is not a valid boolean"))
        else:
            clean[name] = value.lower() if definition.type == "bool" else value
    if problems:
        raise property_values_invalid(problems, portal_id)
    return clean


def _as_text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
