"""One files sync with a fixed clock, for tests that kill it: ``python sync_driver.py URL CONTACTS ACTIVITIES
OUT NOW [PAGE_SIZE]``. Small pages make many transactions, so a kill can land between any two of them."""

from __future__ import annotations

import sys
from datetime import datetime

from connector.crm.files import FilesSource
from connector.crm.updates_file import UpdatesFile
from connector.mapping.load import load_mapping
from connector.qualify import load_model
from connector.store import open_store
from connector.sync import run_sync


def main() -> None:
    url, contacts, activities, out, now_text, *rest = sys.argv[1:]
    now = datetime.fromisoformat(now_text)
    mapping, model = load_mapping(None, "files"), load_model()
    source = FilesSource(contacts, activities, mapping, page_size=int(rest[0]) if rest else 20)
    store = open_store(url)
    try:
        run_sync(store, source, model, mapping, destination=UpdatesFile(out, mapping.write_targets),
                 clock=lambda: now)
    finally:
        store.close()


if __name__ == "__main__":
    main()
