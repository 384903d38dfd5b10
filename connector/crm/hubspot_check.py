"""``leadbridge check --live --source hubspot``: is this portal ready for this mapping?

Checks, each a ``Finding`` (ok, warning or problem): the token works; the private app has the read scopes
the sync needs (a 403 on a probe names the missing one; write scopes show on the first write); every mapped
property exists with a type leadbridge can read, every write target exists (else ``leadbridge setup``),
is writable and has a compatible type; lifecyclestage options the mapping does not map (custom stages
have numeric ids); the rate budget left, from HubSpot's X-HubSpot-RateLimit-* headers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from connector.crm import hubspot_records as records
from connector.crm.hubspot_client import ENGAGEMENT_TYPES, HubSpotApi
from connector.crm.hubspot_setup import existing_properties, property_body
from connector.errors import CrmError, FatalCrmError
from connector.mapping.records import ContactReader
from connector.mapping.schema import Column
from connector.mapping.schema import Mapping as SourceMapping
from connector.model import Stage


class Level(enum.Enum):
    OK = "ok"
    WARNING = "warning"
    PROBLEM = "problem"


@dataclass(frozen=True)
class Finding:
    level: Level
    what: str
    detail: str


#: HubSpot property types a column read as ``type`` accepts.
_READABLE: dict[str, tuple[str, ...]] = {
    "int": ("number", "string", "enumeration"),
    "float": ("number", "string", "enumeration"),
    "range": ("enumeration", "string", "number"),
    "bool": ("bool", "enumeration", "string"),
    "datetime": ("datetime", "date"),
    "stage": ("enumeration", "string"),
}
#: HubSpot property types that take what leadbridge writes, by the type ``setup`` creates.
_WRITABLE: dict[str, tuple[str, ...]] = {
    "number": ("number",),
    "string": ("string", "enumeration"),
    "bool": ("bool", "enumeration"),
    "datetime": ("datetime", "date"),
    "enumeration": ("enumeration", "string"),
}


def check_portal(api: HubSpotApi, mapping: SourceMapping) -> list[Finding]:
    """Every finding, in the order an admin fixes them. A fatal answer (bad token) ends the list early."""
    findings: list[Finding] = []
    try:
        api.call("list", api.contacts.get_page, limit=1, properties=["email"])
    except FatalCrmError as exc:
        return [Finding(Level.PROBLEM, "access token", str(exc))]
    findings.append(Finding(Level.OK, "access token", f"accepted by {api.config.base_url}"))
    findings.append(_scopes(api))
    properties = existing_properties(api)
    findings += _read_properties(mapping, properties)
    findings += _write_properties(mapping, properties)
    findings.append(_lifecycle_options(mapping, properties))
    findings.append(_budget(api))
    return findings


def _scopes(api: HubSpotApi) -> Finding:
    probes: list[tuple[str, Any, tuple[Any, ...]]] = [
        ("crm.objects.deals.read", api.deals_batch.read, ({"inputs": [{"id": "1"}], "properties": []},)),
        ("crm.objects.contacts.read (associations)", api.associations.get_page,
         ("contacts", "deals", {"inputs": [{"id": "1"}]})),
    ]
    for kind in ENGAGEMENT_TYPES:
        probes.append((f"read {kind}", api.engagements_batch[kind].read,
                       (kind, {"inputs": [{"id": "1"}], "properties": []})))
    missing = []
    for scope, method, args in probes:
        try:
            api.call("scope_probe", method, *args)
        except FatalCrmError as exc:
            if exc.status == 403:
                missing.append(scope)
            else:
                raise
        except CrmError:
            pass  # answered (e.g. a 400 for the probe id): the scope is there
    if missing:
        return Finding(Level.PROBLEM, "scopes", f"the private app cannot {', '.join(missing)}: add the scopes")
    return Finding(Level.OK, "scopes", "contacts, properties, deals and engagements are readable "
                                       "(write scopes show on the first write)")


def _columns(mapping: SourceMapping) -> list[Column]:
    spec = mapping.contacts
    columns = [spec.id, *([spec.updated_at] if spec.updated_at else []), *(f.column for f in spec.fields)]
    return [c for c in columns if c.name not in records.DEAL_COLUMNS]


def _read_properties(mapping: SourceMapping, properties: dict[str, dict[str, Any]]) -> list[Finding]:
    missing: list[str] = []
    optional_missing: list[str] = []
    wrong: list[str] = []
    for column in _columns(mapping):
        found = properties.get(column.name)
        if found is None:
            (optional_missing if column.optional else missing).append(column.name)
        elif column.type in _READABLE and found.get("type") not in _READABLE[column.type]:
            wrong.append(f"{column.name} is {found.get('type')}, read as {column.type}")
    findings = []
    if missing or wrong:
        detail = "; ".join([*(f"{name} does not exist" for name in missing), *wrong])
        findings.append(Finding(Level.PROBLEM, "mapped properties", detail))
    else:
        findings.append(Finding(Level.OK, "mapped properties", f"{len(ContactReader(mapping).columns)} columns "
                                                               "exist with compatible types"))
    if optional_missing:
        findings.append(Finding(Level.WARNING, "optional properties",
                                f"not in this portal (read as empty): {', '.join(optional_missing)}"))
    return findings


def _write_properties(mapping: SourceMapping, properties: dict[str, dict[str, Any]]) -> list[Finding]:
    problems = []
    for write in mapping.write:
        found = properties.get(write.to)
        wanted = property_body(write)["type"]
        if found is None:
            problems.append(f"{write.to} does not exist: run `leadbridge setup --source hubspot`")
        elif (found.get("modificationMetadata") or {}).get("readOnlyValue") or found.get("calculated"):
            problems.append(f"{write.to} is read-only (calculated): write {write.output} elsewhere")
        elif found.get("type") not in _WRITABLE.get(wanted, (wanted,)):
            problems.append(f"{write.to} is {found.get('type')}; leadbridge writes {wanted} values")
    if problems:
        return [Finding(Level.PROBLEM, "write-back properties", "; ".join(problems))]
    return [Finding(Level.OK, "write-back properties", f"{len(mapping.write)} exist and are writable")]


def _lifecycle_options(mapping: SourceMapping, properties: dict[str, dict[str, Any]]) -> Finding:
    found = properties.get("lifecyclestage")
    if found is None:
        return Finding(Level.WARNING, "lifecyclestage", "the portal has no lifecyclestage property")
    known: dict[str, Any] = {}
    for field in mapping.contacts.fields:
        if field.target == "crm_stage" and field.column.name == "lifecyclestage":
            known = dict(field.column.value_map or {})
    unmapped = []
    for option in found.get("options") or ():
        value = str(option.get("value"))
        if value.lower() in known:
            continue
        try:
            Stage.parse(value)
        except ValueError:
            unmapped.append(f"{value} ({option.get('label')})")
    options = ", ".join(str(o.get("value")) for o in found.get("options") or ())
    if unmapped:
        return Finding(Level.WARNING, "lifecyclestage", f"options not mapped to a stage: {', '.join(unmapped)}; add "
                                                        "them to crm_stage's map (custom stages have numeric ids)")
    return Finding(Level.OK, "lifecyclestage", f"every option is mapped: {options}")


def _budget(api: HubSpotApi) -> Finding:
    headers = {k.lower(): v for k, v in api.stats.last_headers.items()}
    if not headers:
        return Finding(Level.WARNING, "rate budget", "HubSpot sent no X-HubSpot-RateLimit headers")
    return Finding(Level.OK, "rate budget",
                   f"{headers.get('x-hubspot-ratelimit-remaining')} of {headers.get('x-hubspot-ratelimit-max')} "
                   f"left in the {int(headers.get('x-hubspot-ratelimit-interval-milliseconds', '10000')) / 1000:g} s "
                   f"window; {headers.get('x-hubspot-ratelimit-daily-remaining')} of "
                   f"{headers.get('x-hubspot-ratelimit-daily')} left today; leadbridge uses up to "
                   f"{api.budget.per_window} per window")
