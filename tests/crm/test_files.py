"""The files source: CSV and JSONL edge cases, located errors, skipped rows, streaming pages, checkpoints."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from connector.crm.base import Source
from connector.crm.files import FilesSource
from connector.errors import DataError, UserError
from connector.mapping.load import load_mapping
from connector.mapping.shipped import shipped_mapping
from connector.model import ActivityKind, Stage

UNTIL = datetime(2030, 1, 1, tzinfo=UTC)


def contacts(source: FilesSource, since: datetime | None = None, until: datetime = UNTIL):
    return [c for page in source.read_changed(since, until) for c in page.contacts]


def error_of(source: FilesSource) -> DataError:
    with pytest.raises(DataError) as info:
        contacts(source)
    return info.value


def test_reads_a_csv_into_contacts(write, mapping):
    path = write("c.csv", """\
        id,email,employees,created,accepted,stage,plan,visits,updated,lb_score
        1,ann@acme.com,25-50,2024-01-02,yes,marketingqualifiedlead,pro,7,2024-03-01T10:00:00Z,55
        2,bob@beta.io,,1704153600000,,,,,2024-03-02T10:00:00+02:00,
    """)
    source = FilesSource(path, None, mapping)
    assert isinstance(source, Source)
    first, second = contacts(source)
    assert first.key == "files:contact:1"
    assert first.email == "ann@acme.com"
    assert first.company_size == 37
    assert first.created_at == datetime(2024, 1, 2, tzinfo=UTC)
    assert first.sales_accepted is True
    assert first.crm_stage is Stage.MQL
    assert first.attributes == {"plan": "pro"}
    assert first.signals == {"visit": 7.0}
    assert first.updated_at == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert first.crm_values == {"lb_score": "55", "stage": "marketingqualifiedlead"}
    assert second.company_size is None and second.sales_accepted is None and second.crm_stage is None
    assert second.created_at == datetime(2024, 1, 2, tzinfo=UTC)  # epoch milliseconds
    assert second.updated_at == datetime(2024, 3, 2, 8, tzinfo=UTC)
    assert second.crm_values == {"lb_score": None, "stage": None}
    assert dict(second.attributes) == {} and dict(second.signals) == {}


@pytest.mark.parametrize(
    ("text", "bom"),
    [
        ("id,email,updated\n1,a@x.com,2024-01-01\n", True),  # BOM
        ("id;email;updated\n1;a@x.com;2024-01-01\n", False),  # semicolons
        ("id\temail\tupdated\n1\ta@x.com\t2024-01-01\n", False),  # tabs
        ("id|email|updated\n1|a@x.com|2024-01-01\n", False),  # pipes
        ("\n\nid,email,updated\r\n1,a@x.com,2024-01-01\r\n\r\n", False),  # blank lines, CRLF
        ("ID , Email,UPDATED\n1,a@x.com,2024-01-01\n", False),  # header case and blanks
        ("Id,E-mail,Updated\n1,a@x.com,2024-01-01\n", False),  # punctuation
        ('"id";"email";"updated"\n"1";"a@x.com";"2024-01-01"\n', True),  # quoted, Excel-style
        ("sep=;\nid;email;updated\n1;a@x.com;2024-01-01\n;;\n", False),  # Excel's delimiter line, empty row
    ],
)
def test_csv_dialects(write, mapping, text, bom):
    source = FilesSource(write("c.csv", text, bom=bom), None, mapping)
    [contact] = contacts(source)
    assert (contact.key, contact.email) == ("files:contact:1", "a@x.com")
    assert contact.updated_at == datetime(2024, 1, 1, tzinfo=UTC)


def test_quoted_delimiters_and_newlines(write, mapping):
    path = write("c.csv", 'id,email,plan,updated\n1,a@x.com,"Pro, annual\nbilled yearly",2024-01-01\n2,b@x.com,x,\n')
    first, second = contacts(FilesSource(path, None, mapping))
    assert first.attributes["plan"] == "Pro, annual\nbilled yearly"
    assert second.key == "files:contact:2"


def test_semicolon_header_with_quoted_commas_is_sniffed_right(write, mapping):
    path = write("c.csv", '"id";"email";"plan, tier";"updated"\n1;a@x.com;pro;2024-01-01\n')
    assert contacts(FilesSource(path, None, mapping))[0].email == "a@x.com"


def test_header_only_gives_no_contacts(write, mapping):
    source = FilesSource(write("c.csv", "id,email,updated\n"), None, mapping)
    assert list(source.read_changed(None, UNTIL)) == []


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff"])
def test_empty_file(write, mapping, text):
    error = error_of(FilesSource(write("c.csv", text), None, mapping))
    assert "the file is empty" in error.message
    assert error.location.line == 1


def test_missing_file(tmp_path, mapping):
    error = error_of(FilesSource(tmp_path / "nope.csv", None, mapping))
    assert "file not found" in str(error)
    assert isinstance(error, UserError) and error.exit_code == 2


def test_missing_columns_are_listed_with_the_nearest_header_name(write, mapping):
    error = error_of(FilesSource(write("c.csv", "id,emial,updatedat\n1,a@x.com,2024-01-01\n"), None, mapping))
    assert error.location.line == 1
    assert error.location.key == "updated, email"
    assert "'updated' (nearest in the header: 'updatedat') [mapped at files.yaml:4]" in error.message
    assert "'email' (nearest in the header: 'emial') [mapped at files.yaml:6]" in error.message
    assert "the header has: id, emial, updatedat" in error.message


def test_optional_columns_may_be_absent(write, mapping):
    source = FilesSource(write("c.csv", "id,email,updated\n1,a@x.com,\n"), None, mapping)
    [contact] = contacts(source)
    assert contact.company_size is None
    assert "employees" in source.absent_columns[str(source.contacts_path)]


# (row text, column, message part)
BAD_ROWS = [
    ("2,b@x.com,2024-13-45,10", "updated", "not a date/time: '2024-13-45'"),
    ("2,b@x.com,2024-01-01,lots", "employees", "not a number or range: 'lots'"),
    ("2,b@x.com,2024-01-01,10,maybe", "accepted", "not a yes/no value: 'maybe'"),
    ("2,b@x.com,2024-01-01,10,,weird", "stage", "unknown stage 'weird'"),
    ("2,b@x.com,2024-01-01,10,,,3.5", "visits", "not a whole number: '3.5'"),
    (",b@x.com,2024-01-01", "id", "the contact id is empty"),
    ("1,again@x.com,2024-01-01", "id", "duplicate contact id '1'"),
    ("2,b@x.com,2024-01-01,10,,,,extra", None, "the row has 8 cells but the header has 7"),
]


@pytest.mark.parametrize(("row", "column", "message"), BAD_ROWS, ids=[r[2] for r in BAD_ROWS])
def test_bad_rows_are_located(write, mapping, row, column, message):
    header = "id,email,updated,employees,accepted,stage,visits"
    path = write("c.csv", f"{header}\n1,a@x.com,2024-01-01\n{row}\n3,c@x.com,\n")
    error = error_of(FilesSource(path, None, mapping))
    assert message in error.message
    assert (error.location.file, error.location.line, error.location.key) == (str(path), 3, column)

    skipping = FilesSource(path, None, mapping, skip_bad_rows=True)
    assert [c.key for c in contacts(skipping)] == ["files:contact:1", "files:contact:3"]
    [recorded] = skipping.bad_rows
    assert recorded.location.line == 3 and message in recorded.message
    contacts(skipping)  # a second pass does not record the row twice
    assert len(skipping.bad_rows) == 1


def test_row_numbers_count_the_header_as_row_one(write, mapping):
    path = write("c.csv", "id,email,updated\n" + "".join(f"{i},a{i}@x.com,2024-01-01\n" for i in range(1, 9))
                 + "9,z@x.com,not-a-date\n")
    assert error_of(FilesSource(path, None, mapping)).location.line == 10


def test_non_utf8_file_is_refused_with_advice(write, tmp_path, mapping):
    path = tmp_path / "latin1.csv"
    path.write_bytes("id,email,updated\n1,jos\xe9@x.com,2024-01-01\n".encode("latin-1"))
    error = error_of(FilesSource(path, None, mapping))
    assert "not UTF-8" in error.message and "save it as UTF-8" in error.message


def test_jsonl(write, mapping):
    lines = [
        {"id": 1, "email": "a@x.com", "employees": "51-200", "accepted": True, "visits": 3,
         "updated": 1714564800000, "lb_score": 40},
        {"id": "2", "email": "b@x.com", "updated": "2024-05-01T12:00:00Z"},
    ]
    path = write("c.jsonl", "\n".join(json.dumps(line) for line in lines) + "\n\n")
    first, second = contacts(FilesSource(path, None, mapping))
    assert first.key == "files:contact:1"
    assert first.company_size == 125 and first.sales_accepted is True and first.signals == {"visit": 3.0}
    assert first.updated_at == second.updated_at == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert first.crm_values["lb_score"] == 40


def test_jsonl_errors(write, mapping):
    path = write("c.jsonl", '{"id": 1, "email": "a@x.com", "updated": null}\n{"id": 2, "email": \n[1, 2]\n')
    error = error_of(FilesSource(path, None, mapping))
    assert "not valid JSON" in error.message and error.location.line == 2
    skipping = FilesSource(path, None, mapping, skip_bad_rows=True)
    assert len(contacts(skipping)) == 1
    assert [e.location.line for e in skipping.bad_rows] == [2, 3]
    assert "expected a JSON object" in skipping.bad_rows[1].message


def test_jsonl_missing_key_in_first_object(write, mapping):
    error = error_of(FilesSource(write("c.jsonl", '{"id": 1, "mail": "a@x.com", "updated": null}\n'), None, mapping))
    assert "missing column 'email'" in error.message and "nearest in the header: 'mail'" in error.message


ACTIVITIES = """\
    id,type,at,url
    1,pageview,2024-05-01T10:00:00Z,/pricing
    1,visit,1714564800000,
    2,page_view,2024-05-02,/blog
    99,visit,2024-05-02,/
"""


def test_activities(write, mapping):
    people = write("c.csv", "id,email,updated\n1,a@x.com,\n2,b@x.com,\n")
    source = FilesSource(people, write("a.csv", ACTIVITIES), mapping)
    activities = list(source.iter_activities())
    assert [(a.contact_key, a.kind) for a in activities] == [
        ("files:contact:1", ActivityKind.PAGE_VIEW),
        ("files:contact:1", ActivityKind.VISIT),
        ("files:contact:2", ActivityKind.PAGE_VIEW),
    ]
    assert activities[0].detail == {"url": "/pricing"}
    assert dict(activities[1].detail) == {}
    assert activities[1].occurred_at == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert source.orphan_activities == 1 and source.activities_read == 3 and source.bad_rows == []
    # Without an id column, ids are a stable hash of the row: the same on every read, distinct per row.
    again = [a.source_id for a in source.iter_activities()]
    assert again == [a.source_id for a in activities] and len(set(again)) == 3
    by_key = source.read_activities(["files:contact:2", "files:contact:404"])
    assert [a.detail["url"] for a in by_key["files:contact:2"]] == ["/blog"]
    assert by_key["files:contact:404"] == []
    assert sorted(source.activities_by_contact()) == ["files:contact:1", "files:contact:2"]


def test_unknown_activity_kind_is_a_located_error(write, mapping):
    people = write("c.csv", "id,email,updated\n1,a@x.com,\n")
    path = write("a.csv", "id,type,at\n1,visit,2024-05-01\n1,page_veiw,2024-05-01\n1,visit,someday\n")
    with pytest.raises(DataError) as info:
        list(FilesSource(people, path, mapping).iter_activities())
    assert (info.value.location.line, info.value.location.key) == (3, "type")
    assert "unknown activity kind 'page_veiw'" in info.value.message
    skipping = FilesSource(people, path, mapping, skip_bad_rows=True)
    assert len(list(skipping.iter_activities())) == 1
    assert [(e.location.line, e.location.key) for e in skipping.bad_rows] == [(3, "type"), (4, "at")]


def test_reread(write, mapping):
    source = FilesSource(write("c.csv", "id,email,updated\n1,a@x.com,\n2,b@x.com,\n3,c@x.com,\n"), None, mapping)
    found = source.reread(["files:contact:3", "files:contact:1", "files:contact:7"])
    assert sorted(c.email for c in found) == ["a@x.com", "c@x.com"]


def test_mapping_for_another_source_is_refused(write):
    from connector.errors import ConfigError
    from connector.mapping.load import parse_mapping
    from connector.mapping.yamlfile import load_yaml

    other = parse_mapping(load_yaml("h.yaml", "source: hubspot\ncontacts: {id: hs_object_id, fields: {}}\n"), None)
    with pytest.raises(ConfigError, match="needs a files mapping"):
        FilesSource(write("c.csv", "hs_object_id\n1\n"), None, other)


def test_shipped_examples_read_cleanly():
    mapping = load_mapping(None)
    source = FilesSource(shipped_mapping("examples/contacts.csv"), shipped_mapping("examples/activities.csv"), mapping)
    people = contacts(source)
    activities = list(source.iter_activities())
    assert len(people) >= 25 and len(activities) >= 150
    assert source.bad_rows == [] and source.orphan_activities == 0
    [absent] = source.absent_columns.values()
    assert set(absent) <= {"seniority", "annual_revenue", "state", "phone", "use_case"}
    stages = {c.crm_stage for c in people}
    assert {Stage.MQL, Stage.SQL, Stage.CUSTOMER} <= stages
    assert any(c.do_not_contact for c in people)
    assert {a.kind for a in activities} >= {ActivityKind.DEMO_REQUEST, ActivityKind.VISIT, ActivityKind.MEETING}
