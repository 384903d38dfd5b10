"""Write qualifications to CSV (reasons as JSON in one column) or JSONL, chosen by the file's extension."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

from connector.errors import UserError
from connector.model import Qualification

COLUMNS = ("key", "score", "fit", "engagement", "grade", "stage", "previous_stage", "disqualified",
           "disqualified_reason", "summary", "stage_reason", "model_version", "computed_at", "reasons")


def write_results(path: Path, results: Iterable[Qualification]) -> int:
    """Write every result to ``path`` (.csv or .jsonl); returns how many were written."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl"):
        raise UserError(f"--out {path}: use a .csv or .jsonl file name")
    count = 0
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            if suffix == ".jsonl":
                for q in results:
                    handle.write(json.dumps(q.as_row(), ensure_ascii=False) + "\n")
                    count += 1
            else:
                writer = csv.DictWriter(handle, fieldnames=COLUMNS)
                writer.writeheader()
                for q in results:
                    row = q.as_row()
                    row["reasons"] = json.dumps(row["reasons"], ensure_ascii=False)
                    writer.writerow(row)
                    count += 1
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}; check the folder exists and is writable") from None
    return count
