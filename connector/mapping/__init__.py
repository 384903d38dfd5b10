"""Mappings: what admins edit. Load and validate YAML; raw CRM/CSV records -> Contact/Activity;
Qualification -> CRM values.

    mapping = load_mapping("my-files.yaml", source="files")     # or None: the shipped mappings/files.yaml
    reader = ContactReader(mapping)                              # values come in reader.columns order
    contact = reader.contact([record.get(c) for c in reader.columns])
    values = render_outputs(qualification, mapping)             # {"lb_score": 72, "lifecyclestage": ...}
"""

from connector.mapping.load import load_mapping, parse_mapping
from connector.mapping.records import ActivityReader, ContactReader, RecordError
from connector.mapping.render import render_outputs, same_value, should_write
from connector.mapping.schema import Mapping, WriteField, WritePolicy

__all__ = [
    "ActivityReader",
    "ContactReader",
    "Mapping",
    "RecordError",
    "WriteField",
    "WritePolicy",
    "load_mapping",
    "parse_mapping",
    "render_outputs",
    "same_value",
    "should_write",
]
