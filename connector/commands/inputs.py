"""What several commands load the same way: the mapping, the scoring model, the files source, the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from connector.crm.files import FilesSource
from connector.errors import UserError
from connector.mapping.load import load_mapping
from connector.mapping.schema import Mapping
from connector.qualify import ScoringModel, load_model
from connector.settings import get_settings


def mapping_for(path: Path | None, source: str = "files") -> Mapping:
    """The mapping given, else LEADBRIDGE_MAPPING, else the shipped one for the source."""
    return load_mapping(path or get_settings().mapping, source=source)


def scoring_model(path: Path | None) -> ScoringModel:
    """The scoring model given, else LEADBRIDGE_MODEL, else the shipped mappings/scoring.yaml."""
    return load_model(path or get_settings().model)


def files_source(contacts: Path, activities: Path | None, mapping: Mapping, skip_bad_rows: bool) -> FilesSource:
    return FilesSource(contacts, activities, mapping, skip_bad_rows=skip_bad_rows)


def parse_now(value: str | None) -> datetime:
    """``--now``: an ISO-8601 instant (no zone means UTC); default the current time."""
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"--now {value!r} is not an ISO-8601 date or time; e.g. --now 2026-11-01T00:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
