"""Staff members and services can be archived, and a service can be switched off (not offered)

Archiving keeps the row, so past and future bookings, their event mappings and the sync log keep
the person or service they name; only new bookings are refused. Existing rows are active and
offered.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

from bizcal_desktop.store.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("archived_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("service") as batch:
        batch.add_column(sa.Column("offered", sa.Boolean(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("archived_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service") as batch:
        batch.drop_column("archived_at")
        batch.drop_column("offered")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("archived_at")
