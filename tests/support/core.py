"""Builders for the core's tests: contacts, activities and small scoring models from YAML text."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.model import Activity, ActivityKind, Contact
from connector.qualify import ScoringModel, load_model

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def contact(**fields: Any) -> Contact:
    fields.setdefault("key", "files:contact:1")
    return Contact(**fields)


def activity(kind: str, days_ago: float, source_id: str | None = None, key: str = "files:contact:1",
             **detail: str) -> Activity:
    return Activity(key, ActivityKind(kind), NOW - timedelta(days=days_ago), source_id or f"{kind}-{days_ago}",
                    detail)


def model_from(text: str) -> ScoringModel:
    return load_model("test-model.yaml", text=textwrap.dedent(text))


MINIMAL_STAGES = """
stages:
  mql:
    - {name: mql_by_score, score: {gte: 50}}
"""


def default_model() -> ScoringModel:
    return _DEFAULT

_DEFAULT = load_model()
