"""Which calendars of an account count for busy import

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_connection") as batch:
        batch.add_column(sa.Column("busy_calendar_ids", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calendar_connection") as batch:
        batch.drop_column("busy_calendar_ids")
