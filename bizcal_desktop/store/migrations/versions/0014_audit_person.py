"""The audit trail names the person: the staff member's name as it was, beside their id

``audit_event.staff_member_id`` was created by 0009 for this and left empty; ``staff_member_name``
keeps the name at the time of the change, so renaming a staff member later does not rewrite who did
what. Both are filled by ``store/audit.py`` from the person this computer's user said they are
("Who uses this computer?" on a team database, ``bizcal --as NAME``) — an identification, not a
sign-in. Existing rows stay without a person: nobody was asked then.

A plain ADD COLUMN on both engines (no batch rebuild on SQLite), so 0009's append-only triggers stay;
the downgrade drops it with SQLite's own DROP COLUMN for the same reason: a batch rebuild would
recreate the table and silently lose the triggers that keep the trail append-only.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("staff_member_name", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE audit_event DROP COLUMN staff_member_name")
