"""Search demand per term and week (search_demand, from the platforms' search-term reports) and
product attributes (product_attributes: spec-table rows and the operator's confirmed list)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_demand",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("term", sa.String(length=256), nullable=False),
        sa.Column("term_key", sa.String(length=256), nullable=False),
        sa.Column("volume", sa.Float(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("click_rate", sa.Float(), nullable=True),
        sa.Column("conversion", sa.Float(), nullable=True),
        sa.Column("competing", sa.Integer(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_demand")),
        sa.UniqueConstraint("source", "week", "term_key", name=op.f("uq_search_demand_source")),
    )
    with op.batch_alter_table("search_demand") as batch:
        batch.create_index(batch.f("ix_search_demand_week"), ["week"], unique=False)
        batch.create_index(batch.f("ix_search_demand_term_key"), ["term_key"], unique=False)
    op.create_table(
        "product_attributes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_attributes")),
        sa.UniqueConstraint("site", "product_id", "source", "name", "value",
                            name=op.f("uq_product_attributes_site")),
    )


def downgrade() -> None:
    op.drop_table("product_attributes")
    with op.batch_alter_table("search_demand") as batch:
        batch.drop_index(batch.f("ix_search_demand_term_key"))
        batch.drop_index(batch.f("ix_search_demand_week"))
    op.drop_table("search_demand")
