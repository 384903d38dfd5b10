"""Reading input tables: the delimiter is judged from the header, outside quotes."""

from __future__ import annotations

import pytest

from connector.crm.tables import TableFile, sniff_delimiter


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("id,email,name\n", ","),
        ("id;email;name\n", ";"),
        ("id\temail\tname\n", "\t"),
        ("id|email|name\n", "|"),
        ('"id";"e,mail";"a,b,c"\n', ";"),  # commas inside quotes do not count
        ("id\n", ","),  # a single column
        ("id;email,name;x\n", ";"),
    ],
)
def test_sniff_delimiter(header, delimiter):
    assert sniff_delimiter(header) == delimiter


def test_check_reads_the_header_only(write):
    path = write("c.csv", "a,b,c\n1,2,3\nbroken,\"\n")
    table = TableFile(path, ["c", "a", "z"], required={"a"})
    assert table.check() == ("a", "b", "c")
    assert table.absent == ("z",)


def test_rows_come_in_the_requested_column_order(write):
    path = write("c.csv", "a,b,c\n1,2,3\n4\n")
    assert list(TableFile(path, ["c", "a", "missing"])) == [(2, ("3", "1", "")), (3, ("", "4", ""))]


def test_duplicate_mapped_header_is_refused(write):
    from connector.errors import DataError

    with pytest.raises(DataError, match="column 'a' appears twice in the header \\(columns 1 and 3\\)"):
        list(TableFile(write("c.csv", "a,b,a\n1,2,3\n"), ["a"]))
    assert list(TableFile(write("d.csv", "a,b,b\n1,2,3\n"), ["a"])) == [(2, ("1",))]  # unmapped: harmless
