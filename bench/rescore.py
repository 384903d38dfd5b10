"""Rescore throughput from the SQLite store: contacts_per_s on the last line, as JSON.

Set-up (not timed): N synthetic contacts with about 20 activities each are synced into a fresh SQLite
store through the pipeline, with their write-back recorded as written, as of DEFAULT_NOW.
Timed: ``run_rescore`` one day later with the shipped scoring model (it decays, so every contact is
re-qualified), writing the values that changed to an updates file — what the daily rescore does — with
worker processes as ``leadbridge rescore`` picks them (one per core; ``--workers 0`` for one process).

    python bench/rescore.py [--contacts 200000] [--activities-mean 20]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from connector.crm.updates_file import UpdatesFile
from connector.mapping.load import load_mapping
from connector.parallel import auto_workers
from connector.pipeline import Pipeline
from connector.qualify import load_model
from connector.sandbox.synthetic import DEFAULT_NOW, people, to_common
from connector.store import open_store
from connector.sync import SyncOptions, run_rescore

SOURCE = "files"
PAGE = 2000


def load(store_url: str, n: int, activities_mean: float, out: Path) -> None:
    """Sync n synthetic contacts into the store as of DEFAULT_NOW, write-back recorded."""
    store = open_store(store_url)
    mapping, model = load_mapping(None, SOURCE), load_model()
    destination = UpdatesFile(out, mapping.write_targets)
    destination.open()
    page: list = []
    acts: list = []
    with Pipeline(store, model, mapping, now=DEFAULT_NOW, destination=destination) as pipeline:
        for person in people(n, seed=11, activities_mean=activities_mean):
            contact, activities = to_common(person, source=SOURCE)
            page.append(contact)
            acts.extend(activities)
            if len(page) >= PAGE:
                pipeline.process(page, acts)
                page, acts = [], []
                print(f"loaded {pipeline.report.read:,}", file=sys.stderr, end="\r")
        if page:
            pipeline.process(page, acts)
    destination.close()
    store.close()
    print(file=sys.stderr)


def _cpu() -> tuple[float, float, float, float]:
    """CPU seconds used so far by this process and by its finished children (the rescore workers), then the
    part of each spent in the kernel (reading and writing the database files)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime, me.ru_stime, children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--activities-mean", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=None, help="rescore worker processes (default: auto)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="folder to keep the loaded store in and reuse on the next run (the set-up is slow)")
    args = parser.parse_args()
    workers = auto_workers(args.contacts) if args.workers is None else args.workers
    with tempfile.TemporaryDirectory(prefix="lb-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        loaded = folder / f"loaded-{args.contacts}-{args.activities_mean:g}.db"
        load_s = 0.0
        if not loaded.exists():
            started = time.perf_counter()
            load(f"sqlite:///{folder / 'loading.db'}", args.contacts, args.activities_mean, folder / "initial.csv")
            load_s = time.perf_counter() - started
            (folder / "loading.db").rename(loaded)
        shutil.copyfile(loaded, Path(tmp) / "bench.db")  # the rescore changes the store: work on a copy
        url = f"sqlite:///{tmp}/bench.db"

        store = open_store(url)
        mapping, model = load_mapping(None, SOURCE), load_model()
        destination = UpdatesFile(Path(tmp) / "updates.csv", mapping.write_targets)
        later = DEFAULT_NOW + timedelta(days=1)
        cpu_before = _cpu()
        started = time.perf_counter()
        result = run_rescore(store, model, mapping, source=SOURCE, destination=destination, clock=lambda: later,
                             options=SyncOptions(workers=workers))
        seconds = time.perf_counter() - started
        main_cpu, workers_cpu, main_sys, workers_sys = (
            after - before for after, before in zip(_cpu(), cpu_before, strict=True))
        with store.engine.connect() as conn:
            activities = conn.exec_driver_sql("SELECT count(*) FROM activities").scalar()
        store.close()
    report = result.report
    cores = max(1, len(os.sched_getaffinity(0)))
    # What the same CPU work takes on idle cores: the busier of this process alone, or all of it shared.
    idle_seconds = max(main_cpu, (main_cpu + workers_cpu) / cores)
    print(json.dumps({
        "bench": "rescore",
        "store": "sqlite",
        "contacts": args.contacts,
        "activities": activities,
        "workers": workers,
        "seconds": round(seconds, 2),
        "contacts_per_s": round(report.qualified / seconds),
        "cpu_seconds_main": round(main_cpu, 2),
        "cpu_seconds_workers": round(workers_cpu, 2),
        "cpu_seconds_main_kernel": round(main_sys, 2),
        "cpu_seconds_workers_kernel": round(workers_sys, 2),
        "contacts_per_s_idle_cores": round(report.qualified / idle_seconds),
        "qualified": report.qualified,
        "stage_changes": sum(report.stage_changes.values()),
        "values_written": report.written,
        "contacts_written": report.written_contacts,
        "load_seconds": round(load_s, 1),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }))


if __name__ == "__main__":
    main()
