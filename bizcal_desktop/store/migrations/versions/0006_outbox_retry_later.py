"""An outbox job that failed for a reason that may pass waits for a next-attempt time

A write that met a network error or a server's 5xx until its quick retries ran out used to end
*failed* for good; now its job stays pending with ``not_before`` (when it is tried again) and
``deferrals`` (how many times it waited, so each wait is longer). Existing jobs are due now.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

from bizcal_desktop.store.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_job") as batch:
        batch.add_column(sa.Column("not_before", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("deferrals", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outbox_job") as batch:
        batch.drop_column("deferrals")
        batch.drop_column("not_before")
