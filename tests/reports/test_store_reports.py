"""Reports over the store: what a sync left there (contacts, activities, qualifications, stage history)."""

from __future__ import annotations

from pathlib import Path

from support.syncing import make_export, sync

from connector.mapping.load import load_mapping
from connector.qualify import load_model
from connector.reports import content, funnel, scores
from connector.reports.store_source import report_data
from connector.store import open_store


def test_reports_read_what_a_sync_stored(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'lb.db'}")
    try:
        export = make_export(tmp_path / "export", 60, seed=4)
        sync(store, export, load_mapping(None, "files"), load_model(), full=True)
        data = report_data(store)
    finally:
        store.close()
    assert len(data.leads) == 60
    assert all(lead.score is not None for lead in data.leads)
    assert sum(len(lead.activities) for lead in data.leads) > 0
    assert data.history, "a first sync records each contact's stage"
    report = funnel(data)
    assert report.total == 60 and report.stages[0].reached == 60
    assert sum(n for _, _, n in report.changes) == len(data.history)
    assert content(data, outcome="opportunity", min_contacts=3).rows
    assert scores(data, outcome="opportunity").scored == 60
