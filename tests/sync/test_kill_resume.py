"""kill -9 a sync at random points, several times, then let it finish: the store and the updates file end
exactly as after one uninterrupted run (nothing lost, nothing written twice)."""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from support.syncing import NOW, make_export, store_state

from connector.store import open_store

DRIVER = Path(__file__).resolve().parents[1] / "support" / "sync_driver.py"
KILLS = 5


def _start(url: str, export_dir: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(DRIVER), url, str(export_dir / "contacts.csv"), str(export_dir / "activities.csv"),
         str(out), NOW.isoformat(), "15"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _rows(path: Path) -> list[tuple[str, ...]]:
    with path.open(newline="", encoding="utf-8") as f:
        return [tuple(row) for row in csv.reader(f)]


def test_killed_runs_resume_to_the_same_final_state(tmp_path: Path) -> None:
    export = make_export(tmp_path / "export", 500, seed=5)
    export_dir = export.contacts.parent

    reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
    started = time.monotonic()
    reference = _start(reference_url, export_dir, tmp_path / "reference.csv")
    assert reference.wait(timeout=60) == 0, reference.stderr.read().decode() if reference.stderr else ""
    duration = time.monotonic() - started

    seed = int(os.environ.get("KILL_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    out = tmp_path / "updates.csv"
    kills = 0
    finished = False
    for _ in range(KILLS):
        process = _start(url, export_dir, out)
        time.sleep(rng.uniform(0.1, 0.6) * duration)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        returncode = process.wait(timeout=60)
        if returncode == 0:
            finished = True
            break
        assert returncode == -signal.SIGKILL, process.stderr.read().decode() if process.stderr else ""
    if not finished:
        last = _start(url, export_dir, out)
        assert last.wait(timeout=60) == 0, last.stderr.read().decode() if last.stderr else ""
    assert kills >= 1, f"no run was killed (seed {seed}): the runs are too quick for the delays"

    expected, got = open_store(reference_url), open_store(url)
    try:
        assert store_state(got) == store_state(expected), f"seed {seed}"
    finally:
        expected.close()
        got.close()
    rows = _rows(out)
    assert len({row[0] for row in rows}) == len(rows), f"a contact written twice (seed {seed})"
    assert sorted(rows) == sorted(_rows(tmp_path / "reference.csv")), f"seed {seed}"
