"""Sync fixtures: stores on both backends, a synthetic CSV export, the shipped files mapping and model."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.stores import postgres_schema_url, postgres_store, store, store_url  # noqa: F401
from support.syncing import Export, make_export

from connector.mapping.load import load_mapping
from connector.mapping.schema import Mapping
from connector.qualify import ScoringModel, load_model


@pytest.fixture(scope="session")
def mapping() -> Mapping:
    return load_mapping(None, "files")


@pytest.fixture(scope="session")
def model() -> ScoringModel:
    return load_model()


@pytest.fixture
def export(tmp_path: Path) -> Export:
    """40 synthetic contacts with their activities, as the shipped files mapping reads them."""
    return make_export(tmp_path / "export", 40)
