"""One Salesforce sync through the one pipeline (``connector.sync.run_sync``), with the adapter set up for it.

    api = SalesforceApi.from_settings(settings)
    result = run_salesforce_sync(store, api, model, mapping, options=SyncOptions(full=True))

The pipeline computes the run's window from the cursor; activities are streamed ahead of the pages, so the
source is told the same window first (cursor minus lookback, run start). When the run's share of the daily
API allocation is used up, ``ApiBudgetExhausted`` (a ``RunStoppedEarly``) comes out: the run is recorded
``partial`` with that message, its cursor is at the last committed page, and the next run resumes from there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from connector.crm.salesforce import SalesforceOptions, SalesforceSource
from connector.crm.salesforce_api import SalesforceApi
from connector.crm.salesforce_write import SalesforceDestination
from connector.mapping.schema import Mapping
from connector.qualify import ScoringModel
from connector.store import Store, cursors
from connector.sync import Progress, SyncOptions, SyncResult, run_sync, utc_now


def run_salesforce_sync(
    store: Store,
    api: SalesforceApi,
    model: ScoringModel,
    mapping: Mapping,
    *,
    options: SyncOptions | None = None,
    source_options: SalesforceOptions | None = None,
    write: bool = True,
    clock: Callable[[], datetime] = utc_now,
    progress: Progress | None = None,
) -> SyncResult:
    """Read what changed in the org, qualify, and write back what changed (nothing with ``write=False``)."""
    options = options or SyncOptions()
    source = SalesforceSource(api, mapping, source_options)
    destination = SalesforceDestination(source) if write else None
    until = clock()
    with store.begin() as conn:
        checkpoint = cursors.checkpoint(conn, source.name, mapping.contacts.object)
    since = None if options.full or checkpoint is None else checkpoint - options.lookback
    source.activities_window(since, until)
    first = [until]

    def run_clock() -> datetime:
        # The run starts at the instant the activity window ends, so both windows are the same.
        return first.pop() if first else clock()

    kwargs = {"progress": progress} if progress is not None else {}
    return run_sync(store, source, model, mapping, destination=destination, options=options, clock=run_clock,
                    **kwargs)  # type: ignore[arg-type]
