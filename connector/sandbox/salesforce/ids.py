"""Salesforce-style record ids: deterministic, 18 characters, with the case-safe checksum suffix.

A Salesforce id is a 3-character key prefix naming the object (00Q Lead, 003 Contact, ...), 12 more
case-sensitive characters, and — in the 18-character form the REST API returns — a 3-character suffix
that encodes which of the first 15 characters are upper case, so the id survives case-insensitive tools.
The sandbox numbers the rows of each object table (0, 1, 2, ...) and turns the row number into the 12
characters in base 62, so an id can be decoded back to its row without any index.

Doc: "What are Salesforce IDs composed of?" (help.salesforce.com, 000385008) and the SOAP API Developer Guide,
"Field Types > ID": 15-character case-sensitive ids, 18-character case-insensitive ids with the checksum suffix;
both forms are accepted anywhere an id is expected.
"""

from __future__ import annotations

import string
from functools import lru_cache

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SUFFIX_ALPHABET = string.ascii_uppercase + "012345"
# Characters 4-5 are the "pod" in real ids and character 6 is reserved; any fixed value keeps ids well-formed.
_POD = "5g0"
_NUMBER_WIDTH = 15 - 3 - len(_POD)


def checksum(id15: str) -> str:
    """The 3-character suffix that makes a 15-character id case-insensitive (the documented algorithm)."""
    suffix = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = 0
        for position, char in enumerate(chunk):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix += _SUFFIX_ALPHABET[bits]
    return suffix


@lru_cache(maxsize=1 << 18)  # ids are rebuilt for every record served; a page's worth stays warm
def make_id(prefix: str, number: int) -> str:
    """The 18-character id of row ``number`` of the object whose key prefix is ``prefix``."""
    digits = ""
    value = number + 1  # row 0 still gets a non-zero id, like real ones
    while value:
        value, remainder = divmod(value, 62)
        digits = _BASE62[remainder] + digits
    if len(digits) > _NUMBER_WIDTH:
        raise ValueError(f"row number {number} is too large for a Salesforce id")
    id15 = prefix + _POD + digits.rjust(_NUMBER_WIDTH, "0")
    return id15 + checksum(id15)


def to18(value: str) -> str | None:
    """The 18-character form of a 15- or 18-character id, or None when ``value`` is not a well-formed id."""
    if len(value) == 15 and value.isalnum():
        return value + checksum(value)
    if len(value) == 18 and value.isalnum():
        id15 = value[:15]
        # The suffix is case-insensitive: a lower-cased 18-character id is still the same record only if its
        # 15-character part kept its case, which is what the suffix lets tools repair. We accept the exact form.
        if checksum(id15) == value[15:].upper():
            return id15 + checksum(id15)
    return None


def parse_id(value: str) -> tuple[str, int] | None:
    """(key prefix, row number) of an id made by ``make_id``, or None when it is not one of ours."""
    full = to18(value)
    if full is None or full[3:6] != _POD:
        return None
    number = 0
    for char in full[6:15]:
        number = number * 62 + _BASE62.index(char)
    return full[:3], number - 1
