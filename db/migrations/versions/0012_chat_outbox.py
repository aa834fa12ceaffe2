"""Chat messages in the outbox (roadmap step 12): outbox.channel, "email" (a digest for one
address) or "chat" (the day's headline and critical alerts for one [[notify.chat]] bot), so
chat messages are queued, claimed and sent once through the same outbox

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=16), nullable=False,
                                   server_default="email"))


def downgrade() -> None:
    op.execute("DELETE FROM alert_deliveries WHERE outbox_id IN "
               "(SELECT id FROM outbox WHERE channel <> 'email')")
    op.execute("DELETE FROM outbox WHERE channel <> 'email'")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("channel")
