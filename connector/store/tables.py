"""The store's tables (SQLAlchemy Core). Migrations in ``migrations/versions`` create exactly these.

    contacts         the local replica of each contact (common model as JSON) and its latest qualification
    activities       one row per activity, keyed by contact key and the activity's source id
    activity_packs   per contact, a copy of its activities as one JSON value (the fast read path)
    cursors          per source and object: the checkpoint an incremental read resumes from
    field_values     per contact and CRM property: last value read, best-known CRM value, desired, written
    stage_history    every stage change: from, to, when, why, model version, run
    runs             every sync/rescore run: kind, source, status, counts (the run report), errors
    rejected_writes  writes the destination refused or could not take, with reason, attempts, next retry

The webhook inbox (issue 7) comes as its own migration (``0002_...``) adding its tables here; nothing in
these tables needs to change for it: the worker calls the same pipeline, which claims contacts itself.

JSON values are stored as compact, key-sorted text (``types.to_json``) rather than a JSON column type, so
that equality is text equality on both backends and the bulk paths skip per-row type processing.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from connector.store.types import UTCDateTime

# Constraint names are spelled out so that migrations (and SQLite batch mode) can refer to them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

KEY = String(255)  # contact keys: "source:object:id"

contacts = Table(
    "contacts",
    metadata,
    Column("key", KEY, primary_key=True),
    Column("source", String(64), nullable=False),
    Column("object_type", String(64), nullable=False),
    Column("updated_at", UTCDateTime, comment="the CRM's change time, as read"),
    Column("data", Text, nullable=False, comment="the Contact as JSON (crm_values live in field_values)"),
    Column("inputs_fp", String(32), nullable=False, comment="fingerprint of the scoring inputs last stored"),
    Column("dirty", Boolean, nullable=False, server_default=text("false"),
           comment="activities changed since the contact was last processed"),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("deleted_at", UTCDateTime, comment="set when the source reports the record deleted or merged"),
    # The latest qualification; qualified_fp is the inputs_fp it was computed from.
    Column("stage", String(32)),
    Column("score", Integer),
    Column("fit", Integer),
    Column("engagement", Integer),
    Column("grade", String(4)),
    Column("disqualified", Boolean),
    Column("summary", Text),
    Column("qualification", Text, comment="Qualification.as_row() as JSON: reasons and evidence"),
    Column("model_version", String(64)),
    Column("qualified_at", UTCDateTime),
    Column("qualified_fp", String(32)),
    # The write-back. read_fp and desired_fp fingerprint the CRM values last read and the values the
    # qualification wants there; synced_fp is "read_fp desired_fp" as of the last plan that was written in
    # full (NULL while something is still to write), so an unchanged contact costs no planning at all.
    Column("writeback", Text, comment='JSON {"read": {...}, "crm": {...}, "desired": {...}}: per property, '
           "the value last read, what the CRM holds as far as we know, and what we want there (field_values "
           "keeps the same per row with times and runs; this copy is what the planner reads)"),
    Column("read_fp", String(32)),
    Column("desired_fp", String(32)),
    Column("synced_fp", String(65)),
    Index(None, "source", "key"),
)

activities = Table(
    "activities",
    metadata,
    Column("contact_key", KEY, primary_key=True),
    Column("source_id", String(255), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("detail", Text, comment="JSON object; NULL when empty"),
    # Clustered by contact on SQLite: a contact's activities sit together, and a rescore reads them in order.
    sqlite_with_rowid=False,
)

activity_packs = Table(
    "activity_packs",
    metadata,
    Column("contact_key", KEY, primary_key=True),
    Column("pack", Text, nullable=False, comment="JSON list of [source_id, kind, occurred_at, detail JSON]"),
    # A copy of the contact's activities rows, kept in step with them by the pipeline: a rescore reads one
    # value per contact instead of twenty rows. Apart from contacts, so that updating a contact's
    # qualification does not rewrite it.
    sqlite_with_rowid=False,
)

cursors = Table(
    "cursors",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("object_type", String(64), primary_key=True),
    Column("checkpoint", UTCDateTime, comment="records changed before this were processed and committed"),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("run_id", Integer),
)

field_values = Table(
    "field_values",
    metadata,
    Column("contact_key", KEY, primary_key=True),
    Column("field", String(255), primary_key=True, comment="the CRM property"),
    Column("read_value", Text, comment="JSON: the value last read from the CRM"),
    Column("read_at", UTCDateTime),
    Column("crm_value", Text, comment="JSON: what the CRM holds, as far as we know (read or written last)"),
    Column("desired_value", Text, comment="JSON: what the latest qualification renders for this property"),
    Column("written_value", Text, comment="JSON: the value we last wrote"),
    Column("written_at", UTCDateTime),
    Column("written_run_id", Integer),
    sqlite_with_rowid=False,
)

stage_history = Table(
    "stage_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contact_key", KEY, nullable=False),
    Column("from_stage", String(32)),
    Column("to_stage", String(32), nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    Column("reason", Text),
    Column("model_version", String(64)),
    Column("run_id", Integer),
    Index(None, "contact_key", "id"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False, comment="sync | rescore | worker"),
    Column("source", String(64), nullable=False),
    Column("status", String(16), nullable=False, comment="running | ok | failed | interrupted"),
    Column("dry_run", Boolean, nullable=False, server_default=text("false")),
    Column("full", Boolean, nullable=False, server_default=text("false")),
    Column("lock", String(128), comment="runs holding the same lock never overlap"),
    Column("holder", String(255), comment="host:pid of the process running it"),
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("since", UTCDateTime, comment="read window start (cursor minus lookback); NULL for full"),
    Column("until", UTCDateTime, comment="read window end: the run's start"),
    Column("counts", Text, comment="the run report as JSON"),
    Column("error", Text),
    Column("out_path", Text, comment="the updates file a files destination appends to"),
    Column("out_offset", Integer, comment="bytes of out_path committed with the store"),
    Column("resumed_from", Integer),
    # One running run per lock: the database itself refuses a second one.
    Index("uq_runs_running_lock", "lock", unique=True,
          sqlite_where=text("status = 'running'"), postgresql_where=text("status = 'running'")),
    Index(None, "started_at"),
)

rejected_writes = Table(
    "rejected_writes",
    metadata,
    Column("contact_key", KEY, primary_key=True),
    Column("field", String(255), primary_key=True),
    Column("value", Text, comment="JSON: the value the destination refused"),
    Column("status", String(16), nullable=False, comment="rejected | retryable"),
    Column("reason", Text),
    Column("attempts", Integer, nullable=False),
    Column("first_failed_at", UTCDateTime, nullable=False),
    Column("last_attempt_at", UTCDateTime, nullable=False),
    Column("next_retry_at", UTCDateTime, nullable=False),
    Column("run_id", Integer),
    Index(None, "next_retry_at"),
)
