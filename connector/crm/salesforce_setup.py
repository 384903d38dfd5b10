"""What the write-back needs in the org, what is missing, and a metadata package that creates it.

Custom fields cannot be created through the REST data API: they are metadata, deployed with the Metadata API
(``sf project deploy start --metadata-dir <folder>``). ``write_package`` writes that folder in the Metadata
API format (Metadata API Developer Guide, "Deploying and Retrieving Metadata", "CustomField", "CustomObject",
"PermissionSet"): ``package.xml``, ``objects/<Object>.object`` with the fields, and a permission set that
lets the integration user read and edit them (a new field is invisible to every profile until granted).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from connector.mapping.schema import Mapping, WriteField

API_VERSION = "59.0"
PERMISSION_SET = "Leadbridge_Integration"
#: describe() types each kind of field we create may be met as in an org (an admin may have made it already).
COMPATIBLE = {
    "Number": {"double", "int", "percent", "currency"},
    "Text": {"string", "textarea", "picklist"},
    "LongTextArea": {"textarea", "string"},
    "Checkbox": {"boolean"},
    "DateTime": {"datetime"},
    "Picklist": {"picklist", "string"},
}
#: Fields Salesforce has on its own: never created, only checked.
STANDARD = {"Status"}


@dataclass(frozen=True)
class FieldDef:
    """A custom field to create on one object: Metadata API type and its attributes."""

    object: str
    name: str
    type: str
    label: str
    length: int = 0
    precision: int = 0
    values: tuple[str, ...] = ()

    @property
    def describe_types(self) -> set[str]:
        return COMPATIBLE[self.type]

    @property
    def summary(self) -> str:
        if self.type == "Number":
            return f"Number({self.precision}, 0)"
        if self.type in ("Text", "LongTextArea"):
            return f"{self.type}({self.length})"
        if self.type == "Picklist":
            return f"Picklist({', '.join(self.values)})"
        return self.type


def field_for(obj: str, write: WriteField) -> FieldDef | None:
    """The field a write entry needs on ``obj`` (None for standard fields such as Lead.Status)."""
    if write.to in STANDARD or not write.to.endswith("__c"):
        return None
    label = write.to.removesuffix("__c").replace("LB_", "Leadbridge ").replace("_", " ")
    output = write.output
    if output in ("score", "fit", "engagement"):
        return FieldDef(obj, write.to, "Number", label, precision=3)
    if output == "grade":
        return FieldDef(obj, write.to, "Text", label, length=2)
    if output == "disqualified":
        return FieldDef(obj, write.to, "Checkbox", label)
    if output == "computed_at":
        return FieldDef(obj, write.to, "DateTime", label)
    if output == "model_version":
        return FieldDef(obj, write.to, "Text", label, length=64)
    if output in ("summary", "disqualified_reason"):
        return FieldDef(obj, write.to, "Text", label, length=255)
    if output == "stage_reason":
        return FieldDef(obj, write.to, "LongTextArea", label, length=32768)
    if output == "stage":
        values = tuple(str(v) for v in (write.value_map or {}).values()) or (
            "subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist")
        return FieldDef(obj, write.to, "Picklist", label, values=values)
    return FieldDef(obj, write.to, "Text", label, length=255)


def needed_fields(mapping: Mapping, objects: tuple[str, ...] = ("Lead", "Contact")) -> list[FieldDef]:
    """Every custom field the mapping's write: section needs, on each object."""
    out: list[FieldDef] = []
    for obj in objects:
        seen: set[str] = set()
        for write in mapping.write:
            definition = field_for(obj, write)
            if definition is not None and definition.name not in seen:
                seen.add(definition.name)
                out.append(definition)
    return out


def _field_xml(f: FieldDef) -> str:
    parts = [f"<fullName>{escape(f.name)}</fullName>", f"<label>{escape(f.label)}</label>",
             "<description>Written by leadbridge (lead qualification)</description>", f"<type>{f.type}</type>"]
    if f.type == "Number":
        parts += [f"<precision>{f.precision}</precision>", "<scale>0</scale>", "<required>false</required>",
                  "<externalId>false</externalId>"]
    elif f.type == "Text":
        parts += [f"<length>{f.length}</length>", "<required>false</required>", "<externalId>false</externalId>"]
    elif f.type == "LongTextArea":
        parts += [f"<length>{f.length}</length>", "<visibleLines>3</visibleLines>"]
    elif f.type == "Checkbox":
        parts += ["<defaultValue>false</defaultValue>"]
    elif f.type == "Picklist":
        values = "".join(f"<value><fullName>{escape(v)}</fullName><default>false</default><label>{escape(v)}"
                         "</label></value>" for v in f.values)
        parts += [f"<valueSet><restricted>true</restricted><valueSetDefinition><sorted>false</sorted>{values}"
                  "</valueSetDefinition></valueSet>"]
    return "    <fields>\n        " + "\n        ".join(parts) + "\n    </fields>\n"


def write_package(fields: list[FieldDef], folder: Path) -> list[Path]:
    """Write a Metadata API deploy folder creating ``fields`` and granting them; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "objects").mkdir(exist_ok=True)
    (folder / "permissionsets").mkdir(exist_ok=True)
    header = '<?xml version="1.0" encoding="UTF-8"?>\n'
    ns = 'xmlns="http://soap.sforce.com/2006/04/metadata"'
    written: list[Path] = []
    objects = sorted({f.object for f in fields})
    for obj in objects:
        body = "".join(_field_xml(f) for f in fields if f.object == obj)
        path = folder / "objects" / f"{obj}.object"
        path.write_text(f"{header}<CustomObject {ns}>\n{body}</CustomObject>\n", encoding="utf-8")
        written.append(path)
    grants = "".join(
        f"    <fieldPermissions>\n        <editable>true</editable>\n        <field>{f.object}.{f.name}</field>\n"
        "        <readable>true</readable>\n    </fieldPermissions>\n" for f in fields)
    permission = folder / "permissionsets" / f"{PERMISSION_SET}.permissionset"
    permission.write_text(f"{header}<PermissionSet {ns}>\n    <label>Leadbridge Integration</label>\n"
                          "    <description>Read and write the fields leadbridge writes back</description>\n"
                          f"{grants}</PermissionSet>\n", encoding="utf-8")
    written.append(permission)
    members = "".join(f"        <members>{f.object}.{f.name}</members>\n" for f in fields)
    package = folder / "package.xml"
    package.write_text(
        f"{header}<Package {ns}>\n    <types>\n{members}        <name>CustomField</name>\n    </types>\n"
        f"    <types>\n        <members>{PERMISSION_SET}</members>\n        <name>PermissionSet</name>\n"
        f"    </types>\n    <version>{API_VERSION}</version>\n</Package>\n", encoding="utf-8")
    written.insert(0, package)
    return written
