"""Load a mapping YAML file into a validated ``Mapping``.

Every mistake is a ConfigError that names the file, the line and the key, and suggests the nearest valid
name when there is one (``emial`` -> ``email``, ``page_veiw`` -> ``page_view``). Unknown keys are errors:
a misspelt option must never be silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from connector.errors import ConfigError
from connector.mapping.schema import (
    ACTIVITY_KINDS,
    DETAIL_KEYS,
    FIELD_TYPES,
    FIRST_REACHED_OUTPUTS,
    OUTPUTS,
    SIGNAL_TYPES,
    SOURCES,
    TEXT_TYPES,
    VALUE_TYPES,
    ActivitiesMap,
    Column,
    ContactsMap,
    FieldMap,
    Mapping,
    WriteField,
    WritePolicy,
)
from connector.mapping.shipped import shipped_mapping
from connector.mapping.transforms import PARSERS, PASS, column_reader, map_key, parse_datetime
from connector.mapping.yamlfile import KeyPath, YamlDoc, load_yaml
from connector.model import CONTACT_FIELDS, Stage

_TOP_KEYS = ("source", "contacts", "activities", "write")
_CONTACTS_KEYS = ("id", "object", "updated_at", "fields")
_ACTIVITIES_KEYS = ("contact_id", "id", "kind", "occurred_at", "detail")
# A list of activity sections (one per CRM object: Task, Event, ...) names each one's object.
_ACTIVITY_LIST_KEYS = ("object", *_ACTIVITIES_KEYS)
_COLUMN_KEYS = ("from", "type", "map", "default", "fallback", "format", "optional")
_WRITE_KEYS = ("output", "to", "map", "policy")
_STAGES = tuple(stage.value for stage in Stage)
_POLICIES = tuple(policy.value for policy in WritePolicy)
_BOOL_OUTPUTS = ("disqualified",)
_OBJECT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# Names a mapped value is checked against, for the suggestion when it is not one of them.
_VALUE_NAMES = {"stage": _STAGES, "kind": ACTIVITY_KINDS}


def load_mapping(path: str | Path | None = None, source: str | None = "files") -> Mapping:
    """Load and validate a mapping; without ``path``, the shipped ``mappings/<source>.yaml``.

    ``source`` is the source it will be used with; a file written for another source is refused.
    With ``source=None`` (``leadbridge check``) the file's own ``source:`` decides.
    """
    if path is None:
        if source is None:
            raise ConfigError("no mapping file given and no source to pick a shipped one for")
        path = shipped_mapping(f"{source}.yaml")
    return parse_mapping(load_yaml(path), source)


def parse_mapping(doc: YamlDoc, source: str | None = "files") -> Mapping:
    """Validate parsed YAML (``load_yaml``) into a Mapping."""
    if doc.data is None:
        raise doc.error((), "the mapping file is empty; it needs contacts: (and usually source: and write:)")
    data = _section(doc, (), doc.data, "the mapping")
    _check_keys(doc, (), data, _TOP_KEYS, required=("contacts",))
    declared = data.get("source", source)
    if declared is None:
        raise doc.error((), f"missing key 'source' (one of: {', '.join(SOURCES)})")
    declared = _text(doc, ("source",), declared)
    if declared not in SOURCES:
        raise doc.error(("source",), f"unknown source '{declared}'", unknown=declared, valid=SOURCES)
    if source is not None and declared != source:
        raise doc.error(("source",), f"this mapping is for the {declared} source, not {source}; use a {source} mapping")
    activities = data.get("activities")
    contact_maps = _contact_maps(doc, ("contacts",), data["contacts"])
    activity_maps = _activity_maps(doc, ("activities",), activities) if activities is not None else ()
    return Mapping(
        source=declared,
        file=doc.file,
        contacts=contact_maps[0],
        activities=activity_maps[0] if activity_maps else None,
        write=_write(doc, ("write",), data.get("write") or [], contact_maps[0]),
        contact_maps=contact_maps,
        activity_maps=activity_maps,
    )


def _contact_maps(doc: YamlDoc, path: KeyPath, value: Any) -> tuple[ContactsMap, ...]:
    """One contacts section, or a list of them for a CRM that keeps people in several objects (Salesforce
    Lead and Contact); each object may appear once."""
    if not isinstance(value, list):
        return (_contacts(doc, path, value),)
    if not value:
        raise doc.error(path, "contacts: lists at least one object section")
    maps: list[ContactsMap] = []
    for index, item in enumerate(value):
        item_path = (*path, index)
        if isinstance(item, dict) and item.get("object") is None:
            raise doc.error(item_path, "each section of a contacts: list names its object: (lead, contact, ...)")
        spec = _contacts(doc, item_path, item)
        if any(m.object == spec.object for m in maps):
            raise doc.error((*item_path, "object"), f"object '{spec.object}' is listed twice in contacts:")
        maps.append(spec)
    return tuple(maps)


def _activity_maps(doc: YamlDoc, path: KeyPath, value: Any) -> tuple[ActivitiesMap, ...]:
    """One activities section, or a list of them, each naming the CRM object it is read from."""
    if not isinstance(value, list):
        return (_activities(doc, path, value),)
    maps: list[ActivitiesMap] = []
    for index, item in enumerate(value):
        item_path = (*path, index)
        data = _section(doc, item_path, item, "an activities section")
        _check_keys(doc, item_path, data, _ACTIVITY_LIST_KEYS, required=("object",))
        object_name = _text(doc, (*item_path, "object"), data["object"])
        if not _OBJECT_NAME.fullmatch(object_name):
            raise doc.error((*item_path, "object"), f"object '{object_name}' must be a plain name such as Task")
        if any(m.object == object_name for m in maps):
            raise doc.error((*item_path, "object"), f"object '{object_name}' is listed twice in activities:")
        rest = {k: v for k, v in data.items() if k != "object"}
        maps.append(replace(_activities(doc, item_path, rest), object=object_name))
    return tuple(maps)


def _contacts(doc: YamlDoc, path: KeyPath, value: Any) -> ContactsMap:
    data = _section(doc, path, value, "contacts")
    _check_keys(doc, path, data, _CONTACTS_KEYS, required=("id", "fields"))
    object_name = _text(doc, (*path, "object"), data.get("object", "contact"))
    if not _OBJECT_NAME.fullmatch(object_name):
        raise doc.error((*path, "object"), f"object '{object_name}' must be a plain name such as contact or lead")
    fields_path = (*path, "fields")
    fields = _section(doc, fields_path, data["fields"], "contacts.fields")
    updated_at = data.get("updated_at")
    return ContactsMap(
        object=object_name,
        id=_required_column(doc, (*path, "id"), data["id"], ("str",)),
        updated_at=_column(doc, (*path, "updated_at"), updated_at, ("datetime",)) if updated_at else None,
        fields=tuple(_field(doc, (*fields_path, target), target, spec) for target, spec in fields.items()),
    )


def _field(doc: YamlDoc, path: KeyPath, target: str, spec: Any) -> FieldMap:
    return FieldMap(target, _column(doc, path, spec, _field_types(doc, path, target)))


def _field_types(doc: YamlDoc, path: KeyPath, target: str) -> tuple[str, ...]:
    """The types a target accepts, the first being its default; errors name the nearest valid field."""
    if target == "updated_at":
        raise doc.error(path, "set the change time as contacts.updated_at (it also drives incremental runs)")
    if target in FIELD_TYPES:
        return FIELD_TYPES[target]
    if target in CONTACT_FIELDS:
        return TEXT_TYPES
    group, dot, name = target.partition(".")
    if dot and group == "attributes" and name:
        return ("str", *(t for t in VALUE_TYPES if t != "str"))
    if dot and group == "signals":
        if name not in ACTIVITY_KINDS:
            raise doc.error(
                path, f"unknown activity kind '{name}' in signals.{name}", unknown=name, valid=ACTIVITY_KINDS
            )
        return SIGNAL_TYPES
    candidates = [f for f in CONTACT_FIELDS if f != "updated_at"]
    if dot:
        candidates += [f"attributes.{name}", f"signals.{name}"]
    raise doc.error(
        path,
        f"unknown field '{target}'; custom fields go under attributes.<name>, rollup counts under signals.<kind>",
        unknown=target,
        valid=candidates,
    )


def _activities(doc: YamlDoc, path: KeyPath, value: Any) -> ActivitiesMap:
    data = _section(doc, path, value, "activities")
    _check_keys(doc, path, data, _ACTIVITIES_KEYS, required=("contact_id", "kind", "occurred_at"))
    detail_path = (*path, "detail")
    detail = _section(doc, detail_path, data.get("detail") or {}, "activities.detail")
    for key in detail:
        if key not in DETAIL_KEYS:
            raise doc.error((*detail_path, key), f"unknown detail '{key}'", unknown=key, valid=DETAIL_KEYS)
    return ActivitiesMap(
        contact_id=_required_column(doc, (*path, "contact_id"), data["contact_id"], ("str",)),
        kind=_column(doc, (*path, "kind"), data["kind"], ("kind",), typed=False),
        occurred_at=_required_column(doc, (*path, "occurred_at"), data["occurred_at"], ("datetime",)),
        id=_column(doc, (*path, "id"), data["id"], ("str",)) if data.get("id") else None,
        detail=tuple((key, _column(doc, (*detail_path, key), spec, ("str",))) for key, spec in detail.items()),
    )


def _required_column(doc: YamlDoc, path: KeyPath, spec: Any, types: tuple[str, ...]) -> Column:
    column = _column(doc, path, spec, types)
    if column.optional:
        raise doc.error((*path, "optional"), f"{'.'.join(map(str, path))} cannot be optional")
    return column


def _column(doc: YamlDoc, path: KeyPath, spec: Any, types: tuple[str, ...], *, typed: bool = True) -> Column:
    """A column spec: a bare name, or ``{from, type, map, default, fallback, format, optional}``."""
    line = doc.line(path)
    if isinstance(spec, str | int) and not isinstance(spec, bool):
        name = _text(doc, path, spec)
        return Column(name, types[0], column_reader(types[0]), line=line)
    if not isinstance(spec, dict):
        raise doc.error(path, "expected a column name, or {from: <column>, type: ..., map: {...}}")
    allowed = _COLUMN_KEYS if typed else tuple(k for k in _COLUMN_KEYS if k not in ("type", "format"))
    _check_keys(doc, path, spec, allowed, required=("from",))
    name = _text(doc, (*path, "from"), spec["from"])
    type_name = _text(doc, (*path, "type"), spec.get("type", types[0]))
    if type_name not in VALUE_TYPES and type_name != "kind":
        raise doc.error((*path, "type"), f"unknown type '{type_name}'", unknown=type_name, valid=VALUE_TYPES)
    if type_name not in types:
        raise doc.error(
            (*path, "type"), f"type '{type_name}' does not fit here; use one of: {', '.join(types)}",
            unknown=type_name, valid=types,
        )
    fmt = spec.get("format")
    if fmt is not None and (type_name != "datetime" or not isinstance(fmt, str) or "%" not in fmt):
        raise doc.error((*path, "format"), "format: is a strptime pattern such as '%d/%m/%Y' for datetime columns")
    value_map = None
    if "map" in spec:
        map_path = (*path, "map")
        raw_map = _section(doc, map_path, spec["map"], "map")
        value_map = {}
        for raw, common in raw_map.items():
            key = map_key(raw)
            if key in value_map:
                raise doc.error((*map_path, raw), f"'{raw}' is listed twice in the map (case and blanks are ignored)")
            value_map[key] = _typed(doc, (*map_path, raw), type_name, common, fmt)
    default = _typed(doc, (*path, "default"), type_name, spec.get("default"), fmt)
    fallback = _typed(doc, (*path, "fallback"), type_name, spec["fallback"], fmt) if "fallback" in spec else PASS
    optional = spec.get("optional", False)
    if not isinstance(optional, bool):
        raise doc.error((*path, "optional"), "optional: is true or false")
    reader = column_reader(type_name, value_map=value_map, default=default, fallback=fallback, fmt=fmt)
    return Column(name, type_name, reader, value_map=value_map, optional=optional, line=line)


def _typed(doc: YamlDoc, path: KeyPath, type_name: str, value: Any, fmt: str | None) -> Any:
    """A value written in the YAML (map value, default, fallback), checked and converted like data."""
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise doc.error(path, "expected a single value here, not a list or mapping")
    names = _VALUE_NAMES.get(type_name)
    if names is not None and str(value).strip().lower() not in names:
        what = "activity kind" if type_name == "kind" else "stage"
        raise doc.error(path, f"unknown {what} '{value}'", unknown=str(value).strip().lower(), valid=names)
    if isinstance(value, str):
        value = value.strip()
    try:
        return parse_datetime(value, fmt) if type_name == "datetime" else PARSERS[type_name](value)
    except ValueError as exc:
        raise doc.error(path, f"{exc} (this column is read as {type_name})") from None


def _write(doc: YamlDoc, path: KeyPath, value: Any, contacts: ContactsMap) -> tuple[WriteField, ...]:
    if not isinstance(value, list):
        raise doc.error(path, "write: is a list of {output: ..., to: <property>, policy: ...}")
    fields: list[WriteField] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(value):
        item_path = (*path, index)
        entry = _section(doc, item_path, item, "a write entry")
        _check_keys(doc, item_path, entry, _WRITE_KEYS, required=("output", "to"))
        output = _text(doc, (*item_path, "output"), entry["output"])
        if output not in OUTPUTS:
            raise doc.error((*item_path, "output"), f"unknown output '{output}'", unknown=output, valid=OUTPUTS)
        target = _text(doc, (*item_path, "to"), entry["to"])
        if target in seen:
            raise doc.error(
                (*item_path, "to"), f"'{target}' is already written by write[{seen[target]}]; write it once"
            )
        seen[target] = index
        default_policy = "if_empty" if output in FIRST_REACHED_OUTPUTS else "overwrite"
        policy_name = _text(doc, (*item_path, "policy"), entry.get("policy", default_policy))
        if policy_name not in _POLICIES:
            raise doc.error(
                (*item_path, "policy"), f"unknown policy '{policy_name}'", unknown=policy_name, valid=_POLICIES
            )
        policy = WritePolicy(policy_name)
        if policy is WritePolicy.FORWARD_ONLY and output != "stage":
            raise doc.error((*item_path, "policy"), "forward_only applies to the stage output only")
        if policy is WritePolicy.OVERWRITE and output in FIRST_REACHED_OUTPUTS:
            raise doc.error((*item_path, "policy"), f"{output} records the first day the stage was reached: "
                                                    "use policy if_empty (the default), or never")
        value_map = _write_map(doc, (*item_path, "map"), output, entry["map"]) if "map" in entry else None
        held = _held_stages(target, value_map, contacts) if output == "stage" else None
        fields.append(WriteField(output, target, policy, value_map, doc.line(item_path), held))
    return tuple(fields)


def _held_stages(target: str, value_map: dict[str, Any] | None, contacts: ContactsMap) -> dict[str, Stage]:
    """How to read the CRM's current stage value back: what the read side maps it to, when the same
    property feeds crm_stage, then the write map inverted (its value for a stage means that stage)."""
    held: dict[str, Stage] = {}
    for field_map in contacts.fields:
        if field_map.target == "crm_stage" and field_map.column.name == target and field_map.column.value_map:
            held.update((k, v) for k, v in field_map.column.value_map.items() if isinstance(v, Stage))
    for stage_name, crm_value in (value_map or {}).items():
        if crm_value is not None:
            held[map_key(crm_value)] = Stage(stage_name)
    return held


def _write_map(doc: YamlDoc, path: KeyPath, output: str, value: Any) -> dict[str, Any]:
    """Output value -> CRM value. Keys are checked: stage names for stage, yes/no for booleans."""
    raw_map = _section(doc, path, value, "map")
    result: dict[str, Any] = {}
    for raw, crm_value in raw_map.items():
        key = map_key(raw)
        if output == "stage" and key not in _STAGES:
            raise doc.error((*path, raw), f"unknown stage '{raw}'", unknown=key, valid=_STAGES)
        if output in _BOOL_OUTPUTS:
            try:
                key = "true" if PARSERS["bool"](key) else "false"
            except ValueError:
                raise doc.error((*path, raw), f"'{raw}' is not yes/no; {output} is true or false") from None
        if isinstance(crm_value, dict | list):
            raise doc.error((*path, raw), "expected a single value here, not a list or mapping")
        if key in result:
            raise doc.error((*path, raw), f"'{raw}' is listed twice in the map (case and blanks are ignored)")
        result[key] = crm_value
    return result


def _section(doc: YamlDoc, path: KeyPath, value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise doc.error(path, f"{what} must be a mapping of key: value lines, not {_kind(value)}")
    return value


def _check_keys(
    doc: YamlDoc, path: KeyPath, data: dict[str, Any], allowed: tuple[str, ...], required: tuple[str, ...] = ()
) -> None:
    where = ".".join(str(p) for p in path) or "the top level"
    for key in data:
        if key not in allowed:
            raise doc.error(
                (*path, key), f"unknown key '{key}' in {where} (valid: {', '.join(allowed)})",
                unknown=key, valid=_one_slip(key, allowed),
            )
    for key in required:
        if data.get(key) is None:
            raise doc.error(path, f"missing key '{key}' in {where}")


def _one_slip(name: str, valid: tuple[str, ...]) -> tuple[str, ...]:
    """Narrow the candidates to those one typo away (two letters swapped, one dropped, added or changed),
    when there are any: ``form`` is a slip for ``from`` more likely than a cut-down ``format``."""
    close = tuple(v for v in valid if _one_edit(name, v))
    return close or valid


def _one_edit(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) != len(b):
        short, long = sorted((a, b), key=len)
        return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 1:
        return True
    swapped = len(diff) == 2 and diff[1] == diff[0] + 1
    return swapped and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def _text(doc: YamlDoc, path: KeyPath, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise doc.error(path, f"expected a name here, not {_kind(value)}")
    text = str(value).strip()
    if not text:
        raise doc.error(path, "expected a name here, not an empty value")
    return text


def _kind(value: Any) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"{type(value).__name__} {value!r}"
