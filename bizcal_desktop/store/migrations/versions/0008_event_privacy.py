"""What events show of a booking follows a privacy level; a connection may override the business's

``calendar_connection.event_privacy`` (None = the business's level). The business's level is a
field of the ``business`` setting (JSON, no column). A new install starts at *Service only*; an
install that already has bookings or connections keeps *Full*, what its events show today, written
here explicitly so upgrading never rewrites a practitioner's calendar without being asked
(``domain/privacy.py`` says why).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: The level an existing install keeps (a migration does not import application code).
LEGACY_LEVEL = "full"


def _keep_full_for_existing_install() -> None:
    bind = op.get_bind()
    in_use = bind.execute(sa.text(
        "SELECT EXISTS (SELECT 1 FROM booking) OR EXISTS (SELECT 1 FROM calendar_connection)"
    )).scalar()
    if not in_use:
        return
    stored = bind.execute(sa.text("SELECT value_json FROM setting WHERE key = 'business'")).scalar()
    if stored is None:
        bind.execute(sa.text("INSERT INTO setting (key, value_json) VALUES ('business', :value)"),
                     {"value": json.dumps({"event_privacy": LEGACY_LEVEL})})
        return
    business = json.loads(stored)
    if "event_privacy" not in business:
        business["event_privacy"] = LEGACY_LEVEL
        bind.execute(sa.text("UPDATE setting SET value_json = :value WHERE key = 'business'"),
                     {"value": json.dumps(business)})


def upgrade() -> None:
    with op.batch_alter_table("calendar_connection") as batch:
        batch.add_column(sa.Column("event_privacy", sa.String(length=16), nullable=True))
    _keep_full_for_existing_install()


def downgrade() -> None:
    with op.batch_alter_table("calendar_connection") as batch:
        batch.drop_column("event_privacy")
