"""Two pipeline processes on one store, fed the same contacts at the same time: each contact is processed by
one of them at a time, so each value is written once (on PostgreSQL by advisory-lock claims, on SQLite by
the write lock every batch holds)."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from support.syncing import NOW, make_export

from connector.store import Store

DRIVER = Path(__file__).resolve().parents[1] / "support" / "claim_driver.py"


def test_two_processes_never_work_on_the_same_contact_at_once(store: Store, tmp_path: Path) -> None:
    export = make_export(tmp_path / "export", 100, seed=9)
    url = store.url.render_as_string(hide_password=False)
    go = tmp_path / "go"
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    processes = [subprocess.Popen([sys.executable, str(DRIVER), url, str(export.contacts), str(log),
                                   NOW.isoformat(), str(go), order], stderr=subprocess.PIPE)
                 for log, order in zip(logs, ("forward", "reverse"), strict=True)]
    go.touch()
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()

    writes: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for log in logs:
        if log.exists():
            for line in log.read_text().splitlines():
                pid, key, started, ended = line.split()
                writes[key].append((pid, int(started), int(ended)))
    assert len(writes) == 100  # every contact written...
    twice = {key: w for key, w in writes.items() if len(w) > 1}
    assert twice == {}  # ...once: the second process found it done, never half-done
    if store.is_postgres:
        # Both got work done: they really ran side by side. (SQLite hands its write lock to whoever asks
        # first after a commit, so there one process may well do everything while the other waits.)
        pids = {pid for w in writes.values() for pid, _, _ in w}
        assert len(pids) == 2, "one process did all the work: the test did not exercise concurrency"
