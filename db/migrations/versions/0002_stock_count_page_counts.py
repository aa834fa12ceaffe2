"""stock count and page origin of snapshots; per-page-type counts of crawl runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("product_snapshots") as batch:
        batch.add_column(sa.Column("stock_count", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("from_page", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("page_counts", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("unknown_prices", sa.Integer(), nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("unknown_prices")
        batch.drop_column("page_counts")
    with op.batch_alter_table("product_snapshots") as batch:
        batch.drop_column("from_page")
        batch.drop_column("stock_count")
