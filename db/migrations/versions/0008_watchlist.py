"""Watch list: products imported from a spreadsheet (`shopwatch products import`)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watchlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("group", sa.String(length=128), nullable=False),
        sa.Column("compare_to", sa.String(length=128), nullable=True),
        sa.Column("source", sa.String(length=512), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist")),
        sa.UniqueConstraint("site", "external_id", name=op.f("uq_watchlist_site")),
    )


def downgrade() -> None:
    op.drop_table("watchlist")
