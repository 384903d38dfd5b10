"""Benchmark the qualification core: contacts per second on the default model, with full explanations.

Generates N synthetic contacts (default 100,000) with ~20 activities each (connector.sandbox.synthetic, seeded),
then qualifies all of them in one process, several times, and prints one JSON object on its last line:

    {"contacts": 100000, "activities": 2003421, "contacts_per_s": ..., "single_contacts_per_s": ..., ...}

``contacts_per_s`` is the median over repeats of ``qualify_batch`` (the path sync and rescore use);
``single_contacts_per_s`` is ``qualify(...)`` called for one contact at a time (as a webhook's re-qualification
does), on the first 2,000 contacts: the core decides a block of contacts at a time, and a block of one pays
the block's fixed cost alone;
``render_contacts_per_s`` adds rendering every result to a flat row with its evidence strings (as --out does).
``batch_us_per_contact`` is every batch repeat's time per contact (spread = noise), and ``loadavg`` the 1-minute
load average before and after: the machines are shared, so a figure taken under load is lower.
Generation time is reported separately and is not part of the figure.

    python bench/core.py [--contacts 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

from connector.qualify import load_model, qualify, qualify_batch
from connector.sandbox.synthetic import DEFAULT_NOW, people, to_common

SINGLE = 2_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--activities", type=float, default=20.0, help="mean activities per contact")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    data = [to_common(p) for p in people(args.contacts, seed=7, activities_mean=args.activities)]
    generate_s = time.perf_counter() - started
    model = load_model()
    n = len(data)

    batch, single, render = [], [], []
    results: list = []
    rows: list = []
    for _ in range(args.repeat):
        results = rows = []  # free the last repeat's outside the timings (freeing 100,000 results takes time too)
        t0 = time.perf_counter()
        results = qualify_batch(data, model, DEFAULT_NOW)
        batch.append(n / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        [qualify(c, a, model, DEFAULT_NOW) for c, a in data[:SINGLE]]
        single.append(min(n, SINGLE) / (time.perf_counter() - t0))
        reasons_per_contact = sum(len(q.reasons) for q in results) / n
        results = []
        t0 = time.perf_counter()
        rows = [q.as_row() for q in qualify_batch(data, model, DEFAULT_NOW)]
        for row in rows:  # evidence strings are rendered when a row is written
            for reason in row["reasons"]:
                reason["evidence"]
        render.append(n / (time.perf_counter() - t0))
    figures = {
        "contacts": n,
        "activities": sum(len(a) for _, a in data),
        "model_version": model.version,
        "repeats": args.repeat,
        "contacts_per_s": round(statistics.median(batch)),
        "single_contacts_per_s": round(statistics.median(single)),
        "render_contacts_per_s": round(statistics.median(render)),
        "batch_us_per_contact": [round(1e6 / x, 1) for x in batch],
        "reasons_per_contact": round(reasons_per_contact, 2),
        "generate_s": round(generate_s, 1),
        "python": platform.python_version(),
        "loadavg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    sys.exit(main())
