"""Indexes for a product's history by crawl run (the board's rank and price histories, the
overview's own ranks): rank_observations and product_snapshots on (product_id, crawl_run_id)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_rank_observations_product_run", "rank_observations",
                    ["product_id", "crawl_run_id"])
    op.create_index("ix_product_snapshots_product_run", "product_snapshots",
                    ["product_id", "crawl_run_id"])


def downgrade() -> None:
    op.drop_index("ix_product_snapshots_product_run", table_name="product_snapshots")
    op.drop_index("ix_rank_observations_product_run", table_name="rank_observations")
