"""Outbox claims: outbox.claimed_by, claimed_at (a message is claimed before it is sent, so
that concurrent senders send it once) and outbox.seq (the digest's number of the day for its
recipient, unique, so that concurrent notify calls queue a day's digest once)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))
    # the digests already queued or sent: numbered in the order they were queued
    op.execute("UPDATE outbox SET seq = (SELECT COUNT(*) FROM outbox AS earlier "
               "WHERE earlier.day = outbox.day AND earlier.recipient = outbox.recipient "
               "AND earlier.id <= outbox.id)")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint(op.f("uq_outbox_day"), ["day", "recipient", "seq"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(op.f("uq_outbox_day"), type_="unique")
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by")
        batch.drop_column("seq")
