"""A confirmed mass deletion keeps its confirmation through a deferral

``outbox_job.deletion_confirmed``: the user confirmed the deletions this job makes, after the
mass-deletion guard held them (``store/deletion_holds.py``). Before, a marker time in ``not_before``
(1970-01-02) said so, and a transient error's deferral overwrote it with the retry time: the retry
was then held again as if never confirmed. Jobs carrying the old marker are converted: confirmed,
and due now.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

#: The old marker (naive UTC, as ``UTCDateTime`` stores it).
_CONFIRMED_MARKER = datetime(1970, 1, 2)

_jobs = sa.table("outbox_job", sa.column("not_before", sa.DateTime()), sa.column("deletion_confirmed", sa.Boolean()),
                 sa.column("status", sa.String()))


def upgrade() -> None:
    with op.batch_alter_table("outbox_job") as batch:
        batch.add_column(sa.Column("deletion_confirmed", sa.Boolean(), nullable=False, server_default="0"))
    op.execute(_jobs.update().where(_jobs.c.not_before == _CONFIRMED_MARKER)
               .values(deletion_confirmed=True, not_before=None))


def downgrade() -> None:
    op.execute(_jobs.update().where(_jobs.c.deletion_confirmed.is_(True), _jobs.c.status == "pending")
               .values(not_before=_CONFIRMED_MARKER))
    with op.batch_alter_table("outbox_job") as batch:
        batch.drop_column("deletion_confirmed")
