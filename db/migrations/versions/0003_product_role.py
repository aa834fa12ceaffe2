"""products.role: own, competitor (watched) or other

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("role", sa.String(length=16), nullable=False,
                                   server_default="other"))
    op.execute("UPDATE products SET role = 'own' WHERE is_own")


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_column("role")
