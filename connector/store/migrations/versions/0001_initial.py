"""Initial store: contacts, activities, cursors, field values, stage history, runs, rejected writes.

Revision ID: 0001
Revises:
Create Date: 2026-11-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

KEY = sa.String(255)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("key", KEY, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, comment="the CRM's change time, as read"),
        sa.Column("data", sa.Text, nullable=False,
                  comment="the Contact as JSON (crm_values live in field_values)"),
        sa.Column("inputs_fp", sa.String(32), nullable=False,
                  comment="fingerprint of the scoring inputs last stored"),
        sa.Column("dirty", sa.Boolean, nullable=False, server_default=sa.text("false"),
                  comment="activities changed since the contact was last processed"),
        sa.Column("first_seen_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("deleted_at", TS, comment="set when the source reports the record deleted or merged"),
        sa.Column("stage", sa.String(32)),
        sa.Column("score", sa.Integer),
        sa.Column("fit", sa.Integer),
        sa.Column("engagement", sa.Integer),
        sa.Column("grade", sa.String(4)),
        sa.Column("disqualified", sa.Boolean),
        sa.Column("summary", sa.Text),
        sa.Column("qualification", sa.Text, comment="Qualification.as_row() as JSON: reasons and evidence"),
        sa.Column("model_version", sa.String(64)),
        sa.Column("qualified_at", TS),
        sa.Column("qualified_fp", sa.String(32)),
        sa.Column("writeback", sa.Text,
                  comment='JSON {"read": {...}, "crm": {...}, "desired": {...}}: per property, the value last '
                  "read, what the CRM holds as far as we know, and what we want there (field_values keeps the "
                  "same per row with times and runs; this copy is what the planner reads)"),
        sa.Column("read_fp", sa.String(32)),
        sa.Column("desired_fp", sa.String(32)),
        sa.Column("synced_fp", sa.String(65)),
        sa.PrimaryKeyConstraint("key", name="pk_contacts"),
    )
    op.create_index("ix_contacts_source_key", "contacts", ["source", "key"])

    op.create_table(
        "activities",
        sa.Column("contact_key", KEY, nullable=False),
        sa.Column("source_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("detail", sa.Text, comment="JSON object; NULL when empty"),
        sa.PrimaryKeyConstraint("contact_key", "source_id", name="pk_activities"),
        sqlite_with_rowid=False,
    )

    op.create_table(
        "activity_packs",
        sa.Column("contact_key", KEY, nullable=False),
        sa.Column("pack", sa.Text, nullable=False,
                  comment="JSON list of [source_id, kind, occurred_at, detail JSON]"),
        sa.PrimaryKeyConstraint("contact_key", name="pk_activity_packs"),
        sqlite_with_rowid=False,
    )

    op.create_table(
        "cursors",
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(64), nullable=False),
        sa.Column("checkpoint", TS, comment="records changed before this were processed and committed"),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("run_id", sa.Integer),
        sa.PrimaryKeyConstraint("source", "object_type", name="pk_cursors"),
    )

    op.create_table(
        "field_values",
        sa.Column("contact_key", KEY, nullable=False),
        sa.Column("field", sa.String(255), nullable=False, comment="the CRM property"),
        sa.Column("read_value", sa.Text, comment="JSON: the value last read from the CRM"),
        sa.Column("read_at", TS),
        sa.Column("crm_value", sa.Text,
                  comment="JSON: what the CRM holds, as far as we know (read or written last)"),
        sa.Column("desired_value", sa.Text,
                  comment="JSON: what the latest qualification renders for this property"),
        sa.Column("written_value", sa.Text, comment="JSON: the value we last wrote"),
        sa.Column("written_at", TS),
        sa.Column("written_run_id", sa.Integer),
        sa.PrimaryKeyConstraint("contact_key", "field", name="pk_field_values"),
        sqlite_with_rowid=False,
    )

    op.create_table(
        "stage_history",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("contact_key", KEY, nullable=False),
        sa.Column("from_stage", sa.String(32)),
        sa.Column("to_stage", sa.String(32), nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("model_version", sa.String(64)),
        sa.Column("run_id", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_stage_history"),
    )
    op.create_index("ix_stage_history_contact_key_id", "stage_history", ["contact_key", "id"])

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False, comment="sync | rescore | worker"),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, comment="running | ok | failed | interrupted"),
        sa.Column("dry_run", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("full", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("lock", sa.String(128), comment="runs holding the same lock never overlap"),
        sa.Column("holder", sa.String(255), comment="host:pid of the process running it"),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("heartbeat_at", TS, nullable=False),
        sa.Column("finished_at", TS),
        sa.Column("since", TS, comment="read window start (cursor minus lookback); NULL for full"),
        sa.Column("until", TS, comment="read window end: the run's start"),
        sa.Column("counts", sa.Text, comment="the run report as JSON"),
        sa.Column("error", sa.Text),
        sa.Column("out_path", sa.Text, comment="the updates file a files destination appends to"),
        sa.Column("out_offset", sa.Integer, comment="bytes of out_path committed with the store"),
        sa.Column("resumed_from", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
    )
    op.create_index(
        "uq_runs_running_lock", "runs", ["lock"], unique=True,
        sqlite_where=sa.text("status = 'running'"), postgresql_where=sa.text("status = 'running'"),
    )
    op.create_index("ix_runs_started_at", "runs", ["started_at"])

    op.create_table(
        "rejected_writes",
        sa.Column("contact_key", KEY, nullable=False),
        sa.Column("field", sa.String(255), nullable=False),
        sa.Column("value", sa.Text, comment="JSON: the value the destination refused"),
        sa.Column("status", sa.String(16), nullable=False, comment="rejected | retryable"),
        sa.Column("reason", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("first_failed_at", TS, nullable=False),
        sa.Column("last_attempt_at", TS, nullable=False),
        sa.Column("next_retry_at", TS, nullable=False),
        sa.Column("run_id", sa.Integer),
        sa.PrimaryKeyConstraint("contact_key", "field", name="pk_rejected_writes"),
    )
    op.create_index("ix_rejected_writes_next_retry_at", "rejected_writes", ["next_retry_at"])


def downgrade() -> None:
    for table in ("rejected_writes", "runs", "stage_history", "field_values", "cursors", "activity_packs",
                  "activities", "contacts"):
        op.drop_table(table)
