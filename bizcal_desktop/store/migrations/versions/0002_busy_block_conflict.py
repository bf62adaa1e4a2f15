"""Remember which booking a busy block was reported to collide with

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("busy_block") as batch:
        batch.add_column(sa.Column("conflict_booking_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_busy_block_conflict_booking", "booking", ["conflict_booking_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("busy_block") as batch:
        batch.drop_constraint("fk_busy_block_conflict_booking", type_="foreignkey")
        batch.drop_column("conflict_booking_id")
