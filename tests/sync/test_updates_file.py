"""The files destination: CSV an admin can import, JSONL with explicit nulls, cut back to the committed offset."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from connector.crm.base import FieldUpdate, WriteStatus
from connector.crm.updates_file import UpdatesFile
from connector.errors import UserError

PROPS = ("lb_score", "lb_grade", "lb_disqualified")
UPDATES = [
    FieldUpdate("files:contact:17", {"lb_score": 64, "lb_disqualified": False}),
    FieldUpdate("files:contact:18", {"lb_grade": "B, 2", "lb_disqualified": None}),
]


def test_csv_has_one_row_per_contact_and_blank_means_unchanged(tmp_path: Path) -> None:
    out = UpdatesFile(tmp_path / "u.csv", PROPS, id_column="contact_id")
    out.open()
    results = out.write(UPDATES)
    out.close()
    assert [(r.contact_key, r.status, r.fields) for r in results] == [
        ("files:contact:17", WriteStatus.OK, ("lb_score", "lb_disqualified")),
        ("files:contact:18", WriteStatus.OK, ("lb_grade", "lb_disqualified")),
    ]
    with (tmp_path / "u.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows == [
        {"key": "files:contact:17", "contact_id": "17", "lb_score": "64", "lb_grade": "", "lb_disqualified": "false"},
        {"key": "files:contact:18", "contact_id": "18", "lb_score": "", "lb_grade": "B, 2", "lb_disqualified": ""},
    ]


def test_jsonl_keeps_types_and_nulls(tmp_path: Path) -> None:
    out = UpdatesFile(tmp_path / "u.jsonl", PROPS)
    out.write(UPDATES)
    out.close()
    lines = [json.loads(line) for line in (tmp_path / "u.jsonl").read_text().splitlines()]
    assert lines[1] == {"key": "files:contact:18", "id": "18", "values": {"lb_grade": "B, 2", "lb_disqualified": None}}


def test_a_resumed_file_loses_what_was_not_committed_and_keeps_what_was(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    out = UpdatesFile(path, PROPS)
    out.open()
    out.write(UPDATES[:1])
    committed = out.offset
    out.write(UPDATES[1:])  # the process dies before the store commits this batch
    out.close()
    resumed = UpdatesFile(path, PROPS)
    resumed.open(committed)
    resumed.write(UPDATES[1:])
    resumed.close()
    keys = [row["key"] for row in csv.DictReader(path.open(newline=""))]
    assert keys == ["files:contact:17", "files:contact:18"]


def test_rollback_cuts_the_file_back(tmp_path: Path) -> None:
    out = UpdatesFile(tmp_path / "u.jsonl", PROPS)
    out.open()
    out.write(UPDATES[:1])
    mark = out.offset
    out.write(UPDATES[1:])
    out.rollback_to(mark)
    out.close()
    assert len((tmp_path / "u.jsonl").read_text().splitlines()) == 1


@pytest.mark.parametrize(("name", "message"), [("u.txt", "use a .csv or .jsonl"), ("nowhere/u.csv", "does not exist")])
def test_bad_out_paths(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        UpdatesFile(tmp_path / name, PROPS).open()


def test_a_file_with_other_columns_is_not_appended_to(tmp_path: Path) -> None:
    first = UpdatesFile(tmp_path / "u.csv", PROPS)
    first.open()
    first.write(UPDATES)
    committed = first.offset
    first.close()
    other = UpdatesFile(tmp_path / "u.csv", ("lb_score",))
    with pytest.raises(UserError, match="holds other columns"):
        other.open(committed)
