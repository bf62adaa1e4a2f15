"""A team's PostgreSQL tells every device at once when a booking or its outbox changes (NOTIFY)

Issue 19 item 5: a booking made at the front desk shows on the stylist's laptop within about a
second, and the device that holds the calendar writes it right away. Triggers rather than a call in
Python, because every door must be caught — a booking made, moved or cancelled, a move that flowed
back from a calendar, every job queued (retry, resync, privacy, reconnect, reattach), a job handed to
another device, a held job made due (Resume, *Sync now*, a confirmed deletion) and a job finished — by
this app, an older CLI or a script; and ``pg_notify`` in a trigger is part of the change's own
transaction, so a listener hears of a change exactly when it is committed and never of one rolled back.

The payload holds ids only, never a customer's name (``store/notifications.py`` reads it):
``b:<booking id>`` a booking row changed; ``j:<booking id>:<device>`` a job to do (new, handed to
``<device>``, or due again; empty = whichever device plans it); ``d:<booking id>`` a job finished.
A claim, a lease renewal or a deferral sends nothing: only other devices' drains would hear them,
and they have nothing to do about them. SQLite has one device: it keeps its timers, and nothing is
created here.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: The channel every device LISTENs on (``store/notifications.CHANNEL`` says the same).
CHANNEL = "bizcal_changes"

POSTGRES_STATEMENTS = (
    f"""CREATE FUNCTION bizcal_notify_booking() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('{CHANNEL}', 'b:' || NEW.id);
      RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION bizcal_notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE to_do boolean := TG_OP = 'INSERT';
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        IF NEW.status IS DISTINCT FROM OLD.status THEN
          PERFORM pg_notify('{CHANNEL}', 'd:' || NEW.booking_id);
          RETURN NULL;
        END IF;
        to_do := NEW.for_device IS DISTINCT FROM OLD.for_device
          OR (OLD.not_before IS NOT NULL AND NEW.not_before IS DISTINCT FROM OLD.not_before
              AND (NEW.not_before IS NULL OR NEW.not_before <= (now() AT TIME ZONE 'UTC')));
      END IF;
      IF to_do AND NEW.status = 'pending' THEN
        PERFORM pg_notify('{CHANNEL}', 'j:' || NEW.booking_id || ':' || coalesce(NEW.for_device, ''));
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER booking_notify AFTER INSERT OR UPDATE ON booking
    FOR EACH ROW EXECUTE FUNCTION bizcal_notify_booking()""",
    """CREATE TRIGGER outbox_job_notify AFTER INSERT OR UPDATE ON outbox_job
    FOR EACH ROW EXECUTE FUNCTION bizcal_notify_outbox()""",
)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgres():
        return
    for statement in POSTGRES_STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    if not _postgres():
        return
    op.execute("DROP TRIGGER IF EXISTS outbox_job_notify ON outbox_job")
    op.execute("DROP TRIGGER IF EXISTS booking_notify ON booking")
    op.execute("DROP FUNCTION IF EXISTS bizcal_notify_outbox()")
    op.execute("DROP FUNCTION IF EXISTS bizcal_notify_booking()")
