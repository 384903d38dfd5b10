"""Evaluate predictive scoring on the sandbox's synthetic B2B contacts, against the hand-written model.

The synthetic outcomes (opportunity or customer) come from a hidden propensity and fit (see
connector/sandbox/synthetic.py), so both models can be judged on the same held-out contacts: the newest 30 %
by creation date. The plain scikit-learn logistic regression uses the same raw inputs (the contact's fields and
its count of each activity kind).

    python bench/evaluate_synthetic.py [--contacts 6000]   # last line: {"roc_auc": ..., "logreg_roc_auc": ...}
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from evaluation import run

from connector.model import ActivityKind
from connector.qualify import load_model
from connector.qualify.predict import PredictConfig, evaluate_model, make_examples, split_examples
from connector.sandbox.synthetic import DEFAULT_NOW, people, to_common

FIELDS = ("seniority", "department", "industry", "country", "lead_source")
KINDS = tuple(k.value for k in ActivityKind)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=6000)
    args = parser.parse_args()
    pairs = [to_common(p) for p in people(args.contacts, seed=17, now=DEFAULT_NOW)]
    config = PredictConfig(outcome="opportunity")
    examples = make_examples(pairs, config.outcome)
    split = split_examples(examples, "time", config.test_fraction)
    rows: list[dict[str, Any]] = []
    for contact, activities in pairs:
        counts = Counter(a.kind.value for a in activities)
        row: dict[str, Any] = {f: str(contact.value(f)) for f in FIELDS}
        row["company_size"] = float(contact.company_size or 0)
        row.update({k: float(counts.get(k, 0)) for k in KINDS})
        rows.append(row)
    hand = evaluate_model(load_model(), examples, split, DEFAULT_NOW)
    run("synthetic", examples, split, config, DEFAULT_NOW, rows, ["company_size", *KINDS], list(FIELDS), 0.70,
        {"hand_written_roc_auc": hand.roc_auc, "hand_written_lift_top10": hand.lift_top10})


if __name__ == "__main__":
    main()
