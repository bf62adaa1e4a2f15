"""A connection records the device that holds its secret; an outbox job can be handed to a device

``calendar_connection.owner_device`` (the id in that device's ``device.json``) and
``owner_device_name`` (its name for people): on a team's shared database only that device writes to
and reads from the connection's calendar, because only its keychain holds the secret (issue 19).
``outbox_job.for_device``: a job handed by one device to the device that holds its calendar; None =
whichever device plans it first.

Existing connections are left without an owner here: a migration cannot know which device it runs
on. The app fills them in at its first start of this version (``services/devices.adopt_unowned``):
on SQLite every connection is this device's; on PostgreSQL each device takes the ones whose secret
its keychain holds.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_connection") as batch:
        batch.add_column(sa.Column("owner_device", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("owner_device_name", sa.String(length=200), nullable=True))
    with op.batch_alter_table("outbox_job") as batch:
        batch.add_column(sa.Column("for_device", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_job") as batch:
        batch.drop_column("for_device")
    with op.batch_alter_table("calendar_connection") as batch:
        batch.drop_column("owner_device_name")
        batch.drop_column("owner_device")
