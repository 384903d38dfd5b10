"""Where the shipped YAML (mappings/ in the source tree, inside the wheel when installed) lives."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped_mapping(name: str) -> Path:
    """Path of a shipped mapping file, e.g. ``shipped_mapping("scoring.yaml")``."""
    return Path(str(files("connector.shipped_mappings").joinpath(name)))
