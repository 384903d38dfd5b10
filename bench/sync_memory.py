"""Peak memory of a files sync: 100,000 vs 400,000 contacts, each in its own process. The sync streams
(pages of contacts, batches of activities, the store on disk), so four times the contacts must not take
much more memory: peak_rss_ratio (large / small) on the last line, as JSON.

Each size: a synthetic CSV export (connector.sandbox.files_export, ~3 activities per contact), then
``run_sync`` into a fresh SQLite store with ``--out updates.csv`` in a child process whose peak resident
set size (ru_maxrss) is measured.

    python bench/sync_memory.py [--small 100000] [--large 400000] [--activities-mean 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from connector.sandbox.files_export import write_people
from connector.sandbox.synthetic import DEFAULT_NOW, people


def child(folder: Path) -> None:
    """Run one full sync of the export in ``folder``; print counts and peak RSS as JSON."""
    from connector.crm.files import FilesSource
    from connector.crm.updates_file import UpdatesFile
    from connector.mapping.load import load_mapping
    from connector.qualify import load_model
    from connector.store import open_store
    from connector.sync import run_sync

    mapping, model = load_mapping(None, "files"), load_model()
    source = FilesSource(folder / "contacts.csv", folder / "activities.csv", mapping)
    store = open_store(f"sqlite:///{folder / 'leadbridge.db'}")
    destination = UpdatesFile(folder / "updates.csv", mapping.write_targets, mapping.contacts.id.name)
    started = time.perf_counter()
    result = run_sync(store, source, model, mapping, destination=destination, clock=lambda: DEFAULT_NOW)
    seconds = time.perf_counter() - started
    store.close()
    report = result.report
    print(json.dumps({
        "read": report.read, "activities": report.activities, "qualified": report.qualified,
        "written": report.written, "seconds": round(seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


def measure(n: int, activities_mean: float, workdir: Path) -> dict[str, float]:
    folder = workdir / f"n{n}"
    write_people(people(n, seed=13, now=DEFAULT_NOW, activities_mean=activities_mean), folder)
    done = subprocess.run([sys.executable, __file__, "--child", str(folder)], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=400_000)
    parser.add_argument("--activities-mean", type=float, default=3.0)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child)
        return
    with tempfile.TemporaryDirectory(prefix="lb-bench-") as tmp:
        small = measure(args.small, args.activities_mean, Path(tmp))
        print(f"small: {small}", file=sys.stderr)
        large = measure(args.large, args.activities_mean, Path(tmp))
        print(f"large: {large}", file=sys.stderr)
    print(json.dumps({
        "bench": "sync_memory",
        "small_contacts": args.small,
        "large_contacts": args.large,
        "activities_mean": args.activities_mean,
        "peak_rss_mb_small": small["peak_rss_mb"],
        "peak_rss_mb_large": large["peak_rss_mb"],
        "peak_rss_ratio": round(large["peak_rss_mb"] / small["peak_rss_mb"], 3),
        "seconds_small": small["seconds"],
        "seconds_large": large["seconds"],
        "contacts_per_s_large": round(args.large / large["seconds"]),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }))


if __name__ == "__main__":
    main()
