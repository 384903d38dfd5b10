"""Where the workplace's public reference samples are: ``shared/reference`` beside the repository (the path
they are cited by), or the workplace's own copy when the repository is a clone elsewhere (CI clones it)."""

from __future__ import annotations

from pathlib import Path

_BESIDE_REPO = Path(__file__).resolve().parents[3] / "shared" / "reference"
_WORKPLACE = Path("/work/shared/reference")

REFERENCE = _BESIDE_REPO if _BESIDE_REPO.is_dir() else _WORKPLACE

#: Real Salesforce outbound messages (one starts with a BOM, one is empty) and their Ack/Fault responses.
SALESFORCE_SAMPLES = REFERENCE / "salesforce"
#: HubSpot's public webhook signature test vectors.
HUBSPOT_VECTORS = REFERENCE / "hubspot" / "signature-vectors.json"
