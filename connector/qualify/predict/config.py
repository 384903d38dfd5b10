"""What a fit may use and how: the outcome, excluded and leaky fields, the split, the minimum of positives.

Defaults are named here; ``mappings/predict.yaml`` (or ``--config FILE``) overrides them. Leaky fields are the
ones sales fill in after talking to the contact (BANT, the CRM's stage, deals): a model that reads them looks
brilliant on history and knows nothing at MQL time, so they are never features.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from connector.mapping.shipped import shipped_mapping
from connector.mapping.yamlfile import load_yaml

#: Filled in by sales after contact, or outcomes themselves: never features.
LEAKY_FIELDS: tuple[str, ...] = (
    "crm_stage", "lead_status", "budget", "authority", "need", "timeline", "pain_points", "use_case",
    "sales_accepted", "has_open_deal", "has_won_deal", "owner",
)
#: Identifiers and free text: one value per contact, nothing to learn that carries over to new contacts.
IDENTIFYING_FIELDS: tuple[str, ...] = (
    "email", "first_name", "last_name", "phone", "website", "company", "company_domain", "created_at", "updated_at",
)
MIN_POSITIVES = 100
CONFIG_KEYS = ("outcome", "exclude", "leaky_fields", "min_positives", "split", "test_fraction", "max_levels",
               "min_bucket", "numeric_bins", "activity_cuts", "near_perfect_auc", "seed", "description")


@dataclass(frozen=True)
class PredictConfig:
    """How to fit. ``exclude`` adds to ``leaky_fields``; both are field names as the scoring model writes them
    (``lead_source``, ``attributes.PageValues``)."""

    outcome: str = "customer"
    exclude: tuple[str, ...] = ()
    leaky_fields: tuple[str, ...] = LEAKY_FIELDS
    min_positives: int = MIN_POSITIVES
    split: str = "time"
    test_fraction: float = 0.3
    #: Most values of a text field that get their own points (the rest share an "other" bucket).
    max_levels: int = 15
    #: A value or range needs at least this many training contacts to get its own points.
    min_bucket: int = 30
    #: Quantile bins for a number field.
    numeric_bins: int = 8
    #: Candidate thresholds for "did it at least N times".
    activity_cuts: tuple[int, ...] = (1, 2, 3, 5, 8, 13, 20, 30, 50)
    #: A single feature ranking the outcome at least this well on its own is suspicious (leaky?).
    near_perfect_auc: float = 0.95
    seed: int = 7

    def excluded(self, name: str) -> bool:
        """True when ``name`` (``budget``, ``attributes.X`` or bare ``X``) must not be a feature."""
        names = {*self.leaky_fields, *self.exclude, *IDENTIFYING_FIELDS}
        bare = name.removeprefix("attributes.")
        return name in names or bare in names or f"attributes.{bare}" in names


def load_config(path: Path | None = None, **overrides: Any) -> PredictConfig:
    """The config in ``path`` (default: the shipped mappings/predict.yaml), then command-line ``overrides``
    (None values are ignored, so unset options keep the file's values)."""
    doc = load_yaml(path if path is not None else shipped_mapping("predict.yaml"))
    data = doc.data or {}
    if not isinstance(data, dict):
        raise doc.error((), "a predict config is a YAML mapping (outcome, exclude, leaky_fields, min_positives ...)")
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in CONFIG_KEYS:
            raise doc.error((key,), f"unknown key '{key}'", unknown=key, valid=CONFIG_KEYS)
        if key == "description":
            continue
        if key in ("exclude", "leaky_fields", "activity_cuts"):
            if not isinstance(value, list):
                raise doc.error((key,), f"{key} takes a list")
            value = tuple(value)
        values[key] = value
    config = replace(PredictConfig(), **values)
    extra = {k: v for k, v in overrides.items() if v is not None}
    if "exclude" in extra:
        extra["exclude"] = (*config.exclude, *extra["exclude"])
    config = replace(config, **extra)
    if config.split not in ("time", "random"):
        raise doc.error(("split",), f"split is time or random, got {config.split!r}")
    if not 0.05 <= config.test_fraction <= 0.5:
        raise doc.error(("test_fraction",), "test_fraction must be between 0.05 and 0.5")
    return config


__all__ = ["IDENTIFYING_FIELDS", "LEAKY_FIELDS", "MIN_POSITIVES", "PredictConfig", "field", "load_config"]
