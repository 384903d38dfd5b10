"""Loading mappings: the shipped ones load; every mistake is located (file, line, key) with a suggestion."""

from __future__ import annotations

import textwrap

import pytest

from connector.errors import ConfigError
from connector.mapping.load import load_mapping, parse_mapping
from connector.mapping.schema import WritePolicy
from connector.mapping.yamlfile import load_yaml
from connector.model import ActivityKind, Stage

VALID = """\
source: files
contacts:
  id: contact_id
  updated_at: updated_at
  fields:
    email: email
    company_size: {from: employees, type: range}
    crm_stage: {from: lifecycle_stage, type: stage, map: {marketingqualifiedlead: mql}}
    sales_accepted: {from: sales_accepted, type: bool}
    attributes.plan: plan
    signals.visit: num_visits
activities:
  contact_id: contact_id
  kind: {from: type, map: {pageview: page_view}}
  occurred_at: timestamp
  detail: {url: url}
write:
  - {output: score, to: lb_score}
  - {output: stage, to: lifecycle_stage, map: {mql: marketingqualifiedlead}, policy: forward_only}
  - {output: summary, to: lb_summary, policy: if_empty}
"""


def parse(text: str, source: str | None = "files"):
    return parse_mapping(load_yaml("m.yaml", textwrap.dedent(text)), source)


def test_valid_mapping_is_typed():
    mapping = parse(VALID)
    assert mapping.source == "files"
    assert mapping.key("42") == "files:contact:42"
    fields = {f.target: f for f in mapping.contacts.fields}
    assert fields["company_size"].column.type == "range"
    assert fields["attributes.plan"].group == "attributes"
    assert fields["attributes.plan"].name == "plan"
    assert fields["signals.visit"].column.type == "float"
    assert fields["crm_stage"].column.read("MarketingQualifiedLead") is Stage.MQL
    assert mapping.activities is not None
    assert mapping.activities.kind.read("pageview") is ActivityKind.PAGE_VIEW
    assert mapping.activities.kind.read("visit") is ActivityKind.VISIT
    assert [w.policy for w in mapping.write] == [
        WritePolicy.OVERWRITE, WritePolicy.FORWARD_ONLY, WritePolicy.IF_EMPTY,
    ]
    assert mapping.write[1].held_stages == {"marketingqualifiedlead": Stage.MQL}
    assert mapping.write_targets == ("lb_score", "lifecycle_stage", "lb_summary")


def test_shipped_files_mapping_loads():
    mapping = load_mapping(None, source="files")
    assert mapping.source == "files"
    assert mapping.activities is not None
    assert {w.output for w in mapping.write} >= {"score", "stage", "summary"}


def test_load_from_a_path(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(VALID.replace("emial", "email"), encoding="utf-8")
    assert load_mapping(path).file == str(path)
    path.write_text(VALID.replace("    email: email", "    emial: email"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_mapping(path)
    assert str(info.value).startswith(f"{path}:6: contacts.fields.emial: unknown field 'emial'")


def test_source_none_takes_the_file_source():
    assert parse(VALID, source=None).source == "files"


# (what changes in VALID, the message part, line, key, suggestion)
CASES = [
    ("    email: email", "    emial: email", "unknown field 'emial'", 6, "contacts.fields.emial", "email"),
    ("    email: email", "    attribute.plan: plan", "unknown field", 6, "contacts.fields.attribute.plan",
     "attributes.plan"),
    ("    email: email", "    updated_at: x", "contacts.updated_at", 6, "contacts.fields.updated_at", None),
    ("signals.visit", "signals.vist", "unknown activity kind 'vist'", 11, "contacts.fields.signals.vist", "visit"),
    ("pageview: page_view", "pageview: page_veiw", "unknown activity kind 'page_veiw'", 14,
     "activities.kind.map.pageview", "page_view"),
    ("{marketingqualifiedlead: mql}", "{marketingqualifiedlead: mqll}", "unknown stage 'mqll'", 8,
     "contacts.fields.crm_stage.map.marketingqualifiedlead", "mql"),
    ("type: range", "type: rnage", "unknown type 'rnage'", 7, "contacts.fields.company_size.type", "range"),
    ("type: range", "type: datetime", "does not fit here", 7, "contacts.fields.company_size.type", None),
    ("  updated_at: updated_at", "  updatedat: updated_at", "unknown key 'updatedat'", 4, "contacts.updatedat",
     "updated_at"),
    ("source: files", "sorce: files", "unknown key 'sorce'", 1, "sorce", "source"),
    ("source: files", "source: hubspt", "unknown source 'hubspt'", 1, "source", "hubspot"),
    ("source: files", "source: hubspot", "for the hubspot source, not files", 1, "source", None),
    ("{output: score, to: lb_score}", "{output: scroe, to: lb_score}", "unknown output 'scroe'", 18,
     "write[0].output", "score"),
    ("policy: if_empty", "policy: if_emtpy", "unknown policy 'if_emtpy'", 20, "write[2].policy", "if_empty"),
    ("policy: if_empty", "policy: forward_only", "forward_only applies to the stage output only", 20,
     "write[2].policy", None),
    ("to: lb_summary", "to: lb_score", "already written by write[0]", 20, "write[2].to", None),
    ("map: {mql: marketingqualifiedlead}", "map: {mq: marketingqualifiedlead}", "unknown stage 'mq'", 19,
     "write[1].map.mq", "mql"),
    ("detail: {url: url}", "detail: {ulr: url}", "unknown detail 'ulr'", 16, "activities.detail.ulr", "url"),
    ("  contact_id: contact_id\n  kind", "  contactid: contact_id\n  kind", "unknown key 'contactid'", 13,
     "activities.contactid", "contact_id"),
    ("{from: employees, type: range}", "{form: employees, type: range}", "unknown key 'form'", 7,
     "contacts.fields.company_size.form", "from"),
    ("{from: sales_accepted, type: bool}", "{from: sales_accepted, type: bool, default: perhaps}",
     "not a yes/no value", 9, "contacts.fields.sales_accepted.default", None),
    ("{from: sales_accepted, type: bool}", "{from: sales_accepted, type: bool, format: '%Y'}",
     "strptime pattern", 9, "contacts.fields.sales_accepted.format", None),
    ("  id: contact_id\n  updated", "  updated", "missing key 'id' in contacts", 2, "contacts", None),
    ("    email: email", "    email: [a, b]", "expected a column name", 6, "contacts.fields.email", None),
    ("    email: email", "    email:", "expected a column name", 6, "contacts.fields.email", None),
    ("  id: contact_id", "  id: {from: contact_id, optional: true}", "cannot be optional", 3,
     "contacts.id.optional", None),
    ("  - {output: score, to: lb_score}", "  - {output: score}", "missing key 'to'", 18, "write[0]", None),
    ("write:\n", "write: {score: lb_score}\nwrote:\n", "unknown key 'wrote'", 18, "wrote", "write"),
]


@pytest.mark.parametrize(("old", "new", "message", "line", "key", "suggestion"), CASES, ids=[c[1] for c in CASES])
def test_errors_are_located(old, new, message, line, key, suggestion):
    assert old in VALID, old
    with pytest.raises(ConfigError) as info:
        parse(VALID.replace(old, new, 1))
    error = info.value
    assert message in error.message
    assert error.location is not None
    assert (error.location.file, error.location.line, error.location.key) == ("m.yaml", line, key)
    assert error.suggestion == suggestion
    if suggestion:
        assert f"(did you mean '{suggestion}'?)" in str(error)


def test_empty_file():
    with pytest.raises(ConfigError, match="the mapping file is empty"):
        parse("# nothing but a comment\n")


def test_top_level_must_be_a_mapping():
    with pytest.raises(ConfigError, match="must be a mapping"):
        parse("- a\n- b\n")


def test_map_keys_that_collide_after_case_folding():
    with pytest.raises(ConfigError, match="listed twice") as info:
        parse(VALID.replace("{pageview: page_view}", "{pageview: page_view, PageView: visit}"))
    assert info.value.location.line == 14


def test_missing_file():
    with pytest.raises(ConfigError, match="file not found"):
        load_mapping("/nonexistent/mapping.yaml")


def test_yaml_syntax_error_is_located():
    with pytest.raises(ConfigError) as info:
        parse(VALID.replace("  fields:", "  fields: [", 1))
    assert info.value.location.line is not None


def test_write_map_for_booleans_accepts_yes_no_keys():
    mapping = parse(VALID.replace(
        "  - {output: summary, to: lb_summary, policy: if_empty}",
        "  - {output: disqualified, to: lb_dq, map: {yes: Disqualified, no: Open}}",
    ))
    assert mapping.write[2].value_map == {"true": "Disqualified", "false": "Open"}
