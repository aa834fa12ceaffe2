"""product_snapshots.price_high, list_price_high: the top of a price range ("1399-1699")

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("product_snapshots") as batch:
        batch.add_column(sa.Column("price_high", sa.Numeric(14, 2), nullable=True))
        batch.add_column(sa.Column("list_price_high", sa.Numeric(14, 2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("product_snapshots") as batch:
        batch.drop_column("list_price_high")
        batch.drop_column("price_high")
