"""Outbox jobs are claimed with a lease, so two processes never work on one booking

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

from bizcal_desktop.store.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_job") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(96), nullable=True))
        batch.add_column(sa.Column("lease_until", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_job") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("claimed_by")
