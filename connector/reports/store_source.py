"""Report data from the store: live contacts with their latest qualification, activities and stage history.

Read-only, through the store's own codec and readers, so the reports see exactly what the pipeline stored.
"""

from __future__ import annotations

from sqlalchemy import select

from connector.model import Stage
from connector.reports.leads import Lead, ReportData, StageEntry, crm_stage
from connector.store import Store
from connector.store.activities import ActivityReader
from connector.store.codec import decode_contact
from connector.store.tables import contacts, stage_history

_STAGES = {stage.value: stage for stage in Stage}
BATCH = 2000


def report_data(store: Store, source: str | None = None) -> ReportData:
    """Every live contact in the store (of one ``source`` when given) as report data."""
    query = select(contacts.c.key, contacts.c.data, contacts.c.stage, contacts.c.score, contacts.c.disqualified) \
        .where(contacts.c.deleted_at.is_(None)).order_by(contacts.c.key)
    if source is not None:
        query = query.where(contacts.c.source == source)
    leads: list[Lead] = []
    with store.connect() as connection:
        rows = connection.execute(query).all()
        reader = ActivityReader(connection)
        for start in range(0, len(rows), BATCH):
            part = rows[start:start + BATCH]
            acts = reader.for_keys([row[0] for row in part])
            for key, data, stage, score, disqualified in part:
                contact = decode_contact(key, data)
                known = crm_stage(contact)
                current = _STAGES[stage] if stage else (known or Stage.LEAD)
                if known is not None and known > current:
                    current = known
                leads.append(Lead(contact, acts.get(key, []), current, score, bool(disqualified)))
        keys = {lead.key for lead in leads}
        history = [
            StageEntry(key, _STAGES.get(from_stage) if from_stage else None, _STAGES[to_stage], changed_at)
            for key, from_stage, to_stage, changed_at in connection.execute(
                select(stage_history.c.contact_key, stage_history.c.from_stage, stage_history.c.to_stage,
                       stage_history.c.changed_at).order_by(stage_history.c.id))
            if key in keys and to_stage in _STAGES
        ]
    return ReportData(leads, history)
