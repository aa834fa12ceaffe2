"""Stock state: in stock, out of stock, pre-order, backorder or unknown (a pre-order is not a
stock-out)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("product_snapshots") as batch:
        batch.add_column(sa.Column("stock_state", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("product_snapshots") as batch:
        batch.drop_column("stock_state")
