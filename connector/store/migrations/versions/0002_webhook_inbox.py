"""Webhook inbox: events stored before the receiver acknowledges them, until a worker is done.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inbox_events",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column(
            "dedupe_key",
            sa.String(255),
            nullable=False,
            comment="identifies the event across redeliveries (HubSpot: portal, subscription, event id, "
            "object, time; Salesforce: org and Notification Id)",
        ),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column(
            "contact_key",
            sa.String(255),
            nullable=False,
            comment="the contact the event is about (the survivor of a merge)",
        ),
        sa.Column("kind", sa.String(32), nullable=False, comment="change | deletion | merge"),
        sa.Column("payload", sa.Text, nullable=False, comment="the event as received, JSON"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("occurred_at", TS),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("claimed_by", sa.String(128), comment="lease token of the worker holding the event"),
        sa.Column("claimed_until", TS),
        sa.Column("processed_at", TS),
        sa.Column("last_error", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_inbox_events"),
        sa.UniqueConstraint("dedupe_key", name="uq_inbox_events_dedupe_key"),
    )
    op.create_index("ix_inbox_events_status_next_attempt_at", "inbox_events", ["status", "next_attempt_at"])
    op.create_index("ix_inbox_events_contact_key", "inbox_events", ["contact_key"])


def downgrade() -> None:
    op.drop_table("inbox_events")
