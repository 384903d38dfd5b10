"""Fixtures for the adapters: a small files mapping and a helper that writes input files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from connector.mapping.load import parse_mapping
from connector.mapping.schema import Mapping
from connector.mapping.yamlfile import load_yaml

FILES_MAPPING = """\
source: files
contacts:
  id: id
  updated_at: updated
  fields:
    email: email
    company_size: {from: employees, type: range, optional: true}
    created_at: {from: created, type: datetime, optional: true}
    sales_accepted: {from: accepted, type: bool, optional: true}
    crm_stage: {from: stage, type: stage, optional: true, map: {marketingqualifiedlead: mql}}
    attributes.plan: {from: plan, optional: true}
    signals.visit: {from: visits, type: int, optional: true}
activities:
  contact_id: id
  kind: {from: type, map: {pageview: page_view}}
  occurred_at: at
  detail: {url: {from: url, optional: true}}
write:
  - {output: score, to: lb_score}
  - {output: stage, to: stage, policy: forward_only}
"""


@pytest.fixture
def mapping() -> Mapping:
    return parse_mapping(load_yaml("files.yaml", FILES_MAPPING))


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """write("c.csv", text) -> path; text is dedented; ``bom=True`` prefixes a UTF-8 BOM."""

    def _write(name: str, text: str, *, bom: bool = False) -> Path:
        path = tmp_path / name
        data = textwrap.dedent(text).encode("utf-8")
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        return path

    return _write
