"""A pipeline process for the concurrency test: ``python claim_driver.py URL CONTACTS LOG NOW GO ORDER``.

Waits for the file GO to exist (so that two of them start together), then sends every page of the
contacts file through ``Pipeline.process`` (as webhook workers do: no run lock), first page first or
(ORDER=reverse) last page first, so that two drivers meet in the middle of the file. The destination takes
its time and logs, per contact written, the process id and when the write started and ended.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from connector.crm.base import FieldUpdate, WriteResult, WriteStatus
from connector.crm.files import FilesSource
from connector.mapping.load import load_mapping
from connector.pipeline import Pipeline
from connector.qualify import load_model
from connector.store import open_store


class SlowLog:
    batch_size = 5

    def __init__(self, log: Path):
        self.log = log

    def write(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        started = time.time_ns()
        time.sleep(0.03)  # a CRM round trip: long enough for another process to step on our toes
        ended = time.time_ns()
        with self.log.open("a") as f:
            f.writelines(f"{os.getpid()} {u.contact_key} {started} {ended}\n" for u in updates)
        return [WriteResult(u.contact_key, WriteStatus.OK) for u in updates]


def main() -> None:
    url, contacts, log, now_text, go, order = sys.argv[1:]
    mapping, model = load_mapping(None, "files"), load_model()
    source = FilesSource(contacts, None, mapping, page_size=5)
    store = open_store(url)
    deadline = time.monotonic() + 30
    while not Path(go).exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    with Pipeline(store, model, mapping, now=datetime.fromisoformat(now_text), destination=SlowLog(Path(log))) as p:
        pages = [page.contacts for page in source.read_changed(None, datetime.fromisoformat(now_text))]
        for contacts_page in reversed(pages) if order == "reverse" else pages:
            p.process(contacts_page)
    store.close()


if __name__ == "__main__":
    main()
